"""Forms of the points pages. They only parse; the services decide and say why not.

Amounts are typed as text so a fractional or negative number reaches the service, which names
the field and the reason in Chinese."""

from __future__ import annotations

from django import forms

from linli.core.forms import set_choices
from linli.points.models import CapPeriod, RedemptionStatus

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _number(label: str, required: bool = True, help_text: str = "") -> forms.CharField:
    return forms.CharField(label=label, max_length=12, required=required, help_text=help_text,
                           widget=forms.TextInput(attrs={"inputmode": "numeric"}))


class AccountFilterForm(forms.Form):
    q = forms.CharField(label="居民姓名", required=False, max_length=64)
    community = forms.ChoiceField(label="社区", required=False)

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "community", [("", "全部")] + [(a.code, a.name) for a in communities])


class RuleForm(forms.Form):
    points = _number("每次积分")
    unit_label = forms.CharField(label="计量单位", max_length=16, initial="次", help_text="如 半小时、次、条")
    cap = _number("周期上限（分）", required=False, help_text="不限则留空")
    cap_period = forms.ChoiceField(label="上限周期", required=False, choices=[("", "不限")] + CapPeriod.choices)
    expires_after_days = _number("有效天数", required=False, help_text="获得后多少天过期；长期有效则留空")
    valid_from = forms.DateField(label="生效日期", widget=DATE)
    active = forms.BooleanField(label="启用", required=False, initial=True)


class RewardForm(forms.Form):
    area = forms.ChoiceField(label="社区")
    name = forms.CharField(label="名称", max_length=64)
    giver = forms.CharField(label="提供单位", max_length=64, help_text="捐赠该礼品或服务的共建单位")
    description = forms.CharField(label="说明", max_length=300, required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    cost = _number("所需积分")
    stock = _number("库存", help_text="还能兑换的数量")
    active = forms.BooleanField(label="上架", required=False, initial=True)

    def __init__(self, *args, areas=(), editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["area"]
        else:
            set_choices(self, "area", [(a.code, a.name) for a in areas])


class RewardFilterForm(forms.Form):
    q = forms.CharField(label="搜索", required=False, max_length=64,
                        widget=forms.TextInput(attrs={"placeholder": "名称或提供单位"}))


class RedemptionFilterForm(forms.Form):
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部")] + RedemptionStatus.choices)
    q = forms.CharField(label="搜索", required=False, max_length=64,
                        widget=forms.TextInput(attrs={"placeholder": "居民或礼品"}))


class PickupCodeForm(forms.Form):
    code = forms.CharField(label="领取码", max_length=16, help_text="居民手机上显示的 8 位数字")


class AwardForm(forms.Form):
    units = _number("数量", help_text="按规则每单位的积分发放")
    reason = forms.CharField(label="事由", max_length=200)


class ReverseForm(forms.Form):
    reason = forms.CharField(label="冲正原因", max_length=200)


class RedeemForm(forms.Form):
    """At the desk: redeem for a resident."""

    reward = forms.ChoiceField(label="礼品")

    def __init__(self, *args, rewards, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "reward", [(str(r.pk), f"{r.name}（{r.cost} 分，剩 {r.stock}）") for r in rewards])
