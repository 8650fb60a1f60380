"""The module registry: each app declares what it brings to the platform in ``AppConfig.ready()``.

Kept as data, not strings naming classes: the back office draws its menu from here, the
dashboard its figures, the export page its exports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class MenuEntry:
    title: str
    url_name: str
    permission: str | None = None  # shown only to users holding it on some area


@dataclass(frozen=True)
class Stat:
    title: str
    compute: Callable[[Any, str | None], int]  # (user, area code or None) -> number


@dataclass(frozen=True)
class Chart:
    title: str
    kind: str  # "bar" or "pie"
    compute: Callable[[Any, str | None], list[tuple[str, int]]]  # (user, area code) -> (label, value) pairs


@dataclass(frozen=True)
class ModuleSpec:
    label: str
    title: str
    order: int = 100
    menu: tuple[MenuEntry, ...] = ()
    stats: tuple[Stat, ...] = ()
    charts: tuple[Chart, ...] = ()
    imports: tuple[str, ...] = field(default=())  # names of ImportSpecs the module offers


_modules: dict[str, ModuleSpec] = {}


def register(spec: ModuleSpec) -> None:
    if spec.label in _modules and _modules[spec.label] != spec:
        raise ValueError(f"module {spec.label!r} registered twice with different specs")
    _modules[spec.label] = spec


def modules() -> list[ModuleSpec]:
    return sorted(_modules.values(), key=lambda m: (m.order, m.label))


def get(label: str) -> ModuleSpec:
    return _modules[label]
