"""Messages to a resident: shown on their phone pages, and sent by text message when asked.

Any module tells a resident something through ``notices.services.notice_send``: a waitlist place
turned into a seat, a class cancelled, a reminder about absences.
"""

from __future__ import annotations

from django.db import models


class Notice(models.Model):
    resident = models.ForeignKey("people.Resident", verbose_name="居民", on_delete=models.CASCADE,
                                 related_name="notices")
    text = models.CharField("内容", max_length=300)
    link = models.CharField("链接", max_length=200, blank=True)  # a path on this site
    sms_sent = models.BooleanField("已发短信", default=False)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "居民消息"
        verbose_name_plural = "居民消息"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["resident", "read_at"], name="notice_unread_idx")]

    def __str__(self) -> str:
        return self.text[:20]
