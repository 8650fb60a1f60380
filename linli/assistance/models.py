"""Assistance (社会救助): the monitoring runs imported into the platform, their alerts (预警) and the
home checks (入户核查) that confirm or clear them.

The matching itself runs outside Django (``linli.assistance.monitoring``) on files; a run's
``alerts.parquet`` and ``report.json`` are imported here. Everything in this app is assistance
data: only roles carrying ``view_assistance`` see it, and each view of a household's data writes
an access-log row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from linli.assistance.monitoring.schema import CLASSES, RULES, TIERS
from linli.core.protected import EncryptedTextField


class MonitoringRun(models.Model):
    """One import of a run of the matching engine (a month's 数据比对) for one area.

    A run may be imported several times, once per area (a community first, its county later): each
    import covers the communities under its area, less those not on the platform at the time."""

    run_id = models.CharField("批次号", max_length=64, db_index=True)  # from report.json
    engine = models.CharField("引擎", max_length=16)
    as_of = models.DateField("比对基准日")
    params_documents = models.TextField("参数依据", blank=True)  # the versions' documents, one per line
    params_example = models.BooleanField("示例参数", default=False)
    report = models.JSONField("运行报告", default=dict)  # run_files.summary: counts only, no listed rows
    alerts_total = models.PositiveIntegerField("预警总数", default=0)  # in the file
    alerts_imported = models.PositiveIntegerField("导入预警数", default=0)  # new, within the importer's areas
    alerts_repeated = models.PositiveIntegerField("再次预警数", default=0)  # already open: updated
    alerts_out_of_scope = models.PositiveIntegerField("不在辖区数", default=0)
    alerts_covered = models.PositiveIntegerField("已由其他导入覆盖数", default=0)  # same run, imported earlier
    alerts_cleared = models.PositiveIntegerField("已核查排除且证据未变数", default=0)
    alerts_no_community = models.PositiveIntegerField("平台尚未建立社区的预警数", default=0)
    # Codes of those communities: not covered by this import, so a later import takes their rows.
    missing_communities = models.JSONField("平台尚未建立的社区", default=list, blank=True)
    deadline_shift = models.PositiveIntegerField("核查期限顺延天数", default=0)  # imported after as_of
    # The importer's area: the run covers the alerts under it.
    area = models.ForeignKey("areas.Area", verbose_name="导入范围", on_delete=models.PROTECT, related_name="+")
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField("导入时间", auto_now_add=True)

    class Meta:
        verbose_name = "监测批次"
        verbose_name_plural = "监测批次"
        ordering = ["-imported_at"]
        constraints = [models.UniqueConstraint(fields=["run_id", "area"], name="one_import_per_run_and_area")]

    def __str__(self) -> str:
        return f"{self.as_of:%Y-%m-%d} {self.run_id}"


class AlertStatus(models.TextChoices):
    OPEN = "open", "待核查"
    CHECKED = "checked", "已核查"


class Alert(models.Model):
    """A household flagged by a rule. Repeated by later runs while open: updated, not duplicated."""

    first_run = models.ForeignKey(MonitoringRun, on_delete=models.PROTECT, related_name="alerts")
    last_run = models.ForeignKey(MonitoringRun, on_delete=models.PROTECT, related_name="+")
    times_seen = models.PositiveSmallIntegerField("预警次数", default=1)
    household_key = models.CharField("救助家庭编号", max_length=32)  # the registry's household_id
    area = models.ForeignKey("areas.Area", verbose_name="所在社区", on_delete=models.PROTECT, related_name="+")
    address = models.CharField("住址", max_length=200, blank=True)
    head_name = models.CharField("户主姓名", max_length=64, blank=True)
    head_id_number = EncryptedTextField("户主身份证号", blank=True, default="")
    head_id_number_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)
    # The head as a resident of the platform, when the ID number matches one.
    resident = models.ForeignKey("people.Resident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    alert_class = models.CharField("预警类别", max_length=16, choices=list(CLASSES.items()))
    rule = models.CharField("预警规则", max_length=32, choices=[(k, v[1]) for k, v in RULES.items()])
    tier_held = models.CharField("现享救助", max_length=16, blank=True, choices=list(TIERS.items()))
    tier_eligible = models.CharField("符合类别", max_length=16, blank=True, choices=list(TIERS.items()))
    members = models.PositiveSmallIntegerField("在世成员数", default=0)
    income_pc = models.DecimalField("月人均收入", max_digits=12, decimal_places=2)
    value = models.DecimalField("依据值", max_digits=14, decimal_places=2, null=True, blank=True)
    threshold = models.DecimalField("标准", max_digits=14, decimal_places=2, null=True, blank=True)
    event_date = models.DateField("事件日期", null=True, blank=True)
    params_document = models.CharField("参数依据", max_length=200, blank=True)
    deadline = models.DateField("核查期限")
    status = models.CharField("状态", max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    escalated_at = models.DateTimeField("逾期上报时间", null=True, blank=True)  # overdue: flagged to the street
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "监测预警"
        verbose_name_plural = "监测预警"
        ordering = ["deadline", "pk"]
        indexes = [models.Index(fields=["area", "status", "deadline"]), models.Index(fields=["household_key", "rule"])]
        constraints = [
            # One open alert per household and rule: a later run updates it.
            models.UniqueConstraint(
                fields=["household_key", "rule"], condition=models.Q(status="open"), name="one_open_alert_per_rule"
            ),
        ]

    def __str__(self) -> str:
        # Neutral: it shows up in the access log and audit pages, seen by non-assistance roles.
        return f"监测预警 #{self.pk}"


class HomeCheck(models.Model):
    """入户核查: the outcome of the visit an alert asked for."""

    class Outcome(models.TextChoices):
        CONFIRMED = "confirmed", "情况属实"  # the change is real: adjust the help
        CLEARED = "cleared", "排除预警"  # not so: the alert is closed with no change
        REFERRED = "referred", "转介处理"  # handed to another department or level

    alert = models.OneToOneField(Alert, on_delete=models.PROTECT, related_name="home_check")
    outcome = models.CharField("核查结论", max_length=16, choices=Outcome.choices)
    visited_on = models.DateField("入户日期")
    note = models.TextField("核查情况")
    referred_to = models.CharField("转介单位", max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "入户核查"
        verbose_name_plural = "入户核查"

    def __str__(self) -> str:
        return f"{self.alert_id} {self.get_outcome_display()}"
