from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms

from linli.core.errors import LinliError


def set_choices(form: forms.Form, name: str, choices: Iterable[tuple[Any, str]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = list(choices)


def add_service_error(form: forms.Form, error: LinliError) -> None:
    """Show a service's refusal beside the field it names, or above the form.

    A refusal of permission is not a form error: it goes on to the error page with its status."""
    if error.status in (403, 404):
        raise error
    field = error.field if error.field in form.fields else None
    message = error.message
    if field and "：" in message:
        # "身份证号：校验位错误" beside the 身份证号 field needs no repeated label.
        label, _, rest = message.partition("：")
        if label == form.fields[field].label:
            message = rest
    form.add_error(field, message)


class ImportForm(forms.Form):
    file = forms.FileField(label="表格文件", help_text=".xlsx 或 .csv，最大 5 MB，一次最多 5000 行")
    area = forms.ChoiceField(label="导入到")

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "area", ((a.code, f"{a.name}（{a.code}）") for a in areas))
