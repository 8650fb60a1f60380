"""The seeds' interest survey as a template: 17 questions, the ones the college reads, its options."""

from __future__ import annotations

import datetime as dt

import pytest

from linli.core.errors import LinliError
from linli.core.testing import JINZHUYUAN
from linli.surveys import catalog, services
from linli.surveys.models import QuestionKind, QuestionRole, SurveyPurpose, SurveyStatus
from linli.surveys.tests.helpers import TODAY

EXPECTED_CLASSES = [
    "绘画", "书法", "剪纸", "手工编织", "舞蹈", "走秀", "音乐", "合唱", "川剧", "摄影", "太极拳", "腰鼓", "非洲鼓",
    "广场舞", "八段锦", "智能手机使用", "短视频拍摄", "防诈骗知识", "快板", "象棋", "读书会", "英语口语", "烹饪",
    "家电维修", "养生保健",
]


def _by_text(template):
    return {spec.text: spec for spec in template.questions}


def test_the_interest_template_has_the_seeds_17_questions():
    template = catalog.TEMPLATES["college_interest"]
    assert template.purpose == SurveyPurpose.COLLEGE_INTEREST
    assert len(template.questions) == 17
    assert len({s.text for s in template.questions}) == 17
    kinds = [s.kind for s in template.questions]
    assert set(kinds) == set(QuestionKind.values)  # every kind of question appears
    questions = _by_text(template)
    for text in ("您支持社区开办兴趣班吗？", "每周上几次课合适？", "每次上课多长时间合适？", "愿意交少量材料费吗？"):
        assert questions[text].kind == QuestionKind.SINGLE, text
    for text in ("您对课程有什么期待？", "推荐身边的文艺能人"):
        assert questions[text].kind == QuestionKind.TEXT, text
    assert questions["您有什么特长，愿意教给邻居吗？"].kind == QuestionKind.TALENT
    assert any(s.kind == QuestionKind.RATING for s in template.questions)


def test_the_role_questions_are_what_the_college_reads():
    questions = _by_text(catalog.TEMPLATES["college_interest"])
    wanted = questions["您想学哪些兴趣课程？"]
    assert (wanted.kind, wanted.role, wanted.allow_other) == (QuestionKind.MULTIPLE, QuestionRole.WANTED_CLASSES, True)
    assert list(wanted.options) == EXPECTED_CLASSES
    slots = questions["哪些时间方便上课？"]
    assert (slots.kind, slots.role) == (QuestionKind.TIMESLOTS, QuestionRole.PREFERRED_SLOTS)
    roles = [s.role for s in catalog.TEMPLATES["college_interest"].questions if s.role]
    assert sorted(roles) == sorted([QuestionRole.WANTED_CLASSES, QuestionRole.PREFERRED_SLOTS])


def test_the_class_names_match_the_colleges_catalog():
    from linli.college import catalog as college_catalog

    assert set(catalog.WANTED_CLASSES) == set(college_catalog.NAMES)


@pytest.mark.django_db
def test_a_survey_made_from_the_template_is_a_valid_draft(personas):
    survey = services.survey_create_from_template(
        by=personas.jzy_worker, template_key="college_interest", area_code=JINZHUYUAN, opens_on=TODAY,
        closes_on=TODAY + dt.timedelta(days=30))
    assert survey.status == SurveyStatus.DRAFT and survey.template_key == "college_interest"
    assert survey.purpose == SurveyPurpose.COLLEGE_INTEREST and survey.title == "社区兴趣课堂需求调查"
    assert survey.intro
    questions = list(survey.questions.order_by("position"))
    assert [q.position for q in questions] == list(range(1, 18))
    wanted = survey.questions.get(role=QuestionRole.WANTED_CLASSES)
    assert wanted.options == EXPECTED_CLASSES
    assert survey.questions.filter(role=QuestionRole.PREFERRED_SLOTS, kind=QuestionKind.TIMESLOTS).count() == 1
    # Renamed at will, and editable like any draft.
    named = services.survey_create_from_template(
        by=personas.jzy_worker, template_key="college_interest", area_code=JINZHUYUAN, opens_on=TODAY,
        closes_on=TODAY, title="金竹苑兴趣调查")
    assert named.title == "金竹苑兴趣调查"
    services.question_remove(by=personas.jzy_worker, question=named.questions.get(position=17))
    services.survey_publish(by=personas.jzy_worker, survey=named)


@pytest.mark.django_db
def test_blank_and_unknown_templates(personas):
    blank = services.survey_create_from_template(
        by=personas.jzy_worker, template_key="general", area_code=JINZHUYUAN, opens_on=TODAY, closes_on=TODAY,
        title="空白问卷")
    assert blank.purpose == SurveyPurpose.GENERAL and not blank.questions.exists()
    with pytest.raises(LinliError) as err:
        services.survey_create_from_template(by=personas.jzy_worker, template_key="nope", area_code=JINZHUYUAN,
                                             opens_on=TODAY, closes_on=TODAY)
    assert err.value.field == "template"
    with pytest.raises(LinliError) as err:  # a blank survey has no title of its own
        services.survey_create_from_template(by=personas.jzy_worker, template_key="general", area_code=JINZHUYUAN,
                                             opens_on=TODAY, closes_on=TODAY)
    assert err.value.field == "title"
