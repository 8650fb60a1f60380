"""The points ledger (志愿积分): double entry, integers only, entries never edited.

Every community has a pool account (it issues points: its balance goes negative as it awards)
and a sink account (where redeemed points go). Each resident has one account. A ``Transfer`` is
one posting: its entries sum to zero. A stored balance on each account is kept in step with its
entries inside the posting's transaction, so reading a balance never sums entries; ``linli points
verify`` recomputes them all from the entries.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q


class AccountKind(models.TextChoices):
    RESIDENT = "resident", "居民积分账户"
    POOL = "pool", "社区积分池"
    SINK = "sink", "兑换账户"


class Account(models.Model):
    kind = models.CharField("类型", max_length=16, choices=AccountKind.choices)
    # The community whose points scheme the account belongs to (for a resident: where it was opened).
    area = models.ForeignKey("areas.Area", verbose_name="社区", on_delete=models.PROTECT, related_name="+")
    resident = models.OneToOneField("people.Resident", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="points_account")
    balance = models.BigIntegerField("余额", default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "积分账户"
        verbose_name_plural = "积分账户"
        constraints = [
            # Only the pool issues points; every other balance stays at or above zero.
            models.CheckConstraint(condition=Q(kind=AccountKind.POOL) | Q(balance__gte=0),
                                   name="points_account_balance_not_negative"),
            models.CheckConstraint(condition=Q(kind=AccountKind.RESIDENT, resident__isnull=False)
                                   | ~Q(kind=AccountKind.RESIDENT) & Q(resident__isnull=True),
                                   name="points_account_resident_matches_kind"),
            models.UniqueConstraint(fields=["kind", "area"], condition=~Q(kind=AccountKind.RESIDENT),
                                    name="points_account_one_pool_one_sink_per_community"),
        ]

    def __str__(self) -> str:
        if self.kind == AccountKind.RESIDENT and self.resident_id:
            return f"{self.resident}的积分账户"
        return f"{self.area_id} {self.get_kind_display()}"


class EarningAction(models.TextChoices):
    SERVICE_HALF_HOUR = "service_half_hour", "志愿服务每半小时"
    SESSION_TAUGHT = "session_taught", "授课一次"
    CLASS_ATTENDED = "class_attended", "参加课程一次"
    SUGGESTION_ADOPTED = "suggestion_adopted", "建议被采纳"
    MANUAL = "manual", "其他/人工奖励"


class CapPeriod(models.TextChoices):
    DAY = "day", "每天"
    WEEK = "week", "每周"
    MONTH = "month", "每月"
    YEAR = "year", "每年"


class EarningRule(models.Model):
    """Points per unit of an action in a community; at most one active rule per action and community."""

    area = models.ForeignKey("areas.Area", verbose_name="社区", on_delete=models.PROTECT, related_name="+")
    action = models.CharField("行为", max_length=32, choices=EarningAction.choices)
    points = models.PositiveIntegerField("每次积分")
    unit_label = models.CharField("计量单位", max_length=16, default="次")
    cap = models.PositiveIntegerField("周期上限（分）", null=True, blank=True)
    cap_period = models.CharField("上限周期", max_length=8, choices=CapPeriod.choices, blank=True)
    expires_after_days = models.PositiveIntegerField("有效天数", null=True, blank=True)
    active = models.BooleanField("启用", default=True)
    valid_from = models.DateField("生效日期")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "积分规则"
        verbose_name_plural = "积分规则"
        constraints = [
            models.CheckConstraint(condition=Q(points__gt=0), name="points_rule_points_positive"),
            models.CheckConstraint(condition=Q(cap__isnull=True, cap_period="") | Q(cap__gt=0) & ~Q(cap_period=""),
                                   name="points_rule_cap_has_period"),
            models.CheckConstraint(condition=Q(expires_after_days__isnull=True) | Q(expires_after_days__gt=0),
                                   name="points_rule_expiry_positive"),
            models.UniqueConstraint(fields=["area", "action"], name="points_rule_one_per_action"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.points} 分/{self.unit_label}"


class TransferKind(models.TextChoices):
    AWARD = "award", "获得积分"
    REDEEM = "redeem", "兑换礼品"
    CANCEL = "cancel", "取消兑换退回"
    REVERSE = "reverse", "冲正"
    EXPIRE = "expire", "积分过期"


class Transfer(models.Model):
    """One posting; its entries sum to zero. Never changed once written (but ``reversed_by``)."""

    kind = models.CharField("类型", max_length=16, choices=TransferKind.choices)
    area = models.ForeignKey("areas.Area", verbose_name="社区", on_delete=models.PROTECT, related_name="+")
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name="经办人")
    reason = models.CharField("事由", max_length=300)
    action = models.CharField("行为", max_length=32, choices=EarningAction.choices, blank=True)
    units = models.PositiveIntegerField("数量", default=0)
    # The record that caused the posting (a service record, an attendance, a redemption, …).
    source_type = models.CharField(max_length=100, blank=True)
    source_id = models.CharField(max_length=64, blank=True)
    idempotency_key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_by")
    on = models.DateField("日期")
    expires_on = models.DateField("过期日期", null=True, blank=True)  # awards under a rule with expiry
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "积分流水"
        verbose_name_plural = "积分流水"
        indexes = [models.Index(fields=["source_type", "source_id"]),
                   models.Index(fields=["kind", "expires_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.reason}"


class Entry(models.Model):
    """One line of a transfer on one account. Immutable: a correction is a reversing transfer."""

    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount = models.BigIntegerField("积分")

    class Meta:
        verbose_name = "积分分录"
        verbose_name_plural = "积分分录"
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="points_entry_amount_not_zero")]
        # A statement is the account's entries newest first: an index walk, whatever the table's size.
        indexes = [models.Index(fields=["account", "id"], name="points_entry_account_id")]

    def __str__(self) -> str:
        return f"{self.amount:+d}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("积分分录不可修改；请用冲正更正")
        super().save(*args, **kwargs)


class Reward(models.Model):
    """An item or service a member unit donates to the community's catalogue."""

    area = models.ForeignKey("areas.Area", verbose_name="社区", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("名称", max_length=64)
    description = models.CharField("说明", max_length=300, blank=True)
    giver = models.CharField("提供单位", max_length=64)
    cost = models.PositiveIntegerField("所需积分")
    stock = models.IntegerField("库存")
    active = models.BooleanField("上架", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "兑换礼品"
        verbose_name_plural = "兑换礼品"
        constraints = [
            models.CheckConstraint(condition=Q(cost__gt=0), name="points_reward_cost_positive"),
            models.CheckConstraint(condition=Q(stock__gte=0), name="points_reward_stock_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class RedemptionStatus(models.TextChoices):
    PENDING = "pending", "待领取"
    PICKED_UP = "picked_up", "已领取"
    CANCELLED = "cancelled", "已取消"


class Redemption(models.Model):
    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="redemptions")
    resident = models.ForeignKey("people.Resident", on_delete=models.PROTECT, related_name="redemptions")
    cost = models.PositiveIntegerField("积分")
    status = models.CharField("状态", max_length=16, choices=RedemptionStatus.choices,
                              default=RedemptionStatus.PENDING)
    pickup_code = models.CharField("领取码", max_length=8, unique=True)
    transfer = models.OneToOneField(Transfer, on_delete=models.PROTECT, related_name="redemption")
    cancel_transfer = models.OneToOneField(Transfer, null=True, blank=True, on_delete=models.PROTECT,
                                           related_name="cancelled_redemption")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    picked_up_at = models.DateTimeField(null=True, blank=True)
    picked_up_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")

    class Meta:
        verbose_name = "积分兑换"
        verbose_name_plural = "积分兑换"
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [models.CheckConstraint(condition=Q(cost__gt=0), name="points_redemption_cost_positive")]

    def __str__(self) -> str:
        return f"{self.resident} 兑换 {self.reward}"
