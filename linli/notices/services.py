"""Telling a resident something: an in-page message, and a text message after the commit."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from linli.accounts.sms import send_sms
from linli.notices.models import Notice
from linli.people.models import Resident

log = logging.getLogger("linli.notices")


def _send_after_commit(phone: str, text: str) -> None:
    def send() -> None:
        try:
            send_sms(phone, text)
        except Exception:  # a gateway failure must not undo what happened; the in-page message stands
            log.exception("短信发送失败")

    transaction.on_commit(send)


def notice_send(*, resident: Resident, text: str, link: str = "", sms: bool = True) -> Notice:
    """Write the message for the resident's pages; with ``sms``, text it to their phone too.

    Runs inside the caller's transaction: if that rolls back, neither the message nor the text goes.
    The text message carries the words only (no link: residents are told to open 邻里)."""
    phone = resident.phone if sms else ""
    notice = Notice.objects.create(resident=resident, text=text[:300], link=link[:200], sms_sent=bool(phone))
    if phone:
        _send_after_commit(phone, f"【邻里】{text}")
    return notice


def notices_read(*, resident: Resident) -> int:
    """Mark every unread message of the resident read (they opened their messages)."""
    return Notice.objects.filter(resident=resident, read_at__isnull=True).update(read_at=timezone.now())
