"""The enrollment lottery (摇号): seeded, reproducible, checkable by anyone.

No Django here: this module is the whole rule, so that a resident, a journalist or an auditor can
re-run a draw from its published record with a few lines in any language.

The rule
--------
Each applicant is a pair ``(number, group_rank)``: the number is the application's number (the
enrollment id), the group rank is the index of the first priority group the applicant belongs to
in the course's list of priorities (0 = first group), or the length of that list for everyone else.

The drawn order sorts applicants by the key::

    (group_rank, sha256(f"{seed}:{number}").hexdigest(), number)

that is: priority groups first, and inside a group by the SHA-256 (hex, lower case) of the seed, a
colon and the number written in decimal. The order does not depend on the order the applicants
were listed in. The first ``seats`` applicants of the order get a seat; the rest form the waitlist
in drawn order.

Commit and reveal: while applications are open only ``seed_hash(seed)`` (the SHA-256 of the seed)
is published; the seed itself after the draw, so nobody could pick a seed that favours someone,
and anyone can check that the revealed seed is the one committed to.

In Python::

    import hashlib
    order = sorted(applicants, key=lambda a: (a["group"], hashlib.sha256(f"{seed}:{a['no']}".encode()).hexdigest(), a["no"]))
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from typing import Any


def new_seed() -> str:
    """A fresh secret seed: 32 hexadecimal characters (128 bits)."""
    return secrets.token_hex(16)


def seed_hash(seed: str) -> str:
    """The commitment published before the draw: SHA-256 of the seed, hex."""
    return hashlib.sha256(seed.encode()).hexdigest()


def ticket(seed: str, number: int) -> str:
    """The applicant's lot inside their group."""
    return hashlib.sha256(f"{seed}:{number}".encode()).hexdigest()


def draw(seed: str, applicants: Sequence[tuple[int, int]]) -> list[int]:
    """The applicants' numbers in drawn order (see the module's docstring)."""
    return [number for rank, _, number in sorted((rank, ticket(seed, number), number) for number, rank in applicants)]


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(value)
    return value


def verify(record: dict[str, Any]) -> tuple[bool, str]:
    """Re-run a published draw record and say whether its order is the one the rule gives.

    ``record``: ``{"seed", "seats", "priorities", "applicants": [{"no", "group"}], "order": [...]}``
    (and optionally ``"seed_hash"``, checked against the seed)."""
    if not isinstance(record, dict):
        return False, "摇号记录格式不对：应为一个 JSON 对象"
    missing = [key for key in ("seed", "seats", "applicants", "order") if key not in record]
    if missing:
        return False, f"摇号记录缺少字段：{'、'.join(missing)}"
    seed = record["seed"]
    if not isinstance(seed, str) or not seed:
        return False, "摇号记录的随机种子（seed）应为非空字符串"
    try:
        applicants = [(_int(a["no"]), _int(a["group"])) for a in record["applicants"]]
        order = [_int(n) for n in record["order"]]
        seats = _int(record["seats"])
    except (TypeError, KeyError, ValueError):
        return False, "摇号记录格式不对：applicants 应为 [{\"no\": 整数, \"group\": 整数}]，order 与 seats 应为整数"
    if len({no for no, _ in applicants}) != len(applicants):
        return False, "摇号记录中申请编号有重复"
    committed = record.get("seed_hash")
    if committed and seed_hash(seed) != committed:
        return False, "随机种子与摇号前公布的种子摘要（seed_hash）不符"
    expected = draw(seed, applicants)
    if order != expected:
        if sorted(order) != sorted(expected):
            return False, "摇号结果与申请名单不一致：结果中的编号与申请名单不同"
        first = next(i for i, (a, b) in enumerate(zip(order, expected, strict=True)) if a != b)
        return False, (f"摇号结果不符：按记录中的种子重算，第 {first + 1} 位应为 {expected[first]}，"
                       f"记录中为 {order[first]}")
    winners = min(max(seats, 0), len(expected))
    return True, f"摇号结果核对无误：{len(expected)} 人申请，前 {winners} 位获得名额"
