"""
`sfsync definition tune`: learn new points and thresholds for the *same* definition from the
org's own conversions, with the evidence beside them; nothing changes until people sign off.

    training   which leads, scored at which moment, train/holdout split by time (pure)
    features   the definition's own criteria as numbers: bands, adjustments, signals (pure)
    model      regularised logistic regressions: points-shaped and unconstrained (numpy/scipy)
    metrics    AUC, top-decile lift, precision/recall at Sales Ready, calibration (pure)
    points     learned weights -> whole points within the caps, and the Sales Ready thresholds
    candidates criteria the definition does not score yet that separate converters (offered)
    proposal   the definition's YAML text with new numbers and a comment on each (pure)
    evidence   what the study found, as JSON data and as one self-contained HTML page (pure)
    study      runs the whole study over a lead source (pure apart from the source)
    mirror     the lead source over the state store's mirror (the only I/O)

The learning stack (scikit-learn, scipy) is the optional `tune` extra; importing
`sfsync.tune` alone needs neither (see `require_learning_stack`).
"""

from __future__ import annotations

import importlib

EXTRA_HINT = "pip install 'sfsync[tune]'"
"""How to get the learning stack, said whenever it is missing."""

_LEARNING_MODULES = (
    "numpy",
    "scipy.stats",
    "sklearn.linear_model",
    "sklearn.metrics",
    "threadpoolctl",
)


def missing_learning_stack() -> str | None:
    """The first learning-stack module that cannot be imported, or None when all can."""
    for name in _LEARNING_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            return name.split(".")[0]
    return None
