"""The teacher pool (师资库): experts invited in and local talents, their hours and their status.

A teacher belongs to a community, or to a street when they teach in several of its communities.
A resident who offers a talent in the interest survey becomes an invitation (待邀请) that a worker
follows up: accepted, they join the pool; declined, the record stays to say so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction

from linli.accounts.roles import Perm
from linli.accounts.selectors import has_permission
from linli.areas.models import Level
from linli.college.models import Teacher, TeacherKind, TeacherStatus, TeacherWindow
from linli.college.services import common
from linli.college.services.common import CollegeErrorCode
from linli.core import phone as phones
from linli.core import protected
from linli.core.errors import LinliError, forbidden, invalid
from linli.core.services import access_log_record, audit_record

MAX_SKILL = 20
MAX_SKILLS = 20
OWNER_LEVELS = (Level.COMMUNITY, Level.STREET)

# Which status may follow which: an invitation is answered; a teacher in the pool may stop and return.
TRANSITIONS: dict[str, set[str]] = {
    TeacherStatus.INVITED: {TeacherStatus.ACTIVE, TeacherStatus.DECLINED},
    TeacherStatus.ACTIVE: {TeacherStatus.INACTIVE},
    TeacherStatus.DECLINED: {TeacherStatus.ACTIVE, TeacherStatus.INVITED},
    TeacherStatus.INACTIVE: {TeacherStatus.ACTIVE},
}


def clean_skills(skills: Iterable[Any]) -> list[str]:
    if isinstance(skills, str):
        skills = [skills]
    cleaned = [" ".join(str(s or "").split()) for s in skills or ()]
    cleaned = list(dict.fromkeys(s for s in cleaned if s))
    if not cleaned:
        raise invalid("skills", "擅长", "至少填写一项（如 太极拳、书法）")
    too_long = [s for s in cleaned if len(s) > MAX_SKILL]
    if too_long:
        raise invalid("skills", "擅长", f"每项最多 {MAX_SKILL} 个字，“{too_long[0][:MAX_SKILL]}…”过长；多项请分开填写")
    if len(cleaned) > MAX_SKILLS:
        raise invalid("skills", "擅长", f"最多 {MAX_SKILLS} 项")
    return cleaned


def clean_phone(raw: str) -> str:
    if not raw or not str(raw).strip():
        return ""
    try:
        return phones.parse(str(raw))
    except phones.PhoneError as exc:
        raise invalid("phone", "联系电话", str(exc)) from exc


def _kind(kind: str) -> str:
    if kind not in TeacherKind.values:
        raise invalid("kind", "类别", "应为 专家老师 或 本土能人")
    return kind


def _save_windows(teacher: Teacher, windows: list[tuple[int, dt.time, dt.time]]) -> None:
    TeacherWindow.objects.bulk_create(
        [TeacherWindow(teacher=teacher, weekday=d, starts=s, ends=e) for d, s, e in windows]
    )


@transaction.atomic
def teacher_create(
    *,
    by: Any,
    area_code: str,
    name: str,
    kind: str,
    skills: list[str],
    phone: str = "",
    bio: str = "",
    resident: Any = None,
    status: str = TeacherStatus.ACTIVE,
    windows: Iterable[tuple[int, dt.time, dt.time]] = (),
) -> Teacher:
    area = common.area_of(by, area_code, "登记老师", levels=OWNER_LEVELS)
    if status not in TeacherStatus.values:
        raise invalid("status", "状态", "应为 待邀请、在库、未接受 或 已停用")
    number = clean_phone(phone)
    teacher = Teacher(
        area=area,
        name=common.text(name, "name", "姓名", 64),
        kind=_kind(kind),
        status=status,
        skills=clean_skills(skills),
        bio=common.long_text(bio, "bio", "简介"),
        phone=number,
        phone_hash=protected.blind_index(number) if number else "",
        resident=common.resident_of(resident, area.code, "resident", "对应居民"),
    )
    # A window given must have hours in it; a teacher may also be entered before their hours are known.
    hours = common.windows(windows, label="可授课时间")
    common.full_clean(teacher, exclude=["area", "resident", "source_answer", "phone"])
    teacher.save()
    _save_windows(teacher, hours)
    audit_record(actor=by, action="college.teacher_create", target=teacher, area_code=area.code,
                 data={"kind": kind, "status": status, "skills": teacher.skills, "windows": len(hours)})
    return teacher


@transaction.atomic
def teacher_update(
    *,
    by: Any,
    teacher: Teacher,
    name: str,
    kind: str,
    skills: list[str],
    phone: str = "",
    bio: str = "",
    resident: Any = None,
) -> Teacher:
    common.require_manage(by, teacher.area_id, "修改该老师的信息")
    number = clean_phone(phone)
    values = {
        "name": common.text(name, "name", "姓名", 64),
        "kind": _kind(kind),
        "skills": clean_skills(skills),
        "bio": common.long_text(bio, "bio", "简介"),
        "resident": resident if getattr(resident, "pk", None) == teacher.resident_id
        else common.resident_of(resident, teacher.area_id, "resident", "对应居民"),
    }
    changed = [f for f, v in values.items() if getattr(teacher, f) != v]
    for f, v in values.items():
        setattr(teacher, f, v)
    if number != teacher.phone:
        teacher.phone, teacher.phone_hash = number, protected.blind_index(number) if number else ""
        changed.append("phone")
    teacher.save()
    # The phone is named, never recorded, in the audit row.
    audit_record(actor=by, action="college.teacher_update", target=teacher, area_code=teacher.area_id,
                 data={"fields": changed})
    return teacher


@transaction.atomic
def teacher_status_set(*, by: Any, teacher: Teacher, status: str, note: str = "") -> Teacher:
    """Answer an invitation (accepted / declined), or stop and restart a teacher."""
    common.require_manage(by, teacher.area_id, "更改该老师的状态")
    if status not in TeacherStatus.values:
        raise invalid("status", "状态", "应为 待邀请、在库、未接受 或 已停用")
    teacher = Teacher.objects.select_for_update().get(pk=teacher.pk)
    if status == teacher.status:
        return teacher
    if status not in TRANSITIONS[teacher.status]:
        raise LinliError(CollegeErrorCode.STATUS, f"“{teacher.get_status_display()}”的老师不能改为"
                                                  f"“{TeacherStatus(status).label}”", field="status", status=409)
    before = teacher.status
    teacher.status = status
    teacher.save(update_fields=["status"])
    audit_record(actor=by, action="college.teacher_status", target=teacher, area_code=teacher.area_id,
                 data={"from": before, "to": status, "note": common.text(note, "note", "说明", 200, required=False)})
    return teacher


def teacher_accept(*, by: Any, teacher: Teacher) -> Teacher:
    return teacher_status_set(by=by, teacher=teacher, status=TeacherStatus.ACTIVE)


def teacher_decline(*, by: Any, teacher: Teacher, note: str = "") -> Teacher:
    return teacher_status_set(by=by, teacher=teacher, status=TeacherStatus.DECLINED, note=note)


@transaction.atomic
def teacher_window_add(*, by: Any, teacher: Teacher, weekday: int, starts: dt.time, ends: dt.time) -> TeacherWindow:
    return common.window_add(by=by, owner=teacher, weekday=weekday, starts=starts, ends=ends, action="修改该老师的可授课时间")


@transaction.atomic
def teacher_window_remove(*, by: Any, window: TeacherWindow) -> None:
    common.window_remove(by=by, owner=window.teacher, window=window, action="修改该老师的可授课时间")


@transaction.atomic
def teacher_reveal(*, by: Any, teacher: Teacher, reason: str) -> str:
    """The full phone number, for someone allowed to see it, with the reason logged."""
    if not has_permission(by, Perm.UNMASK_PII, teacher.area_id):
        raise forbidden("查看完整联系电话")
    reason = " ".join((reason or "").split())
    if len(reason) < 2:
        raise invalid("reason", "查看事由", "请写明为什么需要查看（至少 2 个字）")
    if len(reason) > 200:
        raise invalid("reason", "查看事由", "过长（最多 200 个字）")
    access_log_record(actor=by, target=teacher, field="phone", reason=reason, area_code=teacher.area_id)
    return teacher.phone


def _invite_skills(skills: Iterable[Any]) -> list[str]:
    """What a resident wrote, kept as far as it fits: a survey answer is never refused for it."""
    cleaned = [" ".join(str(s or "").split())[:MAX_SKILL] for s in skills or ()]
    return list(dict.fromkeys(s for s in cleaned if s))[:MAX_SKILLS]


@transaction.atomic
def teacher_invite_from_answer(*, answer: Any, resident: Any, skills: list[str]) -> Teacher:
    """A resident offered to teach in a survey: an invitation (待邀请) in their community's pool.

    A system action (no actor). Once per answer: the same answer again changes nothing but the
    skills of a still-open invitation; a resident already in the pool gets the new skills added."""
    found = _invite_skills(skills)
    if not found:
        raise invalid("skills", "擅长", "回答中没有写明能教什么")
    community = resident.community
    existing = Teacher.objects.select_for_update().filter(source_answer=answer).first()
    if existing is not None:
        if existing.status == TeacherStatus.INVITED and existing.skills != found:
            existing.skills = found
            existing.save(update_fields=["skills"])
        return existing
    same_person = Teacher.objects.select_for_update().filter(resident=resident, area=community).first()
    if same_person is not None:
        merged = list(dict.fromkeys([*same_person.skills, *found]))[:MAX_SKILLS]
        if merged != same_person.skills:
            same_person.skills = merged
            same_person.save(update_fields=["skills"])
            audit_record(actor=None, action="college.teacher_skills_from_answer", target=same_person,
                         area_code=same_person.area_id, data={"answer": answer.pk, "skills": merged})
        return same_person
    teacher = Teacher(
        area=community, name=resident.name, kind=TeacherKind.LOCAL, status=TeacherStatus.INVITED, skills=found,
        phone=resident.phone or "", phone_hash=resident.phone_hash or "", resident=resident, source_answer=answer,
    )
    try:
        with transaction.atomic():
            teacher.save()
    except IntegrityError:  # the same answer handled a moment ago
        return Teacher.objects.get(source_answer=answer)
    audit_record(actor=None, action="college.teacher_invite", target=teacher, area_code=community.code,
                 data={"answer": answer.pk, "resident": resident.pk, "skills": found})
    return teacher

