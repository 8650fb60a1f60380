"""Forms of volunteering. They only parse what was typed; the services decide and say why not."""

from __future__ import annotations

import re

from django import forms

from linli.core.forms import set_choices
from linli.surveys import slots
from linli.volunteering.models import ActivityStatus, NominationStatus, RecordStatus, VolunteerStatus

_SPLIT = re.compile(r"[、，,；;/\s]+")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
SLOT_CHOICES = [(s, slots.label(s)) for s in slots.ALL]


def split_list(text: str) -> list[str]:
    return [p for p in _SPLIT.split(text or "") if p]


def _when() -> forms.DateTimeField:
    return forms.DateTimeField(input_formats=DATETIME_FORMATS, widget=DATETIME)


class VolunteerFilterForm(forms.Form):
    q = forms.CharField(label="姓名或编号", required=False, max_length=64)
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *VolunteerStatus.choices])


class VolunteerRegisterForm(forms.Form):
    resident = forms.CharField(label="居民", max_length=64, help_text="填写完整身份证号或手机号（也可填姓名，须唯一）")
    skills = forms.CharField(label="技能特长", required=False, max_length=200, help_text="用顿号或空格分隔，如 园艺、摄影")
    availability = forms.MultipleChoiceField(label="可服务时间", required=False, choices=SLOT_CHOICES,
                                             widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label="备注", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=200)


class TeamForm(forms.Form):
    area = forms.ChoiceField(label="所属社区")
    name = forms.CharField(label="队名", max_length=100)
    description = forms.CharField(label="简介", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "area", [(a.code, a.name) for a in areas])


class MemberForm(forms.Form):
    volunteer = forms.ChoiceField(label="志愿者")

    def __init__(self, *args, volunteers, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "volunteer", [(str(v.pk), f"{v.resident.name}（{v.number}）") for v in volunteers])


class ActivityFilterForm(forms.Form):
    q = forms.CharField(label="活动名称", required=False, max_length=64)
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *ActivityStatus.choices])


class ActivityForm(forms.Form):
    area = forms.ChoiceField(label="所属社区")
    team = forms.ChoiceField(label="服务队", required=False)
    title = forms.CharField(label="活动名称", max_length=100)
    place = forms.CharField(label="地点", max_length=200)
    starts_at = _when()
    ends_at = _when()
    description = forms.CharField(label="服务内容", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    roles = forms.CharField(label="岗位和人数", required=False, max_length=500,
                            help_text="每行一个，如：除草 10；也可发布前在活动页添加")

    def __init__(self, *args, areas, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].label = "开始时间"
        self.fields["ends_at"].label = "结束时间"
        set_choices(self, "area", [(a.code, a.name) for a in areas])
        set_choices(self, "team", [("", "不指定"), *((str(t.pk), f"{t.name}（{t.area.name}）") for t in teams)])

    def clean_roles(self) -> list[tuple[str, int]]:
        result = []
        for i, line in enumerate((self.cleaned_data.get("roles") or "").splitlines(), start=1):
            parts = line.strip().rsplit(None, 1)
            if not parts:
                continue
            if len(parts) != 2 or not parts[1].isdigit():
                raise forms.ValidationError(f"第 {i} 行应为“岗位 人数”，如：除草 10")
            result.append((parts[0], int(parts[1])))
        return result


class RoleForm(forms.Form):
    role_name = forms.CharField(label="岗位", max_length=64)
    headcount = forms.IntegerField(label="人数", min_value=-(2**31), max_value=2**31)


class SignupDeskForm(forms.Form):
    volunteer = forms.ChoiceField(label="志愿者")
    role = forms.ChoiceField(label="岗位")

    def __init__(self, *args, volunteers, roles, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "volunteer", [(str(v.pk), f"{v.resident.name}（{v.number}）") for v in volunteers])
        set_choices(self, "role", [(str(r.pk), f"{r.name}（{r.taken}/{r.headcount}）") for r in roles])


class ConfirmForm(forms.Form):
    hours = forms.CharField(label="时长（小时）", required=False, max_length=8,
                            help_text="留空则按签到签退时间计算，不足半小时的部分不计")
    starts_at = _when()
    ends_at = _when()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].required = False
        self.fields["ends_at"].required = False
        self.fields["starts_at"].label = "实际开始"
        self.fields["ends_at"].label = "实际结束"


class RecordFilterForm(forms.Form):
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *RecordStatus.choices])
    since = forms.DateField(label="从", required=False, widget=DATE)
    until = forms.DateField(label="到", required=False, widget=DATE)


class RecordForm(forms.Form):
    area = forms.ChoiceField(label="组织社区")
    volunteer = forms.ChoiceField(label="志愿者")
    content = forms.CharField(label="服务内容", max_length=200)
    place = forms.CharField(label="地点", required=False, max_length=200)
    starts_at = _when()
    ends_at = _when()
    hours = forms.CharField(label="时长（小时）", required=False, max_length=8, help_text="留空则按起止时间计算")
    note = forms.CharField(label="备注", required=False, max_length=200)

    def __init__(self, *args, areas, volunteers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].label = "开始时间"
        self.fields["ends_at"].label = "结束时间"
        set_choices(self, "area", [(a.code, a.name) for a in areas])
        set_choices(self, "volunteer", [(str(v.pk), f"{v.resident.name}（{v.number}）") for v in volunteers])


class CertificateForm(forms.Form):
    period_start = forms.DateField(label="起始日期", widget=DATE)
    period_end = forms.DateField(label="截止日期", widget=DATE)
    contact = forms.CharField(label="联系方式", required=False, max_length=100, help_text="社区居委会电话")


class RollForm(forms.Form):
    area = forms.ChoiceField(label="范围")
    year = forms.IntegerField(label="年", min_value=2000, max_value=2100)
    month = forms.TypedChoiceField(label="月", required=False, coerce=int, empty_value=None,
                                   choices=[("", "全年"), *((str(m), f"{m} 月") for m in range(1, 13))])
    order = forms.ChoiceField(label="排序", choices=[("hours", "按服务时长"), ("points", "按志愿积分")], required=False)

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "area", [(a.code, f"{a.name}（{a.level_label}）") for a in areas])


class NominationFilterForm(forms.Form):
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *NominationStatus.choices])


class NominationForm(forms.Form):
    resident = forms.CharField(label="被推荐人", max_length=64, help_text="完整身份证号或手机号（也可填姓名，须唯一）")
    title = forms.CharField(label="推荐称号", max_length=100, initial="优秀志愿者")
    reason = forms.CharField(label="推荐理由（事迹）", widget=forms.Textarea(attrs={"rows": 4}))


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label="审核结果", choices=[("approve", "通过，入候选库"), ("reject", "不通过")])
    review_note = forms.CharField(label="审核意见", required=False, max_length=200)


class ApplyForm(forms.Form):
    """The residents' phone form: ticks, not typing."""

    skills = forms.CharField(label="我会的（可不填）", required=False, max_length=200,
                             widget=forms.TextInput(attrs={"placeholder": "如 园艺、摄影、陪老人聊天"}))
    availability = forms.MultipleChoiceField(label="我方便的时间", required=False, choices=SLOT_CHOICES,
                                             widget=forms.CheckboxSelectMultiple)
