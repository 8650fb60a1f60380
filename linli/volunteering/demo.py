"""Demo data for volunteering, written through the services (the lead's builder calls ``demo_build``).

邢家桥: the 生态花园先锋志愿者 — the seeds' 60 college students who water and tend the garden;
金竹苑: the 非洲鼓社团's visits to the elder-care station. Points are awarded through the points
service, so the points demo (which sets the earning rules) runs first.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from linli.people.models import Resident
from linli.volunteering import services
from linli.volunteering.models import Activity, ActivityStatus, Volunteer

XINGJIAQIAO = "500112009011"
JINZHUYUAN = "500112022006"

SKILLS = (["园艺", "浇水"], ["摄影"], ["陪老人聊天"], ["手工"], ["电脑"], ["医护"], ["园艺"], ["非洲鼓"], ["书法"])
AVAILABILITY = (["6-am", "7-am"], ["2-eve", "4-eve"], ["6-pm"], ["1-am", "3-am", "5-am"], ["7-pm"])


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _adults(code: str, today: dt.date):
    """Residents of working age and the active young old: 16 to 75."""
    return Resident.objects.filter(
        area__code__startswith=code, archived_at__isnull=True, volunteer__isnull=True,
        birth_date__lte=today.replace(year=today.year - 16), birth_date__gt=today.replace(year=today.year - 76))


def _volunteers(by: Any, code: str, count: int, today: dt.date) -> list[Volunteer]:
    residents = list(_adults(code, today).order_by("pk")[:count])
    result = []
    for i, r in enumerate(residents):
        result.append(services.volunteer_register(by=by, resident=r, skills=SKILLS[i % len(SKILLS)],
                                                  availability=AVAILABILITY[i % len(AVAILABILITY)]))
    return result


def _past_activity(by: Any, code: str, team: Any, title: str, place: str, day: dt.date, hours: tuple[int, int],
                   helpers: list[Volunteer], role: str) -> Activity:
    """An activity that took place before the demo's today: its helpers' hours recorded and confirmed
    by the organiser. (Past activities cannot be published through the services, which is right for
    real use; the demo records history, so it marks the activity finished itself.)"""
    activity = services.activity_create(by=by, area_code=code, title=title, place=place, team=team,
                                        starts_at=_local(day, hours[0]), ends_at=_local(day, hours[1]),
                                        roles=[(role, max(1, len(helpers)))])
    Activity.objects.filter(pk=activity.pk).update(status=ActivityStatus.FINISHED)
    activity.refresh_from_db()
    for i, v in enumerate(helpers):
        late = 30 if i % 4 == 3 else 0  # some came half an hour late
        record = services.service_record_create(
            by=by, volunteer=v, area_code=code, activity=activity, content=title, place=place, role_name=role,
            starts_at=_local(day, hours[0], late), ends_at=_local(day, hours[1]))
        services.service_record_confirm(by=by, record=record)
    return activity


def demo_build(*, staff: dict[str, Any], today: dt.date) -> None:
    """Needs 28 adults in 邢家桥 and 12 in 金竹苑; a smaller demo (``--size``) goes without."""
    today = today if (today.month, today.day) != (2, 29) else today - dt.timedelta(days=1)
    if _adults(XINGJIAQIAO, today).count() < 28 or _adults(JINZHUYUAN, today).count() < 12:
        return
    xjq, jzy = staff["xjq"], staff["jzy"]

    # 邢家桥: the garden's pioneers.
    garden = services.team_create(by=xjq, area_code=XINGJIAQIAO, name="生态花园先锋志愿者",
                                  description="由 60 名“社区学院”学员组成，分工浇水、除草、清点，共同维护社区中心的生态花园。")
    xjq_volunteers = _volunteers(xjq, XINGJIAQIAO, 28, today)
    for v in xjq_volunteers[:24]:
        services.team_member_add(by=xjq, team=garden, volunteer=v)
    last_saturday = today - dt.timedelta(days=(today.weekday() - 5) % 7 or 7)
    for weeks_ago, title, team_part in ((3, "生态花园浇水与清点", xjq_volunteers[0:10]),
                                        (2, "生态花园除草", xjq_volunteers[6:16]),
                                        (1, "生态花园浇水与清点", xjq_volunteers[12:24])):
        day = last_saturday - dt.timedelta(weeks=weeks_ago - 1)
        _past_activity(xjq, XINGJIAQIAO, garden, title, "邢家桥社区生态花园", day, (8, 11), team_part, "养护")
    upcoming = services.activity_create(
        by=xjq, area_code=XINGJIAQIAO, team=garden, title="生态花园春季补种", place="邢家桥社区生态花园",
        description="补种月季和薄荷，整理步道。请穿方便劳动的衣服，工具由社区提供。",
        starts_at=_local(today + dt.timedelta(days=(5 - today.weekday()) % 7 or 7), 8, 30),
        ends_at=_local(today + dt.timedelta(days=(5 - today.weekday()) % 7 or 7), 11, 30),
        roles=[("补种", 12), ("步道整理", 6), ("拍照记录", 1)])
    services.activity_publish(by=xjq, activity=upcoming)
    roles = list(upcoming.roles.order_by("pk"))
    for v in xjq_volunteers[:8]:
        services.signup_create(by=xjq, activity=upcoming, volunteer=v, role=roles[0])
    services.signup_create(by=xjq, activity=upcoming, volunteer=xjq_volunteers[8], role=roles[2])

    # 金竹苑: the African drum club plays for the elders.
    drums = services.team_create(by=jzy, area_code=JINZHUYUAN, name="非洲鼓社团志愿服务队",
                                 description="非洲鼓社团的成员每月到养老服务驿站为老人表演、陪老人聊天。")
    jzy_volunteers = _volunteers(jzy, JINZHUYUAN, 12, today)
    for v in jzy_volunteers:
        services.team_member_add(by=jzy, team=drums, volunteer=v)
    for months_ago in (2, 1):
        day = (today.replace(day=1) - dt.timedelta(days=28 * months_ago - 14))
        _past_activity(jzy, JINZHUYUAN, drums, "非洲鼓进养老服务驿站", "金竹苑养老服务驿站活动室", day, (14, 16),
                       jzy_volunteers[:10], "表演与陪伴")

    # A certificate and a role model.
    first = xjq_volunteers[6]  # served in two of the garden's activities
    services.certificate_issue(by=xjq, volunteer=first, period_start=today.replace(month=1, day=1)
                               if today.month > 1 else today.replace(year=today.year - 1, month=1, day=1),
                               period_end=today, contact="023-6781 0000（邢家桥社区居委会）")
    nomination = services.nomination_create(
        by=xjq, resident=first.resident, title="生态花园最美志愿者",
        reason="坚持每周到生态花园浇水、清点，带动身边的学员一起参与，把违章搭建地变成了居民喜爱的小花园。")
    services.nomination_review(by=xjq, nomination=nomination, approve=True, note="事迹属实，同意入库")
    services.nomination_publish(by=xjq, nomination=nomination)
    services.nomination_create(by=jzy, resident=jzy_volunteers[0].resident, title="热心助老志愿者",
                               reason="每月组织社团成员到养老服务驿站为老人表演非洲鼓。")
