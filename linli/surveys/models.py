"""Questionnaires and their answers: a general tool every module that asks residents uses.

A survey is published to an area (a community, or a street for all its communities) for a
period; residents inside that area answer once each, on their phone or on paper that a worker
types in. Questions are fixed once the survey opens, so an answer always means what it meant.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    OPEN = "open", "进行中"
    CLOSED = "closed", "已结束"


class SurveyPurpose(models.TextChoices):
    GENERAL = "general", "一般调查"
    COLLEGE_INTEREST = "college_interest", "社区学院兴趣调查"  # its answers become class orders


class Survey(models.Model):
    title = models.CharField("标题", max_length=100)
    intro = models.TextField("说明", blank=True)
    area = models.ForeignKey("areas.Area", verbose_name="发布范围", on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField("用途", max_length=32, choices=SurveyPurpose.choices, default=SurveyPurpose.GENERAL)
    status = models.CharField("状态", max_length=16, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT)
    opens_on = models.DateField("开始日期")
    closes_on = models.DateField("截止日期")
    # The unguessable part of the public link and of the QR poster.
    token = models.CharField(max_length=24, unique=True, editable=False)
    template_key = models.CharField("模板", max_length=32, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "问卷"
        verbose_name_plural = "问卷"
        ordering = ["-opens_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(closes_on__gte=models.F("opens_on")), name="survey_period_order"),
        ]

    def __str__(self) -> str:
        return self.title


class QuestionKind(models.TextChoices):
    SINGLE = "single", "单选"
    MULTIPLE = "multiple", "多选"
    TEXT = "text", "填空"
    RATING = "rating", "评分"
    TIMESLOTS = "timeslots", "时间段偏好"
    TALENT = "talent", "才艺特长（能教什么）"


class QuestionRole(models.TextChoices):
    """What another module reads a question as; most questions have none."""

    NONE = "", "—"
    WANTED_CLASSES = "wanted_classes", "想学的课程"
    PREFERRED_SLOTS = "preferred_slots", "方便的时间"


class Question(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField("序号")
    kind = models.CharField("题型", max_length=16, choices=QuestionKind.choices)
    text = models.CharField("题目", max_length=200)
    help_text = models.CharField("提示", max_length=200, blank=True)
    required = models.BooleanField("必答", default=True)
    options = models.JSONField("选项", default=list, blank=True)  # list of labels, for single/multiple
    allow_other = models.BooleanField("可填其他", default=False)  # multiple choice with a free "其他"
    max_choices = models.PositiveSmallIntegerField("最多选几项", null=True, blank=True)
    scale = models.PositiveSmallIntegerField("评分满分", default=5)
    role = models.CharField("用途", max_length=32, choices=QuestionRole.choices, blank=True, default="")

    class Meta:
        verbose_name = "题目"
        verbose_name_plural = "题目"
        ordering = ["survey", "position"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "position"], name="question_position_unique"),
            models.CheckConstraint(condition=models.Q(scale__gte=2, scale__lte=10), name="question_scale_range"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.text}"


class Channel(models.TextChoices):
    PHONE = "phone", "本人手机填写"
    PROXY = "proxy", "家属代填"
    PAPER = "paper", "纸质问卷录入"


class Response(models.Model):
    """One resident's answers to one survey (one per resident, enforced by the database)."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    resident = models.ForeignKey("people.Resident", on_delete=models.PROTECT, related_name="survey_responses")
    # The resident's community when answering: demand is counted where people live.
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField("填写方式", max_length=16, choices=Channel.choices)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "答卷"
        verbose_name_plural = "答卷"
        constraints = [
            models.UniqueConstraint(fields=["survey", "resident"], name="one_response_per_resident"),
        ]
        indexes = [models.Index(fields=["survey", "area"])]

    def __str__(self) -> str:
        return f"{self.survey_id}/{self.resident_id}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    choices = models.JSONField(default=list, blank=True)  # option labels, or slot keys for a time grid
    text = models.TextField(blank=True)  # free text, "其他", or what the resident can teach
    number = models.PositiveSmallIntegerField(null=True, blank=True)  # a rating

    class Meta:
        verbose_name = "回答"
        verbose_name_plural = "回答"
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="one_answer_per_question"),
        ]

    def __str__(self) -> str:
        return f"{self.response_id}/{self.question_id}"
