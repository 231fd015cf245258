"""Traffic over time for the cost estimate: the daily curve, autoscaled instance-hours along it, and how often
a schedule runs in a month (llmops_iac/cost/estimate.py describes the method)."""

from __future__ import annotations

import functools
import math
import re

STEPS_PER_DAY = 288  # 5-minute steps


@functools.lru_cache(maxsize=64)
def daily_shape(peak_to_average: float, steps: int = STEPS_PER_DAY) -> tuple[float, ...]:
    """Relative traffic per step over a day: mean 1, maximum ``peak_to_average`` (raised cosine, one daily peak)."""
    p = max(1.0, float(peak_to_average))
    thetas = [2 * math.pi * i / steps for i in range(steps)]
    if p <= 2.0:
        return tuple(1.0 + (p - 1.0) * math.cos(t) for t in thetas)
    base = [(1.0 + math.cos(t)) / 2.0 for t in thetas]

    def mean_of(n: float) -> float:
        return sum(b ** n for b in base) / steps

    lo, hi = 1.0, 1.0
    while 1.0 / mean_of(hi) < p and hi < 1e7:
        hi *= 2.0
    for _ in range(80):
        mid = (lo + hi) / 2.0
        if 1.0 / mean_of(mid) < p:
            lo = mid
        else:
            hi = mid
    n = (lo + hi) / 2.0
    m = mean_of(n)
    return tuple(b ** n / m for b in base)


def instance_hours(requests_per_day: float, weight: float, target_per_minute: float | None, low: int, high: int,
                   shape: tuple[float, ...], hours: float) -> float:
    """Expected instance-hours of one variant in a month of ``hours`` hours, following ``shape``."""
    if not target_per_minute or target_per_minute <= 0 or high <= low:
        return low * hours
    per_minute = requests_per_day / 1440.0 * weight
    counts = [min(high, max(low, math.ceil(per_minute * s / target_per_minute - 1e-9))) for s in shape]
    return sum(counts) / len(counts) * hours


def runs_per_month(expression: str | None, days: float) -> float:
    """Ingestion runs a month from an EventBridge Scheduler expression (rate or cron); 0 for manual/None."""
    if not expression:
        return 0.0
    m = re.match(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$", expression)
    if m:
        minutes = int(m.group(1)) * {"minute": 1, "hour": 60, "day": 1440}[m.group(2).rstrip("s")]
        return days * 1440.0 / minutes
    m = re.match(r"^cron\((.+)\)$", expression)
    if not m:
        return 0.0
    fields = m.group(1).split()
    if len(fields) != 6:
        return days
    minute, hour, dom, _month, dow, _year = fields
    per_day = _count(minute, 60) * _count(hour, 24)
    if dom not in ("*", "?"):
        day_factor = _count(dom, 31) * days / 30.4375
    elif dow not in ("*", "?"):
        day_factor = _count(_DAYS.sub(lambda m: str(_DAY_NUMBERS[m.group(0)]), dow.upper()), 7) * days / 7.0
    else:
        day_factor = days
    return per_day * day_factor


_DAY_NUMBERS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_DAYS = re.compile("|".join(_DAY_NUMBERS))


def _count(field_: str, span: int) -> int:
    total = 0
    for part in field_.split(","):
        step = 1
        if "/" in part:
            part, s = part.split("/", 1)
            step = int(s) if s.isdigit() else 1
        if part in ("*", "?"):
            total += math.ceil(span / step)
        elif "-" in part:
            a, b = part.split("-", 1)
            if a.isdigit() and b.isdigit():
                total += len(range(int(a), int(b) + 1, step))
            else:
                total += 1
        else:
            total += 1
    return max(total, 1)
