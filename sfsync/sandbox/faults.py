"""
Fault injection for the sandbox org: what can go wrong (the `FaultSpec`, loaded from a JSON or
YAML file or posted to `/__sandbox/faults`) and the running counters that decide when it does
(`FaultState`).

A spec file, every key optional::

    http_errors:                 # 5xx answers
      - {status: 503, count: 3}            # the next 3 API calls
      - {status: 500, path: "/composite/", body: json}   # every matching call (no count)
    connection_resets: {count: 2}          # close the socket without answering (path optional)
    session_expires_after: 10              # the token dies after 10 more calls -> 401
    request_limit_after: 50                # the daily limit runs out after 50 more calls -> 403
    api_disabled: true                     # the user lost "API Enabled" -> 403 API_DISABLED_FOR_ORG
    daily_api_limit: 100000                # DailyApiRequests Max
    lock_row: {share: 0.1, seed: 7, attempts: 2, objects: [Lead]}   # attempts: null = always
    validation_rules:
      - {message: "Industry is locked", ids: ["00Q..."]}
      - {message: "No students", field: Title, equals: "Student", error_field: Title}
    bulk_job_delay_seconds: 0              # Bulk jobs stay InProgress this long
    api_latency: realistic                 # REST round trips and Bulk jobs as a real org's
    bulk_latency: realistic                # or off, or per kind (sandbox/latency.py):
    #   {query: {base_seconds: 5, records_per_second: 5000},
    #    ingest: {base_seconds: 5, records_per_second: 2000}}
    rest_latency: {call_seconds: 0.2, read_records_per_second: 5000,
                   write_records_per_second: 2000, bytes_per_second: 12500000}
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sfsync.errors import ConfigError
from sfsync.sandbox import latency
from sfsync.sandbox.latency import BulkLatency, RestLatency


class FaultSpecError(ConfigError):
    """Raised when a fault spec (file or admin request) is invalid; lists every problem."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: invalid fault spec ({len(problems)} problem(s))\n{lines}")


@dataclass(frozen=True)
class HttpErrorFault:
    """Answer 5xx: for the next `count` API calls, or for every call whose path matches."""

    status: int = 503
    count: int | None = None
    path: str | None = None
    body: str = "html"

    def matches(self, path: str) -> bool:
        """Whether this fault's path pattern (if any) matches *path*."""
        return self.path is None or re.search(self.path, path) is not None


@dataclass(frozen=True)
class ResetFault:
    """Close the connection without answering, like a load balancer reset."""

    count: int | None = None
    path: str | None = None

    def matches(self, path: str) -> bool:
        """Whether this fault's path pattern (if any) matches *path*."""
        return self.path is None or re.search(self.path, path) is not None


@dataclass(frozen=True)
class LockRowFault:
    """UNABLE_TO_LOCK_ROW on a deterministic share of records (by Id hash and seed)."""

    share: float = 0.1
    seed: int = 0
    attempts: int | None = None
    objects: tuple[str, ...] = ("Lead",)

    def hits(self, record_id: str) -> bool:
        """Whether *record_id* falls in the locked share."""
        digest = hashlib.sha256(f"{self.seed}:{record_id[:15]}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64 < self.share


@dataclass(frozen=True)
class ValidationRuleFault:
    """A validation rule: rejects matching records with FIELD_CUSTOM_VALIDATION_EXCEPTION."""

    message: str
    ids: tuple[str, ...] = ()
    field: str | None = None
    equals: Any = None
    error_field: str | None = None
    objects: tuple[str, ...] = ("Lead",)

    def rejects(self, record_id: str | None, values: Mapping[str, Any]) -> bool:
        """Whether the rule rejects a record with this Id and these (stored) values."""
        if self.ids and (record_id is None or record_id[:15] not in {i[:15] for i in self.ids}):
            return False
        if self.field is not None:
            wanted = self.field.lower()
            actual = next((v for k, v in values.items() if k.lower() == wanted), None)
            expected = self.equals
            if isinstance(expected, bool):
                expected = int(expected)
            if actual != expected:
                return False
        return True


@dataclass(frozen=True)
class FaultSpec:
    """Everything that should go wrong, and the org limits that shape it."""

    http_errors: tuple[HttpErrorFault, ...] = ()
    connection_resets: ResetFault | None = None
    session_expires_after: int | None = None
    request_limit_after: int | None = None
    api_disabled: bool = False
    """The integration user lost the API Enabled permission: every API call is refused."""
    daily_api_limit: int | None = None
    lock_row: LockRowFault | None = None
    validation_rules: tuple[ValidationRuleFault, ...] = ()
    bulk_job_delay_seconds: float = 0.0
    bulk_latency: BulkLatency | None = None  # None: leave the org's setting as it is
    rest_latency: RestLatency | None = None  # None: leave the org's setting as it is

    def to_dict(self) -> dict[str, Any]:
        """The spec as plain data (the admin endpoint's answer)."""
        return asdict(self)


_KEYS = {
    "http_errors",
    "connection_resets",
    "session_expires_after",
    "request_limit_after",
    "api_disabled",
    "daily_api_limit",
    "lock_row",
    "validation_rules",
    "bulk_job_delay_seconds",
    "bulk_latency",
    "rest_latency",
    "api_latency",
}


def _opt_int(data: Mapping[str, Any], key: str, where: str, problems: list[str]) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        problems.append(f"{where}{key}: expected a non-negative integer, got {value!r}")
        return None
    return value


def _pattern(data: Mapping[str, Any], where: str, problems: list[str]) -> str | None:
    path = data.get("path")
    if path is None:
        return None
    try:
        re.compile(str(path))
    except re.error as exc:
        problems.append(f"{where}path: not a valid regular expression ({exc})")
    return str(path)


def _unknown(data: Mapping[str, Any], allowed: set[str], where: str, problems: list[str]) -> None:
    problems.extend(f"{where}{k}: unknown key" for k in sorted(set(data) - allowed))


def _mapping(value: Any, where: str, problems: list[str]) -> Mapping[str, Any] | None:
    if not isinstance(value, Mapping):
        problems.append(f"{where}: expected a mapping, got {type(value).__name__}")
        return None
    return value


def _http_error(item: Any, where: str, problems: list[str]) -> HttpErrorFault | None:
    data = _mapping(item, where, problems)
    if data is None:
        return None
    _unknown(data, {"status", "count", "path", "body"}, f"{where}.", problems)
    status = data.get("status", 503)
    if status not in (500, 502, 503, 504):
        problems.append(f"{where}.status: expected 500, 502, 503 or 504, got {status!r}")
    body = data.get("body", "html")
    if body not in ("html", "json"):
        problems.append(f"{where}.body: expected 'html' or 'json', got {body!r}")
    count = _opt_int(data, "count", f"{where}.", problems)
    path = _pattern(data, f"{where}.", problems)
    if count is None and path is None:
        problems.append(f"{where}: give a count (next N calls) or a path pattern (every match)")
    return HttpErrorFault(status=status, count=count, path=path, body=body)


def _reset(item: Any, problems: list[str]) -> ResetFault | None:
    data = _mapping(item, "connection_resets", problems)
    if data is None:
        return None
    _unknown(data, {"count", "path"}, "connection_resets.", problems)
    count = _opt_int(data, "count", "connection_resets.", problems)
    path = _pattern(data, "connection_resets.", problems)
    if count is None and path is None:
        problems.append("connection_resets: give a count or a path pattern")
    return ResetFault(count=count, path=path)


def _objects(data: Mapping[str, Any], where: str, problems: list[str]) -> tuple[str, ...]:
    from sfsync.sandbox.schema import get_object

    raw = data.get("objects", ["Lead"])
    if not isinstance(raw, list) or not all(isinstance(o, str) for o in raw):
        problems.append(f"{where}objects: expected a list of object names")
        return ("Lead",)
    names = []
    for name in raw:
        obj = get_object(name)
        if obj is None:
            problems.append(f"{where}objects: unknown object {name!r}")
        else:
            names.append(obj.name)
    return tuple(names)


def _lock_row(item: Any, problems: list[str]) -> LockRowFault | None:
    data = _mapping(item, "lock_row", problems)
    if data is None:
        return None
    _unknown(data, {"share", "seed", "attempts", "objects"}, "lock_row.", problems)
    share = data.get("share", 0.1)
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
        problems.append(f"lock_row.share: expected a number from 0 to 1, got {share!r}")
        share = 0.0
    seed = data.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        problems.append(f"lock_row.seed: expected an integer, got {seed!r}")
        seed = 0
    attempts = _opt_int(data, "attempts", "lock_row.", problems)
    return LockRowFault(float(share), seed, attempts, _objects(data, "lock_row.", problems))


def _rule(item: Any, where: str, problems: list[str]) -> ValidationRuleFault | None:
    data = _mapping(item, where, problems)
    if data is None:
        return None
    allowed = {"message", "ids", "field", "equals", "error_field", "objects"}
    _unknown(data, allowed, f"{where}.", problems)
    message = data.get("message")
    if not isinstance(message, str) or not message:
        problems.append(f"{where}.message: required, a non-empty string")
        message = ""
    ids = data.get("ids", [])
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        problems.append(f"{where}.ids: expected a list of record Ids")
        ids = []
    fname = data.get("field")
    if fname is not None and not isinstance(fname, str):
        problems.append(f"{where}.field: expected a field API name")
        fname = None
    if not ids and fname is None:
        problems.append(f"{where}: give ids, or a field and the value it equals")
    return ValidationRuleFault(
        message=message,
        ids=tuple(ids),
        field=fname,
        equals=data.get("equals"),
        error_field=data.get("error_field"),
        objects=_objects(data, f"{where}.", problems),
    )


def parse_faults(data: Any, *, source: str = "fault spec") -> FaultSpec:
    """
    Build a `FaultSpec` from plain data (a parsed JSON/YAML document).

    Raises:
        FaultSpecError: naming every problem found.
    """
    problems: list[str] = []
    if data is None:
        data = {}
    top = _mapping(data, "(top level)", problems)
    if top is None:
        raise FaultSpecError(source, problems)
    _unknown(top, _KEYS, "", problems)
    raw_errors = top.get("http_errors", [])
    if isinstance(raw_errors, Mapping):
        raw_errors = [raw_errors]
    if not isinstance(raw_errors, list):
        problems.append("http_errors: expected a list")
        raw_errors = []
    http_errors = [_http_error(e, f"http_errors[{i}]", problems) for i, e in enumerate(raw_errors)]
    resets = _reset(top["connection_resets"], problems) if top.get("connection_resets") else None
    lock = _lock_row(top["lock_row"], problems) if top.get("lock_row") else None
    raw_rules = top.get("validation_rules", [])
    if not isinstance(raw_rules, list):
        problems.append("validation_rules: expected a list")
        raw_rules = []
    rules = [_rule(r, f"validation_rules[{i}]", problems) for i, r in enumerate(raw_rules)]
    delay = top.get("bulk_job_delay_seconds", 0.0)
    if isinstance(delay, bool) or not isinstance(delay, (int, float)) or delay < 0:
        problems.append(f"bulk_job_delay_seconds: expected a non-negative number, got {delay!r}")
        delay = 0.0
    rest, bulk = (
        latency.api_latency(top["api_latency"], "api_latency", problems)
        if "api_latency" in top
        else (None, None)
    )
    if "bulk_latency" in top:
        bulk = latency.bulk_latency(top["bulk_latency"], "bulk_latency", problems)
    if "rest_latency" in top:
        rest = latency.rest_latency(top["rest_latency"], "rest_latency", problems)
    disabled = top.get("api_disabled", False)
    if not isinstance(disabled, bool):
        problems.append(f"api_disabled: expected true or false, got {disabled!r}")
    limit = _opt_int(top, "daily_api_limit", "", problems)
    if limit == 0:
        problems.append("daily_api_limit: must be positive")
    spec = FaultSpec(
        http_errors=tuple(e for e in http_errors if e is not None),
        connection_resets=resets,
        session_expires_after=_opt_int(top, "session_expires_after", "", problems),
        request_limit_after=_opt_int(top, "request_limit_after", "", problems),
        api_disabled=disabled is True,
        daily_api_limit=limit,
        lock_row=lock,
        validation_rules=tuple(r for r in rules if r is not None),
        bulk_job_delay_seconds=float(delay),
        bulk_latency=bulk,
        rest_latency=rest,
    )
    if problems:
        raise FaultSpecError(source, problems)
    return spec


def load_faults(path: Path) -> FaultSpec:
    """
    Read a fault spec from a JSON or YAML file.

    Raises:
        FaultSpecError: when the file is missing, unparseable or invalid.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FaultSpecError(str(path), [f"cannot read the file: {exc.strerror}"]) from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise FaultSpecError(str(path), [f"not valid JSON/YAML: {exc}"]) from None
    return parse_faults(data, source=str(path))


@dataclass
class FaultState:
    """The active spec and its counters; every method is thread-safe."""

    spec: FaultSpec = field(default_factory=FaultSpec)
    _http_left: list[int | None] = field(default_factory=list)
    _resets_left: int | None = None
    _expiry_left: int | None = None
    _lock_attempts: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.install(self.spec)

    def install(self, spec: FaultSpec) -> None:
        """Replace the active spec and restart every counter."""
        with self._lock:
            self.spec = spec
            self._http_left = [f.count for f in spec.http_errors]
            self._resets_left = spec.connection_resets.count if spec.connection_resets else None
            self._expiry_left = spec.session_expires_after
            self._lock_attempts = {}

    def take_reset(self, path: str, *, api_call: bool) -> bool:
        """Whether this request's connection should be reset (consumes one count)."""
        fault = self.spec.connection_resets
        if fault is None or not fault.matches(path):
            return False
        with self._lock:
            if fault.count is None:
                return fault.path is not None
            if not api_call and fault.path is None:
                return False
            if self._resets_left:
                self._resets_left -= 1
                return True
            return False

    def take_http_error(self, path: str, *, api_call: bool) -> HttpErrorFault | None:
        """The 5xx fault this request should get, if any (consumes one count)."""
        with self._lock:
            for i, fault in enumerate(self.spec.http_errors):
                if not fault.matches(path):
                    continue
                left = self._http_left[i]
                if fault.count is None:
                    return fault
                if not api_call and fault.path is None:
                    continue
                if left:
                    self._http_left[i] = left - 1
                    return fault
        return None

    def session_call(self) -> bool:
        """Count one authenticated call; True when the session expires now (before it)."""
        with self._lock:
            if self._expiry_left is None:
                return False
            if self._expiry_left == 0:
                self._expiry_left = None
                return True
            self._expiry_left -= 1
            return False

    def lock_fails(self, object_name: str, record_id: str) -> bool:
        """Whether writing this record hits UNABLE_TO_LOCK_ROW on this attempt."""
        fault = self.spec.lock_row
        if fault is None or object_name not in fault.objects or not fault.hits(record_id):
            return False
        if fault.attempts is None:
            return True
        with self._lock:
            used = self._lock_attempts.get(record_id, 0)
            self._lock_attempts[record_id] = used + 1
            return used < fault.attempts

    def validation_error(
        self, object_name: str, record_id: str | None, values: Mapping[str, Any]
    ) -> ValidationRuleFault | None:
        """The first validation rule that rejects this record, if any."""
        for rule in self.spec.validation_rules:
            if object_name in rule.objects and rule.rejects(record_id, values):
                return rule
        return None

    def snapshot(self) -> dict[str, Any]:
        """The spec and what is left of its counters (the admin endpoint's answer)."""
        with self._lock:
            return {
                "spec": self.spec.to_dict(),
                "remaining": {
                    "http_errors": list(self._http_left),
                    "connection_resets": self._resets_left,
                    "session_expires_after": self._expiry_left,
                },
            }
