"""Masking a person's name for pages strangers may see (a lottery list, a check-in card)."""

from __future__ import annotations


def mask_name(name: str) -> str:
    """张桂英 → 张*英, 张三 → 张*, 欧阳娜娜 → 欧**娜."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
