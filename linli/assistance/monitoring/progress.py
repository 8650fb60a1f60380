"""The progress display of ``linli monitor run`` and ``generate``: one line per message on stderr,
each with the time since the start; on a terminal, a live line also shows the seconds passing
while a long stage (a stage's line ends with "…") is running. A ``Detail`` line (e.g. a file read
within the stage) is printed above the live line and leaves it running; any other line ends the
stage."""

from __future__ import annotations

import threading
import time
from typing import TextIO


class Detail(str):
    """A line about the running stage (it does not end the stage)."""


class ProgressPrinter:
    """``auto``: a thread redraws the live line every ``interval`` seconds; without it the caller
    (a test) calls ``refresh()``."""

    def __init__(self, stream: TextIO, *, live: bool | None = None, interval: float = 0.5, auto: bool = True) -> None:
        self.stream = stream
        self.live = stream.isatty() if live is None else live
        self.interval = interval
        self.start = time.perf_counter()
        self._lock = threading.Lock()
        self._waiting: tuple[str, float] | None = None  # the running stage's message and start
        self._shown = False  # a live line is on screen
        self._frame = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if self.live and auto:
            self._thread = threading.Thread(target=self._tick, daemon=True)
            self._thread.start()

    def __call__(self, message: str) -> None:
        with self._lock:
            self._clear()
            now = time.perf_counter()
            self.stream.write(f"[{now - self.start:7.1f} 秒] {message}\n")
            if message.endswith("…"):
                self._waiting = (message.strip(), now)
            elif not isinstance(message, Detail):
                self._waiting = None
            self._draw()  # at once: the live line stays on screen below a detail line
            self.stream.flush()

    def refresh(self) -> None:
        """Redraw the live line (the elapsed seconds)."""
        with self._lock:
            self._draw()
            self.stream.flush()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            self._clear()
            self.stream.flush()

    def __enter__(self) -> ProgressPrinter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _clear(self) -> None:
        if self._shown:
            self.stream.write("\r\033[K")
            self._shown = False

    def _draw(self) -> None:
        if not self.live or self._waiting is None:
            return
        spinner = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
        message, since = self._waiting
        elapsed = time.perf_counter() - since
        self.stream.write(f"\r\033[K{spinner[self._frame % len(spinner)]} {message} 已用 {elapsed:.0f} 秒")
        self._shown = True
        self._frame += 1

    def _tick(self) -> None:
        while not self._stop.wait(self.interval):
            self.refresh()
