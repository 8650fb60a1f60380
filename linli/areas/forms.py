from django import forms


class AreaChildForm(forms.Form):
    code = forms.CharField(label="代码", max_length=15, help_text="社区为 12 位统计代码；网格可只填 3 位编号")
    name = forms.CharField(label="名称", max_length=64)
