"""What other modules do when a survey of theirs is answered.

The surveys app knows nothing of its users: the college registers, for surveys of its purpose,
a function that turns the new answers into class orders. Hooks run inside the answer's
transaction, so an answer and what follows from it are saved together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ResponseHook = Callable[[Any], None]  # called with the saved surveys.Response

_hooks: dict[str, list[ResponseHook]] = {}


def on_response(purpose: str, hook: ResponseHook) -> None:
    hooks = _hooks.setdefault(purpose, [])
    if hook not in hooks:
        hooks.append(hook)


def run(response: Any) -> None:
    for hook in _hooks.get(response.survey.purpose, ()):
        hook(response)
