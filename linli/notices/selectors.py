"""Reading a resident's messages."""

from __future__ import annotations

from django.db.models import QuerySet

from linli.notices.models import Notice
from linli.people.models import Resident


def notices_for(resident: Resident, *, limit: int = 20) -> QuerySet[Notice]:
    return Notice.objects.filter(resident=resident)[:limit]


def unread_count(resident: Resident) -> int:
    return Notice.objects.filter(resident=resident, read_at__isnull=True).count()
