"""The community college (社区学院): class orders, alliances and clubs, teachers, venues, courses.

Every record belongs to an area: a community's own things to the community, a street's shared
venues and teachers to the street. The visibility rule reads that code like everywhere else.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from linli.core import phone
from linli.core.protected import EncryptedTextField


class Feature(models.TextChoices):
    """What a venue offers and a course may need."""

    QUIET = "quiet", "安静"
    OPEN_AIR = "open_air", "露天"
    TABLES = "tables", "桌椅"
    MIRROR = "mirror", "镜子"
    SOUND = "sound", "音响"
    WATER = "water", "水池"


class CollegeSettings(models.Model):
    """A community's own rules for its college."""

    area = models.OneToOneField("areas.Area", on_delete=models.PROTECT, primary_key=True, related_name="+")
    order_threshold = models.PositiveSmallIntegerField("开班人数门槛", default=8)
    max_courses_per_term = models.PositiveSmallIntegerField("每人每学期最多报名课程数", default=3)  # 含候补
    # Consecutive absences from one course: a reminder after the first number, the seat released
    # (and offered to the waitlist) after the second. 0 turns a step off.
    absence_warn_after = models.PositiveSmallIntegerField("连续缺勤几次提醒", default=2)
    absence_release_after = models.PositiveSmallIntegerField("连续缺勤几次释放名额", default=3)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "社区学院设置"
        verbose_name_plural = "社区学院设置"
        constraints = [
            models.CheckConstraint(condition=models.Q(order_threshold__gte=1), name="threshold_positive"),
            models.CheckConstraint(condition=models.Q(max_courses_per_term__gte=1), name="max_courses_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.area_id}: {self.order_threshold}"


DEFAULT_THRESHOLD = 8


class Alliance(models.Model):
    """社团联盟: art, sports, tech, culture, convenience services by default."""

    area = models.ForeignKey("areas.Area", verbose_name="社区", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("名称", max_length=32)
    position = models.PositiveSmallIntegerField("排序", default=100)
    head = models.ForeignKey(
        "people.Resident", verbose_name="盟长", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "社团联盟"
        verbose_name_plural = "社团联盟"
        ordering = ["area", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="alliance_name_unique")]

    def __str__(self) -> str:
        return self.name


DEFAULT_ALLIANCES = ("艺术", "体育", "科技", "文化", "便民服务")


class Club(models.Model):
    area = models.ForeignKey("areas.Area", verbose_name="社区", on_delete=models.PROTECT, related_name="+")
    alliance = models.ForeignKey(Alliance, verbose_name="所属联盟", on_delete=models.PROTECT, related_name="clubs")
    name = models.CharField("名称", max_length=48)
    description = models.TextField("简介", blank=True)
    leader = models.ForeignKey(
        "people.Resident", verbose_name="团长", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    founded_on = models.DateField("成立日期", null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "社团"
        verbose_name_plural = "社团"
        ordering = ["area", "alliance__position", "name"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="club_name_unique")]

    def __str__(self) -> str:
        return self.name


class ClubMember(models.Model):
    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="members")
    resident = models.ForeignKey("people.Resident", on_delete=models.PROTECT, related_name="club_memberships")
    joined_on = models.DateField("加入日期")

    class Meta:
        verbose_name = "社团成员"
        verbose_name_plural = "社团成员"
        constraints = [models.UniqueConstraint(fields=["club", "resident"], name="club_member_unique")]

    def __str__(self) -> str:
        return f"{self.resident_id} in {self.club_id}"


class TaskForceRole(models.TextChoices):
    COMMANDER = "commander", "总指挥"
    DEPUTY = "deputy", "副总指挥"


class TaskForceMember(models.Model):
    """工作专班: the commander and deputies are named here; alliance heads and club leaders come
    from the alliances and clubs themselves, so the roster can never disagree with them."""

    area = models.ForeignKey("areas.Area", verbose_name="社区", on_delete=models.PROTECT, related_name="+")
    role = models.CharField("职责", max_length=16, choices=TaskForceRole.choices)
    name = models.CharField("姓名", max_length=64)
    title = models.CharField("职务", max_length=64, blank=True)  # e.g. 街道党工委副书记

    class Meta:
        verbose_name = "工作专班成员"
        verbose_name_plural = "工作专班成员"
        ordering = ["area", "role", "pk"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.name}"


class TeacherKind(models.TextChoices):
    EXPERT = "expert", "专家老师"
    LOCAL = "local", "本土能人"


class TeacherStatus(models.TextChoices):
    INVITED = "invited", "待邀请"  # offered a talent in a survey; not yet contacted
    ACTIVE = "active", "在库"
    DECLINED = "declined", "未接受"
    INACTIVE = "inactive", "已停用"


class Teacher(models.Model):
    """师资库: experts invited in and local talents who teach their neighbours."""

    area = models.ForeignKey("areas.Area", verbose_name="所属社区/街道", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("姓名", max_length=64)
    kind = models.CharField("类别", max_length=16, choices=TeacherKind.choices)
    status = models.CharField("状态", max_length=16, choices=TeacherStatus.choices, default=TeacherStatus.ACTIVE)
    skills = models.JSONField("擅长", default=list)  # e.g. ["太极拳", "腰鼓"]
    bio = models.TextField("简介", blank=True)
    phone = EncryptedTextField("联系电话", blank=True, default="")
    phone_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)
    resident = models.ForeignKey(
        "people.Resident", verbose_name="对应居民", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The survey answer a local talent's invitation came from.
    source_answer = models.OneToOneField(
        "surveys.Answer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "老师"
        verbose_name_plural = "老师"
        ordering = ["area", "status", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def phone_masked(self) -> str:
        return phone.mask(self.phone) if self.phone else ""


class Window(models.Model):
    """A weekly availability window: day 1 (Monday) to 7, from a time to a later time."""

    weekday = models.PositiveSmallIntegerField("星期")
    starts = models.TimeField("开始")
    ends = models.TimeField("结束")

    class Meta:
        abstract = True
        ordering = ["weekday", "starts"]

    def __str__(self) -> str:
        return f"{self.weekday} {self.starts:%H:%M}-{self.ends:%H:%M}"

    @property
    def minutes(self) -> int:
        return (self.ends.hour * 60 + self.ends.minute) - (self.starts.hour * 60 + self.starts.minute)


def _window_constraints(prefix: str) -> list[models.BaseConstraint]:
    return [
        models.CheckConstraint(condition=models.Q(ends__gt=models.F("starts")), name=f"{prefix}_window_not_empty"),
        models.CheckConstraint(condition=models.Q(weekday__gte=1, weekday__lte=7), name=f"{prefix}_window_weekday"),
    ]


class TeacherWindow(Window):
    teacher = models.ForeignKey(Teacher, on_delete=models.CASCADE, related_name="windows")

    class Meta(Window.Meta):
        verbose_name = "老师可授课时间"
        verbose_name_plural = "老师可授课时间"
        constraints = _window_constraints("teacher")


class VenueOwner(models.TextChoices):
    COMMUNITY = "community", "社区"
    STREET = "street", "街道"
    MEMBER_UNIT = "member_unit", "共建单位"


class Venue(models.Model):
    """阵地: a room or space. A street's venue, or one marked shared, serves the street's communities."""

    area = models.ForeignKey("areas.Area", verbose_name="所属社区/街道", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("名称", max_length=64)
    address = models.CharField("地址", max_length=200, blank=True)
    capacity = models.PositiveSmallIntegerField("容纳人数")
    floor_area = models.DecimalField("面积（平方米）", max_digits=7, decimal_places=1, null=True, blank=True)
    features = models.JSONField("条件", default=list, blank=True)  # Feature values
    owner_kind = models.CharField("产权方", max_length=16, choices=VenueOwner.choices, default=VenueOwner.COMMUNITY)
    owner_name = models.CharField("出借单位", max_length=100, blank=True)
    shared = models.BooleanField("与其他社区共用", default=False)
    note = models.TextField("备注", blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "场地"
        verbose_name_plural = "场地"
        ordering = ["area", "name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="venue_capacity_positive"),
            models.CheckConstraint(
                condition=models.Q(floor_area__isnull=True) | models.Q(floor_area__gt=0), name="venue_floor_area_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def feature_labels(self) -> list[str]:
        return [Feature(f).label for f in self.features if f in Feature.values]


class VenueWindow(Window):
    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="windows")

    class Meta(Window.Meta):
        verbose_name = "场地可用时间"
        verbose_name_plural = "场地可用时间"
        constraints = _window_constraints("venue")


class OrderStatus(models.TextChoices):
    COLLECTING = "collecting", "征集中"  # demand below the threshold
    REACHED = "reached", "人数已满足"  # enough residents; a teacher and a venue to find
    OPENED = "opened", "已开班"
    DISMISSED = "dismissed", "暂不开设"


class ClassOrder(models.Model):
    """兴趣订单: the demand for one class in one community, aggregated from a survey's answers.

    The figures are recomputed from the answers whenever one arrives; the worker's decisions
    (opened as a course, dismissed) are kept across recomputations.
    """

    area = models.ForeignKey("areas.Area", verbose_name="社区", on_delete=models.PROTECT, related_name="+")
    survey = models.ForeignKey("surveys.Survey", on_delete=models.PROTECT, related_name="+")
    subject = models.CharField("课程", max_length=64)
    demand = models.PositiveIntegerField("想学人数", default=0)
    age_profile = models.JSONField("年龄构成", default=dict)  # band label → count
    slot_counts = models.JSONField("时间偏好", default=dict)  # slot key → count
    status = models.CharField("状态", max_length=16, choices=OrderStatus.choices, default=OrderStatus.COLLECTING)
    note = models.CharField("说明", max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "兴趣订单"
        verbose_name_plural = "兴趣订单"
        ordering = ["area", "-demand", "subject"]
        constraints = [models.UniqueConstraint(fields=["area", "survey", "subject"], name="class_order_unique")]

    def __str__(self) -> str:
        return self.subject


class CourseStatus(models.TextChoices):
    PLANNED = "planned", "筹备中"
    OPEN = "open", "开课中"
    ENDED = "ended", "已结课"
    CANCELLED = "cancelled", "已取消"


class Course(models.Model):
    """A club's course for a term: weekly sessions of a set length, a teacher, a venue."""

    area = models.ForeignKey("areas.Area", verbose_name="社区", on_delete=models.PROTECT, related_name="+")
    club = models.ForeignKey(Club, verbose_name="社团", on_delete=models.PROTECT, related_name="courses")
    title = models.CharField("课程名称", max_length=64)
    term = models.CharField("学期", max_length=32)  # e.g. 2026年秋季
    sessions_per_week = models.PositiveSmallIntegerField("每周次数", default=1)
    session_minutes = models.PositiveSmallIntegerField("每次时长（分钟）", default=90)
    capacity = models.PositiveSmallIntegerField("名额")
    teacher = models.ForeignKey(
        Teacher, verbose_name="老师", null=True, blank=True, on_delete=models.PROTECT, related_name="courses"
    )
    venue = models.ForeignKey(
        Venue, verbose_name="场地", null=True, blank=True, on_delete=models.PROTECT, related_name="courses"
    )
    needed_features = models.JSONField("场地要求", default=list, blank=True)
    starts_on = models.DateField("开课日期")
    ends_on = models.DateField("结课日期")
    status = models.CharField("状态", max_length=16, choices=CourseStatus.choices, default=CourseStatus.PLANNED)
    order = models.ForeignKey(
        ClassOrder, verbose_name="来自兴趣订单", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="courses",
    )
    description = models.TextField("课程介绍", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "课程"
        verbose_name_plural = "课程"
        ordering = ["area", "-starts_on", "title"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="course_dates_order"),
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="course_capacity_positive"),
            models.CheckConstraint(
                condition=models.Q(sessions_per_week__gte=1, sessions_per_week__lte=7), name="course_sessions_range"
            ),
            models.CheckConstraint(
                condition=models.Q(session_minutes__gte=15, session_minutes__lte=480), name="course_minutes_range"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def feature_labels(self) -> list[str]:
        return [Feature(f).label for f in self.needed_features if f in Feature.values]


# Enrollment, timetable slots, sessions and attendance live in their own file.
from linli.college.models.enrollment import (  # noqa: E402, F401
    ACTIVE_STATUSES,
    SEATED_STATUSES,
    Attendance,
    AttendanceMethod,
    AttendanceStatus,
    EnrollChannel,
    Enrollment,
    EnrollmentPolicy,
    EnrollmentStatus,
    EnrollMode,
    LotteryDraw,
    PriorityGroup,
    Session,
    SessionStatus,
    WeeklySlot,
)
from linli.college.models.timetable import RunStatus, TimetableRun  # noqa: E402, F401
