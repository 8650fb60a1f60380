from django import forms
from django.contrib.auth.forms import AuthenticationForm

from linli.core.forms import set_choices


class StaffLoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确。",
        "inactive": "该账号已停用。",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "用户名"
        self.fields["password"].label = "密码"


class PhoneForm(forms.Form):
    phone = forms.CharField(label="手机号", max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel"}))


class CodeForm(forms.Form):
    phone = forms.CharField(widget=forms.HiddenInput, max_length=20)
    code = forms.CharField(label="验证码", max_length=8,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))


class StaffCreateForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150, help_text="登录用，字母或数字")
    full_name = forms.CharField(label="姓名", max_length=64)
    password = forms.CharField(label="初始密码", widget=forms.PasswordInput(render_value=False),
                               help_text="至少 8 位，不能全是数字，请当面告知本人并提醒修改")
    phone = forms.CharField(label="手机号", max_length=20, required=False)
    role = forms.ChoiceField(label="角色")
    area = forms.ChoiceField(label="授权地区")

    def __init__(self, *args, roles, areas, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "role", roles)
        set_choices(self, "area", ((a.code, f"{a.name}（{a.level_label}）") for a in areas))


class GrantForm(forms.Form):
    role = forms.ChoiceField(label="角色")
    area = forms.ChoiceField(label="授权地区")

    def __init__(self, *args, roles, areas, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "role", roles)
        set_choices(self, "area", ((a.code, f"{a.name}（{a.level_label}）") for a in areas))
