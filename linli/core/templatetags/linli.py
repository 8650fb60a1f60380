from django import template
from django.utils.html import format_html

from linli.core import once

register = template.Library()


@register.simple_tag(takes_context=True)
def submit_token(context) -> str:
    """The hidden one-time token of a form that must be acted on once (see core.once)."""
    return format_html('<input type="hidden" name="{}" value="{}">', once.FIELD, once.new_token(context["request"]))
