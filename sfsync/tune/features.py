"""
The definition's own criteria as model features, one column per number that can change.

- **a fit band** (`fit.<group>.criteria[i].bands[j]`): 1 when that band is the one that
  matched (the first match wins), else 0. A criterion whose input is unknown or matches no
  band gives 0 points, in the definition and here: that is every band's baseline.
- **an adjustment** (`fit.adjustments[i]`): 1 when it matched.
- **a signal** (`engagement.signals.<name>`): its occurrences before the reference moment,
  each weighted by the definition's decay (0.5 ** (age / half-life)), capped where the
  definition's cap stops counting (cap / points occurrences). Its points times this column
  is exactly what the signal adds to engagement today.

Disqualifiers are hard rules, not points; BANT items score no points in the definition, so
they are offered as criteria to consider (see `candidates`), not used here; a signal with 0
points or a 0 cap is switched off and stays so. Pure apart from numpy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from sfsync.definition.compile import CompiledDefinition
from sfsync.definition.model import FitGroup
from sfsync.scoring.contributions import Contributions

Kind = Literal["band", "adjustment", "signal"]
Path = tuple[str | int, ...]
Matrix = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Feature:
    """One column: a band, an adjustment or a signal, and where its points live in the YAML."""

    kind: Kind
    group: str
    """`account`, `person`, `adjustment` or `engagement`."""
    name: str
    """The criterion, adjustment or signal name."""
    label: str
    """How people read it, e.g. `Employees: 1000+ employees`."""
    path: Path
    """Where its points are in the definition, e.g. ("fit", "account", "criteria", 1,
    "bands", 0, "points")."""
    points: float
    """Its points in the current definition (per occurrence, for a signal)."""
    index: int
    """The criterion's position in CompiledDefinition.criteria, the adjustment's or the
    signal's rank."""
    band: int = -1
    """The band's position in its criterion (bands only)."""
    cap: float = 0.0
    """The signal's cap (signals only)."""

    @property
    def cap_occurrences(self) -> float:
        """How many fresh occurrences the cap lets count (signals)."""
        return self.cap / self.points if self.points > 0 else math.inf

    @property
    def key(self) -> str:
        """A stable identifier: `band:company_size:0`, `adjustment:free_mail`, `signal:ad_click`."""
        return (
            f"band:{self.name}:{self.band}" if self.kind == "band" else f"{self.kind}:{self.name}"
        )


@dataclass(frozen=True)
class Layout:
    """The columns in a fixed order: bands (account, then person), adjustments, signals."""

    features: tuple[Feature, ...]

    def columns(self, kind: Kind, group: str | None = None) -> list[int]:
        """The column indices of one kind (and group)."""
        return [
            i
            for i, f in enumerate(self.features)
            if f.kind == kind and (group is None or f.group == group)
        ]

    def __len__(self) -> int:
        return len(self.features)


def layout(definition: CompiledDefinition) -> Layout:
    """The feature columns of *definition*, aligned with its compiled order."""
    d = definition.definition
    features: list[Feature] = []
    index = 0
    for group_name in ("account", "person"):
        group: FitGroup = getattr(d.fit, group_name)
        for i, crit in enumerate(group.criteria):
            for j, band in enumerate(crit.bands):
                features.append(
                    Feature(
                        kind="band",
                        group=group_name,
                        name=crit.name,
                        label=f"{crit.label}: {band.says}",
                        path=("fit", group_name, "criteria", i, "bands", j, "points"),
                        points=float(band.points),
                        index=index,
                        band=j,
                    )
                )
            index += 1
    for i, adj in enumerate(d.fit.adjustments):
        features.append(
            Feature(
                kind="adjustment",
                group="adjustment",
                name=adj.name,
                label=f"{adj.label}: {adj.says}",
                path=("fit", "adjustments", i, "points"),
                points=float(adj.points),
                index=i,
            )
        )
    for rank, (name, signal) in enumerate(d.engagement.signals.items()):
        if signal.points <= 0 or signal.cap <= 0:
            continue  # switched off (it earns nothing): it stays off, a person's choice
        features.append(
            Feature(
                kind="signal",
                group="engagement",
                name=name,
                label=signal.label,
                path=("engagement", "signals", name, "points"),
                points=float(signal.points),
                index=rank,
                cap=float(signal.cap),
            )
        )
    return Layout(tuple(features))


def fill(lay: Layout, k: Contributions, row: Matrix, uncapped: Matrix) -> None:
    """
    Write one lead's features into *row* (one value per feature of *lay*) and its signals'
    uncapped decayed occurrences into *uncapped* (one per signal column).
    """
    j = 0
    for col, f in enumerate(lay.features):
        if f.kind == "band":
            row[col] = 1.0 if k.bands[f.index] == f.band else 0.0
        elif f.kind == "adjustment":
            row[col] = 1.0 if k.adjustments[f.index] else 0.0
        else:
            seen = k.occurrences[f.index]
            row[col] = min(seen, f.cap_occurrences)
            uncapped[j] = seen
            j += 1


def signal_count(lay: Layout) -> int:
    """How many signal columns *lay* has."""
    return sum(1 for f in lay.features if f.kind == "signal")


def matrix(lay: Layout, rows: Sequence[Contributions]) -> Matrix:
    """The feature matrix: one row per lead, one column per feature of *lay*."""
    x = np.zeros((len(rows), len(lay)), dtype=np.float64)
    spare = np.zeros(signal_count(lay), dtype=np.float64)
    for i, k in enumerate(rows):
        fill(lay, k, x[i], spare)
    return x


def occurrences(lay: Layout, rows: Sequence[Contributions]) -> Matrix:
    """Each signal column's decayed occurrences, uncapped: one row per lead and signal column."""
    out = np.zeros((len(rows), signal_count(lay)), dtype=np.float64)
    spare = np.zeros(len(lay), dtype=np.float64)
    for i, k in enumerate(rows):
        fill(lay, k, spare, out[i])
    return out
