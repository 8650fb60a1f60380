"""Volunteering (志愿服务): volunteers, teams, activities, service hours, certificates, role models.

A volunteer is a person: their records carry the resident's own area code (a community or a grid)
and are read with ``visible``. Teams, activities and nominations belong to a community as a whole
and are read with ``community_visible``. Hours are recorded and confirmed by the organiser
(谁记录谁证明) and, once confirmed, never edited: the points they earned are in the ledger.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from linli.core.names import mask_name


class VolunteerStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    VERIFIED = "verified", "已认证"
    SUSPENDED = "suspended", "已暂停"


class Volunteer(models.Model):
    resident = models.OneToOneField("people.Resident", verbose_name="居民", on_delete=models.PROTECT,
                                    related_name="volunteer")
    area = models.ForeignKey("areas.Area", verbose_name="所在社区/网格", on_delete=models.PROTECT, related_name="+")
    number = models.CharField("志愿者编号", max_length=32, unique=True, null=True, blank=True)
    skills = models.JSONField("技能特长", default=list, blank=True)
    availability = models.JSONField("可服务时间", default=list, blank=True)  # surveys.slots keys: "2-am"
    status = models.CharField("状态", max_length=16, choices=VolunteerStatus.choices, default=VolunteerStatus.PENDING)
    registered_at = models.DateTimeField("登记时间")
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    verified_at = models.DateTimeField("认证时间", null=True, blank=True)
    note = models.TextField("备注", blank=True)

    class Meta:
        verbose_name = "志愿者"
        verbose_name_plural = "志愿者"
        indexes = [models.Index(fields=["area", "status"])]

    def __str__(self) -> str:
        return self.resident.name


class Team(models.Model):
    area = models.ForeignKey("areas.Area", verbose_name="社区", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("队名", max_length=48)
    description = models.TextField("简介", blank=True)
    leader = models.ForeignKey("people.Resident", verbose_name="队长", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    members = models.ManyToManyField(Volunteer, verbose_name="队员", blank=True, related_name="teams")
    created_at = models.DateTimeField(auto_now_add=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "志愿服务队"
        verbose_name_plural = "志愿服务队"
        ordering = ["area", "name"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="volunteer_team_name_unique")]

    def __str__(self) -> str:
        return self.name


class ActivityStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    OPEN = "open", "招募中"
    FINISHED = "finished", "已结束"
    CANCELLED = "cancelled", "已取消"


class Activity(models.Model):
    area = models.ForeignKey("areas.Area", verbose_name="社区", on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(Team, verbose_name="服务队", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="activities")
    title = models.CharField("活动名称", max_length=64)
    description = models.TextField("服务内容", blank=True)
    place = models.CharField("地点", max_length=100)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    organiser = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="组织者", on_delete=models.PROTECT,
                                  related_name="+")
    status = models.CharField("状态", max_length=16, choices=ActivityStatus.choices, default=ActivityStatus.DRAFT)
    checkin_token = models.CharField(max_length=32, unique=True)  # in the QR code shown at the desk
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "志愿服务活动"
        verbose_name_plural = "志愿服务活动"
        ordering = ["-starts_at", "pk"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="activity_span_positive")]
        indexes = [models.Index(fields=["area", "status", "starts_at"])]

    def __str__(self) -> str:
        return self.title


class ActivityRole(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="roles")
    name = models.CharField("岗位", max_length=32)
    headcount = models.PositiveSmallIntegerField("人数")

    class Meta:
        verbose_name = "活动岗位"
        verbose_name_plural = "活动岗位"
        ordering = ["activity", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(headcount__gte=1), name="activity_role_headcount_positive"),
            models.UniqueConstraint(fields=["activity", "name"], name="activity_role_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class SignupStatus(models.TextChoices):
    SIGNED = "signed", "已报名"
    CANCELLED = "cancelled", "已取消"


class Signup(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="signups")
    role = models.ForeignKey(ActivityRole, on_delete=models.PROTECT, related_name="signups")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="signups")
    status = models.CharField("状态", max_length=16, choices=SignupStatus.choices, default=SignupStatus.SIGNED)
    created_at = models.DateTimeField(auto_now_add=True)
    checked_in_at = models.DateTimeField("签到时间", null=True, blank=True)
    checked_out_at = models.DateTimeField("签退时间", null=True, blank=True)

    class Meta:
        verbose_name = "报名"
        verbose_name_plural = "报名"
        ordering = ["activity", "pk"]
        constraints = [models.UniqueConstraint(fields=["activity", "volunteer"], name="signup_once_per_activity")]

    def __str__(self) -> str:
        return f"{self.volunteer_id} @ {self.activity_id}"


class RecordStatus(models.TextChoices):
    PENDING = "pending", "待确认"
    CONFIRMED = "confirmed", "已确认"
    VOID = "void", "已作废"


class ServiceRecord(models.Model):
    volunteer = models.ForeignKey(Volunteer, verbose_name="志愿者", on_delete=models.PROTECT, related_name="records")
    area = models.ForeignKey("areas.Area", verbose_name="所在社区/网格", on_delete=models.PROTECT,
                             related_name="+")  # the volunteer's, for visibility
    organisation_area = models.ForeignKey("areas.Area", verbose_name="组织社区", on_delete=models.PROTECT,
                                          related_name="+")
    activity = models.ForeignKey(Activity, verbose_name="活动", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="records")
    signup = models.OneToOneField(Signup, null=True, blank=True, on_delete=models.PROTECT, related_name="record")
    organisation = models.CharField("组织单位", max_length=100)
    content = models.CharField("服务内容", max_length=100)
    role_name = models.CharField("岗位", max_length=32, blank=True)
    place = models.CharField("地点", max_length=100, blank=True)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    hours = models.DecimalField("时长（小时）", max_digits=4, decimal_places=1, null=True, blank=True)
    status = models.CharField("状态", max_length=16, choices=RecordStatus.choices, default=RecordStatus.PENDING)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    points_transfer_id = models.BigIntegerField(null=True, blank=True)
    points = models.PositiveIntegerField("积分", default=0)
    note = models.CharField("备注", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    voided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    voided_at = models.DateTimeField("作废时间", null=True, blank=True)
    void_reason = models.CharField("作废原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "服务记录"
        verbose_name_plural = "服务记录"
        ordering = ["-starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="record_span_positive"),
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | (Q(hours__gt=0) & Q(hours__lte=24)), name="record_hours_range"
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | (Q(hours__isnull=False) & Q(confirmed_at__isnull=False)),
                name="record_confirmed_complete",
            ),
        ]
        indexes = [models.Index(fields=["volunteer", "status", "starts_at"]),
                   models.Index(fields=["organisation_area", "status", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.content} {self.hours or ''}"

    @property
    def half_hours(self) -> int:
        return int((self.hours or Decimal(0)) * 2)


class Certificate(models.Model):
    """志愿服务记录证明: a snapshot, so a later change cannot alter what was certified."""

    code = models.CharField("证明编号", max_length=32, unique=True)
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="certificates")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")  # the volunteer's
    issuer_area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    issuing_body = models.CharField("出具单位", max_length=100)
    contact = models.CharField("联系方式", max_length=100, blank=True)
    name = models.CharField("姓名", max_length=64)
    id_number_masked = models.CharField("身份证号", max_length=32)
    volunteer_number = models.CharField("志愿者编号", max_length=32)
    registered_on = models.DateField("注册日期")
    period_start = models.DateField("起")
    period_end = models.DateField("止")
    total_hours = models.DecimalField("累计时长", max_digits=7, decimal_places=1)
    record_count = models.PositiveIntegerField("记录条数")
    lines = models.JSONField("服务记录", default=list)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField("出具时间")
    revoked_at = models.DateTimeField("作废时间", null=True, blank=True)
    revoke_reason = models.CharField("作废原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "志愿服务记录证明"
        verbose_name_plural = "志愿服务记录证明"
        ordering = ["-issued_at", "pk"]
        constraints = [models.CheckConstraint(condition=Q(period_end__gte=F("period_start")),
                                              name="certificate_period_ordered")]

    def __str__(self) -> str:
        return self.code

    @property
    def name_masked(self) -> str:
        return mask_name(self.name)


class NominationStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已入库"
    REJECTED = "rejected", "未通过"
    PUBLISHED = "published", "已发布"


class Nomination(models.Model):
    """A candidate for the role-model pool (典型选树候选库)."""

    area = models.ForeignKey("areas.Area", verbose_name="社区", on_delete=models.PROTECT, related_name="+")
    resident = models.ForeignKey("people.Resident", verbose_name="被推荐人", on_delete=models.PROTECT,
                                 related_name="+")
    volunteer = models.ForeignKey(Volunteer, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    title = models.CharField("推荐称号", max_length=48)
    reason = models.TextField("推荐理由")
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    nominated_at = models.DateTimeField("推荐时间")
    status = models.CharField("状态", max_length=16, choices=NominationStatus.choices,
                              default=NominationStatus.PENDING)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    review_note = models.CharField("审核意见", max_length=200, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "典型推荐"
        verbose_name_plural = "典型推荐"
        ordering = ["-nominated_at", "pk"]

    def __str__(self) -> str:
        return f"{self.title}"
