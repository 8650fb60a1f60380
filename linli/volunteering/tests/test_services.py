"""The services: every bad input refused with a clear message, hours → points through the real ledger."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from linli.core.errors import LinliError
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO
from linli.points.models import Entry, Transfer
from linli.points.services import points_balance
from linli.volunteering import selectors, services
from linli.volunteering.models import RecordStatus, ServiceRecord, Signup, VolunteerStatus, mask_name
from linli.volunteering.tests.conftest import at

pytestmark = pytest.mark.django_db


def _served(world, volunteer, role=None, start=(22, 9, 0), end=(22, 11, 30)):
    """Sign up, check in and out at the given local times."""
    s = services.signup_create(by=world.p.xjq_worker, activity=world.activity, volunteer=volunteer,
                               role=role or world.other_role)
    s = services.signup_check_in(by=world.p.xjq_worker, signup=s, at=at(*start))
    return services.signup_check_out(by=world.p.xjq_worker, signup=s, at=at(*end))


def _ledger():
    return Transfer.objects.count(), Entry.objects.count()


def test_confirm_awards_points_through_the_ledger(world, frozen):
    v = world.xjq_volunteers[0]
    signup = _served(world, v, start=(22, 8, 55), end=(22, 11, 40))
    frozen.move_to(at(22, 12))
    record = services.service_record_confirm_signup(by=world.p.xjq_worker, signup=signup)
    # 08:55–11:40 is 2 h 45 min: rounded down to 2.5 hours = 5 half hours × 5 points.
    assert record.hours == Decimal("2.5")
    assert record.status == RecordStatus.CONFIRMED and record.confirmed_by == world.p.xjq_worker
    assert record.points == 25
    assert points_balance(v.resident) == 25
    transfer = Transfer.objects.get(pk=record.points_transfer_id)
    assert transfer.source_id == str(record.pk) and transfer.units == 5


def test_second_confirmation_refused_ledger_unchanged(world, frozen):
    signup = _served(world, world.xjq_volunteers[0])
    frozen.move_to(at(22, 12))
    record = services.service_record_confirm_signup(by=world.p.xjq_worker, signup=signup)
    before = _ledger()
    with pytest.raises(LinliError) as exc:
        services.service_record_confirm(by=world.p.xjq_worker, record=record)
    assert exc.value.status == 409 and "不能重复确认" in exc.value.message
    with pytest.raises(LinliError):
        services.service_record_confirm_signup(by=world.p.xjq_worker, signup=signup)
    assert _ledger() == before
    assert points_balance(world.xjq_volunteers[0].resident) == 25


def test_overlapping_hours_refused_naming_the_other_service(world, frozen):
    v = world.xjq_volunteers[0]
    signup = _served(world, v)
    frozen.move_to(at(23, 12))
    services.service_record_confirm_signup(by=world.p.xjq_worker, signup=signup)
    other = services.service_record_create(by=world.p.xjq_worker, volunteer=v, area_code=XINGJIAQIAO,
                                           content="独居老人探访", starts_at=at(22, 11), ends_at=at(22, 13))
    before = _ledger()
    with pytest.raises(LinliError) as exc:
        services.service_record_confirm(by=world.p.xjq_worker, record=other)
    assert exc.value.status == 409 and exc.value.field == "starts_at"
    assert "生态花园除草" in exc.value.message and "2026-05-22 09:00–11:30" in exc.value.message
    assert _ledger() == before
    other.refresh_from_db()
    assert other.status == RecordStatus.PENDING
    # Touching end to start is not an overlap.
    adjacent = services.service_record_create(by=world.p.xjq_worker, volunteer=v, area_code=XINGJIAQIAO,
                                              content="独居老人探访", starts_at=at(22, 11, 30), ends_at=at(22, 13))
    assert services.service_record_confirm(by=world.p.xjq_worker, record=adjacent).hours == Decimal("1.5")


@pytest.mark.parametrize(("hours", "message"), [
    ("0", "应大于 0"), ("-1", "应大于 0"), ("1.2", "半小时"), ("0.25", "半小时"), ("abc", "应为数字"),
    ("NaN", "应为数字"), ("3", "不能超过"),
])
def test_bad_hours_refused(world, frozen, hours, message):
    v = world.xjq_volunteers[0]
    record = services.service_record_create(by=world.p.xjq_worker, volunteer=v, area_code=XINGJIAQIAO,
                                            content="楼道清扫", starts_at=at(19, 9), ends_at=at(19, 11))
    before = _ledger()
    with pytest.raises(LinliError) as exc:
        services.service_record_confirm(by=world.p.xjq_worker, record=record, hours=hours)
    assert exc.value.field == "hours" and message in exc.value.message
    assert _ledger() == before


def test_under_half_an_hour_is_zero_and_refused(world, frozen):
    record = services.service_record_create(by=world.p.xjq_worker, volunteer=world.xjq_volunteers[0],
                                            area_code=XINGJIAQIAO, content="分发传单", starts_at=at(19, 9),
                                            ends_at=at(19, 9, 29))
    with pytest.raises(LinliError) as exc:
        services.service_record_confirm(by=world.p.xjq_worker, record=record)
    assert "不足半小时" in exc.value.message


def test_more_than_24_hours_refused(world, frozen):
    record = services.service_record_create(by=world.p.xjq_worker, volunteer=world.xjq_volunteers[0],
                                            area_code=XINGJIAQIAO, content="防汛值守", starts_at=at(10, 8),
                                            ends_at=at(11, 10))
    with pytest.raises(LinliError) as exc:
        services.service_record_confirm(by=world.p.xjq_worker, record=record)
    assert "24 小时" in exc.value.message


def test_only_the_organiser_confirms(world, frozen, personas):
    from linli.accounts.roles import Role
    from linli.core.testing import staff

    colleague = staff("xjq2", Role.COMMUNITY_WORKER, XINGJIAQIAO)
    signup = _served(world, world.xjq_volunteers[0])
    frozen.move_to(at(22, 12))
    with pytest.raises(LinliError) as exc:
        services.service_record_confirm_signup(by=colleague, signup=signup)
    assert exc.value.status == 403
    with pytest.raises(LinliError) as exc:
        services.service_record_confirm_signup(by=personas.xjq_grid_worker, signup=signup)
    assert exc.value.status == 403
    assert not ServiceRecord.objects.exists()


def test_no_points_rule_confirms_hours_without_points(world, frozen):
    from linli.points.models import EarningRule

    EarningRule.objects.update(active=False)
    signup = _served(world, world.xjq_volunteers[0])
    frozen.move_to(at(22, 12))
    record = services.service_record_confirm_signup(by=world.p.xjq_worker, signup=signup)
    assert record.status == RecordStatus.CONFIRMED and record.points == 0
    assert "积分规则" in record.note
    assert _ledger() == (0, 0)


def test_headcount_full(world):
    a, b, c = world.xjq_volunteers
    services.signup_create(by=world.p.xjq_worker, activity=world.activity, volunteer=a, role=world.role)
    services.signup_create(by=world.p.xjq_worker, activity=world.activity, volunteer=b, role=world.role)
    with pytest.raises(LinliError) as exc:
        services.signup_create(by=world.p.xjq_worker, activity=world.activity, volunteer=c, role=world.role)
    assert exc.value.status == 409 and "已满" in exc.value.message
    assert Signup.objects.filter(role=world.role).count() == 2


def test_double_signup_refused(world):
    v = world.xjq_volunteers[0]
    services.signup_create(by=world.p.xjq_worker, activity=world.activity, volunteer=v, role=world.role)
    with pytest.raises(LinliError) as exc:
        services.signup_create(by=world.p.xjq_worker, activity=world.activity, volunteer=v, role=world.other_role)
    assert exc.value.status == 409 and "已经报名" in exc.value.message


def test_cancelled_and_past_activities_refuse_signup(world, frozen):
    v = world.xjq_volunteers[0]
    frozen.move_to(at(22, 9, 1))
    with pytest.raises(LinliError) as exc:
        services.signup_create(by=world.p.xjq_worker, activity=world.activity, volunteer=v, role=world.role)
    assert "报名已截止" in exc.value.message
    frozen.move_to(at(20, 9))
    services.activity_cancel(by=world.p.xjq_worker, activity=world.activity, reason="暴雨")
    with pytest.raises(LinliError) as exc:
        services.signup_create(by=world.p.xjq_worker, activity=world.activity, volunteer=v, role=world.role)
    assert "已取消" in exc.value.message


def test_pending_volunteer_cannot_sign_up_until_verified(world):
    from linli.core.testing import resident

    r = resident(XINGJIAQIAO, "新居民")
    from linli.people.services import resident_login_account

    user = resident_login_account(resident=r)
    v = services.volunteer_apply(by=user, resident=r, skills=["摄影"], availability=["6-pm"])
    assert v.status == VolunteerStatus.PENDING
    with pytest.raises(LinliError):
        services.signup_create(by=user, activity=world.activity, volunteer=v, role=world.role)
    services.volunteer_verify(by=world.p.xjq_worker, volunteer=v)
    assert services.signup_create(by=user, activity=world.activity, volunteer=v, role=world.role).pk


def test_register_refusals(world):
    p = world.p
    with pytest.raises(LinliError) as exc:
        services.volunteer_register(by=p.xjq_worker, resident=p.xjq_residents[0])
    assert exc.value.status == 409
    with pytest.raises(LinliError) as exc:
        services.volunteer_register(by=p.jzy_worker, resident=p.xjq_residents[0])
    assert exc.value.status == 403
    for who in (p.assistance_officer, p.xjq_grid_worker, p.outsider):
        with pytest.raises(LinliError) as exc:
            services.volunteer_register(by=who, resident=p.xjq_residents[1])
        assert exc.value.status in (403, 409)
    with pytest.raises(LinliError) as exc:
        services.volunteer_update(by=p.xjq_worker, volunteer=world.xjq_volunteers[0], skills=[],
                                  availability=["8-am"])
    assert exc.value.field == "availability"


def test_scan_checks_in_then_out(world, frozen):
    from linli.people.services import resident_login_account

    v = world.xjq_volunteers[1]
    user = resident_login_account(resident=v.resident)
    services.signup_create(by=user, activity=world.activity, volunteer=v, role=world.role)
    frozen.move_to(at(22, 7))
    with pytest.raises(LinliError) as exc:
        services.signup_scan(by=user, token=world.activity.checkin_token, resident=v.resident)
    assert "签到从" in exc.value.message
    frozen.move_to(at(22, 8, 50))
    s, action = services.signup_scan(by=user, token=world.activity.checkin_token, resident=v.resident)
    assert action == "in" and s.checked_in_at == at(22, 8, 50)
    frozen.move_to(at(22, 11, 35))
    s, action = services.signup_scan(by=user, token=world.activity.checkin_token, resident=v.resident)
    assert action == "out"
    with pytest.raises(LinliError):
        services.signup_scan(by=user, token=world.activity.checkin_token, resident=v.resident)
    with pytest.raises(LinliError) as exc:
        services.signup_scan(by=user, token="nope", resident=v.resident)
    assert exc.value.status == 404


def test_certificate_fields_and_snapshot(world, frozen):
    v = world.xjq_volunteers[0]
    signup = _served(world, v)
    frozen.move_to(at(23, 9))
    services.service_record_confirm_signup(by=world.p.xjq_worker, signup=signup)
    manual = services.service_record_create(by=world.p.xjq_worker, volunteer=v, area_code=XINGJIAQIAO,
                                            content="独居老人探访", place="3 栋", starts_at=at(18, 14),
                                            ends_at=at(18, 15, 10))
    services.service_record_confirm(by=world.p.xjq_worker, record=manual)
    cert = services.certificate_issue(by=world.p.xjq_worker, volunteer=v, period_start=dt.date(2026, 5, 1),
                                      period_end=dt.date(2026, 5, 31), contact="023-6788 0000")
    assert cert.total_hours == Decimal("3.5") and cert.record_count == 2
    assert cert.name == v.resident.name and "*" in cert.id_number_masked
    assert cert.volunteer_number == v.number and cert.issuing_body == "邢家桥社区居民委员会"
    assert [line["content"] for line in cert.lines] == ["独居老人探访", "生态花园除草"]
    assert cert.lines[1]["time"] == "2026-05-22 09:00–11:30" and cert.lines[1]["place"] == "生态花园"
    assert len(cert.code) == 19 and selectors.certificate_by_code(cert.code.lower().replace("-", "")) == cert
    again = services.certificate_issue(by=world.p.xjq_worker, volunteer=v, period_start=dt.date(2026, 5, 1),
                                       period_end=dt.date(2026, 5, 31))
    assert again.code != cert.code
    with pytest.raises(LinliError) as exc:
        services.certificate_issue(by=world.p.xjq_worker, volunteer=v, period_start=dt.date(2026, 4, 1),
                                   period_end=dt.date(2026, 4, 30))
    assert "没有已确认的服务记录" in exc.value.message
    with pytest.raises(LinliError) as exc:
        services.certificate_issue(by=world.p.jzy_worker, volunteer=v, period_start=dt.date(2026, 5, 1),
                                   period_end=dt.date(2026, 5, 31))
    assert exc.value.status == 403


def test_honor_roll_figures(world, frozen):
    a, b, _ = world.xjq_volunteers
    (j,) = world.jzy_volunteers[:1]
    for v, hours, day in ((a, "2", 10), (a, "1.5", 12), (b, "3", 11)):
        r = services.service_record_create(by=world.p.xjq_worker, volunteer=v, area_code=XINGJIAQIAO,
                                           content="花园养护", starts_at=at(day, 8), ends_at=at(day, 12))
        services.service_record_confirm(by=world.p.xjq_worker, record=r, hours=hours)
    r = services.service_record_create(by=world.p.jzy_worker, volunteer=j, area_code=JINZHUYUAN,
                                       content="非洲鼓进养老站", starts_at=at(10, 14), ends_at=at(10, 16))
    services.service_record_confirm(by=world.p.jzy_worker, record=r)
    roll = selectors.honor_roll(world.p.district_admin, area_code=XINGJIAQIAO, year=2026, month=5)
    assert [(row.name, row.hours, row.points, row.records) for row in roll] == [
        (a.resident.name, Decimal("3.5"), 35, 2), (b.resident.name, Decimal("3.0"), 30, 1)]
    street = selectors.honor_roll(world.p.district_admin, area_code="500112", year=2026, order="points")
    assert [row.name for row in street] == [a.resident.name, b.resident.name, j.resident.name]
    assert selectors.honor_roll(world.p.district_admin, area_code=XINGJIAQIAO, year=2026, month=4) == []
    with pytest.raises(LinliError):
        selectors.honor_roll(world.p.jzy_worker, area_code=XINGJIAQIAO, year=2026)


def test_nominations_flow(world):
    p = world.p
    n = services.nomination_create(by=p.xjq_worker, resident=p.xjq_residents[0], title="最美志愿者",
                                   reason="两年来每周照料生态花园")
    with pytest.raises(LinliError):
        services.nomination_publish(by=p.xjq_worker, nomination=n)
    with pytest.raises(LinliError) as exc:
        services.nomination_review(by=p.xjq_worker, nomination=n, approve=False, note="")
    assert exc.value.field == "review_note"
    with pytest.raises(LinliError) as exc:
        services.nomination_review(by=p.jzy_worker, nomination=n, approve=True)
    assert exc.value.status == 403
    services.nomination_review(by=p.xjq_worker, nomination=n, approve=True, note="事迹属实")
    services.nomination_publish(by=p.xjq_worker, nomination=n)
    assert list(selectors.role_models_published(p.renhe_admin)) == [n]
    assert list(selectors.role_models_published(p.jzy_worker)) == []
    with pytest.raises(LinliError):
        services.nomination_review(by=p.xjq_worker, nomination=n, approve=True)


def test_mask_name():
    assert mask_name("张桂英") == "张*英"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧**娜"
