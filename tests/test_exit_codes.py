"""
Exit codes agree everywhere (issue 14): errors map to codes by type, the README's table is
the code's, and the deploy/ units act on them as intended — read from the files as systemd
and Kubernetes would read them. `SystemdUnit` applies systemd's restart rules
(systemd.service(5): Restart=, RestartPreventExitStatus=, SuccessExitStatus=) and is used by
the end-to-end credential tests too.
"""

from __future__ import annotations

import configparser
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from sfsync.commands.app import (
    EXIT_CODE_MEANINGS,
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_USAGE,
    exit_code_for_error,
)
from sfsync.errors import (
    NEEDS_A_PERSON,
    AccessDeniedError,
    AuthenticationError,
    ConfigError,
    DefinitionMismatchError,
    MappingError,
    MissingSettingError,
    OrgBusyError,
    QuotaExceededError,
    RetriableSalesforceError,
    SalesforceError,
    SfsyncError,
    StateStoreError,
    StopRequestedError,
)

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class SystemdUnit:
    """The [Service] exit-code settings of a unit file, and what systemd does with them."""

    restart: str
    prevent: frozenset[int]
    success: frozenset[int]

    @classmethod
    def parse(cls, path: Path) -> SystemdUnit:
        """Read *path* as systemd does (last assignment wins; lists are space-separated)."""
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser.read(path, encoding="utf-8")
        service = parser["Service"]

        def codes(key: str) -> frozenset[int]:
            return frozenset(int(v) for v in service.get(key, "").split() if v.isdigit())

        return cls(
            restart=service.get("Restart", "no"),
            prevent=codes("RestartPreventExitStatus"),
            success=codes("SuccessExitStatus"),
        )

    def clean(self, code: int) -> bool:
        """An exit systemd counts as success."""
        return code == 0 or code in self.success

    def restarts_after(self, code: int) -> bool:
        """Whether systemd restarts the service after it exits with *code*."""
        if code in self.prevent:
            return False
        if self.restart == "always":
            return True
        if self.restart == "on-failure":
            return not self.clean(code)
        return False  # "no", and the on-abnormal/on-abort/on-watchdog kinds (signals only)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ConfigError("bad setting"), EXIT_USAGE),
        (MappingError("d.yaml", ["x"]), EXIT_USAGE),
        (MissingSettingError("needs X", names=["X"]), EXIT_USAGE),
        (OrgBusyError("busy"), EXIT_USAGE),
        (AuthenticationError("invalid_client"), EXIT_USAGE),
        (AccessDeniedError("API_DISABLED_FOR_ORG"), EXIT_USAGE),
        (DefinitionMismatchError("INVALID_FIELD"), EXIT_USAGE),
        (StopRequestedError("SIGINT received"), EXIT_PARTIAL),
        (RetriableSalesforceError("503"), EXIT_FAILURE),
        (QuotaExceededError("spent"), EXIT_FAILURE),
        (SalesforceError("odd answer"), EXIT_FAILURE),
        (StateStoreError("disk full"), EXIT_FAILURE),
        (SfsyncError("anything else"), EXIT_FAILURE),
    ],
)
def test_the_same_problem_gets_the_same_code_by_its_type(error: SfsyncError, code: int) -> None:
    """Codes follow the error's type, never its words."""
    assert code == exit_code_for_error(error)


def test_what_a_person_must_fix_is_exit_2() -> None:
    """Every error no retry or restart can fix maps to 2."""
    assert {EXIT_USAGE} == {exit_code_for_error(kind("x")) for kind in NEEDS_A_PERSON}


def test_the_readme_table_is_the_code_s() -> None:
    """README.md's exit-code table lists exactly the codes and meanings in the code."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Exit codes", 1)[1].split("\n### ", 1)[0]
    rows = dict(re.findall(r"^\| (\d+) \| (.+) \|$", section, flags=re.MULTILINE))
    assert {str(code): text for code, text in EXIT_CODE_MEANINGS.items()} == rows


def test_the_daemon_unit_restarts_on_failure_but_never_on_a_person_s_problem() -> None:
    """deploy/sfsync.service: restart after 1, not after 0 or 2 (a restart cannot fix 2);
    the daemon never exits 3 (a stop request is a clean exit 0)."""
    unit = SystemdUnit.parse(ROOT / "deploy" / "sfsync.service")
    assert {EXIT_USAGE} == unit.prevent
    assert ("on-failure", True, False, False) == (
        unit.restart,
        unit.restarts_after(EXIT_FAILURE),
        unit.restarts_after(EXIT_OK),
        unit.restarts_after(EXIT_USAGE),
    )


def test_the_nightly_unit_counts_a_partial_pass_as_success() -> None:
    """deploy/sfsync-nightly.service: 3 (rejects, budget, interrupted) is not a failure."""
    unit = SystemdUnit.parse(ROOT / "deploy" / "sfsync-nightly.service")
    assert {EXIT_PARTIAL} == unit.success
    assert [EXIT_OK, EXIT_PARTIAL] == [c for c in EXIT_CODE_MEANINGS if unit.clean(c)]


def test_the_crontab_lists_the_same_codes() -> None:
    """deploy/crontab.example's comment names every exit code sfsync uses."""
    text = (ROOT / "deploy" / "crontab.example").read_text(encoding="utf-8")
    found = re.search(r"^# Exit codes: (.+)$", text, flags=re.MULTILINE)
    assert found, "crontab.example lost its exit-code line"
    assert sorted(EXIT_CODE_MEANINGS) == sorted(int(c) for c in re.findall(r"\b(\d+) ", found[1]))
