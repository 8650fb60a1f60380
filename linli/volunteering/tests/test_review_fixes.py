"""Review fixes: huge hours refused (not a 500), confirmed hours independent of the points rules,
the check-in desk's time limits, no invented times in the confirm form."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from linli.core.errors import LinliError
from linli.core.testing import XINGJIAQIAO, with_token
from linli.points.models import EarningRule, Entry, Transfer
from linli.points.services import points_award, points_balance
from linli.volunteering import services
from linli.volunteering.models import RecordStatus, ServiceRecord, Signup
from linli.volunteering.tests.conftest import at

pytestmark = pytest.mark.django_db


def _ledger():
    return Transfer.objects.count(), Entry.objects.count()


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _record(world, volunteer=None):
    return services.service_record_create(by=world.p.xjq_worker, volunteer=volunteer or world.xjq_volunteers[0],
                                          area_code=XINGJIAQIAO, content="楼道清扫", starts_at=at(19, 9),
                                          ends_at=at(19, 11))


def _served(world, volunteer, start=(22, 9, 0), end=(22, 11, 30)):
    s = services.signup_create(by=world.p.xjq_worker, activity=world.activity, volunteer=volunteer,
                               role=world.other_role)
    s = services.signup_check_in(by=world.p.xjq_worker, signup=s, at=at(*start))
    return services.signup_check_out(by=world.p.xjq_worker, signup=s, at=at(*end))


# --- 1. hours that overflow the decimal arithmetic ------------------------------------------


@pytest.mark.parametrize(("hours", "message"), [
    ("9e99", "应为数字"), ("1e1", "应为数字"), ("-9E99", "应为数字"), ("Infinity", "应为数字"),
    ("99999999", "最多记 24 小时"), ("24.5", "最多记 24 小时"),
])
def test_huge_or_exponent_hours_refused_by_the_service(world, frozen, hours, message):
    record = _record(world)
    before = _ledger()
    with pytest.raises(LinliError) as exc:
        services.service_record_confirm(by=world.p.xjq_worker, record=record, hours=hours)
    assert exc.value.field == "hours" and message in exc.value.message
    assert _ledger() == before


def test_huge_hours_refused_on_the_record_form(world, frozen):
    p = world.p
    data = {"area": XINGJIAQIAO, "volunteer": world.xjq_volunteers[0].pk, "content": "楼道清扫", "place": "",
            "starts_at": "2026-05-19T09:00", "ends_at": "2026-05-19T11:00", "hours": "9e99", "note": ""}
    response = _client(p.xjq_worker).post("/volunteering/records/new/", with_token(p.xjq_worker, data))
    assert response.status_code == 400 and "应为数字" in response.content.decode()
    assert not ServiceRecord.objects.filter(status=RecordStatus.CONFIRMED).exists()


def test_huge_hours_refused_on_the_confirm_form(world, frozen):
    p = world.p
    signup = _served(world, world.xjq_volunteers[0])
    frozen.move_to(at(22, 12))
    c = _client(p.xjq_worker)
    url = f"/volunteering/activities/{world.activity.pk}/signups/{signup.pk}/confirm/"
    response = c.post(url, with_token(p.xjq_worker, {"hours": "9e99"}), follow=True)
    assert response.status_code == 200 and "应为数字" in response.content.decode()
    assert not ServiceRecord.objects.filter(status=RecordStatus.CONFIRMED).exists()


# --- 2. hours do not depend on the points rules --------------------------------------------


def test_no_points_rule_still_confirms_the_hours_with_a_note(world, frozen):
    EarningRule.objects.update(active=False)
    signup = _served(world, world.xjq_volunteers[0])
    frozen.move_to(at(22, 12))
    record = services.service_record_confirm_signup(by=world.p.xjq_worker, signup=signup)
    record.refresh_from_db()
    assert record.status == RecordStatus.CONFIRMED and str(record.hours) == "2.5"
    assert record.points == 0 and record.points_transfer_id is None
    assert "本社区未设置志愿服务积分规则，未发积分" in record.note
    assert _ledger() == (0, 0)


def test_no_points_rule_message_on_the_desk_page(world, frozen):
    EarningRule.objects.update(active=False)
    signup = _served(world, world.xjq_volunteers[0])
    frozen.move_to(at(22, 12))
    c = _client(world.p.xjq_worker)
    url = f"/volunteering/activities/{world.activity.pk}/signups/{signup.pk}/confirm/"
    html = c.post(url, with_token(world.p.xjq_worker, {"hours": ""}), follow=True).content.decode()
    assert "未设置志愿服务积分规则" in html and "积分已发放" not in html


def test_archived_resident_still_gets_the_hours(world, frozen):
    from linli.people.models import Resident

    v = world.xjq_volunteers[0]
    record = _record(world, v)
    Resident.objects.filter(pk=v.resident.pk).update(archived_at=timezone.now())
    record = services.service_record_confirm(by=world.p.xjq_worker, record=record)
    record.refresh_from_db()
    assert record.status == RecordStatus.CONFIRMED and record.points == 0
    assert "注销" in record.note and "未发积分" in record.note
    assert _ledger() == (0, 0)


def test_volunteer_from_another_community_gets_points_from_their_own(world, frozen):
    """A 金竹苑 volunteer at a 邢家桥 activity: the organiser holds no role in 金竹苑, the award is
    the system's, by 金竹苑's rule, naming the organiser."""
    v = world.jzy_volunteers[0]
    signup = _served(world, v)
    frozen.move_to(at(22, 12))
    record = services.service_record_confirm_signup(by=world.p.xjq_worker, signup=signup)
    assert record.status == RecordStatus.CONFIRMED and record.points == 25
    assert points_balance(v.resident) == 25
    transfer = Transfer.objects.get(pk=record.points_transfer_id)
    assert transfer.operator_id is None
    assert str(world.p.xjq_worker) in transfer.reason


def test_a_genuine_duplicate_award_is_still_refused(world, frozen):
    v = world.xjq_volunteers[0]
    record = _record(world, v)
    points_award(by=None, resident=v.resident, action="service_half_hour", units=4, source=record)
    before = _ledger()
    with pytest.raises(LinliError) as exc:
        services.service_record_confirm(by=world.p.xjq_worker, record=record)
    assert exc.value.status == 409
    record.refresh_from_db()
    assert record.status == RecordStatus.PENDING
    assert _ledger() == before


def test_confirming_still_needs_the_organiser(world, frozen, personas):
    """The system award does not widen who confirms: the 金竹苑 worker cannot confirm 邢家桥's hours."""
    record = _record(world, world.jzy_volunteers[0])
    with pytest.raises(LinliError) as exc:
        services.service_record_confirm(by=personas.jzy_worker, record=record)
    assert exc.value.status == 403
    assert _ledger() == (0, 0)


# --- 3. the desk's time limits ----------------------------------------------------------------


def _signed(world, volunteer=None):
    return services.signup_create(by=world.p.xjq_worker, activity=world.activity,
                                  volunteer=volunteer or world.xjq_volunteers[0], role=world.other_role)


def test_no_check_in_after_the_end(world, frozen):
    s = _signed(world)
    with pytest.raises(LinliError) as exc:
        services.signup_check_in(by=world.p.xjq_worker, signup=s, at=at(22, 11, 30))
    assert exc.value.status == 409 and "结束" in exc.value.message
    with pytest.raises(LinliError):
        services.signup_check_in(by=world.p.xjq_worker, signup=s, at=at(25, 9))
    assert Signup.objects.get(pk=s.pk).checked_in_at is None


def test_no_check_in_on_a_finished_activity(world, frozen):
    s = _signed(world)
    frozen.move_to(at(22, 10))
    services.activity_finish(by=world.p.xjq_worker, activity=world.activity)
    with pytest.raises(LinliError) as exc:
        services.signup_check_in(by=world.p.xjq_worker, signup=s, at=at(22, 10))
    assert exc.value.status == 409 and "已结束" in exc.value.message


def test_scan_after_the_end_does_not_check_in(world, frozen):
    from linli.people.services import resident_login_account

    v = world.xjq_volunteers[1]
    user = resident_login_account(resident=v.resident)
    _signed(world, v)
    frozen.move_to(at(24, 9))
    with pytest.raises(LinliError) as exc:
        services.signup_scan(by=user, token=world.activity.checkin_token, resident=v.resident)
    assert "不能再签到" in exc.value.message


def test_check_out_closes_two_hours_after_the_end(world, frozen):
    a, b = world.xjq_volunteers[:2]
    late = services.signup_check_in(by=world.p.xjq_worker, signup=_signed(world, a), at=at(22, 9))
    in_time = services.signup_check_in(by=world.p.xjq_worker, signup=_signed(world, b), at=at(22, 9))
    with pytest.raises(LinliError) as exc:
        services.signup_check_out(by=world.p.xjq_worker, signup=late, at=at(22, 13, 31))
    assert exc.value.status == 409 and "签退已于 2026-05-22 13:30 截止" in exc.value.message
    assert Signup.objects.get(pk=late.pk).checked_out_at is None
    s = services.signup_check_out(by=world.p.xjq_worker, signup=in_time, at=at(22, 13, 30))
    assert s.checked_out_at == at(22, 13, 30)


def test_confirm_form_not_prefilled_with_the_planned_times(world, frozen):
    a, b = world.xjq_volunteers[:2]
    _signed(world, a)  # never checked in
    services.signup_check_in(by=world.p.xjq_worker, signup=_signed(world, b), at=at(22, 8, 55))
    frozen.move_to(at(22, 12))
    c = _client(world.p.xjq_worker)
    html = c.get(f"/volunteering/activities/{world.activity.pk}/").content.decode()
    assert 'value="2026-05-22T09:00"' not in html and 'value="2026-05-22T11:30"' not in html
    assert 'name="ends_at" value=""' in html
    assert 'value="2026-05-22T08:55"' in html  # the real check-in is kept


# --- 4. voiding a record -------------------------------------------------------------------


def test_void_reverses_the_points_and_leaves_rolls_and_certificates(world, frozen):
    import datetime as dt

    from linli.volunteering import selectors

    v = world.xjq_volunteers[0]
    record = services.service_record_confirm(by=world.p.xjq_worker, record=_record(world, v))
    assert points_balance(v.resident) == 20
    voided = services.service_record_void(by=world.p.xjq_worker, record=record, reason="录错了人")
    assert voided.status == RecordStatus.VOID and voided.void_reason == "录错了人"
    assert voided.voided_by == world.p.xjq_worker
    assert points_balance(v.resident) == 0
    assert Transfer.objects.filter(reverses_id=record.points_transfer_id).exists()
    assert selectors.hours_of(v)["hours"] == 0
    assert selectors.honor_roll(world.p.district_admin, area_code=XINGJIAQIAO, year=2026, month=5) == []
    with pytest.raises(LinliError) as exc:
        services.certificate_issue(by=world.p.xjq_worker, volunteer=v, period_start=dt.date(2026, 5, 1),
                                   period_end=dt.date(2026, 5, 20))
    assert "没有已确认的服务记录" in exc.value.message
    with pytest.raises(LinliError) as exc:  # once only, and never confirmed again
        services.service_record_void(by=world.p.xjq_worker, record=record, reason="再来")
    assert exc.value.status == 409
    with pytest.raises(LinliError) as exc:
        services.service_record_confirm(by=world.p.xjq_worker, record=record)
    assert exc.value.status == 409
    assert points_balance(v.resident) == 0
    # The hours no longer block a correct record of the same time.
    again = services.service_record_confirm(by=world.p.xjq_worker, record=_record(world, v))
    assert again.status == RecordStatus.CONFIRMED


def test_void_refused_outside_the_area_or_without_a_reason(world, frozen, personas):
    record = services.service_record_confirm(by=world.p.xjq_worker, record=_record(world))
    for who in (personas.jzy_worker, personas.xjq_grid_worker, personas.outsider):
        with pytest.raises(LinliError) as exc:
            services.service_record_void(by=who, record=record, reason="错")
        assert exc.value.status == 403
    with pytest.raises(LinliError) as exc:
        services.service_record_void(by=world.p.xjq_worker, record=record, reason=" ")
    assert exc.value.field == "reason"
    record.refresh_from_db()
    assert record.status == RecordStatus.CONFIRMED


def test_void_refused_when_the_points_were_spent(world, frozen):
    from linli.points.services import redemption_create, reward_create

    v = world.xjq_volunteers[0]
    record = services.service_record_confirm(by=world.p.xjq_worker, record=_record(world, v))
    reward = reward_create(by=world.p.xjq_worker, area_code=XINGJIAQIAO, name="毛巾", giver="社区", cost=15, stock=3)
    redemption_create(by=world.p.xjq_worker, resident=v.resident, reward=reward)
    before = _ledger()
    with pytest.raises(LinliError) as exc:
        services.service_record_void(by=world.p.xjq_worker, record=record, reason="录错了人")
    assert "用掉" in exc.value.message
    record.refresh_from_db()
    assert record.status == RecordStatus.CONFIRMED and _ledger() == before


def test_void_button_on_the_volunteer_page(world, frozen):
    p = world.p
    v = world.xjq_volunteers[0]
    record = services.service_record_confirm(by=p.xjq_worker, record=_record(world, v))
    c = _client(p.xjq_worker)
    html = c.get(f"/volunteering/volunteers/{v.pk}/").content.decode()
    assert f"/volunteering/records/{record.pk}/void/" in html
    response = c.post(f"/volunteering/records/{record.pk}/void/", with_token(p.xjq_worker, {"reason": "录错了人"}),
                      follow=True)
    assert "已作废" in response.content.decode()
    record.refresh_from_db()
    assert record.status == RecordStatus.VOID and points_balance(v.resident) == 0
    other = _client(p.jzy_worker).post(f"/volunteering/records/{record.pk}/void/",
                                       with_token(p.jzy_worker, {"reason": "x"}))
    assert other.status_code == 404
