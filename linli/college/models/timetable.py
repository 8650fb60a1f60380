"""A timetable run (排课): the problem built from a community's (or a street's) courses, venues,
teachers and survey preferences, the solver's answer, and whether a worker published it.

The solver is the pure package ``linli.college.timetable``; publishing writes the course's
``WeeklySlot`` rows, from which the dated sessions follow.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class RunStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "计算中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"
    PUBLISHED = "published", "已发布"


class TimetableRun(models.Model):
    area = models.ForeignKey("areas.Area", verbose_name="社区/街道", on_delete=models.PROTECT, related_name="+")
    status = models.CharField("状态", max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    time_limit = models.PositiveSmallIntegerField("计算时限（秒）", default=20)
    problem = models.JSONField("排课问题", default=dict)  # docs/timetable-format.md
    result = models.JSONField("排课结果", null=True, blank=True)
    objective = models.IntegerField("扣分", null=True, blank=True)
    optimal = models.BooleanField("已证明最优", default=False)
    placed = models.PositiveIntegerField("已排课次", default=0)
    unplaced = models.PositiveIntegerField("未排课次", default=0)
    error = models.TextField("错误", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")

    class Meta:
        verbose_name = "排课"
        verbose_name_plural = "排课"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(time_limit__gte=1, time_limit__lte=600),
                                   name="timetable_time_limit_range"),
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.created_at:%Y-%m-%d %H:%M}"
