"""Writing a survey: where and when, its questions while a draft, publishing, closing, reopening."""

from __future__ import annotations

import datetime as dt

import pytest

from linli.core.errors import LinliError
from linli.core.models import AuditEntry
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO, XJQ_GRID
from linli.surveys import services
from linli.surveys.models import Question, Survey, SurveyStatus
from linli.surveys.tests.helpers import RENHE, TODAY, make_survey

pytestmark = pytest.mark.django_db


def _create(by, **kwargs):
    args = {"title": "问卷", "area_code": XINGJIAQIAO, "opens_on": TODAY, "closes_on": TODAY + dt.timedelta(days=7)}
    return services.survey_create(by=by, **{**args, **kwargs})


def test_create_on_a_community_or_street_with_an_unguessable_token(personas):
    a = _create(personas.xjq_worker, title="  邢家桥  意见 ")
    b = _create(personas.renhe_admin, area_code=RENHE)
    assert a.title == "邢家桥 意见" and a.status == SurveyStatus.DRAFT and a.area_id == XINGJIAQIAO
    assert b.area_id == RENHE
    assert len(a.token) >= 16 and a.token != b.token
    assert AuditEntry.objects.filter(action="survey.create").count() == 2


@pytest.mark.parametrize(("kwargs", "field", "words"), [
    ({"title": "  "}, "title", "不能为空"),
    ({"title": "长" * 101}, "title", "过长"),
    ({"closes_on": TODAY - dt.timedelta(days=1)}, "closes_on", "不能早于开始日期"),
    ({"closes_on": TODAY + dt.timedelta(days=400)}, "closes_on", "最长"),
    ({"opens_on": None}, "opens_on", "请填写日期"),
    ({"area_code": "999999999999"}, "area", "不存在"),
    ({"area_code": XJQ_GRID}, "area", "请选择街道或社区"),
    ({"area_code": "500112"}, "area", "请选择街道或社区"),
    ({"purpose": "nonsense"}, "purpose", "请选择"),
])
def test_create_refuses_bad_input_naming_the_field(personas, kwargs, field, words):
    with pytest.raises(LinliError) as err:
        _create(personas.district_admin, **kwargs)
    assert err.value.field == field and words in err.value.message
    assert not Survey.objects.exists()


@pytest.mark.parametrize(("who", "area"), [
    ("jzy_worker", XINGJIAQIAO),  # another community
    ("xjq_worker", RENHE),  # above the worker
    ("xjq_grid_worker", XINGJIAQIAO),  # enters paper answers, does not write surveys
    ("assistance_officer", XINGJIAQIAO),
    ("outsider", XINGJIAQIAO),
])
def test_create_needs_manage_survey_on_the_area(personas, who, area):
    with pytest.raises(LinliError) as err:
        _create(getattr(personas, who), area_code=area)
    assert err.value.status == 403
    assert not Survey.objects.exists()


def test_questions_are_numbered_and_validated(personas):
    survey = make_survey(personas.xjq_worker, XINGJIAQIAO, publish=False)
    assert [q.position for q in survey.questions.all()] == [1, 2, 3, 4, 5, 6]
    multiple = survey.questions.get(position=2)
    assert multiple.options == ["绘画", "象棋", "快板"] and multiple.allow_other and multiple.max_choices == 2
    # Options and the like are dropped where they mean nothing.
    text = services.question_add(by=personas.xjq_worker, survey=survey, kind="text", text="说说看",
                                 options=["x", "y"], allow_other=True, max_choices=3, scale=7)
    assert (text.options, text.allow_other, text.max_choices, text.scale) == ([], False, None, 5)


@pytest.mark.parametrize(("kwargs", "field", "words"), [
    ({"kind": "single", "options": []}, "options", "至少要有 2 个选项"),
    ({"kind": "single", "options": ["是"]}, "options", "至少要有 2 个选项"),
    ({"kind": "multiple", "options": ["是", " 是 "]}, "options", "重复"),
    ({"kind": "multiple", "options": ["是", "  "]}, "options", "空白选项"),
    ({"kind": "multiple", "options": "是,否"}, "options", "应为列表"),
    ({"kind": "multiple", "options": ["a", "b"], "max_choices": 3}, "max_choices", "不能多于选项数"),
    ({"kind": "multiple", "options": ["a", "b"], "max_choices": 0}, "max_choices", "正整数"),
    ({"kind": "rating", "scale": 11}, "scale", "2 到 10"),
    ({"kind": "rating", "scale": 1}, "scale", "2 到 10"),
    ({"kind": "essay"}, "kind", "请选择"),
    ({"kind": "text", "text": " "}, "text", "不能为空"),
    ({"kind": "text", "text": "题" * 201}, "text", "过长"),
    ({"kind": "text", "role": "wanted_classes"}, "role", "只能用于多选题"),
    ({"kind": "multiple", "options": ["a", "b"], "role": "preferred_slots"}, "role", "只能用于时间段偏好题"),
    ({"kind": "text", "role": "bogus"}, "role", "请选择"),
])
def test_bad_questions_are_refused(personas, kwargs, field, words):
    survey = _create(personas.xjq_worker)
    args = {"text": "题目", **kwargs}
    with pytest.raises(LinliError) as err:
        services.question_add(by=personas.xjq_worker, survey=survey, **args)
    assert err.value.field == field and words in err.value.message, err.value.message
    assert not Question.objects.exists()


def test_one_question_per_role(personas):
    survey = make_survey(personas.xjq_worker, XINGJIAQIAO, publish=False)
    with pytest.raises(LinliError) as err:
        services.question_add(by=personas.xjq_worker, survey=survey, kind="timeslots", text="再问一次时间",
                              role="preferred_slots")
    assert err.value.field == "role"
    # Updating the question that has the role keeps it.
    slots_q = survey.questions.get(role="preferred_slots")
    services.question_update(by=personas.xjq_worker, question=slots_q, kind="timeslots", text="什么时候有空？",
                             role="preferred_slots")
    slots_q.refresh_from_db()
    assert slots_q.text == "什么时候有空？"


def test_move_and_remove_keep_positions_dense(personas):
    survey = make_survey(personas.xjq_worker, XINGJIAQIAO, publish=False)
    texts = lambda: [q.text for q in survey.questions.order_by("position")]  # noqa: E731
    first, last = texts()[0], texts()[-1]
    third = survey.questions.get(position=3)
    services.question_move(by=personas.xjq_worker, question=third, direction="up")
    assert texts()[1] == third.text
    services.question_move(by=personas.xjq_worker, question=survey.questions.get(position=1), direction="up")
    assert texts()[0] == first  # at the top already: nothing moves
    services.question_move(by=personas.xjq_worker, question=survey.questions.get(position=6), direction="down")
    assert texts()[-1] == last
    services.question_remove(by=personas.xjq_worker, question=survey.questions.get(position=2))
    assert list(survey.questions.order_by("position").values_list("position", flat=True)) == [1, 2, 3, 4, 5]
    assert third.text not in texts()
    with pytest.raises(LinliError) as err:
        services.question_move(by=personas.xjq_worker, question=survey.questions.first(), direction="sideways")
    assert err.value.field == "direction"


def test_questions_are_fixed_once_published(personas):
    survey = make_survey(personas.xjq_worker, XINGJIAQIAO)
    question = survey.questions.first()
    calls = [
        lambda: services.question_add(by=personas.xjq_worker, survey=survey, kind="text", text="新题"),
        lambda: services.question_update(by=personas.xjq_worker, question=question, kind="text", text="改"),
        lambda: services.question_remove(by=personas.xjq_worker, question=question),
        lambda: services.question_move(by=personas.xjq_worker, question=question, direction="down"),
    ]
    for call in calls:
        with pytest.raises(LinliError) as err:
            call()
        assert err.value.message == "问卷已发布，题目不能再修改"
    assert survey.questions.count() == 6


def test_only_the_surveys_managers_change_it(personas):
    street = make_survey(personas.renhe_admin, RENHE, publish=False)
    question = street.questions.first()
    # The community worker sees the street's survey but may not change it.
    for call in (
        lambda: services.question_add(by=personas.xjq_worker, survey=street, kind="text", text="x"),
        lambda: services.question_remove(by=personas.xjq_worker, question=question),
        lambda: services.survey_publish(by=personas.xjq_worker, survey=street),
        lambda: services.survey_update(by=personas.jzy_worker, survey=street, title="x", intro="",
                                       opens_on=TODAY, closes_on=TODAY),
    ):
        with pytest.raises(LinliError) as err:
            call()
        assert err.value.status == 403


def test_publish_needs_a_question_and_a_future_deadline(personas):
    empty = _create(personas.xjq_worker)
    with pytest.raises(LinliError) as err:
        services.survey_publish(by=personas.xjq_worker, survey=empty)
    assert "至少添加一道题" in err.value.message
    survey = make_survey(personas.xjq_worker, XINGJIAQIAO)
    assert survey.status == SurveyStatus.OPEN
    with pytest.raises(LinliError):
        services.survey_publish(by=personas.xjq_worker, survey=survey)
    past = make_survey(personas.xjq_worker, XINGJIAQIAO, publish=False, opens_on=TODAY - dt.timedelta(days=30),
                       closes_on=TODAY - dt.timedelta(days=1))
    with pytest.raises(LinliError) as err:
        services.survey_publish(by=personas.xjq_worker, survey=past)
    assert err.value.field == "closes_on"


def test_close_and_reopen(personas):
    survey = make_survey(personas.xjq_worker, XINGJIAQIAO)
    services.survey_close(by=personas.xjq_worker, survey=survey)
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.CLOSED and survey.closed_at is not None
    with pytest.raises(LinliError):
        services.survey_close(by=personas.xjq_worker, survey=survey)
    with pytest.raises(LinliError) as err:
        services.survey_reopen(by=personas.xjq_worker, survey=survey, closes_on=TODAY - dt.timedelta(days=1))
    assert err.value.field == "closes_on"
    services.survey_reopen(by=personas.xjq_worker, survey=survey, closes_on=TODAY + dt.timedelta(days=40))
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.OPEN and survey.closed_at is None
    assert survey.closes_on == TODAY + dt.timedelta(days=40)
    actions = list(AuditEntry.objects.filter(target_id=str(survey.pk), action__startswith="survey.")
                   .values_list("action", flat=True))
    assert {"survey.publish", "survey.close", "survey.reopen"} <= set(actions)


def test_update_title_and_period(personas):
    survey = make_survey(personas.jzy_worker, JINZHUYUAN)
    services.survey_update(by=personas.jzy_worker, survey=survey, title="新标题", intro="新说明", opens_on=TODAY,
                           closes_on=TODAY + dt.timedelta(days=60))
    survey.refresh_from_db()
    assert (survey.title, survey.intro, survey.closes_on) == ("新标题", "新说明", TODAY + dt.timedelta(days=60))
    with pytest.raises(LinliError) as err:
        services.survey_update(by=personas.jzy_worker, survey=survey, title="x", intro="", opens_on=TODAY,
                               closes_on=TODAY - dt.timedelta(days=2))
    assert err.value.field == "closes_on"


def test_one_interest_survey_open_per_community_at_a_time(personas):
    """Orders are counted per survey: a second open interest survey would split a class's demand."""
    street = make_survey(personas.renhe_admin, RENHE, purpose="college_interest", title="人和街道兴趣调查")
    second = make_survey(personas.xjq_worker, XINGJIAQIAO, purpose="college_interest", publish=False)
    with pytest.raises(LinliError) as err:
        services.survey_publish(by=personas.xjq_worker, survey=second)
    assert err.value.status == 409 and "人和街道兴趣调查" in err.value.message
    second.refresh_from_db()
    assert second.status == SurveyStatus.DRAFT
    # Another street's community, and a general survey, are not affected.
    make_survey(personas.jzy_worker, JINZHUYUAN, purpose="college_interest")
    make_survey(personas.xjq_worker, XINGJIAQIAO, title="一般调查")
    services.survey_close(by=personas.renhe_admin, survey=street)
    services.survey_publish(by=personas.xjq_worker, survey=second)
    with pytest.raises(LinliError) as err:
        services.survey_reopen(by=personas.renhe_admin, survey=street)
    assert err.value.status == 409
