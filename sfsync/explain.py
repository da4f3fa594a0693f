"""
`sfsync explain LEAD_ID`: why a lead has the status and score it has.

Built from the local mirror (what the last sync read) and the engine, so it needs no API
call and shows exactly what the next sync would write. The result is a plain dict of JSON
values (``--json``) that `render_explanation` turns into tables for people.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sfsync.definition import CompiledDefinition
from sfsync.scoring import qualify
from sfsync.scoring.outputs import diff_outputs, write_policy
from sfsync.state import StateStore
from sfsync.values.booleans import is_true
from sfsync.values.datetimes import to_datetime


def explain_lead(
    store: StateStore,
    definition: CompiledDefinition,
    lead_id: str,
    *,
    now: datetime,
    history_limit: int = 20,
) -> dict[str, Any] | None:
    """
    Qualify *lead_id* from the mirror at *now* and return everything behind the result.

    Returns None when the lead is not in the mirror.
    """
    batches = list(store.iter_leads_with_activities(lead_ids=[lead_id], batch_size=1))
    lead_row = store.get_lead(lead_id)
    if lead_row is None:
        return None
    if batches and batches[0]:
        lead, activities = batches[0][0]
    else:  # deleted lead: explain what we last knew, with no activity
        lead, activities = lead_row, {}
    who = store.user_context()
    q = qualify(
        lead,
        activities,
        definition,
        now=now,
        users=who.users,
        integration_user_id=who.integration_user_id,
    )
    desired = q.to_fields()
    converted = is_true(lead.get("IsConverted"))
    deleted = is_true(lead_row.get("IsDeleted"))
    # The sync never writes a converted or deleted lead; the write policy holds back
    # differences nobody acts on (decay within its points), which stay exact here.
    diff = {} if converted or deleted else diff_outputs(lead, desired)
    policy = write_policy(definition)
    writes = policy.requires_write(diff)
    pending = {f: {"in_org": o, "next_sync": n} for f, (o, n) in diff.items() if writes}
    held = {f: {"in_org": o, "exact": n} for f, (o, n) in diff.items() if not writes}
    ex = q.explanation
    rejects = [asdict(r) for r in store.pending_rejects() if r.lead_id == lead_id]
    return {
        "lead": {
            "Id": lead_id,
            "Name": lead.get("Name"),
            "Company": lead.get("Company"),
            "Status": lead.get("Status"),
            "IsConverted": converted,
            "IsDeleted": lead_row.get("IsDeleted"),
        },
        "as_of": now.isoformat(),
        "definition_version": definition.version,
        "outputs": desired,
        "pending_changes": pending,
        "held_back": held,
        "write_policy": {"min_score_change": policy.min_change},
        "summary": {
            "status": q.status,
            "grade": q.grade,
            "score": q.score,
            "fit": q.fit,
            "engagement": q.engagement,
            "bant": q.bant,
            "decision": ex.status,
        },
        "reasons": list(q.reasons),
        "fit": [asdict(item) for item in ex.fit],
        "bant": [asdict(item) for item in ex.bant],
        "signal_totals": [asdict(item) for item in ex.signal_totals],
        "signals": [asdict(item) for item in ex.signals],
        "touches": {
            "counted": q.touches,
            "remaining": q.touches_remaining,
            "last_touch": q.last_touch.isoformat() if q.last_touch else None,
            "first_touch_hours": q.first_touch_hours,
            "needs_follow_up": q.needs_follow_up,
            "sales_ready_since": (q.sales_ready_since.isoformat() if q.sales_ready_since else None),
            "episode_start": q.episode_start.isoformat() if q.episode_start else None,
            "records": _touch_records(ex.touches, q.touches, q.episode_start),
        },
        "ignored": list(ex.ignored),
        "history": [
            {
                "at": h.at,
                "field": h.field,
                "old": h.old,
                "new": h.new,
                "definition_version": h.definition_version,
            }
            for h in store.history(lead_id, limit=history_limit)
        ],
        "rejects": rejects,
    }


# C0/C1 control characters (ANSI escapes among them) other than tab and newline.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CELL_LIMIT = 200


def _safe(value: Any, limit: int | None = _CELL_LIMIT) -> str:
    """
    Org data made safe for the terminal: control characters (an ANSI escape in a lead's
    name could restyle or retitle a terminal) shown as U+FFFD, rich markup (`[/bold]` in a
    company name would crash the render) escaped, very long values cut.
    """
    text = _CONTROL.sub("\ufffd", str(value))
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return escape(text)


def _touch_records(items: Any, counted: int | None, since: datetime | None) -> list[dict[str, Any]]:
    """
    The touch records, with those before the latest Sales Ready episode marked as not
    counted: the counters count that episode only (DESIGN §3), and none at all (*counted*
    None) unless the lead is Sales Ready or Recycled.
    """
    records = [asdict(item) for item in items]
    if since is None:
        return records
    before = "human sales touch, before this Sales Ready episode"
    relabelled = [
        {**rec, "counted": False, "why": before} if rec["counted"] and rec["at"] < since else rec
        for rec in records
    ]
    # Only trust the relabelling when it agrees with the engine's own count.
    if counted is None or sum(1 for r in relabelled if r["counted"]) == counted:
        return relabelled
    return records


def _fmt(value: Any) -> str:
    return _safe(_plain(value))


def _plain(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        # 18000000.0 reads as 18,000,000 (not 1.8e+07); 565.703 hours as 565.7.
        return f"{int(value):,}" if value.is_integer() else f"{value:,.1f}"
    if isinstance(value, str) and len(value) >= 16 and value[4] == "-" and value[10] == "T":
        # an ISO timestamp from the JSON form of the explanation
        parsed = to_datetime(value)
        if parsed is None:
            return value
        value = parsed
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def _signed(points: float) -> str:
    return f"{points:+.1f}".replace(".0", "")


def render_explanation(result: dict[str, Any], console: Console) -> None:
    """Print *result* (from `explain_lead`) as headed tables."""
    lead = result["lead"]
    s = result["summary"]
    title = " · ".join(_safe(x) for x in (lead["Name"], lead["Company"], lead["Id"]) if x)
    console.print(f"[bold]{title}[/bold]")
    judged = len(result["bant"])
    bant_text = f", BANT {s['bant']}/{judged}" if judged else ", BANT not judged"
    console.print(
        f"[bold]{s['status']}[/bold]  grade {s['grade']}  score {s['score']}  "
        f"(fit {s['fit']}, engagement {s['engagement']}{bant_text})  "
        f"as of {result['as_of'][:16]}, definition {result['definition_version']}"
    )
    console.print(f"Decision: {_safe(s['decision'], None)}")
    converted = bool(lead.get("IsConverted"))
    if converted:
        console.print("[yellow]Converted lead: mirrored for reports, never written.[/yellow]")
    if lead.get("IsDeleted"):
        console.print(
            "[yellow]Deleted lead (recycle bin, or merged into another lead): qualified from "
            "what the last sync read, without its activity; never written.[/yellow]"
        )

    fit = Table(title="Fit", title_justify="left")
    for col in ("Criterion", "Value", "Points", "Outcome", "Says"):
        fit.add_column(col)
    for item in result["fit"]:
        kind = item["kind"]
        label = item["label"] if kind in ("account", "person") else f"{item['label']} ({kind})"
        says = item["says"]
        if kind in ("adjustment", "disqualifier") and item["outcome"] != "matched":
            says = f"not: {says}"
        fit.add_row(
            _safe(label),
            _fmt(item["value"]),
            _signed(item["points"]),
            _safe(item["outcome"]),
            _safe(says),
        )
    console.print(fit)

    bant = Table(title="BANT", title_justify="left")
    for col in ("Criterion", "Value", "Outcome", "Says"):
        bant.add_column(col)
    for item in result["bant"]:
        bant.add_row(
            _safe(item["name"]), _fmt(item["value"]), _safe(item["outcome"]), _safe(item["says"])
        )
    console.print(bant)

    sig = Table(title="Engagement signals (after decay and caps)", title_justify="left")
    for col in ("Signal", "Times", "Raw", "Decayed", "Counts", "Latest"):
        sig.add_column(col)
    for item in result["signal_totals"]:
        sig.add_row(
            _safe(item["label"]),
            str(item["occurrences"]),
            _fmt(round(item["raw"], 1)),
            _fmt(round(item["decayed"], 1)),
            _fmt(round(item["capped"], 1)),
            _fmt(item["latest"]),
        )
    console.print(sig)

    t = result["touches"]
    _print_follow_up(t, s["status"], console)
    if t["records"]:
        touches = Table(title="Touch records", title_justify="left")
        for col in ("When", "What", "By", "Counted", "Why"):
            touches.add_column(col)
        for item in t["records"][-15:]:
            touches.add_row(
                _fmt(item["at"]),
                _safe(item["label"]),
                _fmt(item["created_by"]),
                "yes" if item["counted"] else "no",
                _safe(item["why"]),
            )
        console.print(touches)

    console.print("[bold]Reasons[/bold] (as written to SFS_Reasons__c):")
    for line in result["reasons"]:
        console.print(f"  {_safe(line, None)}")
    for line in result["ignored"]:
        console.print(f"  [dim]ignored: {_safe(line, None)}[/dim]")

    if result["pending_changes"]:
        console.print(
            _changes_table("The next sync will write", result["pending_changes"], "next_sync")
        )
    elif result["held_back"]:
        _print_held_back(result, console)
    elif not (converted or lead.get("IsDeleted")):
        console.print("The org already holds these values; the next sync writes nothing.")

    if result["history"]:
        hist = Table(title="Recent history", title_justify="left")
        for col in ("When", "Field", "From", "To"):
            hist.add_column(col)
        for h in result["history"]:
            hist.add_row(
                _safe(h["at"], 19),
                _safe(h["field"]),
                _safe(_plain(h["old"]), 40),
                _safe(_plain(h["new"]), 40),
            )
        console.print(hist)
    for r in result["rejects"]:
        console.print(
            f"[red]Rejected by the org[/red] ({r['attempts']} "
            f"attempt{'' if r['attempts'] == 1 else 's'}): "
            f"{_safe(r['error_code'])}: {_safe(r['message'], None)}",
            markup=True,
        )


def _print_follow_up(t: dict[str, Any], status: str, console: Console) -> None:
    """The follow-up line: the episode's counters, or why there are none."""
    if t["counted"] is None:
        console.print(
            f"[bold]Follow-up[/bold]: none — the touch counters, Sales Ready since and the "
            f"follow-up flag are blank while the lead is {status} (they count a Sales "
            "Ready episode)"
        )
        return
    episode = (
        f"Sales Ready since {_fmt(t['sales_ready_since'])}"
        if t["sales_ready_since"]
        else f"in the episode from {_fmt(t['episode_start'])}"
    )
    console.print(
        f"[bold]Follow-up[/bold]: {t['counted']} human touches {episode}, "
        f"{t['remaining']} to go, last {_fmt(t['last_touch'])}, first touch after "
        f"{_fmt(t['first_touch_hours'])} h, "
        f"needs follow-up: {'yes' if t['needs_follow_up'] else 'no'}"
    )


def _print_held_back(result: dict[str, Any], console: Console) -> None:
    """The exact values next to the org's, where the write policy holds the difference."""
    points = result["write_policy"]["min_score_change"]
    title = (
        f"Exact now vs the org: held back (moved less than {points} points, "
        "or only decayed numbers in the reasons)"
    )
    console.print(_changes_table(title, result["held_back"], "exact"))
    console.print("The next sync writes nothing (the write policy); the values above are exact.")


def _changes_table(title: str, changes: dict[str, dict[str, Any]], new_key: str) -> Table:
    """Field, the org's value and the new (or exact) value, one row per field."""
    table = Table(title=title, title_justify="left")
    for col in ("Field", "In the org", "Exact now" if new_key == "exact" else "Next sync"):
        table.add_column(col)
    for name, change in changes.items():
        table.add_row(
            _safe(name),
            _safe(_plain(change["in_org"]), 60),
            _safe(_plain(change[new_key]), 60),
        )
    return table
