"""The teacher pool: bad input by field, phones, invitations from surveys, status, reveal, usability."""

from __future__ import annotations

import datetime as dt

import pytest

from linli.college.models import Teacher, TeacherStatus, TeacherWindow
from linli.college.selectors.teachers import teachers_usable
from linli.college.services import teachers as services
from linli.college.tests.interest import answer, make_interest_survey
from linli.college.tests.parts import KANGMEI, RENHE, SIBLING, sibling_community, teacher
from linli.core import protected
from linli.core.errors import LinliError
from linli.core.models import AccessLog, AuditEntry
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO

pytestmark = pytest.mark.django_db


def _create(p, **kwargs):
    values = {"by": p.xjq_worker, "area_code": XINGJIAQIAO, "name": "冯小玲", "kind": "local", "skills": ["油画"]}
    return services.teacher_create(**{**values, **kwargs})


def test_a_teacher_is_registered_with_a_normalized_hashed_phone_and_windows(personas):
    t = _create(personas, phone="+86 139-0000-1234", skills=[" 油画 ", "素描", "油画"],
                windows=[(6, dt.time(9), dt.time(11)), (3, dt.time(14, 30), dt.time(16))])
    t = Teacher.objects.get(pk=t.pk)
    assert t.phone == "13900001234"
    assert t.phone_hash == protected.blind_index("13900001234")
    assert t.phone_masked == "139****1234"
    assert t.skills == ["油画", "素描"]
    assert [(w.weekday, w.starts) for w in t.windows.all()] == [(3, dt.time(14, 30)), (6, dt.time(9))]
    audit = AuditEntry.objects.get(action="college.teacher_create")
    assert "13900001234" not in str(audit.data)


def test_an_active_teacher_may_be_entered_before_their_hours_are_known(personas):
    t = _create(personas, windows=())
    assert t.status == TeacherStatus.ACTIVE and not t.windows.exists()


@pytest.mark.parametrize(("window", "words"), [
    ((2, dt.time(9), dt.time(9)), "可授课时间第 1 条：结束时间：应晚于开始时间（周二 09:00–09:00 可用时长为 0）"),
    ((2, dt.time(11), dt.time(9)), "应晚于开始时间"),
    ((0, dt.time(9), dt.time(11)), "可授课时间第 1 条：星期：应为 1（周一）到 7（周日），不能是 0"),
    ((8, dt.time(9), dt.time(11)), "不能是 8"),
    ((True, dt.time(9), dt.time(11)), "不能是 True"),
    ((2, "09:00", dt.time(11)), "请填写时间"),
    ((2, dt.time(9)), "应为（星期, 开始时间, 结束时间）"),
])
def test_a_window_of_zero_hours_or_a_day_outside_the_week_is_refused(personas, window, words):
    with pytest.raises(LinliError) as exc:
        _create(personas, windows=[window])
    assert exc.value.field == "windows"
    assert words in exc.value.message
    assert not Teacher.objects.exists() and not TeacherWindow.objects.exists()


@pytest.mark.parametrize(("kwargs", "field", "words"), [
    ({"skills": []}, "skills", "至少填写一项"),
    ({"skills": ["  ", ""]}, "skills", "至少填写一项"),
    ({"skills": ["太" * 21]}, "skills", "每项最多 20 个字"),
    ({"skills": [f"技能{i}" for i in range(21)]}, "skills", "最多 20 项"),
    ({"phone": "12345"}, "phone", "联系电话：手机号应为 11 位"),
    ({"phone": "23900001234"}, "phone", "不是有效的手机号"),
    ({"kind": "master"}, "kind", "应为 专家老师 或 本土能人"),
    ({"status": "retired"}, "status", "应为"),
    ({"name": ""}, "name", "不能为空"),
    ({"area_code": "500112009011001"}, "area", "应选择社区、街道"),
])
def test_bad_input_is_refused_naming_the_field(personas, kwargs, field, words):
    with pytest.raises(LinliError) as exc:
        _create(personas, **kwargs)
    assert (exc.value.field, exc.value.status) == (field, 400)
    assert words in exc.value.message


def test_skills_of_exactly_twenty_characters_are_kept(personas):
    assert _create(personas, skills=["太" * 20]).skills == ["太" * 20]


def test_a_linked_resident_must_live_in_the_teachers_area(personas):
    with pytest.raises(LinliError) as exc:
        _create(personas, resident=personas.jzy_residents[0])
    assert exc.value.field == "resident" and "不是本社区的居民" in exc.value.message
    assert _create(personas, resident=personas.xjq_residents[0]).resident == personas.xjq_residents[0]  # in a grid
    street = _create(personas, by=personas.renhe_admin, area_code=RENHE, resident=personas.xjq_residents[1])
    assert street.area_id == RENHE


def test_registering_needs_manage_on_the_area(personas):
    for who in ("jzy_worker", "xjq_grid_worker", "assistance_officer", "outsider"):
        with pytest.raises(LinliError) as exc:
            _create(personas, by=getattr(personas, who))
        assert exc.value.status == 403, who
    with pytest.raises(LinliError) as exc:
        _create(personas, area_code=RENHE)
    assert exc.value.status == 403


def test_usable_teachers_are_active_ones_of_the_community_and_its_street(personas):
    sibling_community()
    own = teacher(personas, XINGJIAQIAO, name="本社区老师")
    expert = teacher(personas, RENHE, name="街道专家", kind="expert")
    teacher(personas, XINGJIAQIAO, name="待邀请的居民", status="invited")
    stopped = teacher(personas, XINGJIAQIAO, name="停用的老师")
    services.teacher_status_set(by=personas.xjq_worker, teacher=stopped, status="inactive")
    teacher(personas, SIBLING, name="二社区老师")
    teacher(personas, JINZHUYUAN, name="金竹苑老师")
    teacher(personas, KANGMEI, name="康美专家")
    assert {t.name for t in teachers_usable(XINGJIAQIAO)} == {own.name, expert.name}
    assert {t.name for t in teachers_usable(SIBLING)} == {"二社区老师", expert.name}


def test_usable_teachers_take_a_fixed_number_of_queries(personas, django_assert_num_queries):
    for i in range(6):
        teacher(personas, windows=[(i + 1, dt.time(9), dt.time(10))])
    with django_assert_num_queries(2):
        assert sum(len(t.windows.all()) for t in teachers_usable(XINGJIAQIAO)) == 6


# --- invitations from surveys ------------------------------------------------------------------


def test_a_talent_offered_in_a_survey_becomes_one_invitation_however_often_it_is_handled(personas):
    survey = make_interest_survey(personas.district_admin)
    r = personas.xjq_residents[1]
    response = answer(survey, r, wanted=["绘画"], talent="剪纸、唐仕女图")
    talent = response.answers.get(question__position=3)
    first = services.teacher_invite_from_answer(answer=talent, resident=r, skills=["剪纸", "唐仕女图"])
    again = services.teacher_invite_from_answer(answer=talent, resident=r, skills=["剪纸", "唐仕女图"])
    assert first.pk == again.pk and Teacher.objects.count() == 1
    t = Teacher.objects.get()
    assert (t.area_id, t.kind, t.status, t.name, t.resident, t.source_answer) == (
        XINGJIAQIAO, "local", "invited", r.name, r, talent)
    assert t.skills == ["剪纸", "唐仕女图"]
    assert t.phone == r.phone and t.phone_hash == r.phone_hash
    audit = AuditEntry.objects.get(action="college.teacher_invite")
    assert audit.actor is None and audit.area_code == XINGJIAQIAO


def test_an_invitation_goes_to_the_residents_community_even_from_a_grid(personas):
    survey = make_interest_survey(personas.district_admin)
    r = personas.xjq_residents[0]  # registered in 邢家桥's grid
    talent = answer(survey, r, talent="快板").answers.get(question__position=3)
    assert services.teacher_invite_from_answer(answer=talent, resident=r, skills=["快板"]).area_id == XINGJIAQIAO


def test_a_resident_already_in_the_pool_gets_new_skills_not_a_second_record(personas):
    r = personas.xjq_residents[1]
    existing = _create(personas, name=r.name, resident=r, skills=["太极拳"])
    survey = make_interest_survey(personas.district_admin)
    talent = answer(survey, r, talent="腰鼓").answers.get(question__position=3)
    same = services.teacher_invite_from_answer(answer=talent, resident=r, skills=["腰鼓", "太极拳"])
    assert same.pk == existing.pk and Teacher.objects.count() == 1
    assert Teacher.objects.get().skills == ["太极拳", "腰鼓"]
    assert Teacher.objects.get().status == "active"


def test_an_invitation_keeps_over_long_skills_trimmed_rather_than_losing_the_answer(personas):
    survey = make_interest_survey(personas.district_admin)
    r = personas.xjq_residents[2]
    talent = answer(survey, r, talent="x").answers.get(question__position=3)
    t = services.teacher_invite_from_answer(answer=talent, resident=r, skills=["长" * 30])
    assert t.skills == ["长" * 20]


def test_an_invitation_is_accepted_or_declined_and_audited(personas):
    invited = _create(personas, status="invited")
    services.teacher_accept(by=personas.xjq_worker, teacher=invited)
    assert Teacher.objects.get(pk=invited.pk).status == "active"
    other = _create(personas, name="何开碧", status="invited")
    services.teacher_decline(by=personas.xjq_worker, teacher=other, note="身体原因")
    assert Teacher.objects.get(pk=other.pk).status == "declined"
    rows = AuditEntry.objects.filter(action="college.teacher_status").order_by("pk")
    assert [r.data["to"] for r in rows] == ["active", "declined"]
    assert rows[1].data["note"] == "身体原因"
    with pytest.raises(LinliError) as exc:  # an active teacher was never "declined"
        services.teacher_decline(by=personas.xjq_worker, teacher=Teacher.objects.get(pk=invited.pk))
    assert exc.value.status == 409
    with pytest.raises(LinliError) as exc:
        services.teacher_accept(by=personas.xjq_grid_worker, teacher=other)
    assert exc.value.status == 403


# --- revealing the phone ---------------------------------------------------------------------


def test_reveal_needs_the_unmask_permission_and_a_reason_and_is_logged(personas):
    t = _create(personas, phone="13900001234")
    for who in ("jzy_worker", "xjq_grid_worker", "outsider"):
        with pytest.raises(LinliError) as exc:
            services.teacher_reveal(by=getattr(personas, who), teacher=t, reason="联系上课时间")
        assert exc.value.status == 403, who
    with pytest.raises(LinliError) as exc:
        services.teacher_reveal(by=personas.xjq_worker, teacher=t, reason=" 嗯 ")
    assert exc.value.field == "reason"
    assert not AccessLog.objects.exists()
    assert services.teacher_reveal(by=personas.xjq_worker, teacher=t, reason="联系上课时间") == "13900001234"
    log = AccessLog.objects.get()
    assert (log.actor, log.target_type, log.target_id, log.field, log.reason, log.area_code) == (
        personas.xjq_worker, "college.teacher", str(t.pk), "phone", "联系上课时间", XINGJIAQIAO)


def test_update_keeps_the_phone_hash_in_step(personas):
    t = _create(personas, phone="13900001234")
    services.teacher_update(by=personas.xjq_worker, teacher=t, name="冯老师", kind="expert", skills=["油画"],
                            phone="13700005678")
    t.refresh_from_db()
    assert (t.name, t.kind, t.phone, t.phone_hash) == ("冯老师", "expert", "13700005678",
                                                       protected.blind_index("13700005678"))
    services.teacher_update(by=personas.xjq_worker, teacher=t, name="冯老师", kind="expert", skills=["油画"])
    t.refresh_from_db()
    assert (t.phone, t.phone_hash) == ("", "")
    with pytest.raises(LinliError) as exc:
        services.teacher_update(by=personas.xjq_worker, teacher=t, name="冯老师", kind="expert", skills=[])
    assert exc.value.field == "skills"


def test_windows_of_zero_length_are_refused_when_added_one_by_one(personas):
    t = _create(personas)
    with pytest.raises(LinliError) as exc:
        services.teacher_window_add(by=personas.xjq_worker, teacher=t, weekday=1, starts=dt.time(9), ends=dt.time(9))
    assert exc.value.field == "ends" and "可用时长为 0" in exc.value.message
    with pytest.raises(LinliError) as exc:
        services.teacher_window_add(by=personas.xjq_worker, teacher=t, weekday=7 + 1, starts=dt.time(9),
                                    ends=dt.time(10))
    assert exc.value.field == "weekday"
    w = services.teacher_window_add(by=personas.xjq_worker, teacher=t, weekday=7, starts=dt.time(9), ends=dt.time(10))
    services.teacher_window_remove(by=personas.xjq_worker, window=w)
    assert not t.windows.exists()
