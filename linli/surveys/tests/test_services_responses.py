"""Answering: who may hand in whose answers, when, once, and every kind of bad answer refused at
its question. Then the survey's hooks run inside the same transaction."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError

from linli.core.errors import LinliError
from linli.core.models import AuditEntry
from linli.core.testing import XINGJIAQIAO, resident
from linli.people.services import proxy_bind, resident_archive, resident_login_account
from linli.surveys import hooks, services
from linli.surveys.models import Answer, Channel, Response
from linli.surveys.tests.helpers import RENHE, TODAY, good_answers, make_survey, q

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(personas):
    return make_survey(personas.xjq_worker, XINGJIAQIAO)


def _submit(personas, survey, answers=None, *, who=None, elder=None, channel=Channel.PAPER):
    return services.response_submit(
        by=who or personas.xjq_worker, survey=survey, resident=elder or personas.xjq_residents[1],
        answers=good_answers(survey) if answers is None else answers, channel=channel,
    )


def test_a_complete_sheet_is_stored_with_the_residents_community(personas, survey):
    elder = personas.xjq_residents[0]  # lives in the grid
    response = _submit(personas, survey, elder=elder, who=personas.resident_user, channel=Channel.PHONE)
    assert response.area_id == XINGJIAQIAO  # the community, not the grid
    assert (response.channel, response.entered_by_id) == (Channel.PHONE, personas.resident_user.pk)
    stored = {a.question.position: a for a in response.answers.select_related("question")}
    assert stored[1].choices == ["支持"]
    assert stored[2].choices == ["绘画"]
    assert stored[3].text == "多开晚上的课"
    assert stored[4].number == 4
    assert stored[5].choices == ["2-am", "6-pm"]
    assert 6 not in stored  # an optional question left empty stores nothing
    entry = AuditEntry.objects.get(action="survey.response")
    assert entry.area_code == XINGJIAQIAO and entry.data == {"survey": survey.pk, "channel": "phone"}


def test_choices_are_kept_in_the_questions_order_without_repeats(personas, survey):
    answers = good_answers(survey, p2={"choices": ["快板", "绘画", "快板"]}, p5={"choices": ["7-eve", "1-am", "1-am"]})
    response = _submit(personas, survey, answers)
    assert response.answers.get(question=q(survey, 2)).choices == ["绘画", "快板"]
    assert response.answers.get(question=q(survey, 5)).choices == ["1-am", "7-eve"]


def test_other_text_goes_with_the_choices(personas, survey):
    response = _submit(personas, survey, good_answers(survey, p2={"choices": ["象棋"], "text": " 葫芦丝 "}))
    answer = response.answers.get(question=q(survey, 2))
    assert (answer.choices, answer.text) == (["象棋"], "葫芦丝")


BAD = {
    "missing required": ({"p1": None}, 1, "必答题"),
    "empty required choice": ({"p1": {"choices": []}}, 1, "必答题"),
    "unknown option": ({"p1": {"choices": ["也许"]}}, 1, "没有“也许”这个选项"),
    "two on a single": ({"p1": {"choices": ["支持", "不支持"]}}, 1, "只能选一项"),
    "other on a question without it": ({"p1": {"choices": ["支持"], "text": "看情况"}}, 1, "不能填写其他内容"),
    "too many choices": ({"p2": {"choices": ["绘画", "象棋", "快板"]}}, 2, "最多选 2 项"),
    "other counts as a choice": ({"p2": {"choices": ["绘画", "象棋"], "text": "葫芦丝"}}, 2, "最多选 2 项"),
    "choices not a list": ({"p2": {"choices": "绘画"}}, 2, "应为列表"),
    "choice not text": ({"p2": {"choices": [3]}}, 2, "应为文字"),
    "text too long": ({"p3": {"text": "字" * 501}}, 3, "最多 500 个字"),
    "NUL in text": ({"p3": {"text": "a\x00b"}}, 3, "空字符"),
    "choices on a text question": ({"p3": {"choices": ["x"]}}, 3, "不是选择题"),
    "rating too high": ({"p4": {"number": 6}}, 4, "1 到 5"),
    "rating zero": ({"p4": {"number": 0}}, 4, "1 到 5"),
    "rating not a number": ({"p4": {"number": "4"}}, 4, "1 到 5"),
    "rating missing": ({"p4": {}}, 4, "请打分"),
    "number on a choice question": ({"p1": {"choices": ["支持"], "number": 3}}, 1, "不是评分题"),
    "unknown slot": ({"p5": {"choices": ["8-am"]}}, 5, "没有“8-am”这个时间段"),
    "slot written as a label": ({"p5": {"choices": ["周二上午"]}}, 5, "时间段"),
    "no slot": ({"p5": {"choices": []}}, 5, "至少选一个时间段"),
    "text on the slot grid": ({"p5": {"choices": ["1-am"], "text": "都行"}}, 5, "不能填写文字"),
    "an answer that is not an object": ({"p1": ["支持"]}, 1, "格式不正确"),
    "an unknown key": ({"p1": {"choices": ["支持"], "score": 1}}, 1, "score"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_answers_are_refused_at_their_question(personas, survey, case):
    overrides, position, words = BAD[case]
    with pytest.raises(LinliError) as err:
        _submit(personas, survey, good_answers(survey, **overrides))
    question = q(survey, position)
    assert err.value.status == 400
    assert err.value.field == f"q{question.pk}"
    assert words in err.value.message, err.value.message
    assert err.value.message.startswith(f"第 {position} 题")
    assert not Response.objects.exists() and not Answer.objects.exists()


def test_every_mistake_is_reported_at_once(personas, survey):
    answers = good_answers(survey, p1=None, p4={"number": 9}, p5={"choices": ["x"]})
    with pytest.raises(LinliError) as err:
        _submit(personas, survey, answers)
    errors = err.value.extra["errors"]
    assert set(errors) == {f"q{q(survey, n).pk}" for n in (1, 4, 5)}


def test_unknown_question_is_refused(personas, survey):
    other = make_survey(personas.xjq_worker, XINGJIAQIAO, title="另一份")
    answers = {**good_answers(survey), q(other, 1).pk: {"choices": ["支持"]}}
    with pytest.raises(LinliError) as err:
        _submit(personas, survey, answers)
    assert err.value.field == f"q{q(other, 1).pk}" and "没有编号为" in err.value.message
    with pytest.raises(LinliError) as err:
        _submit(personas, survey, {**good_answers(survey), "1": {}})
    assert err.value.field == "q1"


def test_one_sheet_per_resident(personas, survey):
    _submit(personas, survey)
    with pytest.raises(LinliError) as err:
        _submit(personas, survey, who=personas.renhe_admin)
    assert (err.value.status, err.value.code) == (409, "surveys.already_answered")
    assert Response.objects.count() == 1


def test_the_database_decides_between_two_sheets_sent_together(personas, survey, monkeypatch):
    """The check before saving passes for both; the unique constraint refuses the second."""
    first = _submit(personas, survey)
    from django.db.models import QuerySet

    real_exists = QuerySet.exists
    skipped = []

    def exists(self):
        if self.model is Response:
            skipped.append(self)
            return False
        return real_exists(self)

    monkeypatch.setattr(QuerySet, "exists", exists)
    with pytest.raises(LinliError) as err:
        _submit(personas, survey)
    assert err.value.code == "surveys.already_answered" and err.value.status == 409
    assert skipped  # the early check was passed by, so the constraint refused it
    assert list(Response.objects.values_list("pk", flat=True)) == [first.pk]
    with pytest.raises(IntegrityError):  # and the constraint is really there
        Response.objects.create(survey=survey, resident=first.resident, area_id=XINGJIAQIAO, channel="paper",
                                entered_by=personas.xjq_worker)


def test_not_open_yet_closed_and_draft(personas):
    later = make_survey(personas.xjq_worker, XINGJIAQIAO, opens_on=TODAY + dt.timedelta(days=2),
                        closes_on=TODAY + dt.timedelta(days=9))
    with pytest.raises(LinliError) as err:
        _submit(personas, later)
    assert err.value.code == "surveys.not_yet_open" and "3 月 12 日开始" in err.value.message
    draft = make_survey(personas.xjq_worker, XINGJIAQIAO, publish=False)
    with pytest.raises(LinliError) as err:
        _submit(personas, draft)
    assert err.value.code == "surveys.not_open"
    ended = make_survey(personas.xjq_worker, XINGJIAQIAO)
    services.survey_close(by=personas.xjq_worker, survey=ended)
    with pytest.raises(LinliError) as err:
        _submit(personas, ended)
    assert err.value.code == "surveys.closed" and err.value.message.startswith("问卷已于 3 月 10 日截止")
    assert not Response.objects.exists()


def test_past_the_deadline_is_closed(personas, time_machine):
    survey = make_survey(personas.xjq_worker, XINGJIAQIAO, closes_on=TODAY + dt.timedelta(days=1))
    time_machine.move_to(dt.datetime(2026, 3, 12, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    with pytest.raises(LinliError) as err:
        _submit(personas, survey)
    assert err.value.message.startswith("问卷已于 3 月 11 日截止")


def test_residents_outside_the_area_cannot_answer(personas, survey):
    with pytest.raises(LinliError) as err:
        _submit(personas, survey, who=personas.jzy_worker, elder=personas.jzy_residents[0])
    assert err.value.code == "surveys.outside_area" and err.value.field == "resident"
    # A street's survey reaches all its communities, and no further.
    street = make_survey(personas.renhe_admin, RENHE)
    _submit(personas, street, who=personas.renhe_admin)
    with pytest.raises(LinliError) as err:
        _submit(personas, street, who=personas.district_admin, elder=personas.jzy_residents[0])
    assert err.value.code == "surveys.outside_area"


def test_an_archived_resident_cannot_answer(personas, survey):
    elder = personas.xjq_residents[1]
    resident_archive(by=personas.xjq_worker, resident=elder, reason="迁出")
    elder.refresh_from_db()
    with pytest.raises(LinliError):
        _submit(personas, survey, elder=elder)


# --- channels ----------------------------------------------------------------------------------


def test_phone_is_the_residents_own_login_only(personas, survey):
    other = personas.xjq_residents[1]
    with pytest.raises(LinliError) as err:  # someone else's phone login
        _submit(personas, survey, who=personas.resident_user, elder=other, channel=Channel.PHONE)
    assert err.value.status == 403
    with pytest.raises(LinliError) as err:  # a worker is not the resident
        _submit(personas, survey, who=personas.xjq_worker, elder=other, channel=Channel.PHONE)
    assert err.value.status == 403
    own = resident_login_account(resident=other)
    assert _submit(personas, survey, who=own, elder=other, channel=Channel.PHONE).channel == Channel.PHONE


def test_proxy_needs_an_active_binding_with_the_survey_scope(personas, survey):
    elder = personas.xjq_residents[2]
    enroll_only = proxy_bind(by=personas.xjq_worker, principal=elder, relation="family", scopes=["enroll"],
                             agent_phone="13512345678", agent_name="女儿")
    with pytest.raises(LinliError) as err:
        _submit(personas, survey, who=enroll_only.agent, elder=elder, channel=Channel.PROXY)
    assert err.value.status == 403
    proxy_bind(by=personas.xjq_worker, principal=elder, relation="family", scopes=["enroll", "survey"],
               agent=enroll_only.agent)
    response = _submit(personas, survey, who=enroll_only.agent, elder=elder, channel=Channel.PROXY)
    assert (response.channel, response.entered_by_id) == ("proxy", enroll_only.agent.pk)
    entry = AuditEntry.objects.get(action="survey.response")
    assert (entry.actor_id, entry.on_behalf_of) == (enroll_only.agent.pk, str(elder.pk))


@pytest.mark.parametrize(("who", "allowed"), [
    ("xjq_worker", True), ("renhe_admin", True), ("district_admin", True),
    ("xjq_grid_worker", True),  # the resident lives in the grid
    ("jzy_worker", False), ("assistance_officer", False), ("outsider", False), ("resident_user", False),
])
def test_paper_needs_enter_survey_on_the_residents_area(personas, survey, who, allowed):
    elder = personas.xjq_residents[0]
    if allowed:
        assert _submit(personas, survey, who=getattr(personas, who), elder=elder).channel == Channel.PAPER
    else:
        with pytest.raises(LinliError) as err:
            _submit(personas, survey, who=getattr(personas, who), elder=elder)
        assert err.value.status == 403
        assert not Response.objects.exists()


def test_grid_worker_only_for_the_grids_residents(personas, survey):
    with pytest.raises(LinliError) as err:
        _submit(personas, survey, who=personas.xjq_grid_worker, elder=personas.xjq_residents[1])  # not in the grid
    assert err.value.status == 403


def test_unknown_channel(personas, survey):
    with pytest.raises(LinliError) as err:
        _submit(personas, survey, channel="fax")
    assert err.value.field == "channel"


# --- hooks -------------------------------------------------------------------------------------


def test_the_purposes_hooks_run_with_the_saved_response(personas):
    seen = []
    hooks.on_response("college_interest", lambda response: seen.append((response.pk, response.answers.count())))
    hooks.on_response("general", lambda response: seen.append("general"))
    survey = make_survey(personas.xjq_worker, XINGJIAQIAO, purpose="college_interest")
    response = _submit(personas, survey)
    assert seen == [(response.pk, 5)]  # answers are saved before the hook; only its purpose's hook ran


def test_a_failing_hook_rolls_the_response_back(personas, survey):
    def broken(response):
        assert Response.objects.filter(pk=response.pk).exists()
        raise LinliError("college.broken", "兴趣订单更新失败")

    hooks.on_response("general", broken)
    with pytest.raises(LinliError, match="兴趣订单更新失败"):
        _submit(personas, survey)
    assert not Response.objects.exists() and not Answer.objects.exists()
    assert not AuditEntry.objects.filter(action="survey.response").exists()


def test_a_resident_registered_later_in_the_street_can_answer(personas):
    street = make_survey(personas.district_admin, RENHE)
    newcomer = resident(XINGJIAQIAO, "新来的")
    assert _submit(personas, street, who=personas.xjq_worker, elder=newcomer).area_id == XINGJIAQIAO
