"""For the residents' home page: the surveys its subject can answer now."""

from __future__ import annotations

from typing import Any

from django import template

from linli.people.models import ProxyScope
from linli.surveys import selectors

register = template.Library()


@register.simple_tag
def open_surveys(subject: Any, binding: Any = None) -> list:
    """Open surveys for ``subject``, unanswered first; none when acting for someone who did not
    allow surveys to be filled in for them."""
    if subject is None:
        return []
    if binding is not None and ProxyScope.SURVEY not in binding.scopes:
        return []
    return list(selectors.open_surveys_for(subject))
