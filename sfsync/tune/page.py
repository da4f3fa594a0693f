"""
The evidence page: one self-contained HTML file (inline CSS and SVG, no script, nothing
fetched; its Content-Security-Policy forbids it) that sales and marketing read before they
sign a proposal off. Every value from the org or the definition is escaped once, in `_e`.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from sfsync.report.page import CONTENT_SECURITY_POLICY, STYLESHEET
from sfsync.tune import charts
from sfsync.tune.evidence import auc_ratio
from sfsync.tune.findings import CURRENT, MODELS, PROPOSED, UNCONSTRAINED, ModelScore, Study

_CSS = (
    STYLESHEET
    + """
.verdict { background: #fff; border: 1px solid var(--line); border-left: 6px solid #2563eb;
           border-radius: 8px; padding: 12px 16px; margin: 16px 0; }
.verdict.stop { border-left-color: #b45309; }
figure { margin: 0 0 12px; }
figure.narrow { max-width: 720px; }
td.num { white-space: nowrap; }
tr.changed td { background: #f0f6ff; }
code { background: #eef2f7; padding: 1px 4px; border-radius: 4px; }
table { margin-bottom: 8px; }
"""
)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _pct(value: float | None, places: int = 0) -> str:
    return "n/a" if value is None else f"{100 * value:.{places}f}%"


def _num(value: float | None, places: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{places}f}"


def _date(value: object) -> str:
    return "n/a" if value is None else _e(str(value)[:10])


def _table(head: Sequence[str], rows: Iterable[Sequence[str]], numeric: set[int]) -> str:
    out = ["<table><thead><tr>"]
    out += [f"<th{' class=num' if i in numeric else ''}>{_e(h)}</th>" for i, h in enumerate(head)]
    out.append("</tr></thead><tbody>")
    for given in rows:
        cls, row = "", list(given)
        if row and row[0].startswith("\0"):
            cls, row = ' class="changed"', [row[0][1:], *row[1:]]
        cells = [f"<td{' class=num' if i in numeric else ''}>{c}</td>" for i, c in enumerate(row)]
        out.append(f"<tr{cls}>{''.join(cells)}</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _models(study: Study) -> str:
    rows = []
    for name in MODELS:
        m: ModelScore | None = study.models.get(name)
        if m is None:
            continue
        interval = (
            ""
            if m.auc_interval is None
            else f" ({m.auc_interval[0]:.3f} to {m.auc_interval[1]:.3f})"
        )
        rows.append(
            [
                _e(charts.MODEL_LABELS[name]),
                _num(m.auc) + _e(interval),
                "n/a" if m.lift is None else f"{m.lift:.2f}x",
                _pct(m.precision),
                _pct(m.recall),
                _pct(m.share, 1),
            ]
        )
    head = [
        "model",
        "AUC (95% CI)",
        "lift, top 10%",
        "precision at Sales Ready",
        "recall at Sales Ready",
        "leads called",
    ]
    ratio = auc_ratio(study)
    note = (
        ""
        if ratio is None
        else f"<p class=note>The proposal keeps {100 * ratio:.1f}% of the unconstrained "
        "model's AUC: that is what whole points within the caps cost.</p>"
    )
    return _table(head, rows, {1, 2, 3, 4, 5}) + note


def _criteria(study: Study) -> str:
    rows = []
    for r in study.criteria:
        changed = r.new != r.old or (r.new_cap is not None and r.new_cap != r.old_cap)
        cap = "" if r.old_cap is None else f"{r.old_cap:g} → {r.new_cap}"
        rows.append(
            [
                ("\0" if changed else "") + _e(r.label),
                _e(r.group),
                f"{r.old:g}",
                f"<strong>{r.new}</strong>" if changed else str(r.new),
                f"{r.low:.0f} to {r.high:.0f}" if r.judged else "not judged",
                _e(cap),
                f"{r.weight:+.2f}",
                f"{r.free_weight:+.2f}",
                f"{r.leads:,}",
            ]
        )
    head = [
        "criterion",
        "group",
        "current",
        "proposed",
        "95% CI (bootstrap)",
        "cap",
        "weight (log-odds)",
        "unconstrained",
        "training leads with it",
    ]
    return _table(head, rows, {2, 3, 4, 5, 6, 7, 8}) + (
        "<p class=note>Signals: points and weights are per fresh occurrence; the cap keeps "
        "counting as many occurrences as today. The unconstrained model reads the same columns "
        "with free weights (any sign or size, not whole points, no group caps). A number "
        "<em>not judged</em> was seen on too few training leads to learn from (for example "
        "a score the Lead keeps, dated by its last activity, which comes after most leads' "
        "reference moments): it keeps today's points, moved in proportion with the learnt "
        "ones; check its effect with <code>sfsync definition diff</code>.</p>"
    )


def _thresholds(study: Study) -> str:
    t = study.thresholds
    if t is None:
        return ""
    goal = (
        f"call at most {100 * t.goal_value:.1f}% of leads"
        if t.goal_kind == "share"
        else f"reach {100 * t.goal_value:.0f}% precision"
    )
    rows = [
        ["min_fit", str(t.old_min_fit), f"<strong>{t.new_min_fit}</strong>"],
        ["min_engagement", str(t.old_min_engagement), f"<strong>{t.new_min_engagement}</strong>"],
    ]
    if study.score_weights:
        (of, oe), (nf, ne) = study.score_weights
        rows += [
            ["score fit_weight", f"{of:g}", f"{nf:g}"],
            ["score engagement_weight", f"{oe:g}", f"{ne:g}"],
        ]
    met = "" if t.met else " The goal was out of reach; these thresholds give the best precision."
    return (
        f"<p>Goal: <strong>{_e(goal)}</strong> ({_e(t.goal_source)}). On the training leads "
        f"the new thresholds call {_pct(t.train_share, 1)} of leads; {_pct(t.train_precision)} "
        f"of those converted, {_pct(t.train_recall)} of converters were called.{_e(met)}</p>"
        + _table(["number", "current", "proposed"], rows, {1, 2})
    )


def _candidates(study: Study) -> str:
    mirror = (
        "<p class=note>Only fields the definition reads are in the mirror: to weigh another "
        "Lead field, declare it as an input (<code>optional: true</code>), sync, and tune "
        "again.</p>"
    )
    if not study.candidates:
        return (
            "<p class=note>No criterion outside the definition added anything to the "
            "proposal.</p>" + mirror
        )
    rows = [
        [
            _e(c.key),
            _e(c.kind),
            f"{c.leads:,}",
            f"{_pct(c.rate_with)} vs {_pct(c.rate_without)}",
            f"{c.weight:+.2f}",
            f"{c.p_value:.1g}",
            "n/a" if c.holdout_auc_gain is None else f"{c.holdout_auc_gain:+.3f}",
            f"{c.suggested_points:+d}",
        ]
        for c in study.candidates
    ]
    head = [
        "criterion to consider",
        "kind",
        "training leads",
        "converted: with vs without",
        "weight on top of the proposal",
        "p",
        "holdout AUC gain",
        "≈ points",
    ]
    return (
        "<p class=note>Not in the proposal: the definition does not score these. Each was "
        "tested on top of the proposal; add one only if both teams agree it belongs.</p>"
        + _table(head, rows, {2, 4, 5, 6, 7})
        + mirror
    )


def _samples(study: Study) -> str:
    s = study.samples
    rows = [
        ["leads in the mirror", f"{s.leads:,}"],
        ["judged at a reference moment", f"{s.examples:,}"],
        [
            f"training (older): {_date(s.train_from)} to {_date(s.train_to)}",
            f"{s.train:,} leads, {s.train_converted:,} converted",
        ],
        [
            f"holdout (newer): {_date(s.holdout_from)} to {_date(s.holdout_to)}",
            f"{s.holdout:,} leads, {s.holdout_converted:,} converted",
        ],
        ["left out: open leads too young to judge", f"{s.too_recent:,}"],
        ["left out: no readable creation (or conversion) date", f"{s.undated:,}"],
        ["left out: unreadable", f"{s.unreadable:,}"],
    ]
    return _table(["sample", "size"], rows, {1})


def render_page(study: Study) -> str:
    """The evidence page for *study*, whatever its verdict."""
    s = study.samples
    stop = "" if study.proposes else " stop"
    parts = [
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>",
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">',
        "<meta name=viewport content='width=device-width, initial-scale=1'>",
        "<title>Definition tuning evidence</title>",
        f"<style>{_CSS}</style></head><body><main>",
        f"<h1>Tuning {_e(study.definition_version)}</h1>",
        f"<p class=meta>{_e(study.definition_source)} · mirror up to {_date(study.now)} · "
        f"leads judged {study.horizon.days} days before converting (open leads at a comparable "
        f"age) · newest {_pct(study.holdout_share)} held out by time</p>",
        f'<div class="verdict{stop}"><strong>{_e(study.verdict.replace("_", " "))}</strong>: '
        f"{_e(study.message)}</div>",
        "<div class=tiles>",
        _tile(f"{s.train:,}", f"training leads, {s.train_converted:,} converted"),
        _tile(f"{s.holdout:,}", f"holdout leads, {s.holdout_converted:,} converted"),
    ]
    for name in (PROPOSED, CURRENT, UNCONSTRAINED):
        if name in study.models:
            parts.append(_tile(_num(study.models[name].auc), f"AUC, {charts.MODEL_LABELS[name]}"))
    parts.append("</div>")
    if study.models:
        parts += [
            "<h2>On the newest leads (time holdout)</h2>",
            _models(study),
            "<figure class=narrow>",
            charts.calibration_chart([study.models[n] for n in MODELS if n in study.models]),
            "<figcaption>Calibration: each point is a tenth of the holdout. The definitions' "
            "scores are turned into chances with a fit on the training leads.</figcaption>"
            "</figure>",
        ]
    if study.criteria:
        parts += [
            "<h2>Points, current and proposed</h2>",
            "<figure>",
            charts.points_chart(study.criteria),
            "<figcaption>Grey: today's points. Blue: proposed, with the 95% interval of "
            f"{study.bootstrap} bootstrap refits.</figcaption></figure>",
            _criteria(study),
            "<h2>Sales Ready</h2>",
            _thresholds(study),
            "<h2>Criteria to consider</h2>",
            _candidates(study),
        ]
    parts += ["<h2>Sample sizes</h2>", _samples(study), _method(study), "</main></body></html>"]
    return "\n".join(parts) + "\n"


def _tile(value: str, label: str) -> str:
    return (
        f"<div class=tile><div class=value>{_e(value)}</div>"
        f"<div class=label>{_e(label)}</div></div>"
    )


def _start(study: Study) -> str:
    if study.start == "today":
        return (
            "It started from today's points (they predicted the newest training leads better "
            "than starting from nothing), so each number moved only as far as the history "
            "supports."
        )
    if study.start == "zero":
        return "It started from nothing: the history predicted better without today's points."
    return ""


def _method(study: Study) -> str:
    return (
        "<h2>How this was computed</h2><ul>"
        f"<li>Each converted lead is scored {study.horizon.days} days before its conversion day "
        "(at creation when it converted sooner); each open lead at an age drawn from the "
        "converted leads' ages, and only if it then stayed open that long. Only activity up to "
        "that moment counts, scored by the same engine as the sync.</li>"
        "<li>Lead fields (industry, title, budget…) are today's values: the mirror does not "
        "keep their history.</li>"
        "<li>Features are the definition's own bands, adjustments and signals (decayed and "
        "capped as today). A regularised logistic regression learns their weights on the "
        "older leads; engagement signals cannot go below zero. "
        f"{_start(study)}</li>"
        "<li>Weights become whole points, fit and engagement each on the largest scale that "
        "keeps the group caps; the score weights keep one point of fit worth one point of "
        "engagement. The Sales Ready thresholds are chosen for the stated goal on the "
        "training leads; the holdout is only used to judge.</li>"
        "<li>Next: <code>sfsync definition lint</code> the proposal, "
        "<code>sfsync definition diff</code> it against the current definition, and sign it "
        "off (or not) together.</li></ul>"
        "<footer>sfsync definition tune</footer>"
    )
