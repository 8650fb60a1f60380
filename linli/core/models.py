from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """A state change: who did what to which record, and for whom when acting as a proxy."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # When the actor acts for a resident (代办), the resident they act for.
    on_behalf_of = models.CharField("代办对象", max_length=64, blank=True)
    action = models.CharField("操作", max_length=64)
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64)
    area_code = models.CharField(max_length=15, blank=True, db_index=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "操作记录"
        verbose_name_plural = "操作记录"
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_type}#{self.target_id}"


class AccessLog(models.Model):
    """A protected value shown unmasked: who saw whose what, when and why."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64)
    target_label = models.CharField("对象", max_length=100)
    field = models.CharField("字段", max_length=32)
    reason = models.CharField("事由", max_length=200)
    area_code = models.CharField(max_length=15, db_index=True)

    class Meta:
        verbose_name = "敏感信息查看记录"
        verbose_name_plural = "敏感信息查看记录"
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_id} {self.field} {self.target_label}"


class ImportBatch(models.Model):
    """An uploaded file between preview and commit. The file is kept encrypted: it holds personal data."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "待确认"
        COMMITTED = "committed", "已导入"
        DISCARDED = "discarded", "已放弃"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    spec = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    area_code = models.CharField(max_length=15)
    filename = models.CharField(max_length=200)
    content = models.TextField()  # encrypted, base64 of the file's bytes
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PREVIEWED)
    row_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "导入批次"
        verbose_name_plural = "导入批次"

    def __str__(self) -> str:
        return f"{self.spec} {self.filename} ({self.get_status_display()})"


class SubmitToken(models.Model):
    """A form submission already received: the second click of a double click finds it here."""

    digest = models.CharField(max_length=64, primary_key=True)
    used_at = models.DateTimeField(auto_now_add=True, db_index=True)
    result_url = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = "已提交表单"
        verbose_name_plural = "已提交表单"

    def __str__(self) -> str:
        return self.digest[:12]
