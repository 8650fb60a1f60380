"""Every write of volunteering. Keyword-only, atomic, permission checked inside, audited.

Hours are the heart of it: recorded and confirmed by the organiser (谁记录谁证明), in half-hour
steps, never overlapping another confirmed service of the same volunteer, and awarded points
through the points service in the same transaction — so hours and points stand or fall together.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from linli.accounts.roles import Perm
from linli.accounts.selectors import has_permission
from linli.areas.models import Area, Level
from linli.areas.visibility import lift_to_community
from linli.core.errors import LinliError, forbidden, invalid, not_found
from linli.core.services import audit_record
from linli.surveys import slots
from linli.volunteering import permissions
from linli.volunteering.models import (
    Activity,
    ActivityRole,
    ActivityStatus,
    Certificate,
    Nomination,
    NominationStatus,
    RecordStatus,
    ServiceRecord,
    Signup,
    SignupStatus,
    Team,
    Volunteer,
    VolunteerStatus,
)

MAX_HOURS = Decimal(24)
HALF = Decimal("0.5")
CHECKIN_EARLY = dt.timedelta(hours=1)  # the desk opens an hour before the start
CHECKOUT_LATE = dt.timedelta(hours=2)  # and takes check-outs until two hours after the end
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud over the phone
# Points refusals that leave the confirmed hours standing, with the note put on the record.
NO_POINTS_NOTES = {
    "points.cap_reached": "志愿服务积分已达本期上限，未发积分",
    "points.no_rule": "本社区未设置志愿服务积分规则，未发积分",
    "points.archived": "居民登记已注销，未发积分",
}


class VolunteeringErrorCode(StrEnum):
    DUPLICATE = "volunteering.duplicate"
    STATUS = "volunteering.status"
    FULL = "volunteering.full"
    OVERLAP = "volunteering.overlap"
    CONFIRMED = "volunteering.already_confirmed"


def _conflict(code: str, message: str, field: str | None = None) -> LinliError:
    return LinliError(code, message, field=field, status=409)


def _text(value: Any, field: str, label: str, max_length: int, *, required: bool = True) -> str:
    cleaned = " ".join(str(value or "").split())
    if "\x00" in cleaned:
        raise invalid(field, label, "不能包含空字符")
    if required and not cleaned:
        raise invalid(field, label, "不能为空")
    if len(cleaned) > max_length:
        raise invalid(field, label, f"过长（最多 {max_length} 个字）")
    return cleaned


def _long_text(value: Any, field: str, label: str, max_length: int = 2000, *, required: bool = False) -> str:
    cleaned = str(value or "").strip()
    if "\x00" in cleaned:
        raise invalid(field, label, "不能包含空字符")
    if required and not cleaned:
        raise invalid(field, label, "不能为空")
    if len(cleaned) > max_length:
        raise invalid(field, label, f"过长（最多 {max_length} 个字）")
    return cleaned


def _when(value: Any, field: str, label: str) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise invalid(field, label, "请填写日期和时间")
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value.replace(second=0, microsecond=0)


def fmt(moment: dt.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local:%Y-%m-%d %H:%M}"


def fmt_span(starts: dt.datetime, ends: dt.datetime) -> str:
    a, b = timezone.localtime(starts), timezone.localtime(ends)
    return f"{a:%Y-%m-%d %H:%M}–{b:%H:%M}" if a.date() == b.date() else f"{a:%Y-%m-%d %H:%M}–{b:%Y-%m-%d %H:%M}"


def _community(area_code: str, by: Any, action: str) -> Area:
    code = (area_code or "").strip()
    area = Area.objects.filter(code=code).first() if code.isascii() and 0 < len(code) <= 15 else None
    if area is None:
        raise invalid("area", "所属社区", f"地区代码 {code[:20] or '（空）'} 不存在")
    if area.level != Level.COMMUNITY:
        raise invalid("area", "所属社区", f"{area.name} 是{area.level_label}，应选择社区")
    if not has_permission(by, Perm.MANAGE_VOLUNTEERING, area.code):
        raise forbidden(f"在{area.name}{action}")
    return area


def _skills(raw: Iterable[Any]) -> list[str]:
    result: list[str] = []
    for item in raw or ():
        skill = _text(item, "skills", "技能特长", 16, required=False)
        if skill and skill not in result:
            result.append(skill)
    if len(result) > 10:
        raise invalid("skills", "技能特长", "最多填写 10 项")
    return result


def _availability(raw: Iterable[Any]) -> list[str]:
    result: list[str] = []
    for slot in raw or ():
        if not isinstance(slot, str) or not slots.is_valid(slot):
            raise invalid("availability", "可服务时间", f"“{str(slot)[:10]}”不是有效的时段（如 2-am 表示周二上午）")
        if slot not in result:
            result.append(slot)
    return sorted(result, key=slots.ALL.index)


# --- volunteers ---------------------------------------------------------------------------


def _new_volunteer(resident: Any, *, by: Any, skills: Iterable[Any], availability: Iterable[Any], note: str,
                   status: str) -> Volunteer:
    if resident is None:
        raise invalid("resident", "居民", "请选择居民")
    if resident.archived_at:
        raise invalid("resident", "居民", f"{resident.name} 的居民登记已注销")
    if Volunteer.objects.filter(resident=resident).exists():
        raise _conflict(VolunteeringErrorCode.DUPLICATE, f"{resident.name} 已经登记为志愿者", "resident")
    now = timezone.now()
    volunteer = Volunteer(
        resident=resident, area_id=resident.area_id, skills=_skills(skills), availability=_availability(availability),
        note=_long_text(note, "note", "备注", 500), status=status, registered_at=now,
        registered_by=by,
    )
    if status == VolunteerStatus.VERIFIED:
        volunteer.verified_by, volunteer.verified_at = by, now
    try:
        with transaction.atomic():
            volunteer.save()
    except IntegrityError:
        raise _conflict(VolunteeringErrorCode.DUPLICATE, f"{resident.name} 已经登记为志愿者", "resident") from None
    volunteer.number = f"ZY{lift_to_community(resident.area_id)}{volunteer.pk:05d}"
    volunteer.save(update_fields=["number"])
    return volunteer


@transaction.atomic
def volunteer_register(*, by: Any, resident: Any, skills: Iterable[Any] = (), availability: Iterable[Any] = (),
                       note: str = "") -> Volunteer:
    """A worker registers a resident of their area: verified at once (the worker knows them)."""
    if resident is None:
        raise invalid("resident", "居民", "请选择居民")
    if not has_permission(by, Perm.MANAGE_VOLUNTEERING, resident.area_id):
        raise forbidden("登记该居民为志愿者")
    volunteer = _new_volunteer(resident, by=by, skills=skills, availability=availability, note=note,
                               status=VolunteerStatus.VERIFIED)
    audit_record(actor=by, action="volunteer.register", target=volunteer, area_code=volunteer.area_id)
    return volunteer


@transaction.atomic
def volunteer_apply(*, by: Any, resident: Any, skills: Iterable[Any] = (), availability: Iterable[Any] = (),
                    note: str = "") -> Volunteer:
    """A resident applies on the phone (or their agent for them): pending until a worker verifies."""
    if resident is None or not permissions.acts_for(by, resident):
        raise forbidden("为该居民申请志愿者")
    volunteer = _new_volunteer(resident, by=None, skills=skills, availability=availability, note=note,
                               status=VolunteerStatus.PENDING)
    audit_record(actor=by, action="volunteer.apply", target=volunteer, area_code=volunteer.area_id,
                 on_behalf_of=resident if getattr(by, "resident", None) != resident else None)
    return volunteer


def _locked_volunteer(volunteer: Volunteer) -> Volunteer:
    return Volunteer.objects.select_for_update(of=("self",)).select_related("resident").get(pk=volunteer.pk)


@transaction.atomic
def volunteer_update(*, by: Any, volunteer: Volunteer, skills: Iterable[Any], availability: Iterable[Any],
                     note: str = "") -> Volunteer:
    if not permissions.can_manage_volunteer(by, volunteer) and not permissions.acts_for(by, volunteer.resident):
        raise forbidden("修改志愿者信息")
    v = _locked_volunteer(volunteer)
    v.skills, v.availability = _skills(skills), _availability(availability)
    v.note = _long_text(note, "note", "备注", 500)
    v.save(update_fields=["skills", "availability", "note"])
    audit_record(actor=by, action="volunteer.update", target=v, area_code=v.area_id)
    return v


@transaction.atomic
def volunteer_verify(*, by: Any, volunteer: Volunteer) -> Volunteer:
    if not permissions.can_manage_volunteer(by, volunteer):
        raise forbidden("认证志愿者")
    v = _locked_volunteer(volunteer)
    if v.status == VolunteerStatus.VERIFIED:
        raise _conflict(VolunteeringErrorCode.STATUS, f"{v.resident.name} 已经认证过了")
    v.status, v.verified_by, v.verified_at = VolunteerStatus.VERIFIED, by, timezone.now()
    v.save(update_fields=["status", "verified_by", "verified_at"])
    audit_record(actor=by, action="volunteer.verify", target=v, area_code=v.area_id)
    return v


@transaction.atomic
def volunteer_suspend(*, by: Any, volunteer: Volunteer, reason: str) -> Volunteer:
    if not permissions.can_manage_volunteer(by, volunteer):
        raise forbidden("暂停志愿者")
    reason = _text(reason, "reason", "暂停原因", 200)
    v = _locked_volunteer(volunteer)
    if v.status == VolunteerStatus.SUSPENDED:
        raise _conflict(VolunteeringErrorCode.STATUS, f"{v.resident.name} 已经暂停")
    v.status = VolunteerStatus.SUSPENDED
    v.save(update_fields=["status"])
    audit_record(actor=by, action="volunteer.suspend", target=v, area_code=v.area_id, data={"reason": reason})
    return v


# --- teams --------------------------------------------------------------------------------


def _leader(resident: Any, area: Area) -> Any:
    if resident is None:
        return None
    if not resident.area_id.startswith(area.code):
        raise invalid("leader", "队长", f"{resident.name} 不是{area.name}的居民")
    return resident


@transaction.atomic
def team_create(*, by: Any, area_code: str, name: str, description: str = "", leader: Any = None) -> Team:
    area = _community(area_code, by, "建立志愿服务队")
    name = _text(name, "name", "队名", 48)
    if Team.objects.filter(area=area, name=name).exists():
        raise _conflict(VolunteeringErrorCode.DUPLICATE, f"{area.name}已有名为“{name}”的服务队", "name")
    team = Team.objects.create(area=area, name=name, description=_long_text(description, "description", "简介"),
                               leader=_leader(leader, area))
    audit_record(actor=by, action="team.create", target=team, area_code=area.code)
    return team


@transaction.atomic
def team_update(*, by: Any, team: Team, name: str, description: str = "", leader: Any = None) -> Team:
    if not permissions.can_manage(by, team):
        raise forbidden("修改服务队")
    name = _text(name, "name", "队名", 48)
    if Team.objects.filter(area_id=team.area_id, name=name).exclude(pk=team.pk).exists():
        raise _conflict(VolunteeringErrorCode.DUPLICATE, f"已有名为“{name}”的服务队", "name")
    team.name, team.description = name, _long_text(description, "description", "简介")
    team.leader = _leader(leader, team.area)
    team.save(update_fields=["name", "description", "leader"])
    audit_record(actor=by, action="team.update", target=team, area_code=team.area_id)
    return team


@transaction.atomic
def team_member_add(*, by: Any, team: Team, volunteer: Volunteer) -> None:
    if not permissions.can_manage(by, team):
        raise forbidden("管理服务队队员")
    if not volunteer.area_id.startswith(team.area_id):
        raise invalid("volunteer", "队员", f"{volunteer.resident.name} 不是{team.area.name}的志愿者")
    if team.members.filter(pk=volunteer.pk).exists():
        raise _conflict(VolunteeringErrorCode.DUPLICATE, f"{volunteer.resident.name} 已在队中", "volunteer")
    team.members.add(volunteer)
    audit_record(actor=by, action="team.member_add", target=team, area_code=team.area_id,
                 data={"volunteer": volunteer.pk})


@transaction.atomic
def team_member_remove(*, by: Any, team: Team, volunteer: Volunteer) -> None:
    if not permissions.can_manage(by, team):
        raise forbidden("管理服务队队员")
    team.members.remove(volunteer)
    audit_record(actor=by, action="team.member_remove", target=team, area_code=team.area_id,
                 data={"volunteer": volunteer.pk})


# --- activities ---------------------------------------------------------------------------


def _span(starts_at: Any, ends_at: Any) -> tuple[dt.datetime, dt.datetime]:
    starts = _when(starts_at, "starts_at", "开始时间")
    ends = _when(ends_at, "ends_at", "结束时间")
    if ends <= starts:
        raise invalid("ends_at", "结束时间", f"应晚于开始时间（{fmt(starts)}）")
    if ends - starts > dt.timedelta(days=7):
        raise invalid("ends_at", "结束时间", "一次活动最长 7 天，长期服务请分次登记")
    return starts, ends


def _role_values(name: Any, headcount: Any) -> tuple[str, int]:
    name = _text(name, "role_name", "岗位名称", 32)
    if isinstance(headcount, bool) or not isinstance(headcount, int):
        raise invalid("headcount", "人数", "应为整数")
    if headcount < 1:
        raise invalid("headcount", "人数", "至少 1 人")
    if headcount > 1000:
        raise invalid("headcount", "人数", "不能超过 1000 人")
    return name, headcount


@transaction.atomic
def activity_create(*, by: Any, area_code: str, title: str, place: str, starts_at: dt.datetime,
                    ends_at: dt.datetime, description: str = "", team: Team | None = None,
                    roles: Iterable[tuple[str, int]] = ()) -> Activity:
    """A draft activity; ``by`` becomes its organiser, who will confirm its hours."""
    area = _community(area_code, by, "发布志愿服务活动")
    starts, ends = _span(starts_at, ends_at)
    if team is not None and team.area_id != area.code:
        raise invalid("team", "服务队", f"“{team.name}”不是{area.name}的服务队")
    activity = Activity.objects.create(
        area=area, team=team, title=_text(title, "title", "活动名称", 64),
        description=_long_text(description, "description", "服务内容"), place=_text(place, "place", "地点", 100),
        starts_at=starts, ends_at=ends, organiser=by, checkin_token=secrets.token_urlsafe(16),
    )
    seen: set[str] = set()
    for name, headcount in roles:
        name, headcount = _role_values(name, headcount)
        if name in seen:
            raise invalid("role_name", "岗位名称", f"“{name}”重复")
        seen.add(name)
        ActivityRole.objects.create(activity=activity, name=name, headcount=headcount)
    audit_record(actor=by, action="activity.create", target=activity, area_code=area.code)
    return activity


def _locked_activity(by: Any, activity: Activity, action: str) -> Activity:
    if not permissions.can_manage(by, activity):
        raise forbidden(action)
    return Activity.objects.select_for_update().get(pk=activity.pk)


@transaction.atomic
def activity_role_add(*, by: Any, activity: Activity, name: str, headcount: int) -> ActivityRole:
    a = _locked_activity(by, activity, "设置活动岗位")
    if a.status in (ActivityStatus.FINISHED, ActivityStatus.CANCELLED):
        raise _conflict(VolunteeringErrorCode.STATUS, f"活动{a.get_status_display()}，不能再增加岗位")
    name, headcount = _role_values(name, headcount)
    if a.roles.filter(name=name).exists():
        raise _conflict(VolunteeringErrorCode.DUPLICATE, f"已有岗位“{name}”", "role_name")
    role = ActivityRole.objects.create(activity=a, name=name, headcount=headcount)
    audit_record(actor=by, action="activity.role_add", target=a, area_code=a.area_id,
                 data={"role": name, "headcount": headcount})
    return role


@transaction.atomic
def activity_publish(*, by: Any, activity: Activity) -> Activity:
    a = _locked_activity(by, activity, "发布活动")
    if a.status != ActivityStatus.DRAFT:
        raise _conflict(VolunteeringErrorCode.STATUS, f"活动{a.get_status_display()}，不能发布")
    if not a.roles.exists():
        raise invalid("role_name", "岗位", "请先设置至少一个岗位和人数")
    if a.starts_at <= timezone.now():
        raise invalid("starts_at", "开始时间", "活动已经开始，不能再招募")
    a.status = ActivityStatus.OPEN
    a.save(update_fields=["status"])
    audit_record(actor=by, action="activity.publish", target=a, area_code=a.area_id)
    return a


@transaction.atomic
def activity_cancel(*, by: Any, activity: Activity, reason: str) -> Activity:
    a = _locked_activity(by, activity, "取消活动")
    reason = _text(reason, "reason", "取消原因", 200)
    if a.status in (ActivityStatus.FINISHED, ActivityStatus.CANCELLED):
        raise _conflict(VolunteeringErrorCode.STATUS, f"活动{a.get_status_display()}，不能取消")
    if a.records.filter(status=RecordStatus.CONFIRMED).exists():
        raise _conflict(VolunteeringErrorCode.STATUS, "活动已有确认的服务时长，不能取消")
    a.status = ActivityStatus.CANCELLED
    a.save(update_fields=["status"])
    audit_record(actor=by, action="activity.cancel", target=a, area_code=a.area_id, data={"reason": reason})
    return a


@transaction.atomic
def activity_finish(*, by: Any, activity: Activity) -> Activity:
    a = _locked_activity(by, activity, "结束活动")
    if a.status != ActivityStatus.OPEN:
        raise _conflict(VolunteeringErrorCode.STATUS, f"活动{a.get_status_display()}，不能结束")
    if a.starts_at > timezone.now():
        raise _conflict(VolunteeringErrorCode.STATUS, "活动还没有开始，不能结束")
    a.status = ActivityStatus.FINISHED
    a.save(update_fields=["status"])
    audit_record(actor=by, action="activity.finish", target=a, area_code=a.area_id)
    return a


# --- sign-up, check-in, check-out ---------------------------------------------------------


def _may_act_for_volunteer(by: Any, volunteer: Volunteer, activity: Activity) -> bool:
    return permissions.can_manage(by, activity) or permissions.acts_for(by, volunteer.resident)


@transaction.atomic
def signup_create(*, by: Any, activity: Activity, volunteer: Volunteer, role: ActivityRole) -> Signup:
    """Sign a volunteer up for one role. The role's row is locked, so the headcount holds under
    any number of simultaneous sign-ups."""
    if not _may_act_for_volunteer(by, volunteer, activity):
        raise forbidden("为该志愿者报名")
    if role.activity_id != activity.pk:
        raise invalid("role", "岗位", "不属于这个活动")
    volunteer = Volunteer.objects.select_related("resident").get(pk=volunteer.pk)  # its status as it is now
    locked_role = ActivityRole.objects.select_for_update().get(pk=role.pk)
    a = Activity.objects.get(pk=activity.pk)
    if a.status != ActivityStatus.OPEN:
        raise _conflict(VolunteeringErrorCode.STATUS, f"活动{a.get_status_display()}，不能报名")
    if a.starts_at <= timezone.now():
        raise _conflict(VolunteeringErrorCode.STATUS, f"活动已于 {fmt(a.starts_at)} 开始，报名已截止")
    if volunteer.status != VolunteerStatus.VERIFIED:
        raise _conflict(VolunteeringErrorCode.STATUS,
                        f"{volunteer.resident.name} 的志愿者身份{volunteer.get_status_display()}，认证后才能报名")
    existing = Signup.objects.select_for_update().filter(activity=a, volunteer=volunteer).first()
    if existing is not None and existing.status == SignupStatus.SIGNED:
        raise _conflict(VolunteeringErrorCode.DUPLICATE,
                        f"{volunteer.resident.name} 已经报名了这个活动（岗位：{existing.role.name}）", "role")
    taken = Signup.objects.filter(role=locked_role, status=SignupStatus.SIGNED).count()
    if taken >= locked_role.headcount:
        raise _conflict(VolunteeringErrorCode.FULL, f"岗位“{locked_role.name}”已满（{locked_role.headcount} 人）",
                        "role")
    if existing is not None:  # signed up before, cancelled, and now back
        existing.role, existing.status = locked_role, SignupStatus.SIGNED
        existing.save(update_fields=["role", "status"])
        signup = existing
    else:
        try:
            with transaction.atomic():
                signup = Signup.objects.create(activity=a, role=locked_role, volunteer=volunteer)
        except IntegrityError:
            raise _conflict(VolunteeringErrorCode.DUPLICATE, f"{volunteer.resident.name} 已经报名了这个活动",
                            "role") from None
    audit_record(actor=by, action="signup.create", target=signup, area_code=a.area_id,
                 data={"role": locked_role.name, "volunteer": volunteer.pk})
    return signup


@transaction.atomic
def signup_cancel(*, by: Any, signup: Signup) -> Signup:
    s = Signup.objects.select_for_update(of=("self",)).select_related("activity", "volunteer__resident").get(pk=signup.pk)
    if not _may_act_for_volunteer(by, s.volunteer, s.activity):
        raise forbidden("取消该报名")
    if s.status != SignupStatus.SIGNED:
        raise _conflict(VolunteeringErrorCode.STATUS, "这条报名已经取消")
    if s.checked_in_at:
        raise _conflict(VolunteeringErrorCode.STATUS, "已经签到，不能取消报名")
    s.status = SignupStatus.CANCELLED
    s.save(update_fields=["status"])
    audit_record(actor=by, action="signup.cancel", target=s, area_code=s.activity.area_id)
    return s


def _locked_signup(signup: Signup) -> Signup:
    return Signup.objects.select_for_update(of=("self",)).select_related("activity", "volunteer__resident", "role").get(
        pk=signup.pk)


def _desk_open(a: Activity, now: dt.datetime) -> None:
    if a.status == ActivityStatus.CANCELLED:
        raise _conflict(VolunteeringErrorCode.STATUS, "活动已取消")
    if a.status == ActivityStatus.DRAFT:
        raise _conflict(VolunteeringErrorCode.STATUS, "活动还没有发布")
    if a.status == ActivityStatus.FINISHED:
        raise _conflict(VolunteeringErrorCode.STATUS, "活动已结束，不能再签到；实际服务时间请联系组织者登记")
    if now < a.starts_at - CHECKIN_EARLY:
        raise _conflict(VolunteeringErrorCode.STATUS, f"签到从 {fmt(a.starts_at - CHECKIN_EARLY)} 开始")
    if now >= a.ends_at:
        raise _conflict(VolunteeringErrorCode.STATUS,
                        f"活动已于 {fmt(a.ends_at)} 结束，不能再签到；实际服务时间请联系组织者登记")


def _desk_closing(a: Activity, now: dt.datetime) -> None:
    """Check-out: until two hours after the planned end, then the organiser types the real times."""
    if a.status == ActivityStatus.CANCELLED:
        raise _conflict(VolunteeringErrorCode.STATUS, "活动已取消")
    if now > a.ends_at + CHECKOUT_LATE:
        raise _conflict(VolunteeringErrorCode.STATUS,
                        f"签退已于 {fmt(a.ends_at + CHECKOUT_LATE)} 截止（活动结束后 2 小时），"
                        "实际服务时间请联系组织者登记")


@transaction.atomic
def signup_check_in(*, by: Any, signup: Signup, at: dt.datetime | None = None) -> Signup:
    s = _locked_signup(signup)
    if not _may_act_for_volunteer(by, s.volunteer, s.activity):
        raise forbidden("签到")
    now = at or timezone.now()
    _desk_open(s.activity, now)
    if s.status != SignupStatus.SIGNED:
        raise _conflict(VolunteeringErrorCode.STATUS, "报名已取消，不能签到")
    if s.checked_in_at:
        raise _conflict(VolunteeringErrorCode.STATUS, f"{s.volunteer.resident.name} 已于 {fmt(s.checked_in_at)} 签到")
    s.checked_in_at = now
    s.save(update_fields=["checked_in_at"])
    audit_record(actor=by, action="signup.check_in", target=s, area_code=s.activity.area_id)
    return s


@transaction.atomic
def signup_check_out(*, by: Any, signup: Signup, at: dt.datetime | None = None) -> Signup:
    s = _locked_signup(signup)
    if not _may_act_for_volunteer(by, s.volunteer, s.activity):
        raise forbidden("签退")
    now = at or timezone.now()
    if not s.checked_in_at:
        raise _conflict(VolunteeringErrorCode.STATUS, "还没有签到，不能签退")
    _desk_closing(s.activity, now)
    if s.checked_out_at:
        raise _conflict(VolunteeringErrorCode.STATUS, f"{s.volunteer.resident.name} 已于 {fmt(s.checked_out_at)} 签退")
    if now <= s.checked_in_at:
        raise invalid("checked_out_at", "签退时间", "应晚于签到时间")
    s.checked_out_at = now
    s.save(update_fields=["checked_out_at"])
    audit_record(actor=by, action="signup.check_out", target=s, area_code=s.activity.area_id)
    return s


@transaction.atomic
def signup_scan(*, by: Any, token: str, resident: Any) -> tuple[Signup, str]:
    """The volunteer scans the activity's QR code: the first scan checks in, the second checks out."""
    activity = Activity.objects.filter(checkin_token=str(token or "")[:64]).first()
    if activity is None or resident is None:
        raise not_found("活动签到码")
    signup = Signup.objects.filter(activity=activity, volunteer__resident=resident,
                                   status=SignupStatus.SIGNED).first()
    if signup is None:
        raise LinliError(VolunteeringErrorCode.STATUS, f"{resident.name} 没有报名“{activity.title}”，请先报名或联系组织者",
                         status=409)
    if signup.checked_in_at is None:
        return signup_check_in(by=by, signup=signup), "in"
    return signup_check_out(by=by, signup=signup), "out"


# --- service hours ------------------------------------------------------------------------


def half_hours_down(starts: dt.datetime, ends: dt.datetime) -> Decimal:
    """The span in hours, rounded down to a half hour."""
    minutes = int((ends - starts).total_seconds() // 60)
    return Decimal(minutes // 30) * HALF


def _hours(value: Any, span_hours: Decimal) -> Decimal:
    if value is None or value == "":
        hours = span_hours
        if hours <= 0:
            raise invalid("hours", "服务时长", "不足半小时，不能记为服务时长")
    else:
        text = str(value).strip()
        if "e" in text.lower():  # 9e99 fits the form's 8 characters but is no number of hours
            raise invalid("hours", "服务时长", "应为数字，如 2.5")
        try:
            hours = Decimal(text)
        except InvalidOperation:
            raise invalid("hours", "服务时长", "应为数字，如 2.5") from None
        if not hours.is_finite():
            raise invalid("hours", "服务时长", "应为数字，如 2.5")
        if hours <= 0:
            raise invalid("hours", "服务时长", "应大于 0")
        if hours > MAX_HOURS:  # before any arithmetic: a huge value would overflow the decimal context
            raise invalid("hours", "服务时长", "一次服务最多记 24 小时")
        doubled = hours * 2
        if doubled != doubled.to_integral_value():
            raise invalid("hours", "服务时长", f"应以半小时为单位（如 1.5、2），不能是 {hours.normalize()}")
        if hours > span_hours:
            raise invalid("hours", "服务时长", f"不能超过服务起止时间的长度（{span_hours.normalize()} 小时）")
    if hours > MAX_HOURS:
        raise invalid("hours", "服务时长", "一次服务最多记 24 小时")
    return hours.quantize(Decimal("0.1"), rounding=ROUND_DOWN)


@transaction.atomic
def service_record_create(*, by: Any, volunteer: Volunteer, area_code: str, content: str, starts_at: dt.datetime,
                          ends_at: dt.datetime, place: str = "", role_name: str = "", note: str = "",
                          activity: Activity | None = None) -> ServiceRecord:
    """Hours typed in by the worker who will confirm them: service outside a listed activity, or a
    walk-in helper at an activity (then only by its organiser, and within its community)."""
    area = _community(area_code, by, "登记服务时长")
    if activity is not None:
        if activity.organiser_id != getattr(by, "pk", None):
            raise forbidden(f"登记“{activity.title}”的服务时长（由组织者 {activity.organiser} 登记和确认）")
        if activity.area_id != area.code:
            raise invalid("area", "组织社区", f"“{activity.title}”是{activity.area.name}的活动")
        if activity.status in (ActivityStatus.DRAFT, ActivityStatus.CANCELLED):
            raise _conflict(VolunteeringErrorCode.STATUS, f"活动{activity.get_status_display()}，不能记录时长")
    if volunteer.status == VolunteerStatus.PENDING:
        raise _conflict(VolunteeringErrorCode.STATUS, f"{volunteer.resident.name} 的志愿者身份尚未认证")
    starts, ends = _span(starts_at, ends_at)
    if ends > timezone.now():
        raise invalid("ends_at", "结束时间", "服务还没有结束，不能登记时长")
    record = ServiceRecord.objects.create(
        volunteer=volunteer, area_id=volunteer.area_id, organisation_area=area, activity=activity,
        organisation=(activity.team.name if activity is not None and activity.team is not None
                      else f"{area.name}居民委员会"),
        content=_text(content, "content", "服务内容", 100),
        role_name=_text(role_name, "role_name", "岗位", 32, required=False),
        place=_text(place, "place", "地点", 100, required=False), starts_at=starts, ends_at=ends,
        note=_text(note, "note", "备注", 200, required=False), recorded_by=by,
    )
    audit_record(actor=by, action="service_record.create", target=record, area_code=volunteer.area_id)
    return record


@transaction.atomic
def service_record_for_signup(*, by: Any, signup: Signup, starts_at: dt.datetime | None = None,
                              ends_at: dt.datetime | None = None) -> ServiceRecord:
    """The pending record of a sign-up: its check-in and check-out, or the times the organiser types."""
    s = _locked_signup(signup)
    a = s.activity
    if a.organiser_id != getattr(by, "pk", None) or not permissions.can_manage(by, a):
        raise forbidden(f"登记“{a.title}”的服务时长（由组织者 {a.organiser} 登记和确认）")
    existing = ServiceRecord.objects.filter(signup=s).first()
    if existing is not None:
        return existing
    if s.status != SignupStatus.SIGNED:
        raise _conflict(VolunteeringErrorCode.STATUS, "报名已取消，不能记录时长")
    if a.status in (ActivityStatus.DRAFT, ActivityStatus.CANCELLED):
        raise _conflict(VolunteeringErrorCode.STATUS, f"活动{a.get_status_display()}，不能记录时长")
    starts = starts_at or s.checked_in_at
    ends = ends_at or s.checked_out_at
    if starts is None or ends is None:
        raise invalid("ends_at", "服务时间", f"{s.volunteer.resident.name} 还没有签到和签退，请填写实际服务起止时间")
    starts, ends = _span(starts, ends)
    if ends > timezone.now():
        raise invalid("ends_at", "结束时间", "服务还没有结束，不能记录时长")
    record = ServiceRecord.objects.create(
        volunteer=s.volunteer, area_id=s.volunteer.area_id, organisation_area_id=a.area_id, activity=a, signup=s,
        organisation=a.team.name if a.team is not None else f"{a.area.name}居民委员会", content=a.title,
        role_name=s.role.name, place=a.place, starts_at=starts, ends_at=ends, recorded_by=by,
    )
    audit_record(actor=by, action="service_record.create", target=record, area_code=record.area_id)
    return record


def _points_awarded(transfer: Any, resident: Any) -> int:
    from linli.points.models import Entry

    total = Entry.objects.filter(transfer=transfer, amount__gt=0, account__resident=resident).aggregate(
        t=Sum("amount"))["t"]
    return int(total or 0)


@transaction.atomic
def service_record_confirm(*, by: Any, record: ServiceRecord, hours: Decimal | str | None = None) -> ServiceRecord:
    """Confirm the hours (谁记录谁证明) and award the points, in one transaction.

    Hours: as entered (half-hour steps), or the span rounded down to half hours; more than 0, at most
    24. Refused if they overlap another confirmed service of the same volunteer, or were confirmed
    before — the ledger is then unchanged."""
    r = ServiceRecord.objects.select_for_update(of=("self",)).select_related("activity", "organisation_area").get(pk=record.pk)
    if not permissions.can_confirm(by, r):
        owner = r.activity.organiser if r.activity is not None else r.recorded_by
        raise forbidden(f"确认这条服务时长（谁记录谁证明：应由 {owner} 确认）")
    if r.status == RecordStatus.VOID:
        raise _conflict(VolunteeringErrorCode.STATUS, f"这条服务时长已于 {fmt(r.voided_at or r.created_at)} 作废，不能确认")
    if r.status == RecordStatus.CONFIRMED:
        raise _conflict(VolunteeringErrorCode.CONFIRMED,
                        f"这条服务时长已于 {fmt(r.confirmed_at or r.created_at)} 确认（{r.hours} 小时），不能重复确认")
    volunteer = _locked_volunteer(r.volunteer)  # one confirmation at a time per volunteer: no overlap slips by
    value = _hours(hours, half_hours_down(r.starts_at, r.ends_at))
    other = (ServiceRecord.objects.filter(volunteer=volunteer, status=RecordStatus.CONFIRMED,
                                          starts_at__lt=r.ends_at, ends_at__gt=r.starts_at)
             .exclude(pk=r.pk).order_by("starts_at").first())
    if other is not None:
        raise _conflict(VolunteeringErrorCode.OVERLAP,
                        f"{volunteer.resident.name} 在 {fmt_span(r.starts_at, r.ends_at)} 的服务与已确认的"
                        f"“{other.content}”（{fmt_span(other.starts_at, other.ends_at)}）时间重叠，不能重复计时",
                        "starts_at")
    now = timezone.now()
    r.hours, r.status, r.confirmed_by, r.confirmed_at = value, RecordStatus.CONFIRMED, by, now
    r.save(update_fields=["hours", "status", "confirmed_by", "confirmed_at"])
    from linli.points.services import points_award

    # The organiser's right to confirm was checked above; the volunteer may live in another community,
    # where the organiser holds no role: the points follow the hours as a system award by rule.
    try:
        transfer = points_award(by=None, resident=volunteer.resident, action="service_half_hour",
                                units=int(value * 2), source=r,
                                reason=f"志愿服务：{r.content} {value.normalize()} 小时（{by} 确认）",
                                on=timezone.localtime(r.starts_at).date())
    except LinliError as exc:
        why = NO_POINTS_NOTES.get(exc.code)
        if why is None:
            raise  # already awarded (409) or anything unforeseen: nothing is confirmed, the ledger unchanged
        transfer = None  # the hours stand whatever the points rules say
        r.points = 0
        r.note = "；".join(part for part in (r.note, why) if part)[:200]
        r.save(update_fields=["points", "note"])
    if transfer is not None:
        r.points_transfer_id = transfer.pk
        r.points = _points_awarded(transfer, volunteer.resident)
        r.save(update_fields=["points_transfer_id", "points"])
    audit_record(actor=by, action="service_record.confirm", target=r, area_code=r.area_id,
                 data={"hours": str(value), "points": r.points, "transfer": transfer.pk if transfer else None})
    return r


@transaction.atomic
def service_record_void(*, by: Any, record: ServiceRecord, reason: str) -> ServiceRecord:
    """Void a record entered in error: its points reversed in the ledger (refused, and nothing changed,
    when they were already spent), then out of the totals, honour rolls and new certificates."""
    if not has_permission(by, Perm.MANAGE_VOLUNTEERING, record.area_id):
        raise forbidden("作废服务记录")
    reason = _text(reason, "reason", "作废原因", 200)
    r = ServiceRecord.objects.select_for_update(of=("self",)).get(pk=record.pk)
    if r.status == RecordStatus.VOID:
        raise _conflict(VolunteeringErrorCode.STATUS, f"这条服务记录已于 {fmt(r.voided_at or r.created_at)} 作废")
    reversal = None
    if r.points_transfer_id is not None:
        from linli.points.models import Transfer
        from linli.points.services import points_reverse

        transfer = Transfer.objects.get(pk=r.points_transfer_id)
        reversal = points_reverse(by=by, transfer=transfer, reason=f"作废志愿服务记录：{reason}")
    r.status, r.voided_by, r.voided_at, r.void_reason = RecordStatus.VOID, by, timezone.now(), reason
    r.save(update_fields=["status", "voided_by", "voided_at", "void_reason"])
    audit_record(actor=by, action="service_record.void", target=r, area_code=r.area_id,
                 data={"reason": reason, "hours": str(r.hours), "points": r.points,
                       "reversal": reversal.pk if reversal else None})
    return r


@transaction.atomic
def service_record_confirm_signup(*, by: Any, signup: Signup, hours: Decimal | str | None = None,
                                  starts_at: dt.datetime | None = None,
                                  ends_at: dt.datetime | None = None) -> ServiceRecord:
    """The organiser's one step at the desk: record the sign-up's hours and confirm them."""
    record = service_record_for_signup(by=by, signup=signup, starts_at=starts_at, ends_at=ends_at)
    return service_record_confirm(by=by, record=record, hours=hours)


# --- certificates -------------------------------------------------------------------------


def new_certificate_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(16))  # 80 bits
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


@transaction.atomic
def certificate_issue(*, by: Any, volunteer: Volunteer, period_start: dt.date, period_end: dt.date,
                      contact: str = "") -> Certificate:
    """志愿服务记录证明 for the confirmed hours in a period, snapshotted as issued."""
    if not permissions.can_manage_volunteer(by, volunteer):
        raise forbidden("出具志愿服务记录证明")
    if not isinstance(period_start, dt.date) or not isinstance(period_end, dt.date):
        raise invalid("period_start", "证明期间", "请填写起止日期")
    if period_end < period_start:
        raise invalid("period_end", "截止日期", "应不早于起始日期")
    today = timezone.localdate()
    if period_start > today:
        raise invalid("period_start", "起始日期", "不能晚于今天")
    v = _locked_volunteer(volunteer)
    if v.status == VolunteerStatus.PENDING:
        raise _conflict(VolunteeringErrorCode.STATUS, f"{v.resident.name} 的志愿者身份尚未认证")
    records = list(
        ServiceRecord.objects.filter(volunteer=v, status=RecordStatus.CONFIRMED,
                                     starts_at__date__gte=period_start, starts_at__date__lte=period_end)
        .order_by("starts_at", "pk")
    )
    if not records:
        raise invalid("period_start", "证明期间",
                      f"{period_start:%Y-%m-%d} 至 {period_end:%Y-%m-%d} 没有已确认的服务记录")
    community = Area.objects.get(code=lift_to_community(v.area_id))
    lines = [
        {"organisation": r.organisation, "content": r.content, "role": r.role_name, "place": r.place,
         "date": f"{timezone.localtime(r.starts_at):%Y-%m-%d}", "time": fmt_span(r.starts_at, r.ends_at),
         "hours": str(r.hours)}
        for r in records
    ]
    total = sum((r.hours or Decimal(0) for r in records), Decimal(0))
    for _ in range(5):
        code = new_certificate_code()
        if not Certificate.objects.filter(code=code).exists():
            break
    cert = Certificate.objects.create(
        code=code, volunteer=v, area_id=v.area_id, issuer_area=community, issuing_body=f"{community.name}居民委员会",
        contact=_text(contact, "contact", "联系方式", 100, required=False), name=v.resident.name,
        id_number_masked=v.resident.id_number_masked, volunteer_number=v.number or "",
        registered_on=timezone.localtime(v.registered_at).date(), period_start=period_start, period_end=period_end,
        total_hours=total, record_count=len(records), lines=lines, issued_by=by, issued_at=timezone.now(),
    )
    audit_record(actor=by, action="certificate.issue", target=cert, area_code=v.area_id,
                 data={"hours": str(total), "records": len(records)})
    return cert


@transaction.atomic
def certificate_revoke(*, by: Any, certificate: Certificate, reason: str) -> Certificate:
    if not has_permission(by, Perm.MANAGE_VOLUNTEERING, certificate.area_id):
        raise forbidden("作废证明")
    reason = _text(reason, "reason", "作废原因", 200)
    c = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if c.revoked_at:
        raise _conflict(VolunteeringErrorCode.STATUS, "这份证明已经作废")
    c.revoked_at, c.revoke_reason = timezone.now(), reason
    c.save(update_fields=["revoked_at", "revoke_reason"])
    audit_record(actor=by, action="certificate.revoke", target=c, area_code=c.area_id, data={"reason": reason})
    return c


# --- role models --------------------------------------------------------------------------


@transaction.atomic
def nomination_create(*, by: Any, resident: Any, title: str, reason: str) -> Nomination:
    if resident is None:
        raise invalid("resident", "被推荐人", "请选择居民")
    community = lift_to_community(resident.area_id)
    if not has_permission(by, Perm.MANAGE_VOLUNTEERING, community):
        raise forbidden("推荐该居民")
    if resident.archived_at:
        raise invalid("resident", "被推荐人", f"{resident.name} 的居民登记已注销")
    title = _text(title, "title", "推荐称号", 48)
    reason = _long_text(reason, "reason", "推荐理由", 2000, required=True)
    if Nomination.objects.filter(resident=resident, title=title,
                                 status__in=[NominationStatus.PENDING, NominationStatus.APPROVED]).exists():
        raise _conflict(VolunteeringErrorCode.DUPLICATE, f"{resident.name} 已有待审核或已入库的“{title}”推荐", "title")
    nomination = Nomination.objects.create(
        area_id=community, resident=resident, volunteer=Volunteer.objects.filter(resident=resident).first(),
        title=title, reason=reason, nominated_by=by, nominated_at=timezone.now(),
    )
    audit_record(actor=by, action="nomination.create", target=nomination, area_code=community)
    return nomination


@transaction.atomic
def nomination_review(*, by: Any, nomination: Nomination, approve: bool, note: str = "") -> Nomination:
    if not permissions.can_manage(by, nomination):
        raise forbidden("审核推荐")
    n = Nomination.objects.select_for_update().get(pk=nomination.pk)
    if n.status != NominationStatus.PENDING:
        raise _conflict(VolunteeringErrorCode.STATUS, f"这条推荐{n.get_status_display()}，不能再审核")
    note = _text(note, "review_note", "审核意见", 200, required=not approve)
    n.status = NominationStatus.APPROVED if approve else NominationStatus.REJECTED
    n.reviewer, n.review_note, n.reviewed_at = by, note, timezone.now()
    n.save(update_fields=["status", "reviewer", "review_note", "reviewed_at"])
    audit_record(actor=by, action="nomination.review", target=n, area_code=n.area_id,
                 data={"approve": approve, "note": note})
    return n


@transaction.atomic
def nomination_publish(*, by: Any, nomination: Nomination) -> Nomination:
    if not permissions.can_manage(by, nomination):
        raise forbidden("发布典型")
    n = Nomination.objects.select_for_update().get(pk=nomination.pk)
    if n.status != NominationStatus.APPROVED:
        raise _conflict(VolunteeringErrorCode.STATUS, f"这条推荐{n.get_status_display()}，审核入库后才能发布")
    n.status, n.published_at = NominationStatus.PUBLISHED, timezone.now()
    n.save(update_fields=["status", "published_at"])
    audit_record(actor=by, action="nomination.publish", target=n, area_code=n.area_id)
    return n
