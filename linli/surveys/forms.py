from __future__ import annotations

from django import forms

from linli.core.forms import set_choices
from linli.surveys import catalog
from linli.surveys.models import QuestionKind, QuestionRole, SurveyPurpose, SurveyStatus

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SurveyCreateForm(forms.Form):
    template = forms.ChoiceField(label="从哪里开始", widget=forms.RadioSelect,
                                 choices=[(t.key, t.description) for t in catalog.TEMPLATES.values()],
                                 initial="general")
    title = forms.CharField(label="标题", max_length=100, required=False, help_text="用模板时可不填，使用模板的标题")
    area = forms.ChoiceField(label="发布范围", help_text="发布到街道，则街道下各社区的居民都能填写")
    opens_on = forms.DateField(label="开始日期", widget=_DATE)
    closes_on = forms.DateField(label="截止日期", widget=_DATE)
    intro = forms.CharField(label="说明", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                            help_text="显示在问卷开头；用模板时可不填")

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "area", [(a.code, f"{a.name}（{a.level_label}）") for a in areas])


class SurveyEditForm(forms.Form):
    title = forms.CharField(label="标题", max_length=100)
    opens_on = forms.DateField(label="开始日期", widget=_DATE)
    closes_on = forms.DateField(label="截止日期", widget=_DATE)
    intro = forms.CharField(label="说明", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class ReopenForm(forms.Form):
    closes_on = forms.DateField(label="新的截止日期", widget=_DATE)


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label="题型", choices=QuestionKind.choices)
    text = forms.CharField(label="题目", max_length=200)
    options = forms.CharField(label="选项", required=False, widget=forms.Textarea(attrs={"rows": 5}),
                              help_text="单选、多选题填写，每行一个选项")
    allow_other = forms.BooleanField(label="可填“其他”", required=False)
    max_choices = forms.IntegerField(label="最多选几项", required=False, min_value=1, max_value=60,
                                     help_text="多选题可限制，不填不限")
    scale = forms.IntegerField(label="评分满分", required=False, min_value=2, max_value=10, initial=5)
    required = forms.BooleanField(label="必答", required=False, initial=True)
    help_text = forms.CharField(label="提示", required=False, max_length=200)
    role = forms.ChoiceField(label="用途", required=False, choices=QuestionRole.choices,
                             help_text="社区学院读取“想学的课程”“方便的时间”生成兴趣订单")

    def option_list(self) -> list[str]:
        return [line.strip() for line in (self.cleaned_data.get("options") or "").splitlines() if line.strip()]


class SurveyFilterForm(forms.Form):
    q = forms.CharField(label="标题", required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "标题中的字"}))
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *SurveyStatus.choices])
    purpose = forms.ChoiceField(label="用途", required=False, choices=[("", "全部"), *SurveyPurpose.choices])


class ResidentSearchForm(forms.Form):
    q = forms.CharField(label="居民姓名", max_length=64, required=False,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "输入姓名查找", "autofocus": True}))
