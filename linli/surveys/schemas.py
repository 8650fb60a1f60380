from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Path, Schema

from linli.core.ids import MAX_DB_ID
from linli.core.schemas import Text

MAX_PAGE = 100_000
MAX_PAGE_SIZE = 200

SurveyId = Annotated[int, Path(ge=1, le=MAX_DB_ID, description="问卷编号")]


class SurveyFilters(Schema):
    status: Literal["", "draft", "open", "closed"] = Field("", description="草稿 draft / 进行中 open / 已结束 closed")
    purpose: Literal["", "general", "college_interest"] = ""
    area: Text | None = Field(None, pattern=r"^[0-9]{0,15}$", description="只看与该地区（代码）相关的问卷")
    q: Text = Field("", max_length=100, description="标题中的字")
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)


class SurveyOut(Schema):
    id: int
    title: str
    intro: str
    area_code: str
    area_name: str
    purpose: str
    status: str
    opens_on: dt.date
    closes_on: dt.date
    question_count: int
    answer_count: int | None = Field(description="您可查看结果的答卷数；无权查看结果时为 null")


class SurveyPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[SurveyOut]


class QuestionOut(Schema):
    id: int
    position: int
    kind: str
    text: str
    help_text: str
    required: bool
    options: list[str]
    allow_other: bool
    max_choices: int | None
    scale: int
    role: str


class SurveyDetailOut(SurveyOut):
    questions: list[QuestionOut]
    slots: list[str] = Field(description="时间段题可选的时间段代码，如 2-am = 周二上午")


class CountOut(Schema):
    label: str
    count: int
    percent: int


class SlotOut(Schema):
    key: str
    label: str
    count: int


class QuestionResultOut(Schema):
    id: int
    position: int
    kind: str
    text: str
    answered: int
    options: list[CountOut]
    others: list[str]
    slots: list[SlotOut]
    average: float | None
    distribution: list[CountOut]
    texts: list[str]


class AreaCountOut(Schema):
    name: str
    count: int


class ResultsOut(Schema):
    survey_id: int
    response_count: int
    by_community: list[AreaCountOut]
    questions: list[QuestionResultOut]


class AnswerIn(Schema):
    question_id: int = Field(ge=1, le=MAX_DB_ID)
    choices: list[Annotated[Text, Field(max_length=100)]] = Field(
        default_factory=list, max_length=100, description="所选选项的文字；时间段题为时间段代码")
    text: Text = Field("", max_length=5000, description="填空、特长，或选择题的“其他”（最多 500 字）")
    number: int | None = Field(None, ge=0, le=100, description="评分题的分数")


class ResponseIn(Schema):
    resident_id: int = Field(ge=1, le=MAX_DB_ID, description="居民编号")
    answers: list[AnswerIn] = Field(max_length=200)


class ResponseOut(Schema):
    id: int
    survey_id: int
    resident_id: int
    resident_name: str
    area_code: str
    channel: str
    submitted_at: dt.datetime
