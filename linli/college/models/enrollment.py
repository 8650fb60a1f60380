"""Enrollment, the weekly timetable of a course, its dated sessions and attendance (issue 6).

- ``EnrollmentPolicy``: how a course takes residents: first come with a waitlist, or an
  application window closed by a seeded lottery with priority groups; who may enroll.
- ``Enrollment``: one resident's place in one course. Seats are the enrolled and the offered
  (promoted from the waitlist, waiting for the resident's confirmation).
- ``LotteryDraw``: the immutable record of a draw: the seed, every applicant's number and
  group, and the order drawn, so that anyone can re-run it (``linli.college.lottery``).
- ``WeeklySlot``: when and where the course meets each week (typed by a worker now; written by
  the timetable solver of issue 5 later). ``Session``: one dated meeting, made from the slots.
- ``Attendance``: who came to a session, and how it was recorded.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class EnrollMode(models.TextChoices):
    FIRST_COME = "first_come", "先到先得"
    LOTTERY = "lottery", "报名摇号"


class PriorityGroup(models.TextChoices):
    """Lottery priority groups, drawn in the order the course lists them; everyone else after."""

    COMMUNITY = "community", "本社区居民"
    ALONE = "alone", "独居老人"
    NO_CLASS = "no_class", "本学期还没有课的居民"


class EnrollmentPolicy(models.Model):
    """报名设置: one per course; a course without one cannot be enrolled in yet."""

    course = models.OneToOneField("college.Course", on_delete=models.CASCADE, primary_key=True,
                                  related_name="policy")
    mode = models.CharField("报名方式", max_length=16, choices=EnrollMode.choices, default=EnrollMode.FIRST_COME)
    opens_at = models.DateTimeField("报名开始")
    closes_at = models.DateTimeField("报名截止")  # lottery: the application window's end
    cancel_until = models.DateTimeField("退课截止", null=True, blank=True)  # empty: the course's first day
    confirm_hours = models.PositiveSmallIntegerField("候补确认时限（小时）", default=24)
    min_age = models.PositiveSmallIntegerField("最低年龄", null=True, blank=True)
    max_age = models.PositiveSmallIntegerField("最高年龄", null=True, blank=True)
    only_community = models.BooleanField("仅限本社区居民", default=False)
    required_tag = models.ForeignKey("people.Tag", verbose_name="仅限人群", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    priorities = models.JSONField("摇号优先顺序", default=list, blank=True)  # PriorityGroup values, in order
    # Commit and reveal: the seed's SHA-256 is shown while applications are open; the seed
    # itself only after the draw, so nobody can choose a seed that favours an applicant.
    seed = models.CharField(max_length=64, blank=True, editable=False)
    seed_hash = models.CharField("随机种子摘要", max_length=64, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "报名设置"
        verbose_name_plural = "报名设置"
        constraints = [
            models.CheckConstraint(condition=models.Q(closes_at__gt=models.F("opens_at")), name="policy_window_order"),
            models.CheckConstraint(condition=models.Q(confirm_hours__gte=1, confirm_hours__lte=168),
                                   name="policy_confirm_hours_range"),
            models.CheckConstraint(
                condition=models.Q(min_age__isnull=True) | models.Q(max_age__isnull=True)
                | models.Q(max_age__gte=models.F("min_age")),
                name="policy_age_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course_id}: {self.mode}"


class EnrollmentStatus(models.TextChoices):
    APPLIED = "applied", "已申请，待摇号"
    ENROLLED = "enrolled", "已报名"
    WAITLISTED = "waitlisted", "候补中"
    OFFERED = "offered", "候补递补，待确认"
    CANCELLED = "cancelled", "已退课"
    NOT_SELECTED = "not_selected", "未摇中"
    EXPIRED = "expired", "逾期未确认"
    RELEASED = "released", "多次缺勤，名额已释放"


ACTIVE_STATUSES = (EnrollmentStatus.APPLIED, EnrollmentStatus.ENROLLED, EnrollmentStatus.WAITLISTED,
                   EnrollmentStatus.OFFERED)
SEATED_STATUSES = (EnrollmentStatus.ENROLLED, EnrollmentStatus.OFFERED)


class EnrollChannel(models.TextChoices):
    SELF = "self", "本人报名"
    PROXY = "proxy", "代办报名"
    DESK = "desk", "窗口报名"


class Enrollment(models.Model):
    course = models.ForeignKey("college.Course", verbose_name="课程", on_delete=models.PROTECT,
                               related_name="enrollments")
    resident = models.ForeignKey("people.Resident", verbose_name="居民", on_delete=models.PROTECT,
                                 related_name="enrollments")
    status = models.CharField("状态", max_length=16, choices=EnrollmentStatus.choices)
    channel = models.CharField("报名途径", max_length=8, choices=EnrollChannel.choices, default=EnrollChannel.SELF)
    # Who pressed the button: the resident, the family member acting for them, or the worker.
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="经办人", on_delete=models.PROTECT,
                           related_name="+")
    queue_no = models.BigIntegerField("排队序号", default=0)  # waitlist order: arrival, or the lottery's rank
    group = models.CharField("摇号分组", max_length=16, blank=True)  # the PriorityGroup held at the draw
    offer_expires_at = models.DateTimeField("确认截止", null=True, blank=True)
    # When the place became a seat (enrolled, drawn, or an offer confirmed): sessions before it
    # are not the resident's to be absent from.
    enrolled_at = models.DateTimeField("入座时间", null=True, blank=True)
    warned_at = models.DateTimeField("缺勤提醒时间", null=True, blank=True)
    created_at = models.DateTimeField("报名时间", auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    end_reason = models.CharField("结束原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "报名"
        verbose_name_plural = "报名"
        ordering = ["course", "queue_no", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["course", "resident"], condition=models.Q(status__in=ACTIVE_STATUSES),
                                    name="enrollment_active_unique"),
        ]
        indexes = [models.Index(fields=["course", "status", "queue_no"], name="enrollment_queue_idx"),
                   models.Index(fields=["resident", "status"], name="enrollment_resident_idx")]

    def __str__(self) -> str:
        return f"{self.resident_id} → {self.course_id} ({self.status})"


class LotteryDraw(models.Model):
    """The record of a course's lottery: enough to re-run it and get the same order."""

    course = models.OneToOneField("college.Course", on_delete=models.PROTECT, related_name="lottery")
    seed = models.CharField("随机种子", max_length=64)
    seats = models.PositiveIntegerField("名额")
    priorities = models.JSONField("优先顺序", default=list)
    applicants = models.JSONField("申请名单", default=list)  # [{"no": enrollment id, "group": rank}], by no
    order = models.JSONField("摇号结果", default=list)  # enrollment ids, first drawn first
    drawn_at = models.DateTimeField("摇号时间")
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "摇号记录"
        verbose_name_plural = "摇号记录"

    def __str__(self) -> str:
        return f"lottery {self.course_id}"


class WeeklySlot(models.Model):
    """课表: the course meets on this weekday at this time, in this venue (the course's by default)."""

    course = models.ForeignKey("college.Course", on_delete=models.CASCADE, related_name="slots")
    weekday = models.PositiveSmallIntegerField("星期")  # 1 = Monday … 7 = Sunday
    starts_at = models.TimeField("开始时间")
    venue = models.ForeignKey("college.Venue", verbose_name="场地", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="slots")
    locked = models.BooleanField("锁定", default=False)  # the timetable solver leaves a locked slot in place

    class Meta:
        verbose_name = "课表时段"
        verbose_name_plural = "课表时段"
        ordering = ["course", "weekday", "starts_at"]
        constraints = [
            # Sessions of one course fall on different days.
            models.UniqueConstraint(fields=["course", "weekday"], name="slot_one_per_day"),
            models.CheckConstraint(condition=models.Q(weekday__gte=1, weekday__lte=7), name="slot_weekday_range"),
        ]

    def __str__(self) -> str:
        return f"{self.course_id} {self.weekday} {self.starts_at}"


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "正常上课"
    CANCELLED = "cancelled", "已停课"


class Session(models.Model):
    """One dated meeting of a course."""

    course = models.ForeignKey("college.Course", on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    venue = models.ForeignKey("college.Venue", verbose_name="场地", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="sessions")
    status = models.CharField("状态", max_length=16, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED)
    cancel_reason = models.CharField("停课原因", max_length=200, blank=True)
    checkin_token = models.CharField(max_length=32, unique=True)  # in the session's QR code
    closed_at = models.DateTimeField("考勤结束时间", null=True, blank=True)  # absences recorded, rule applied
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")

    class Meta:
        verbose_name = "课次"
        verbose_name_plural = "课次"
        ordering = ["course", "starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["course", "starts_at"], name="session_unique_start"),
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="session_time_order"),
        ]
        indexes = [models.Index(fields=["starts_at"], name="session_start_idx")]

    def __str__(self) -> str:
        return f"{self.course_id} @ {self.starts_at:%Y-%m-%d %H:%M}"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", "到课"
    ABSENT = "absent", "缺勤"
    EXCUSED = "excused", "请假"


class AttendanceMethod(models.TextChoices):
    CARD = "card", "扫居民签到卡"
    SELF_SCAN = "self_scan", "居民扫课堂码"
    ROLL_CALL = "roll_call", "团长点名"
    ROSTER = "roster", "纸质名单补录"


class Attendance(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="attendance")
    status = models.CharField("考勤", max_length=8, choices=AttendanceStatus.choices)
    method = models.CharField("方式", max_length=16, choices=AttendanceMethod.choices)
    # Empty when the daily close marked an absence (nobody took roll call).
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "考勤"
        verbose_name_plural = "考勤"
        ordering = ["session", "enrollment"]
        constraints = [models.UniqueConstraint(fields=["session", "enrollment"], name="attendance_unique")]

    def __str__(self) -> str:
        return f"{self.enrollment_id} @ {self.session_id}: {self.status}"
