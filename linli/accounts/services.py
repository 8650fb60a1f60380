"""Writes about users: staff accounts, role grants, and residents' phone-and-code login."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from linli.accounts import selectors, sms
from linli.accounts.errors import AccountsErrorCode
from linli.accounts.models import LoginCode, RoleGrant, User
from linli.accounts.roles import ROLE_LEVELS, Perm, Role
from linli.areas.models import Area
from linli.core import phone as phones
from linli.core import protected
from linli.core.errors import LinliError, forbidden, invalid
from linli.core.services import audit_record

CODE_TTL = dt.timedelta(minutes=5)
CODE_RESEND_AFTER = dt.timedelta(seconds=60)
CODES_PER_PHONE_PER_HOUR = 5
CODES_PER_IP_PER_HOUR = 30
ATTEMPTS_PER_CODE = 5


def _phone(raw: str, field: str = "phone") -> str:
    try:
        return phones.parse(raw)
    except phones.PhoneError as exc:
        raise invalid(field, "手机号", str(exc)) from exc


@transaction.atomic
def staff_create(*, by: Any, username: str, full_name: str, password: str, phone: str = "") -> User:
    username = username.strip()
    if not username:
        raise invalid("username", "用户名", "不能为空")
    if User.objects.filter(username=username).exists():
        raise LinliError(AccountsErrorCode.USERNAME_TAKEN, f"用户名 {username} 已被使用", field="username")
    user = User(username=username, full_name=full_name.strip(), kind=User.Kind.STAFF)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise invalid("password", "密码", "；".join(exc.messages)) from exc
    user.set_password(password)
    if phone:
        user.phone = _phone(phone)
        user.phone_hash = protected.blind_index(user.phone)
        # One account per phone (the login by code finds it): say so rather than fail in full_clean.
        if User.objects.filter(phone_hash=user.phone_hash).exists():
            raise LinliError(AccountsErrorCode.PHONE_TAKEN, "手机号：该号码已被其他账号使用", field="phone", status=409)
    user.full_clean()
    user.save()
    audit_record(actor=by, action="user.create", target=user)
    return user


@transaction.atomic
def role_grant(*, by: Any, user: User, area: Area, role: str) -> RoleGrant:
    """Grant ``role`` on ``area``. ``by`` may be None only for set-up commands (no request)."""
    if role not in Role.values:
        raise invalid("role", "角色", f"不存在 {role}")
    if user.kind != User.Kind.STAFF:
        raise invalid("user", "账号", "居民或代办人的手机登录账号不能授予工作角色，请新建工作人员账号")
    if area.level not in ROLE_LEVELS[role]:
        raise invalid("area", "地区", f"{Role(role).label}不能授予在{area.level_label}一级")
    if by is not None and not selectors.has_permission(by, Perm.MANAGE_STAFF, area.code):
        raise forbidden(f"在{area.name}管理工作人员")
    grant, created = RoleGrant.objects.get_or_create(user=user, area=area, role=role, revoked_at=None,
                                                     defaults={"granted_by": by})
    if created:
        audit_record(actor=by, action="role.grant", target=grant, area_code=area.code, data={"role": role})
    selectors.forget_grants(user)
    return grant


@transaction.atomic
def role_revoke(*, by: Any, grant: RoleGrant) -> None:
    if by is not None and not selectors.has_permission(by, Perm.MANAGE_STAFF, grant.area_id):
        raise forbidden("撤销该授权")
    grant.revoked_at = timezone.now()
    grant.save(update_fields=["revoked_at"])
    audit_record(actor=by, action="role.revoke", target=grant, area_code=grant.area_id)
    selectors.forget_grants(grant.user)


# --- phone-and-code login -----------------------------------------------------------------


def _code_hash(phone_hash: str, code: str) -> str:
    return protected.blind_index(f"login-code:{phone_hash}:{code}")


@transaction.atomic
def login_code_request(*, phone: str, client_ip: str | None = None) -> None:
    """Send a 6-digit code. Said the same whether or not the number is registered."""
    number = _phone(phone)
    phone_hash = protected.blind_index(number)
    now = timezone.now()
    hour_ago = now - dt.timedelta(hours=1)
    recent = LoginCode.objects.filter(phone_hash=phone_hash, created_at__gte=hour_ago)
    last = recent.order_by("-created_at").first()
    if last and now - last.created_at < CODE_RESEND_AFTER:
        wait = int((CODE_RESEND_AFTER - (now - last.created_at)).total_seconds()) + 1
        raise LinliError(AccountsErrorCode.CODE_TOO_SOON, f"验证码已发送，请 {wait} 秒后再试", status=429)
    if recent.count() >= CODES_PER_PHONE_PER_HOUR:
        raise LinliError(AccountsErrorCode.CODE_TOO_MANY, "该号码获取验证码次数过多，请一小时后再试", status=429)
    if client_ip and LoginCode.objects.filter(client_ip=client_ip, created_at__gte=hour_ago).count() >= CODES_PER_IP_PER_HOUR:
        raise LinliError(AccountsErrorCode.CODE_TOO_MANY, "获取验证码次数过多，请稍后再试", status=429)
    code = f"{secrets.randbelow(1_000_000):06d}"
    LoginCode.objects.create(
        phone_hash=phone_hash,
        code_hash=_code_hash(phone_hash, code),
        created_at=now,
        expires_at=now + CODE_TTL,
        client_ip=client_ip,
    )
    if _login_account_exists(number, phone_hash):
        text = f"【邻里】您的登录验证码是 {code}，5 分钟内有效。请勿告诉他人。"
        transaction.on_commit(lambda: sms.send_sms(number, text))


def _login_account_exists(number: str, phone_hash: str) -> bool:
    from linli.people import selectors as people

    return selectors.user_by_phone_hash(phone_hash) is not None or people.resident_by_phone(number) is not None


def login_code_verify(*, phone: str, code: str) -> User:
    """The user the code logs in; the code is used up. A wrong code counts against the code."""
    number = _phone(phone)
    phone_hash = protected.blind_index(number)
    now = timezone.now()
    # The counted attempt must be committed even when the code is wrong, so the refusal is
    # raised after the transaction, not inside it (which would roll the count back).
    with transaction.atomic():
        entry = (
            LoginCode.objects.select_for_update()
            .filter(phone_hash=phone_hash, used_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if entry is None or entry.expires_at <= now:
            raise LinliError(AccountsErrorCode.CODE_EXPIRED, "验证码已过期或已使用，请重新获取", field="code")
        if entry.attempts >= ATTEMPTS_PER_CODE:
            raise LinliError(AccountsErrorCode.CODE_LOCKED, "输错次数过多，请重新获取验证码", field="code", status=429)
        entry.attempts += 1
        right = secrets.compare_digest(entry.code_hash, _code_hash(phone_hash, "".join(code.split())))
        if right:
            entry.used_at = now
        entry.save(update_fields=["attempts", "used_at"])
        user = _login_account(number, phone_hash) if right else None
        if user is not None:
            audit_record(actor=user, action="login.code", target=user)
    if not right:
        raise _WrongCode(ATTEMPTS_PER_CODE - entry.attempts)
    if user is None:
        raise LinliError(AccountsErrorCode.NOT_REGISTERED, "该手机号未在社区登记，请联系社区工作人员", field="phone")
    return user


class _WrongCode(LinliError):
    def __init__(self, left: int) -> None:
        message = f"验证码不正确，还可以再试 {left} 次" if left > 0 else "输错次数过多，请重新获取验证码"
        super().__init__(AccountsErrorCode.CODE_WRONG, message, field="code")


def _login_account(number: str, phone_hash: str) -> User | None:
    from linli.people import selectors as people
    from linli.people import services as people_services

    resident = people.resident_by_phone(number)
    if resident is not None:
        return people_services.resident_login_account(resident=resident)
    return selectors.user_by_phone_hash(phone_hash)


@transaction.atomic
def staff_create_with_role(
    *, by: Any, username: str, full_name: str, password: str, phone: str = "", role: str, area: Area
) -> User:
    """A new staff account and its first role, together or not at all."""
    if not selectors.has_permission(by, Perm.MANAGE_STAFF, area.code):
        raise forbidden(f"在{area.name}管理工作人员")
    user = staff_create(by=by, username=username, full_name=full_name, password=password, phone=phone)
    role_grant(by=by, user=user, area=area, role=role)
    return user
