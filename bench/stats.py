"""Turning publish stamps and receiver receipts into the benchmark's figures (stdlib only)."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Figures:
    system: str
    expected: int
    deliveries: int  # distinct deliveries received for events of the measured batch
    seconds: float  # first publish began -> last delivery received
    p50_ms: float
    p99_ms: float
    duplicates: int  # requests beyond the first for a delivery (at-least-once)
    complete: bool

    @property
    def per_second(self) -> float:
        return self.deliveries / self.seconds if self.seconds > 0 else 0.0


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def figures(
    system: str, *, stamps: dict[str, float], receipts: list[list], expected: int
) -> Figures:
    """``stamps``: event key -> publish time; ``receipts``: ``[time, delivery, event]`` in order
    of arrival. Only the first receipt of each delivery counts."""
    first: dict[str, tuple[float, str]] = {}
    requests = 0
    for at, delivery, event in receipts:
        if event not in stamps:
            continue  # a straggler from the warm-up, not this batch
        requests += 1
        if delivery not in first:
            first[delivery] = (at, event)
    latencies = sorted((at - stamps[event]) * 1000 for at, event in first.values())
    start = min(stamps.values())
    end = max((at for at, _ in first.values()), default=start)
    return Figures(
        system=system,
        expected=expected,
        deliveries=len(first),
        seconds=end - start,
        p50_ms=percentile(latencies, 50),
        p99_ms=percentile(latencies, 99),
        duplicates=requests - len(first),
        complete=len(first) == expected,
    )


def table(rows: list[Figures]) -> str:
    header = ("system", "deliveries", "seconds", "deliveries/s", "p50 ms", "p99 ms")
    lines = [
        f"{header[0]:<16}{header[1]:>12}{header[2]:>10}{header[3]:>14}{header[4]:>10}"
        f"{header[5]:>10}"
    ]
    for row in rows:
        deliveries = f"{row.deliveries}" + ("" if row.complete else f"/{row.expected}")
        lines.append(
            f"{row.system:<16}{deliveries:>12}{row.seconds:>10.2f}{row.per_second:>14.1f}"
            f"{row.p50_ms:>10.1f}{row.p99_ms:>10.1f}"
        )
    return "\n".join(lines)
