"""Record ids from the outside world (a URL, a form, a JSON body): a number every database can hold."""

from __future__ import annotations

from typing import Any

from linli.core.errors import not_found

# Ids are signed 64-bit integers on every supported database; a larger number would fail in the driver.
MAX_DB_ID = 2**63 - 1


def db_id(value: Any) -> int | None:
    """The id ``value`` stands for, or None if it cannot be one."""
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return pk if 0 < pk <= MAX_DB_ID else None


def db_id_or_404(value: Any, what: str) -> int:
    """The id, or the same "not found" a missing or invisible record gets."""
    pk = db_id(value)
    if pk is None:
        raise not_found(what)
    return pk
