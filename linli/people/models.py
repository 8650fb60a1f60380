from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models

from linli.core import idcard, phone
from linli.core.protected import EncryptedTextField


class Sex(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class Tag(models.Model):
    """A label workers put on residents: elder living alone, disability, veteran, …"""

    code = models.SlugField(primary_key=True, max_length=32)
    name = models.CharField("名称", max_length=32, unique=True)
    order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        verbose_name = "居民标签"
        verbose_name_plural = "居民标签"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class Resident(models.Model):
    name = models.CharField("姓名", max_length=64)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices)
    birth_date = models.DateField("出生日期")
    id_number = EncryptedTextField("身份证号")
    id_number_hash = models.CharField(max_length=64, unique=True)
    phone = EncryptedTextField("手机号", blank=True, default="")
    phone_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)
    # The most specific place the resident lives: a community, or a grid inside it.
    area = models.ForeignKey("areas.Area", verbose_name="所在社区/网格", on_delete=models.PROTECT, related_name="+")
    address = models.CharField("住址", max_length=200, blank=True)
    tags = models.ManyToManyField(Tag, verbose_name="标签", blank=True, related_name="residents")
    note = models.TextField("备注", blank=True)
    # What the resident's QR card encodes for check-in; renewed when a card is lost.
    checkin_code = models.CharField("签到码", max_length=24, unique=True, null=True, blank=True, editable=False)
    # The resident's own login (phone and code), made on first login.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="resident"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    archived_reason = models.CharField("注销原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "居民"
        verbose_name_plural = "居民"
        indexes = [models.Index(fields=["area", "name"]), models.Index(fields=["birth_date"])]

    def __str__(self) -> str:
        return self.name

    @property
    def id_number_masked(self) -> str:
        return idcard.mask(self.id_number)

    @property
    def phone_masked(self) -> str:
        return phone.mask(self.phone) if self.phone else ""

    def age(self, on: dt.date | None = None) -> int:
        on = on or dt.date.today()
        return on.year - self.birth_date.year - ((on.month, on.day) < (self.birth_date.month, self.birth_date.day))

    @property
    def community(self):
        return self.area.parent if self.area.level == "grid" else self.area

    @property
    def grid(self):
        return self.area if self.area.level == "grid" else None


class ResidenceHistory(models.Model):
    """Where a resident lived and when: a row per registration and per move."""

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="residences")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    address = models.CharField(max_length=200, blank=True)
    moved_in_at = models.DateTimeField()
    moved_out_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField("原因", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "居住记录"
        verbose_name_plural = "居住记录"
        ordering = ["resident", "moved_in_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["resident"], condition=models.Q(moved_out_at__isnull=True), name="one_current_residence"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident_id} @ {self.area_id}"


class Household(models.Model):
    area = models.ForeignKey("areas.Area", verbose_name="所在社区/网格", on_delete=models.PROTECT, related_name="+")
    address = models.CharField("住址", max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    dissolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "家庭户"
        verbose_name_plural = "家庭户"

    def __str__(self) -> str:
        return self.address


class Relation(models.TextChoices):
    HEAD = "head", "户主"
    SPOUSE = "spouse", "配偶"
    CHILD = "child", "子女"
    PARENT = "parent", "父母"
    GRANDCHILD = "grandchild", "孙子女"
    GRANDPARENT = "grandparent", "祖父母"
    SIBLING = "sibling", "兄弟姐妹"
    OTHER = "other", "其他"


class HouseholdMember(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="memberships")
    relation = models.CharField("与户主关系", max_length=16, choices=Relation.choices)
    joined_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "家庭成员"
        verbose_name_plural = "家庭成员"
        constraints = [
            # One household at a time; leaving keeps the row as history.
            models.UniqueConstraint(
                fields=["resident"], condition=models.Q(left_at__isnull=True), name="one_household_at_a_time"
            ),
            models.UniqueConstraint(
                fields=["household"],
                condition=models.Q(left_at__isnull=True, relation="head"),
                name="one_head_per_household",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident_id} in {self.household_id} ({self.relation})"


class ProxyScope(models.TextChoices):
    ENROLL = "enroll", "报名课程"
    SURVEY = "survey", "填写问卷"
    POINTS = "points", "积分兑换"
    REQUEST = "request", "提交诉求与求助"
    PROFILE = "profile", "查看个人信息"


class ProxyBinding(models.Model):
    """A resident allows someone (family, neighbour, grid worker) to act for them (代办)."""

    class Relation(models.TextChoices):
        FAMILY = "family", "家属"
        NEIGHBOUR = "neighbour", "邻居"
        GRID_WORKER = "grid_worker", "网格员"
        OTHER = "other", "其他"

    principal = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="proxies")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proxy_for")
    relation = models.CharField("关系", max_length=16, choices=Relation.choices)
    scopes = models.JSONField("可代办事项", default=list)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "代办授权"
        verbose_name_plural = "代办授权"
        constraints = [
            models.UniqueConstraint(
                fields=["principal", "agent"], condition=models.Q(revoked_at__isnull=True), name="proxy_unique_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agent_id} → {self.principal_id}"

    @property
    def scope_labels(self) -> list[str]:
        return [ProxyScope(s).label for s in self.scopes if s in ProxyScope.values]
