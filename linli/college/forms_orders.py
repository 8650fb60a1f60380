"""Forms of the class-order pages."""

from __future__ import annotations

import datetime as dt

from django import forms

from linli.college.models import OrderStatus
from linli.core.forms import set_choices


class OrderFilterForm(forms.Form):
    q = forms.CharField(label="课程", required=False, max_length=64,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "课程名称"}))
    community = forms.ChoiceField(label="社区", required=False)
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部")] + OrderStatus.choices)

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "community", [("", "全部")] + [(a.code, a.name) for a in communities])


def _term_default(today: dt.date) -> str:
    return f"{today.year}年{'春季' if today.month < 7 else '秋季'}"


class OrderOpenForm(forms.Form):
    title = forms.CharField(label="课程名称", max_length=64)
    club = forms.ChoiceField(label="所属社团", required=False, help_text="不选则新建一个社团")
    club_name = forms.CharField(label="新社团名称", max_length=48, required=False, help_text="默认为“课程名称＋班”")
    teacher = forms.ChoiceField(label="老师", error_messages={
        "required": "请选择老师：没有老师不能开班（可在“师资库”中登记或邀请）"})
    venue = forms.ChoiceField(label="场地", error_messages={
        "required": "请选择场地：没有场地不能开班（可在“场地”中登记）"})
    term = forms.CharField(label="学期", max_length=32)
    capacity = forms.IntegerField(label="名额", min_value=1, max_value=500)
    sessions_per_week = forms.IntegerField(label="每周次数", min_value=1, max_value=7, initial=1)
    session_minutes = forms.IntegerField(label="每次时长（分钟）", min_value=15, max_value=480, initial=90)
    starts_on = forms.DateField(label="开课日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    ends_on = forms.DateField(label="结课日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, clubs, teachers, venues, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "club", [("", "新建社团")] + [(str(c.pk), c.name) for c in clubs])
        set_choices(self, "teacher", [("", "请选择")] + [(str(t.pk), t.name + ("（擅长：" + "、".join(t.skills) + "）" if t.skills else ""))
                                                       for t in teachers])
        set_choices(self, "venue", [("", "请选择")] + [(str(v.pk), f"{v.name}（{v.capacity} 人；{'、'.join(v.feature_labels) or '无特殊条件'}）")
                                                     for v in venues])

    @staticmethod
    def initial_for(subject: str, demand: int, today: dt.date) -> dict:
        return {"title": subject, "term": _term_default(today), "capacity": max(demand, 1),
                "starts_on": today + dt.timedelta(days=14), "ends_on": today + dt.timedelta(days=14 + 7 * 16)}


class DismissForm(forms.Form):
    reason = forms.CharField(label="暂不开设的原因", max_length=200, widget=forms.TextInput(
        attrs={"placeholder": "例如：暂时找不到老师，下学期再开"}))


class ThresholdForm(forms.Form):
    area = forms.ChoiceField(label="社区")
    threshold = forms.IntegerField(label="开班人数门槛", help_text="想学的居民达到这个人数，订单就可以开班")

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "area", [(a.code, a.name) for a in communities])
