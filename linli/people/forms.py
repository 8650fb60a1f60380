from __future__ import annotations

from django import forms

from linli.core.forms import set_choices
from linli.people.models import ProxyBinding, ProxyScope, Relation, Sex
from linli.people.selectors import AGE_BANDS


class ResidentForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=64)
    id_number = forms.CharField(label="身份证号", max_length=32, help_text="18 位，性别和出生日期由身份证号自动得出")
    sex = forms.ChoiceField(label="性别", choices=[("", "按身份证号")] + Sex.choices, required=False)
    birth_date = forms.DateField(label="出生日期", required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                 help_text="可不填；填写时须与身份证号一致")
    phone = forms.CharField(label="手机号", max_length=20, required=False)
    area = forms.ChoiceField(label="所在社区/网格")
    address = forms.CharField(label="住址", max_length=200, required=False)
    tags = forms.MultipleChoiceField(label="标签", required=False, widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, areas, tags, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "area", [(a.code, f"{a.name}（{a.code}）") for a in areas])
        set_choices(self, "tags", [(t.code, t.name) for t in tags])
        if editing:
            # A move between communities is its own action, with history.
            del self.fields["area"]


class RevealForm(forms.Form):
    field = forms.ChoiceField(choices=[("id_number", "身份证号"), ("phone", "手机号")])
    reason = forms.CharField(label="查看事由", max_length=200, min_length=2)


class MoveForm(forms.Form):
    area = forms.ChoiceField(label="迁入社区/网格")
    address = forms.CharField(label="新住址", max_length=200, required=False)
    reason = forms.CharField(label="原因", max_length=200, required=False)

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "area", [(a.code, f"{a.name}（{a.code}）") for a in areas])


class ArchiveForm(forms.Form):
    reason = forms.CharField(label="注销原因", max_length=200)


class ProxyForm(forms.Form):
    agent_phone = forms.CharField(label="代办人手机号", max_length=20)
    agent_name = forms.CharField(label="代办人姓名", max_length=64, required=False, help_text="该手机号未登记时必填")
    relation = forms.ChoiceField(label="关系", choices=ProxyBinding.Relation.choices)
    scopes = forms.MultipleChoiceField(label="可代办事项", choices=ProxyScope.choices, widget=forms.CheckboxSelectMultiple,
                                       initial=list(ProxyScope.values))


class HouseholdMemberForm(forms.Form):
    id_number = forms.CharField(label="成员身份证号", max_length=32)
    relation = forms.ChoiceField(label="与户主关系", choices=[c for c in Relation.choices if c[0] != Relation.HEAD])


class ResidentFilterForm(forms.Form):
    q = forms.CharField(label="搜索", required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": "姓名、住址、完整身份证号或手机号"}))
    community = forms.ChoiceField(label="社区/网格", required=False)
    tag = forms.ChoiceField(label="标签", required=False)
    sex = forms.ChoiceField(label="性别", required=False, choices=[("", "全部")] + Sex.choices)
    age_band = forms.ChoiceField(label="年龄段", required=False, choices=[("", "全部")] + [(b, b) for b in AGE_BANDS])


    def __init__(self, *args, areas, tags, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "community", [("", "全部")] + [(a.code, a.name) for a in areas])
        set_choices(self, "tag", [("", "全部")] + [(t.code, t.name) for t in tags])
