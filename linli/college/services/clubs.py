"""Alliances (社团联盟), clubs (社团) and their members, and the task force (工作专班).

Everything here belongs to one community. An alliance head or a club leader is a resident of
that community; the task force's commander and deputies are named people (often street or party
officials who are not residents), while its heads and leaders are read from the alliances and
clubs themselves.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from linli.college.models import (
    DEFAULT_ALLIANCES,
    Alliance,
    Club,
    ClubMember,
    TaskForceMember,
    TaskForceRole,
)
from linli.college.services import common
from linli.college.services.common import CollegeErrorCode
from linli.core.errors import LinliError, invalid
from linli.core.services import audit_record

POSITION_STEP = 10


def _alliance_name(name: str) -> str:
    return common.text(name, "name", "联盟名称", 32)


def _refuse_duplicate_alliance(area_code: str, name: str, exclude_pk: int | None = None) -> None:
    if Alliance.objects.filter(area_id=area_code, name=name).exclude(pk=exclude_pk or 0).exists():
        raise LinliError(CollegeErrorCode.DUPLICATE, f"联盟名称：本社区已有“{name}”联盟", field="name", status=409)


@transaction.atomic
def alliances_ensure_defaults(*, by: Any, area_code: str) -> list[Alliance]:
    """The five default alliances, for a community that has none yet; the community's alliances."""
    area = common.area_of(by, area_code, "设立社团联盟")
    if not Alliance.objects.filter(area=area).exists():
        try:
            with transaction.atomic():
                for i, name in enumerate(DEFAULT_ALLIANCES, start=1):
                    alliance = Alliance.objects.create(area=area, name=name, position=i * POSITION_STEP)
                    audit_record(actor=by, action="college.alliance_create", target=alliance, area_code=area.code,
                                 data={"name": name, "default": True})
        except IntegrityError:  # created by a concurrent request a moment ago
            pass
    return list(Alliance.objects.filter(area=area).order_by("position", "pk"))


@transaction.atomic
def alliance_create(*, by: Any, area_code: str, name: str, head: Any = None) -> Alliance:
    area = common.area_of(by, area_code, "设立社团联盟")
    name = _alliance_name(name)
    _refuse_duplicate_alliance(area.code, name)
    common.resident_of(head, area.code, "head", "盟长")
    last = Alliance.objects.filter(area=area).aggregate(m=Max("position"))["m"] or 0
    alliance = Alliance(area=area, name=name, head=head, position=min(last + POSITION_STEP, common.MAX_SMALL))
    common.full_clean(alliance, exclude=["area", "head"])
    alliance.save()
    audit_record(actor=by, action="college.alliance_create", target=alliance, area_code=area.code, data={"name": name})
    return alliance


@transaction.atomic
def alliance_update(*, by: Any, alliance: Alliance, name: str, head: Any = None) -> Alliance:
    """Rename an alliance and set (or clear) its head."""
    common.require_manage(by, alliance.area_id, "修改该社团联盟")
    name = _alliance_name(name)
    _refuse_duplicate_alliance(alliance.area_id, name, exclude_pk=alliance.pk)
    common.resident_of(head, alliance.area_id, "head", "盟长")
    before = {"name": alliance.name, "head": alliance.head_id}
    alliance.name, alliance.head = name, head
    alliance.save(update_fields=["name", "head"])
    audit_record(actor=by, action="college.alliance_update", target=alliance, area_code=alliance.area_id,
                 data={"from": before, "to": {"name": name, "head": alliance.head_id}})
    return alliance


@transaction.atomic
def alliance_move(*, by: Any, alliance: Alliance, direction: str) -> list[Alliance]:
    """Move an alliance one place up or down in its community's order."""
    common.require_manage(by, alliance.area_id, "调整社团联盟的顺序")
    if direction not in ("up", "down"):
        raise invalid("direction", "方向", "应为 up 或 down")
    ordered = list(Alliance.objects.select_for_update().filter(area_id=alliance.area_id).order_by("position", "pk"))
    i = next(i for i, a in enumerate(ordered) if a.pk == alliance.pk)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(ordered):
        ordered[i], ordered[j] = ordered[j], ordered[i]
    for n, a in enumerate(ordered, start=1):
        a.position = n * POSITION_STEP
    Alliance.objects.bulk_update(ordered, ["position"])
    audit_record(actor=by, action="college.alliance_move", target=alliance, area_code=alliance.area_id,
                 data={"direction": direction})
    return ordered


# --- clubs ------------------------------------------------------------------------------------


def _club_fields(club_area: str, alliance: Alliance, name: str, leader: Any, description: str,
                 founded_on: dt.date | None, exclude_pk: int | None = None) -> dict[str, Any]:
    if alliance is None or alliance.area_id != club_area:
        raise invalid("alliance", "所属联盟", "请选择本社区的社团联盟")
    name = common.text(name, "name", "社团名称", 48)
    if Club.objects.filter(area_id=club_area, name=name).exclude(pk=exclude_pk or 0).exists():
        raise LinliError(CollegeErrorCode.DUPLICATE, f"社团名称：本社区已有“{name}”社团", field="name", status=409)
    common.resident_of(leader, club_area, "leader", "团长")
    if founded_on is not None and founded_on > timezone.localdate():
        raise invalid("founded_on", "成立日期", "不能晚于今天")
    return {"alliance": alliance, "name": name, "leader": leader,
            "description": common.long_text(description, "description", "简介"), "founded_on": founded_on}


@transaction.atomic
def club_create(
    *,
    by: Any,
    area_code: str,
    alliance: Alliance,
    name: str,
    leader: Any = None,
    description: str = "",
    founded_on: dt.date | None = None,
) -> Club:
    area = common.area_of(by, area_code, "成立社团")
    club = Club(area=area, **_club_fields(area.code, alliance, name, leader, description, founded_on))
    common.full_clean(club, exclude=["area", "alliance", "leader"])
    try:
        with transaction.atomic():
            club.save()
    except IntegrityError:  # the same name saved a moment ago
        raise LinliError(CollegeErrorCode.DUPLICATE, f"社团名称：本社区已有“{club.name}”社团", field="name",
                         status=409) from None
    audit_record(actor=by, action="college.club_create", target=club, area_code=area.code,
                 data={"name": club.name, "alliance": alliance.pk})
    return club


@transaction.atomic
def club_update(
    *,
    by: Any,
    club: Club,
    alliance: Alliance,
    name: str,
    leader: Any = None,
    description: str = "",
    founded_on: dt.date | None = None,
) -> Club:
    common.require_manage(by, club.area_id, "修改该社团")
    common.refuse_archived(club, "社团")
    fields = _club_fields(club.area_id, alliance, name, leader, description, founded_on, exclude_pk=club.pk)
    changed = [f for f, v in fields.items() if getattr(club, f) != v]
    for f, v in fields.items():
        setattr(club, f, v)
    club.save()
    audit_record(actor=by, action="college.club_update", target=club, area_code=club.area_id, data={"fields": changed})
    return club


@transaction.atomic
def club_archive(*, by: Any, club: Club, reason: str = "") -> Club:
    """A club that stopped meeting: kept with its members and courses, hidden from daily lists."""
    common.require_manage(by, club.area_id, "归档该社团")
    if club.archived_at:
        return club
    open_courses = club.courses.filter(status__in=["planned", "open"]).count()
    if open_courses:
        raise LinliError(CollegeErrorCode.IN_USE, f"该社团还有 {open_courses} 门课程未结课，请先结课或取消后再归档",
                         status=409)
    club.archived_at = timezone.now()
    club.save(update_fields=["archived_at"])
    audit_record(actor=by, action="college.club_archive", target=club, area_code=club.area_id,
                 data={"reason": common.text(reason, "reason", "原因", 200, required=False)})
    return club


@transaction.atomic
def club_restore(*, by: Any, club: Club) -> Club:
    common.require_manage(by, club.area_id, "恢复该社团")
    if club.archived_at:
        club.archived_at = None
        club.save(update_fields=["archived_at"])
        audit_record(actor=by, action="college.club_restore", target=club, area_code=club.area_id)
    return club


@transaction.atomic
def club_delete(*, by: Any, club: Club) -> None:
    """Only a club entered by mistake: one that ever had a course is archived instead."""
    common.require_manage(by, club.area_id, "删除该社团")
    if club.courses.exists():
        raise LinliError(CollegeErrorCode.IN_USE, "该社团已有课程记录，不能删除；如已停办，请归档", status=409)
    audit_record(actor=by, action="college.club_delete", target=club, area_code=club.area_id,
                 data={"name": club.name, "members": club.members.count()})
    club.delete()


@transaction.atomic
def club_member_add(*, by: Any, club: Club, resident: Any, joined_on: dt.date | None = None) -> ClubMember:
    common.require_manage(by, club.area_id, "为该社团添加成员")
    common.refuse_archived(club, "社团", field="resident")
    common.resident_of(resident, club.area_id, "resident", "成员")
    joined_on = joined_on or timezone.localdate()
    if joined_on > timezone.localdate():
        raise invalid("joined_on", "加入日期", "不能晚于今天")
    if ClubMember.objects.filter(club=club, resident=resident).exists():
        raise LinliError(CollegeErrorCode.DUPLICATE, f"{resident.name} 已是该社团成员", field="resident", status=409)
    member = ClubMember.objects.create(club=club, resident=resident, joined_on=joined_on)
    audit_record(actor=by, action="college.club_member_add", target=club, area_code=club.area_id,
                 data={"resident": resident.pk})
    return member


@transaction.atomic
def club_member_remove(*, by: Any, member: ClubMember) -> None:
    club = member.club
    common.require_manage(by, club.area_id, "移出该社团成员")
    if club.leader_id == member.resident_id:
        raise LinliError(CollegeErrorCode.IN_USE, f"{member.resident.name} 是团长，请先更换团长再移出", field="member")
    audit_record(actor=by, action="college.club_member_remove", target=club, area_code=club.area_id,
                 data={"resident": member.resident_id})
    member.delete()


# --- the task force -------------------------------------------------------------------------


@transaction.atomic
def task_force_member_add(*, by: Any, area_code: str, role: str, name: str, title: str = "") -> TaskForceMember:
    """Name the commander (one) or a deputy; heads and leaders come from alliances and clubs."""
    area = common.area_of(by, area_code, "设置工作专班")
    if role not in TaskForceRole.values:
        raise invalid("role", "职责", "应为 总指挥 或 副总指挥")
    name = common.text(name, "name", "姓名", 64)
    title = common.text(title, "title", "职务", 64, required=False)
    if role == TaskForceRole.COMMANDER and TaskForceMember.objects.filter(area=area, role=role).exists():
        raise LinliError(CollegeErrorCode.DUPLICATE, "职责：已有总指挥，请先移除再设置", field="role", status=409)
    member = TaskForceMember.objects.create(area=area, role=role, name=name, title=title)
    audit_record(actor=by, action="college.task_force_add", target=member, area_code=area.code,
                 data={"role": role, "name": name, "title": title})
    return member


@transaction.atomic
def task_force_member_remove(*, by: Any, member: TaskForceMember) -> None:
    common.require_manage(by, member.area_id, "调整工作专班")
    audit_record(actor=by, action="college.task_force_remove", target=member, area_code=member.area_id,
                 data={"role": member.role, "name": member.name})
    member.delete()
