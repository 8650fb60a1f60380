"""Named benchmarks run by `linli bench <name>`: each prints its figures and a ratio against a
baseline measured in the same run (never a timed test). Register with ``@benchmark("name")``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Benchmark:
    name: str
    help: str
    run: Callable[..., None]  # run(out=callable printing a line, **options)
    options: tuple[tuple[str, type, Any, str], ...] = ()  # (--flag, type, default, help)


_registry: dict[str, Benchmark] = {}


def benchmark(name: str, help: str, options: tuple[tuple[str, type, Any, str], ...] = ()):
    def register(fn: Callable[..., None]) -> Callable[..., None]:
        _registry[name] = Benchmark(name, help, fn, options)
        return fn

    return register


def all_benchmarks() -> dict[str, Benchmark]:
    from linli.bench import enroll_rush, ledger, monitor, timetable  # noqa: F401  (register themselves)

    return dict(sorted(_registry.items()))
