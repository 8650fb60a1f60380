from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models

from linli.accounts.roles import Role
from linli.core.protected import EncryptedTextField


class User(AbstractUser):
    """Anyone who logs in: staff with passwords, residents and family members by phone and code."""

    class Kind(models.TextChoices):
        STAFF = "staff", "工作人员"
        RESIDENT = "resident", "居民"
        AGENT = "agent", "代办人"  # family member or neighbour who acts for a resident

    kind = models.CharField("类型", max_length=16, choices=Kind.choices, default=Kind.STAFF)
    full_name = models.CharField("姓名", max_length=64, blank=True)
    phone = EncryptedTextField("手机号", blank=True, default="")
    phone_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        constraints = [
            models.UniqueConstraint(
                fields=["phone_hash"], condition=~models.Q(phone_hash=""), name="user_phone_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username


class RoleGrant(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grants")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    role = models.CharField("角色", max_length=32, choices=Role.choices)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "角色授权"
        verbose_name_plural = "角色授权"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "area", "role"], condition=models.Q(revoked_at__isnull=True), name="grant_unique_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.area_id}"


class LoginCode(models.Model):
    """A one-time code sent by SMS. Only its hash is kept; the phone only as its keyed hash."""

    phone_hash = models.CharField(max_length=64, db_index=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    client_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = "登录验证码"
        verbose_name_plural = "登录验证码"

    def __str__(self) -> str:
        return f"code {self.pk} ({self.created_at:%Y-%m-%d %H:%M})"
