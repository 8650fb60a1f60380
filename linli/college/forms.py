"""Forms of the college's standing parts: alliances and clubs, the task force, teachers, venues, courses.

Forms only parse what was typed; the services decide what is allowed and say why not, and
``add_service_error`` puts their message beside the field. So numbers carry no bounds here.
"""

from __future__ import annotations

import re

from django import forms

from linli.college.models import CourseStatus, Feature, TaskForceRole, TeacherKind, TeacherStatus, VenueOwner
from linli.college.services.common import WEEKDAYS
from linli.core.forms import set_choices

_SPLIT = re.compile(r"[、，,；;/\s]+")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def split_list(text: str) -> list[str]:
    return [p for p in _SPLIT.split(text or "") if p]


def _area_choices(areas) -> list[tuple[str, str]]:
    return [(a.code, f"{a.name}（{a.level_label}）") for a in areas]


def _resident_choices(residents) -> list[tuple[str, str]]:
    return [("", "暂不指定")] + [(str(r.pk), f"{r.name}（{r.phone_masked or '无电话'}）") for r in residents]


# --- alliances, clubs, the task force ------------------------------------------------------------


class AllianceCreateForm(forms.Form):
    name = forms.CharField(label="联盟名称", max_length=100, widget=forms.TextInput(attrs={"placeholder": "如 艺术"}))


class AllianceForm(forms.Form):
    name = forms.CharField(label="联盟名称", max_length=100)
    head = forms.ChoiceField(label="盟长", required=False, help_text="从本联盟各社团的成员中选择")

    def __init__(self, *args, residents, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "head", _resident_choices(residents))


class ClubForm(forms.Form):
    alliance = forms.ChoiceField(label="所属联盟")
    name = forms.CharField(label="社团名称", max_length=100)
    leader = forms.ChoiceField(label="团长", required=False, help_text="从社团成员中选择；新社团可先添加成员再指定")
    founded_on = forms.DateField(label="成立日期", required=False, widget=DATE)
    description = forms.CharField(label="简介", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, alliances, residents=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "alliance", [(str(a.pk), a.name) for a in alliances])
        set_choices(self, "leader", _resident_choices(residents))


class MemberSearchForm(forms.Form):
    q = forms.CharField(label="查找居民", max_length=64, required=False,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "姓名、完整手机号或身份证号"}))


class MemberAddForm(forms.Form):
    resident = forms.IntegerField(min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)


class TaskForceForm(forms.Form):
    role = forms.ChoiceField(label="职责", choices=TaskForceRole.choices)
    name = forms.CharField(label="姓名", max_length=100)
    title = forms.CharField(label="职务", max_length=100, required=False,
                            widget=forms.TextInput(attrs={"placeholder": "如 街道党工委副书记"}))


class CommunityForm(forms.Form):
    community = forms.ChoiceField(label="社区", required=False)

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "community", [(a.code, a.name) for a in communities])


# --- weekly windows, and revealing a phone ---------------------------------------------------


class WindowForm(forms.Form):
    weekday = forms.TypedChoiceField(label="星期", coerce=int, choices=[(str(k), v) for k, v in WEEKDAYS.items()])
    starts = forms.TimeField(label="开始时间", widget=TIME)
    ends = forms.TimeField(label="结束时间", widget=TIME)


class RevealForm(forms.Form):
    reason = forms.CharField(label="查看事由", max_length=200)


# --- teachers --------------------------------------------------------------------------------


class TeacherForm(forms.Form):
    area = forms.ChoiceField(label="所属社区/街道", help_text="在本街道多个社区授课的老师，请登记在街道")
    name = forms.CharField(label="姓名", max_length=100)
    kind = forms.ChoiceField(label="类别", choices=TeacherKind.choices)
    status = forms.ChoiceField(label="状态", choices=[(TeacherStatus.ACTIVE, "在库"), (TeacherStatus.INVITED, "待邀请")])
    skills = forms.CharField(label="擅长", max_length=500, help_text="多项用顿号或空格分开，每项最多 20 个字，如：太极拳、腰鼓")
    phone = forms.CharField(label="联系电话", max_length=32, required=False)
    bio = forms.CharField(label="简介", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, areas=(), editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "area", _area_choices(areas))
        if editing:
            del self.fields["area"], self.fields["status"]  # moves and status changes are their own actions

    def clean_skills(self) -> list[str]:
        return split_list(self.cleaned_data["skills"])


class TeacherStatusForm(forms.Form):
    status = forms.ChoiceField(label="状态", choices=TeacherStatus.choices)
    note = forms.CharField(label="说明", max_length=200, required=False)


class TeacherFilterForm(forms.Form):
    q = forms.CharField(label="姓名或擅长", required=False, max_length=64,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "如 太极"}))
    kind = forms.ChoiceField(label="类别", required=False, choices=[("", "全部")] + TeacherKind.choices)
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部")] + TeacherStatus.choices)


# --- venues ----------------------------------------------------------------------------------


class VenueForm(forms.Form):
    area = forms.ChoiceField(label="所属社区/街道")
    name = forms.CharField(label="名称", max_length=100, widget=forms.TextInput(attrs={"placeholder": "如 邢家桥社区活动室"}))
    capacity = forms.IntegerField(label="容纳人数")
    floor_area = forms.DecimalField(label="面积（平方米）", required=False)
    features = forms.MultipleChoiceField(label="条件", required=False, choices=Feature.choices,
                                         widget=forms.CheckboxSelectMultiple)
    address = forms.CharField(label="地址", max_length=200, required=False)
    owner_kind = forms.ChoiceField(label="产权方", choices=VenueOwner.choices)
    owner_name = forms.CharField(label="出借单位", max_length=100, required=False, help_text="共建单位提供的场地必填")
    shared = forms.BooleanField(label="与本街道其他社区共用", required=False)
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, areas=(), editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "area", _area_choices(areas))
        if editing:
            del self.fields["area"]


class VenueFilterForm(forms.Form):
    q = forms.CharField(label="名称或地址", required=False, max_length=64, widget=forms.TextInput(attrs={"type": "search"}))
    feature = forms.ChoiceField(label="条件", required=False, choices=[("", "全部")] + Feature.choices)
    archived = forms.BooleanField(label="含已停用", required=False)


# --- courses ---------------------------------------------------------------------------------


class CourseForm(forms.Form):
    club = forms.ChoiceField(label="社团")
    title = forms.CharField(label="课程名称", max_length=100)
    term = forms.CharField(label="学期", max_length=100, widget=forms.TextInput(attrs={"placeholder": "如 2026年秋季"}))
    capacity = forms.IntegerField(label="名额")
    sessions_per_week = forms.IntegerField(label="每周次数", initial=1)
    session_minutes = forms.IntegerField(label="每次时长（分钟）", initial=90)
    teacher = forms.ChoiceField(label="老师", required=False)
    venue = forms.ChoiceField(label="场地", required=False)
    needed_features = forms.MultipleChoiceField(label="场地要求", required=False, choices=Feature.choices,
                                                widget=forms.CheckboxSelectMultiple,
                                                help_text="填写课程名称后按常见课程自动勾选，可修改")
    starts_on = forms.DateField(label="开课日期", widget=DATE)
    ends_on = forms.DateField(label="结课日期", widget=DATE)
    description = forms.CharField(label="课程介绍", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, clubs, teachers, venues, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "club", [(str(c.pk), f"{c.name}（{c.alliance.name}）") for c in clubs])
        set_choices(self, "teacher", [("", "暂未安排")] + [
            (str(t.pk), f"{t.name}（{'、'.join(t.skills)}）" + ("·街道" if len(t.area_id) < 12 else ""))
            for t in teachers])
        set_choices(self, "venue", [("", "暂未安排")] + [
            (str(v.pk), f"{v.name}（{v.capacity} 人；{'、'.join(v.feature_labels) or '无特殊条件'}）") for v in venues])


class CourseStatusForm(forms.Form):
    status = forms.ChoiceField(label="状态", choices=CourseStatus.choices)
    reason = forms.CharField(label="原因", max_length=200, required=False)


class CourseFilterForm(forms.Form):
    q = forms.CharField(label="课程或社团", required=False, max_length=64, widget=forms.TextInput(attrs={"type": "search"}))
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部")] + CourseStatus.choices)
    term = forms.ChoiceField(label="学期", required=False)
    club = forms.TypedChoiceField(label="社团", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, terms, clubs, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "term", [("", "全部")] + [(t, t) for t in terms])
        set_choices(self, "club", [("", "全部")] + [(str(c.pk), c.name) for c in clubs])
