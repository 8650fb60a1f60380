"""Forms of the assistance pages. They only parse what was typed; the services decide and say why not."""

from __future__ import annotations

from django import forms

from linli.assistance.models import AlertStatus, HomeCheck
from linli.assistance.monitoring.schema import CLASSES, RULES
from linli.core.forms import set_choices

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
OVERDUE_CHOICES = [("", "全部"), ("yes", "已逾期"), ("escalated", "已上报街道"), ("no", "未逾期")]


class AlertFilterForm(forms.Form):
    q = forms.CharField(label="家庭编号、户主姓名或身份证号", required=False, max_length=64,
                        widget=forms.TextInput(attrs={"type": "search"}))
    alert_class = forms.ChoiceField(label="预警类别", required=False, choices=[("", "全部"), *CLASSES.items()])
    rule = forms.ChoiceField(label="预警规则", required=False,
                             choices=[("", "全部"), *((k, v[1]) for k, v in RULES.items())])
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *AlertStatus.choices])
    overdue = forms.ChoiceField(label="逾期", required=False, choices=OVERDUE_CHOICES)
    area = forms.ChoiceField(label="社区", required=False)
    run = forms.ChoiceField(label="监测批次", required=False)  # seen in that run (a run's page links here)

    def __init__(self, *args, communities, runs, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "area", [("", "全部"), *((a.code, a.name) for a in communities)])
        set_choices(self, "run", [("", "全部"), *((str(r.pk), f"{r.as_of:%Y-%m-%d} {r.run_id}") for r in runs)])


class HomeCheckForm(forms.Form):
    outcome = forms.ChoiceField(label="核查结论", choices=HomeCheck.Outcome.choices, widget=forms.RadioSelect)
    visited_on = forms.DateField(label="入户日期", widget=DATE)
    note = forms.CharField(label="核查情况", max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
                           help_text="入户看到和了解到的情况，以及处理意见")
    # Shown only when 转介处理 is chosen (the page's :has() style), and required then: said in its label.
    referred_to = forms.CharField(label="转介单位（选择转介处理时必填）", required=False, max_length=100,
                                  help_text="如 区医疗保障局")


class RunUploadForm(forms.Form):
    alerts = forms.FileField(label="预警文件 alerts.parquet", help_text="比对引擎输出目录中的 alerts.parquet")
    report = forms.FileField(label="运行报告 report.json", help_text="同一次运行的 report.json")
    area = forms.ChoiceField(label="导入范围", help_text="区县、街道或社区：只导入该地区内的预警，其余计为“不在辖区”，不会导入")

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "area", ((a.code, f"{a.name}（{a.code}）") for a in areas))
