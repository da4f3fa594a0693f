from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sfsync.cli import main
from sfsync.commands.runtime import PACKAGED_DEFINITION


def test_help_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    """`sfsync --help` teaches the commands and exits 0."""
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "qualified lead" in out
    assert "Exit codes" in out


def test_unknown_command_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown command is a usage error (exit 2), not a traceback."""
    assert main(["no-such-command"]) == 2
    assert "No such command" in capsys.readouterr().err


def test_missing_env_file_is_config_error(tmp_path: Path) -> None:
    """A missing --env-file is named in a config error (exit 2)."""
    from sfsync.commands.app import AppContext
    from sfsync.errors import ConfigError

    app = AppContext(env_file=tmp_path / "nope.env")
    with pytest.raises(ConfigError, match=r"nope\.env"):
        app.settings()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-20", "2026-11-20T00:00:00+00:00"),
        ("2026-11-20T12:00:00", "2026-11-20T12:00:00+00:00"),
        ("2026-11-20T12:00:00Z", "2026-11-20T12:00:00+00:00"),
        ("2026-11-20T12:00:00.000+0000", "2026-11-20T12:00:00+00:00"),
        ("2026-11-20T13:00:00+01:00", "2026-11-20T12:00:00+00:00"),
    ],
)
def test_now_accepts_every_iso_form_salesforce_and_sfsync_print(text: str, expected: str) -> None:
    """`--now` reads what sfsync's own output shows (`...000+0000`), `Z` and dates alone."""
    from sfsync.commands.options import MOMENT

    assert expected == MOMENT.convert(text, None, None).isoformat()


def test_unreadable_now_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """A --now that is no date/time exits 2 naming the option and an example."""
    assert main(["explain", "00Q000000000004", "--now", "next tuesday"]) == 2
    err = capsys.readouterr().err
    assert "--now" in err
    assert "2026-11-20T12:00:00Z" in err


def test_a_field_or_object_the_org_lacks_is_a_setup_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """INVALID_TYPE/INVALID_FIELD from the org exit 2 with the org's last line and a pointer
    to `sfsync check`, without the echoed SELECT."""
    from sfsync import cli
    from sfsync.errors import DefinitionMismatchError, SalesforceError

    message = (
        "GET queryAll: HTTP 400 INVALID_TYPE: \nSELECT Id FROM Web_Visit__c\n"
        "               ^\nERROR at Row:1:Column:16\n"
        "sObject type 'Web_Visit__c' is not supported."
    )

    def fails_with(exc: Exception) -> Callable[..., None]:
        def command(*args: object, **kwargs: object) -> None:
            raise exc

        return command

    monkeypatch.setattr(
        "sfsync.definition.load_compiled",
        fails_with(DefinitionMismatchError(message, status=400, error_code="INVALID_TYPE")),
    )
    assert 2 == cli.main(["score", "--input", "-"])
    said = [line for line in capsys.readouterr().err.splitlines() if line.startswith("sfsync:")]
    assert [
        "sfsync: GET queryAll: HTTP 400 INVALID_TYPE: sObject type 'Web_Visit__c' is not"
        " supported.",
        "sfsync: the org lacks a field or object the definition names; `sfsync check` lists each"
        " one with its fix",
    ] == said
    monkeypatch.setattr(
        "sfsync.definition.load_compiled",
        fails_with(SalesforceError("GET limits: HTTP 500", status=500)),
    )
    assert 1 == cli.main(["score", "--input", "-"])


@pytest.mark.parametrize("args", [["report", "--out", "r.html"], ["explain", "00Q000000000004AAA"]])
def test_offline_commands_never_create_an_empty_state_store(
    args: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    state = tmp_path / "var" / "sfsync.sqlite3"
    monkeypatch.setenv("SFSYNC_STATE_PATH", str(state))

    assert main(args) == 2

    assert "run `sfsync sync` first" in capsys.readouterr().err
    assert not state.parent.exists()


def test_an_unexpected_error_is_one_line_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sfsync.commands.score as score

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(score, "load_compiled", broken, raising=False)
    monkeypatch.setattr("sfsync.definition.load_compiled", broken)
    assert main(["score", "--input", "-"]) == 1
    err = capsys.readouterr().err
    assert "unexpected ZeroDivisionError: division by zero" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("args", [["sync"], ["backfill", "--apply"], ["daemon"], ["check"]])
def test_a_forgotten_env_file_names_the_flag_and_leaves_no_file_behind(
    args: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """No settings at all: exit 2, a hint naming --env-file and .env, no state or lock."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SFSYNC_DEFINITION", str(PACKAGED_DEFINITION))

    code = main(["--log-format", "console", *args])

    said = capsys.readouterr()
    assert 2 == code, said
    assert "SFSYNC_SF_AUTH=jwt needs SFSYNC_SF_USERNAME" in said.out + said.err
    assert "no --env-file was given" in said.out + said.err
    assert "cp .env.example .env" in said.out + said.err
    assert [] == sorted(p.name for p in tmp_path.iterdir())


def test_a_present_dot_env_that_was_not_named_is_pointed_at(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """sfsync never reads .env unless named; when one is there, the hint says so."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("SFSYNC_SF_AUTH=session\n", encoding="utf-8")
    assert 2 == main(["sync"])
    assert "run `sfsync --env-file .env …`" in capsys.readouterr().err


def test_a_bad_value_in_the_environment_is_reported_as_coming_from_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The environment wins over --env-file, so that is where the bad value came from."""
    env_file = tmp_path / "sfsync.env"
    env_file.write_text("SFSYNC_INTERVAL_MINUTES=15\nSFSYNC_TIMEZONE=Mars\n", encoding="utf-8")
    monkeypatch.setenv("SFSYNC_INTERVAL_MINUTES", "soon")

    assert 2 == main(["--env-file", str(env_file), "sync"])

    err = capsys.readouterr().err
    assert "SFSYNC_INTERVAL_MINUTES: Input should be a valid number" in err
    assert "number, unable to parse string as a number (set in the environment)" in err
    assert f"unknown time zone 'Mars' (e.g. UTC or Europe/Berlin) (set in {env_file})" in err
