"""Sending text messages. The backend is chosen by LINLI_SMS_BACKEND; a gateway registers its own."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings

from linli.core.phone import mask

log = logging.getLogger("linli.sms")

# The memory backend's outbox: tests read the codes from here.
outbox: list[tuple[str, str]] = []


def _console(phone: str, text: str) -> None:
    # The console backend is for demos and development: it prints the whole message.
    log.warning("短信（控制台，未真正发送）→ %s：%s", mask(phone), text)
    print(f"[短信] 发往 {phone}：{text}", flush=True)


def _memory(phone: str, text: str) -> None:
    outbox.append((phone, text))


_backends: dict[str, Callable[[str, str], None]] = {"console": _console, "memory": _memory}


def register_backend(name: str, send: Callable[[str, str], None]) -> None:
    _backends[name] = send


def send_sms(phone: str, text: str) -> None:
    _backends[str(settings.LINLI_SMS_BACKEND)](phone, text)


def backend_names() -> list[str]:
    return sorted(_backends)
