"""Timing samples (milliseconds) and their statistics."""

from __future__ import annotations

import math
import os
import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class Timing:
    samples_ms: list[float] = field(default_factory=list)

    @property
    def min(self) -> float:
        return min(self.samples_ms)

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        s = sorted(self.samples_ms)
        return s[min(len(s) - 1, math.ceil(0.95 * len(s)) - 1)]

    def as_dict(self) -> dict:
        return {"min_ms": round(self.min, 3), "median_ms": round(self.median, 3), "p95_ms": round(self.p95, 3),
                "n": len(self.samples_ms)}


def time_calls(fn: Callable[[], Any], repeat: int) -> tuple[Timing, Any]:
    """Time `fn` `repeat` times; returns the timing and fn's last result."""
    t = Timing()
    out = None
    for _ in range(repeat):
        s = time.perf_counter()
        out = fn()
        t.samples_ms.append((time.perf_counter() - s) * 1e3)
    return t, out


def time_pair(fn: Callable[[], Any], ref: Callable[[], Any], repeat: int) -> tuple[Timing, Timing, Any]:
    """Time `fn` and `ref` alternately, `repeat` times each; returns both timings and fn's last result."""
    a, b = Timing(), Timing()
    out = None
    for _ in range(repeat):
        s = time.perf_counter()
        out = fn()
        a.samples_ms.append((time.perf_counter() - s) * 1e3)
        s = time.perf_counter()
        ref()
        b.samples_ms.append((time.perf_counter() - s) * 1e3)
    return a, b, out


def settle_writeback() -> None:
    """Write dirty pages out before timing (POSIX `sync`; a no-op where it does not exist)."""
    if hasattr(os, "sync"):
        os.sync()
