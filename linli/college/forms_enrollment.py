"""Forms of the enrollment back office: settings, the weekly timetable, sessions, the paper roster.

Forms only parse what was typed; the services decide what is allowed and say why not
(``add_service_error`` puts their message beside the field).
"""

from __future__ import annotations

from django import forms

from linli.college.models import AttendanceStatus, EnrollmentStatus, EnrollMode, PriorityGroup
from linli.college.services.common import WEEKDAYS
from linli.core.forms import set_choices

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
PRIORITY_CHOICES = [("", "无"), *PriorityGroup.choices]
PRIORITY_FIELDS = ("priority_1", "priority_2", "priority_3")


class PolicyForm(forms.Form):
    mode = forms.ChoiceField(label="报名方式", choices=EnrollMode.choices, widget=forms.RadioSelect)
    opens_at = forms.DateTimeField(label="报名开始", widget=DATETIME, input_formats=DATETIME_FORMATS)
    closes_at = forms.DateTimeField(label="报名截止", widget=DATETIME, input_formats=DATETIME_FORMATS,
                                    help_text="摇号课程：申请截止，截止后摇号")
    cancel_until = forms.DateTimeField(label="退课截止", required=False, widget=DATETIME,
                                       input_formats=DATETIME_FORMATS, help_text="不填则为开课当天零点")
    confirm_hours = forms.IntegerField(label="候补确认时限（小时）", initial=24)
    min_age = forms.IntegerField(label="最低年龄", required=False)
    max_age = forms.IntegerField(label="最高年龄", required=False)
    only_community = forms.BooleanField(label="仅限本社区居民", required=False)
    required_tag = forms.ChoiceField(label="仅限人群", required=False)
    # The lottery's priority order, one select per place (a browser does not keep the order boxes were ticked).
    priority_1 = forms.ChoiceField(label="摇号第一优先", required=False, choices=PRIORITY_CHOICES)
    priority_2 = forms.ChoiceField(label="摇号第二优先", required=False, choices=PRIORITY_CHOICES)
    priority_3 = forms.ChoiceField(label="摇号第三优先", required=False, choices=PRIORITY_CHOICES,
                                   help_text="选中的人群按第一、第二、第三的次序优先摇号，其余居民排在最后")

    def __init__(self, *args, tags, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "required_tag", [("", "不限")] + [(t.code, t.name) for t in tags])

    @staticmethod
    def priority_initial(priorities) -> dict[str, str]:
        return {name: (list(priorities) + ["", "", ""])[i] for i, name in enumerate(PRIORITY_FIELDS)}

    def clean(self):
        data = super().clean() or {}
        seen: dict[str, str] = {}
        order: list[str] = []
        for name in PRIORITY_FIELDS:
            value = data.get(name) or ""
            if not value:
                continue
            if value in seen:
                self.add_error(name, f"“{PriorityGroup(value).label}”已选为{seen[value]}，不能重复")
                continue
            seen[value] = str(self.fields[name].label).removeprefix("摇号")
            order.append(value)
        data["priorities"] = order
        return data


class SlotForm(forms.Form):
    weekday = forms.TypedChoiceField(label="星期", coerce=int, choices=[(str(k), v) for k, v in WEEKDAYS.items()])
    starts_at = forms.TimeField(label="开始时间", widget=TIME)
    venue = forms.ChoiceField(label="场地", required=False)
    locked = forms.BooleanField(label="锁定（排课时不移动）", required=False)

    def __init__(self, *args, venues=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "venue", [("", "课程场地")] + [(str(v.pk), v.name) for v in venues])


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=200)


class DeskSearchForm(forms.Form):
    q = forms.CharField(label="查找居民", max_length=64, required=False,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "姓名、完整手机号或身份证号"}))


class DeskEnrollForm(forms.Form):
    resident = forms.IntegerField(min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)


ROSTER_TABS: list[tuple[str, str, tuple[str, ...]]] = [
    ("enrolled", "已报名", (EnrollmentStatus.ENROLLED,)),
    ("offered", "待确认", (EnrollmentStatus.OFFERED,)),
    ("waitlisted", "候补", (EnrollmentStatus.WAITLISTED,)),
    ("applied", "摇号申请", (EnrollmentStatus.APPLIED,)),
    ("ended", "已结束", (EnrollmentStatus.CANCELLED, EnrollmentStatus.NOT_SELECTED, EnrollmentStatus.EXPIRED,
                        EnrollmentStatus.RELEASED)),
]

ROSTER_MARKS = [(AttendanceStatus.PRESENT, "到"), (AttendanceStatus.EXCUSED, "请假"), (AttendanceStatus.ABSENT, "缺")]


def roster_marks(data, enrollment_ids: list[int]) -> tuple[list[int], list[int]]:
    """The paper roster's radios (``mark-<enrollment id>``): the ids present and the ids excused."""
    present, excused = [], []
    for pk in enrollment_ids:
        value = data.get(f"mark-{pk}", "")
        if value == AttendanceStatus.PRESENT:
            present.append(pk)
        elif value == AttendanceStatus.EXCUSED:
            excused.append(pk)
    return present, excused
