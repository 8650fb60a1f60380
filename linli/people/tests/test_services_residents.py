"""Registering, correcting, moving, archiving residents, and showing a protected value."""

from __future__ import annotations

import datetime as dt

import pytest

from linli.core.errors import CoreErrorCode, LinliError
from linli.core.models import AccessLog, AuditEntry
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO, XJQ_GRID, make_id_number
from linli.people import services
from linli.people.errors import PeopleErrorCode
from linli.people.models import ResidenceHistory, Resident
from linli.people.selectors import resident_by_id_number, residents_visible

pytestmark = pytest.mark.django_db

BIRTH = dt.date(1952, 4, 3)



def _create(by, **overrides):
    values = {
        "name": "李秀兰",
        "id_number": make_id_number(BIRTH, "F"),
        "area_code": XINGJIAQIAO,
        "phone": "13611112222",
        "address": "邢家桥路 3 号",
    }
    values.update(overrides)
    return services.resident_create(by=by, **values)


def _audits(resident, action):
    return AuditEntry.objects.filter(target_type="people.resident", target_id=str(resident.pk), action=action)


def _wrong_check(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


# --- create ---------------------------------------------------------------------------------


def test_create_derives_sex_and_birth_and_records_history_and_audit(personas):
    number = make_id_number(BIRTH, "M")
    resident = _create(personas.xjq_worker, id_number=number, tags=["独居老人", "veteran"])
    resident.refresh_from_db()
    assert (resident.sex, resident.birth_date) == ("M", BIRTH)
    assert resident.area_id == XINGJIAQIAO
    assert resident.checkin_code
    assert sorted(t.code for t in resident.tags.all()) == ["elder_alone", "veteran"]
    assert resident_by_id_number(number) == resident
    (history,) = ResidenceHistory.objects.filter(resident=resident)
    assert history.area_id == XINGJIAQIAO and history.moved_out_at is None
    assert history.recorded_by == personas.xjq_worker
    (audit,) = _audits(resident, "resident.create")
    assert audit.actor == personas.xjq_worker and audit.area_code == XINGJIAQIAO


def test_create_accepts_matching_sex_and_birth_and_a_grid(personas):
    number = make_id_number(BIRTH, "F")
    resident = _create(personas.xjq_grid_worker, id_number=number, sex="F", birth_date=BIRTH, area_code=XJQ_GRID)
    assert resident.area_id == XJQ_GRID


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"id_number": "50011219520403"}, "id_number", "身份证号：应为 18 位"),
        ({"id_number": "5001121952040300AB"}, "id_number", "身份证号：前 17 位应为数字"),
        ({"id_number": "wrong-check"}, "id_number", "身份证号：校验位错误"),
        ({"sex": "M"}, "sex", "性别：与身份证号不符（身份证号显示为女）"),
        ({"sex": "X"}, "sex", "性别：应为 男 或 女"),
        ({"birth_date": dt.date(1952, 4, 4)}, "birth_date", "出生日期：与身份证号不符（身份证号显示为 1952-04-03）"),
        ({"phone": "1361111222"}, "phone", "手机号：手机号应为 11 位，实际 10 位"),
        ({"phone": "12611112222"}, "phone", "手机号：不是有效的手机号"),
        ({"area_code": "500112009999"}, "area", "所在社区/网格：地区代码 500112009999 不存在"),
        ({"area_code": ""}, "area", "地区代码 （空） 不存在"),
        ({"area_code": "500112009"}, "area", "所在社区/网格：人和街道 是街道，应选择社区或网格"),
        ({"name": "   "}, "name", "姓名：不能为空"),
        ({"name": "名" * 65}, "name", "姓名：过长"),
        ({"tags": ["不存在的标签"]}, "tags", "标签：没有“不存在的标签”这个标签"),
    ],
)
def test_create_refuses_bad_input_naming_the_field(personas, overrides, field, message):
    if overrides.get("id_number") == "wrong-check":
        overrides = {"id_number": _wrong_check(make_id_number(BIRTH, "F"))}
    before = Resident.objects.count(), AuditEntry.objects.count()
    with pytest.raises(LinliError) as caught:
        _create(personas.district_admin, **overrides)
    assert caught.value.field == field
    assert message in caught.value.message
    assert caught.value.status == 400
    assert (Resident.objects.count(), AuditEntry.objects.count()) == before


def test_street_code_has_its_own_error_code(personas):
    with pytest.raises(LinliError) as caught:
        _create(personas.district_admin, area_code="500112009")
    assert caught.value.code == PeopleErrorCode.WRONG_AREA_LEVEL


def test_duplicate_id_number_names_where_the_person_lives_and_writes_nothing(personas):
    existing = personas.xjq_residents[1]
    before = (Resident.objects.count(), ResidenceHistory.objects.count(), AuditEntry.objects.count())
    with pytest.raises(LinliError) as caught:
        _create(personas.jzy_worker, id_number=existing.id_number, area_code=JINZHUYUAN)
    error = caught.value
    assert error.code == PeopleErrorCode.DUPLICATE_ID_NUMBER
    assert error.status == 409 and error.field == "id_number"
    assert "人和街道邢家桥社区" in error.message
    assert (Resident.objects.count(), ResidenceHistory.objects.count(), AuditEntry.objects.count()) == before


def test_duplicate_is_found_whatever_way_the_number_is_typed(personas):
    existing = personas.jzy_residents[0]  # a man: the number may end in X or a digit
    typed = " ".join([existing.id_number[:6], existing.id_number[6:14], existing.id_number[14:].lower()])
    with pytest.raises(LinliError) as caught:
        _create(personas.district_admin, id_number=typed, area_code=XINGJIAQIAO)
    assert "金竹苑社区" in caught.value.message


def test_an_archived_person_is_still_a_duplicate(personas):
    gone = personas.xjq_residents[2]
    services.resident_archive(by=personas.xjq_worker, resident=gone, reason="迁往外地")
    with pytest.raises(LinliError) as caught:
        _create(personas.xjq_worker, id_number=gone.id_number)
    assert caught.value.code == PeopleErrorCode.DUPLICATE_ID_NUMBER


@pytest.mark.parametrize(
    ("who", "area"),
    [("xjq_worker", JINZHUYUAN), ("jzy_worker", XJQ_GRID), ("renhe_admin", JINZHUYUAN), ("assistance_officer", XINGJIAQIAO),
     ("outsider", XINGJIAQIAO), ("resident_user", XINGJIAQIAO)],
)
def test_create_outside_ones_areas_is_forbidden(personas, who, area):
    before = Resident.objects.count()
    with pytest.raises(LinliError) as caught:
        _create(getattr(personas, who), area_code=area)
    assert caught.value.code == CoreErrorCode.FORBIDDEN and caught.value.status == 403
    assert Resident.objects.count() == before


# --- update -------------------------------------------------------------------------------


def test_update_corrects_fields_and_audits_which(personas):
    resident = personas.xjq_residents[1]
    new_number = make_id_number(resident.birth_date, "F")
    services.resident_update(by=personas.xjq_worker, resident=resident, name="邢居民一", id_number=new_number,
                             phone="13722223333", address="新地址 9 号", tags=["党员"])
    fresh = Resident.objects.get(pk=resident.pk)
    assert (fresh.name, fresh.id_number, fresh.phone, fresh.address) == ("邢居民一", new_number, "13722223333", "新地址 9 号")
    assert [t.code for t in fresh.tags.all()] == ["party_member"]
    assert resident_by_id_number(new_number) == fresh
    (audit,) = _audits(resident, "resident.update")
    assert set(audit.data["fields"]) == {"name", "id_number", "phone", "address", "tags"}
    assert new_number not in str(audit.data) and "13722223333" not in str(audit.data)


def test_update_to_anothers_id_number_is_refused(personas):
    resident, other = personas.xjq_residents[1], personas.jzy_residents[1]
    with pytest.raises(LinliError) as caught:
        services.resident_update(by=personas.district_admin, resident=resident, name=resident.name,
                                 id_number=other.id_number)
    assert caught.value.code == PeopleErrorCode.DUPLICATE_ID_NUMBER
    assert Resident.objects.get(pk=resident.pk).id_number == resident.id_number


def test_update_by_another_community_is_forbidden(personas):
    resident = personas.xjq_residents[1]
    with pytest.raises(LinliError) as caught:
        services.resident_update(by=personas.jzy_worker, resident=resident, name="改名", id_number=resident.id_number)
    assert caught.value.code == CoreErrorCode.FORBIDDEN
    assert Resident.objects.get(pk=resident.pk).name == resident.name


# --- move -----------------------------------------------------------------------------------


def test_move_between_communities_keeps_the_history(personas):
    resident = personas.xjq_residents[1]
    services.resident_move(by=personas.district_admin, resident=resident, area_code=JINZHUYUAN,
                           address="金竹苑 5 栋", reason="购房迁入")
    fresh = Resident.objects.get(pk=resident.pk)
    assert fresh.area_id == JINZHUYUAN and fresh.address == "金竹苑 5 栋"
    old, new = ResidenceHistory.objects.filter(resident=resident).order_by("moved_in_at", "pk")
    assert old.area_id == XINGJIAQIAO and old.moved_out_at is not None
    assert new.area_id == JINZHUYUAN and new.moved_out_at is None and new.reason == "购房迁入"
    assert new.moved_in_at == old.moved_out_at
    (audit,) = _audits(resident, "resident.move")
    assert audit.data["from"] == XINGJIAQIAO and audit.data["to"] == JINZHUYUAN
    # visibility follows the move
    assert fresh in residents_visible(personas.jzy_worker)
    assert fresh not in residents_visible(personas.xjq_worker)


def test_move_into_a_grid_of_the_same_community(personas):
    resident = personas.xjq_residents[2]
    services.resident_move(by=personas.xjq_worker, resident=resident, area_code=XJQ_GRID)
    assert Resident.objects.get(pk=resident.pk).area_id == XJQ_GRID
    assert ResidenceHistory.objects.filter(resident=resident, moved_out_at__isnull=True).get().area_id == XJQ_GRID


def test_worker_cannot_move_someone_into_another_community(personas):
    resident = personas.xjq_residents[1]
    with pytest.raises(LinliError) as caught:
        services.resident_move(by=personas.xjq_worker, resident=resident, area_code=JINZHUYUAN)
    assert caught.value.code == CoreErrorCode.FORBIDDEN
    assert Resident.objects.get(pk=resident.pk).area_id == XINGJIAQIAO
    assert ResidenceHistory.objects.filter(resident=resident).count() == 1


def test_move_to_where_one_already_lives_is_refused(personas):
    resident = personas.xjq_residents[1]
    for address in ("", resident.address):
        with pytest.raises(LinliError) as caught:
            services.resident_move(by=personas.xjq_worker, resident=resident, area_code=XINGJIAQIAO, address=address)
        assert caught.value.field == "area"
    assert ResidenceHistory.objects.filter(resident=resident).count() == 1


def test_an_archived_resident_cannot_be_moved(personas):
    resident = personas.xjq_residents[1]
    services.resident_archive(by=personas.xjq_worker, resident=resident, reason="去世")
    with pytest.raises(LinliError) as caught:
        services.resident_move(by=personas.district_admin, resident=resident, area_code=JINZHUYUAN)
    assert caught.value.code == PeopleErrorCode.ARCHIVED
    assert not ResidenceHistory.objects.filter(resident=resident, moved_out_at__isnull=True).exists()


# --- archive --------------------------------------------------------------------------------


def test_archive_closes_the_record_without_deleting_it(personas):
    resident = personas.xjq_residents[1]
    services.resident_archive(by=personas.xjq_worker, resident=resident, reason="  迁往外地  ")
    fresh = Resident.objects.get(pk=resident.pk)
    assert fresh.archived_at is not None and fresh.archived_reason == "迁往外地"
    assert not ResidenceHistory.objects.filter(resident=resident, moved_out_at__isnull=True).exists()
    assert fresh not in residents_visible(personas.xjq_worker)
    assert fresh in residents_visible(personas.xjq_worker, include_archived=True)
    assert _audits(resident, "resident.archive").get().data == {"reason": "  迁往外地  "}
    with pytest.raises(LinliError) as again:
        services.resident_archive(by=personas.xjq_worker, resident=fresh, reason="再次")
    assert again.value.code == PeopleErrorCode.ARCHIVED
    with pytest.raises(LinliError) as update:
        services.resident_update(by=personas.xjq_worker, resident=fresh, name="x", id_number=fresh.id_number)
    assert update.value.code == PeopleErrorCode.ARCHIVED


def test_archive_needs_a_reason_and_the_right(personas):
    resident = personas.xjq_residents[1]
    with pytest.raises(LinliError) as no_reason:
        services.resident_archive(by=personas.xjq_worker, resident=resident, reason="  ")
    assert no_reason.value.field == "reason"
    with pytest.raises(LinliError) as not_theirs:
        services.resident_archive(by=personas.jzy_worker, resident=resident, reason="迁出")
    assert not_theirs.value.code == CoreErrorCode.FORBIDDEN
    assert Resident.objects.get(pk=resident.pk).archived_at is None


# --- reveal ---------------------------------------------------------------------------------


def test_reveal_returns_the_value_and_logs_who_what_why(personas):
    resident = personas.xjq_residents[1]
    value = services.resident_reveal(by=personas.xjq_worker, resident=resident, field="id_number",
                                     reason="办理 高龄 补贴")
    assert value == resident.id_number
    (log,) = AccessLog.objects.all()
    assert log.actor == personas.xjq_worker
    assert (log.target_type, log.target_id) == ("people.resident", str(resident.pk))
    assert (log.field, log.reason, log.area_code) == ("id_number", "办理 高龄 补贴", XINGJIAQIAO)
    phone = services.resident_reveal(by=personas.assistance_officer, resident=resident, field="phone", reason="电话回访")
    assert phone == resident.phone
    assert AccessLog.objects.count() == 2


@pytest.mark.parametrize("reason", ["", "   ", "a"])
def test_reveal_without_a_reason_is_refused_and_not_logged(personas, reason):
    with pytest.raises(LinliError) as caught:
        services.resident_reveal(by=personas.xjq_worker, resident=personas.xjq_residents[1], field="phone",
                                 reason=reason)
    assert caught.value.field == "reason"
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize("who", ["xjq_grid_worker", "jzy_worker", "outsider", "resident_user"])
def test_reveal_needs_the_unmask_permission_there(personas, who):
    with pytest.raises(LinliError) as caught:
        services.resident_reveal(by=getattr(personas, who), resident=personas.xjq_residents[0], field="id_number",
                                 reason="核对身份")
    assert caught.value.code == CoreErrorCode.FORBIDDEN
    assert not AccessLog.objects.exists()


def test_only_protected_fields_can_be_revealed(personas):
    with pytest.raises(LinliError) as caught:
        services.resident_reveal(by=personas.xjq_worker, resident=personas.xjq_residents[1], field="checkin_code",
                                 reason="核对身份")
    assert caught.value.field == "field"
    assert not AccessLog.objects.exists()


# --- the resident's own login ---------------------------------------------------------------


def test_login_account_is_made_once(personas):
    resident = personas.xjq_residents[1]
    first = services.resident_login_account(resident=resident)
    second = services.resident_login_account(resident=resident)
    assert first == second
    assert first.kind == "resident" and first.phone == resident.phone
    assert not first.has_usable_password()
    assert Resident.objects.get(pk=resident.pk).user == first
