"""
Rates as the report states them: a share of a sample, always with the sample behind it,
with a Wilson score interval where the sample is small, and one rounding everywhere.

    r = Rate(1, 802)
    r.text()        # '0.1% (1 of 802; 95% CI 0.0-0.7%)' (an en dash)
    percent(0.846)  # '84.6%'

The Wilson interval (Wilson 1927; Newcombe 1998, "Two-sided confidence intervals for the
single proportion: comparison of seven methods", Statistics in Medicine 17:857-872) stays
inside 0..1 and behaves at 0 or 1 successes, where the textbook normal interval does not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054
"""The standard normal quantile for a two-sided 95% interval."""
SMALL_SAMPLE = 10
"""A rate whose successes or failures number fewer than this shows its interval: the
normal approximation behind a bare percentage needs about 10 of each (n*p and n*(1-p))."""
MIN_RATIO_SUCCESSES = 10
"""A ratio of two rates is stated only when each has at least this many successes; with
fewer, one conversion more or less moves it several-fold (x678 from 1 of 802)."""


def percent(share: float | None) -> str:
    """A share as the report prints it everywhere: one decimal, e.g. 84.6% (None: n/a)."""
    return "n/a" if share is None else f"{100 * share:.1f}%"


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for *successes* out of *trials* (0..1 each end)."""
    if trials <= 0:
        return 0.0, 1.0
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Rate:
    """*successes* out of *trials*."""

    successes: int
    trials: int

    @property
    def share(self) -> float | None:
        """successes / trials; None for an empty sample."""
        return self.successes / self.trials if self.trials else None

    @property
    def small(self) -> bool:
        """Too few successes or failures for a bare percentage (see SMALL_SAMPLE)."""
        return min(self.successes, self.trials - self.successes) < SMALL_SAMPLE

    def interval(self) -> tuple[float, float]:
        """The 95% Wilson interval."""
        return wilson(self.successes, self.trials)

    def interval_text(self) -> str:
        """`95% CI 0.0\u20130.7%`."""
        lo, hi = self.interval()
        return f"95% CI {100 * lo:.1f}\u2013{percent(hi)}"

    def text(self) -> str:
        """`67.8% (61 of 90)`, with the interval when the sample is small; `no leads` if empty."""
        if not self.trials:
            return "n/a (no leads)"
        sample = f"{self.successes:,} of {self.trials:,}"
        if self.small:
            sample += f"; {self.interval_text()}"
        return f"{percent(self.share)} ({sample})"

    def overlaps(self, other: Rate) -> bool:
        """Whether the two 95% intervals overlap (the samples may not tell the rates apart)."""
        lo, hi = self.interval()
        other_lo, other_hi = other.interval()
        return lo <= other_hi and other_lo <= hi


def ratio_text(top: Rate, bottom: Rate) -> str | None:
    """`x4.2` when both rates have MIN_RATIO_SUCCESSES successes; else None (no claim)."""
    if min(top.successes, bottom.successes) < MIN_RATIO_SUCCESSES or not bottom.share:
        return None
    assert top.share is not None
    return f"x{top.share / bottom.share:.1f}"
