"""
Bad settings and .env files, through the real CLI: each one stops the command before any
network call with exit 2 and one clear line naming the variable (or file and line) and the
fix; never a traceback, never a value that might be a secret.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.reliability.orgkit import CliResult, run_cli

pytestmark = pytest.mark.e2e

# A session-auth setup that would be valid, pointing at a port nobody listens on: a case
# that wrongly passed validation would fail later with exit 1, not 2.
VALID = {
    "SFSYNC_SF_AUTH": "session",
    "SFSYNC_SF_INSTANCE_URL": "https://127.0.0.1:9",
    "SFSYNC_SF_ACCESS_TOKEN": "00Dtest!AQkeepthisout",
}
JWT = {
    "SFSYNC_SF_AUTH": "jwt",
    "SFSYNC_SF_USERNAME": "integration@example.com",
    "SFSYNC_SF_CLIENT_ID": "3MVGclient",
    "SFSYNC_SF_LOGIN_URL": "https://127.0.0.1:9",
}

# id: (settings over VALID (None removes one), raw extra lines, expected text in the message)
CASES: dict[str, tuple[dict[str, str | None], list[str], str]] = {
    "unknown_variable": (
        {"SFSYNC_SF_INSTANCE_ULR": "https://x.my.salesforce.com"},
        [],
        "SFSYNC_SF_INSTANCE_ULR (from ",
    ),
    "bad_url": ({"SFSYNC_SF_INSTANCE_URL": "not a url"}, [], "SFSYNC_SF_INSTANCE_URL: expected"),
    "http_url": (
        {"SFSYNC_SF_INSTANCE_URL": "http://acme.my.salesforce.com"},
        [],
        "SFSYNC_SF_INSTANCE_URL: expected an https:// URL",
    ),
    "missing_token": (
        {"SFSYNC_SF_ACCESS_TOKEN": None},
        [],
        "SFSYNC_SF_AUTH=session needs SFSYNC_SF_ACCESS_TOKEN",
    ),
    "bad_number": ({"SFSYNC_API_BUDGET_PCT": "lots"}, [], "SFSYNC_API_BUDGET_PCT: Input should"),
    "number_out_of_range": ({"SFSYNC_API_BUDGET_PCT": "150"}, [], "SFSYNC_API_BUDGET_PCT"),
    "negative_threshold": ({"SFSYNC_BULK_READ_THRESHOLD": "-1"}, [], "SFSYNC_BULK_READ_THRESHOLD"),
    "zero_timeout": ({"SFSYNC_HTTP_TIMEOUT_SECONDS": "0"}, [], "SFSYNC_HTTP_TIMEOUT_SECONDS"),
    "bad_time_zone": (
        {"SFSYNC_TIMEZONE": "Mars/Olympus"},
        [],
        "SFSYNC_TIMEZONE: unknown time zone",
    ),
    "bad_nightly_time": (
        {"SFSYNC_NIGHTLY_AT": "25:00"},
        [],
        "SFSYNC_NIGHTLY_AT: expected a 24-hour",
    ),
    "bad_api_version": ({"SFSYNC_SF_API_VERSION": "latest"}, [], "SFSYNC_SF_API_VERSION: expected"),
    "bad_auth_mode": ({"SFSYNC_SF_AUTH": "oauth"}, [], "SFSYNC_SF_AUTH: Input should be"),
    "bad_boolean": (
        {"SFSYNC_SF_INSECURE_SKIP_TLS_VERIFY": "maybe"},
        [],
        "SFSYNC_SF_INSECURE_SKIP_TLS_VERIFY: Input should be a valid boolean",
    ),
    "bad_log_level": ({"SFSYNC_LOG_LEVEL": "loud"}, [], "SFSYNC_LOG_LEVEL"),
    "missing_ca_bundle": (
        {"SFSYNC_SF_CA_BUNDLE": "/nonexistent/ca.pem"},
        [],
        "SFSYNC_SF_CA_BUNDLE: /nonexistent/ca.pem is not a file",
    ),
    "ca_bundle_and_insecure": (
        {"SFSYNC_SF_CA_BUNDLE": "{here}/.env", "SFSYNC_SF_INSECURE_SKIP_TLS_VERIFY": "true"},
        [],
        "are both set; set only one",
    ),
    "missing_private_key_file": (
        {**JWT, "SFSYNC_SF_PRIVATE_KEY_FILE": "/nonexistent/key.pem"},
        [],
        "SFSYNC_SF_PRIVATE_KEY_FILE: /nonexistent/key.pem is not a file",
    ),
    "garbage_private_key": (
        {**JWT, "SFSYNC_SF_PRIVATE_KEY_FILE": "{here}/.env"},
        [],
        "SFSYNC_SF_PRIVATE_KEY_FILE: could not sign the JWT assertion",
    ),
    "jwt_without_username": (
        {**JWT, "SFSYNC_SF_USERNAME": None, "SFSYNC_SF_PRIVATE_KEY_FILE": "{here}/.env"},
        [],
        "SFSYNC_SF_AUTH=jwt needs SFSYNC_SF_USERNAME",
    ),
    "client_credentials_without_secret": (
        {"SFSYNC_SF_AUTH": "client_credentials", "SFSYNC_SF_CLIENT_ID": "3MVGclient"},
        [],
        "needs SFSYNC_SF_CLIENT_SECRET",
    ),
    "client_credentials_on_login_host": (
        {
            "SFSYNC_SF_AUTH": "client_credentials",
            "SFSYNC_SF_INSTANCE_URL": None,
            "SFSYNC_SF_LOGIN_URL": "https://login.salesforce.com",
            "SFSYNC_SF_CLIENT_ID": "3MVGclient",
            "SFSYNC_SF_CLIENT_SECRET": "s3cr3t",
        },
        [],
        "needs the org's My Domain URL",
    ),
    "missing_definition": (
        {"SFSYNC_DEFINITION": "/nonexistent/definition.yaml"},
        [],
        "SFSYNC_DEFINITION=/nonexistent/definition.yaml: no such file",
    ),
    "definition_is_not_yaml": (
        {"SFSYNC_DEFINITION": "{here}/definition.yaml"},
        [],
        "definition.yaml: invalid definition (1 problem(s))",
    ),
    "state_path_is_a_directory": (
        {"SFSYNC_STATE_PATH": "{here}"},
        [],
        "SFSYNC_STATE_PATH: ",
    ),
    "unclosed_quote": ({}, ['SFSYNC_OVERLAP_SECONDS="300'], ": not NAME=value"),
    "not_an_assignment": ({}, ["this line is not a setting"], ": not NAME=value"),
}


def _write_env(tmp_path: Path, settings: dict[str, str | None], raw: list[str]) -> Path:
    values = {**VALID, "SFSYNC_STATE_PATH": str(tmp_path / "state.sqlite3"), **settings}
    lines = [f"{k}={v.format(here=tmp_path)}" for k, v in values.items() if v is not None] + raw
    path = tmp_path / ".env"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "definition.yaml").write_text("version: [\n", encoding="utf-8")
    return path


def assert_one_clear_line(result: CliResult, expected: str) -> None:
    """
    Exit 2 and exactly one message naming the problem on its first line: a `sfsync:` line
    for people, or, when JSON logs were asked for, a `sfsync.command.ended` JSON event (then
    every stderr line is JSON).
    """
    assert result.returncode == 2, result.describe()
    assert "Traceback" not in result.stderr, result.describe()
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    events = [json.loads(line) for line in lines if line.startswith("{")]
    messages = [line.removeprefix("sfsync: ") for line in lines if line.startswith("sfsync: ")]
    messages += [e["message"] for e in events if e.get("event") == "sfsync.command.ended"]
    assert len(messages) == 1, result.describe()
    first, *rest = messages[0].splitlines()
    rest += [line for line in lines if not line.startswith(("sfsync: ", "{"))]
    assert expected in first, result.describe()
    if first.endswith("problem(s))"):
        # A definition file's problems are listed one per line, each with file:line.
        assert rest, result.describe()
        assert all(ln.startswith("  - ") for ln in rest), result.describe()
    else:
        assert not rest, result.describe()
    assert VALID["SFSYNC_SF_ACCESS_TOKEN"] not in result.stderr + result.stdout


def test_without_json_logs_the_problem_is_one_plain_line(tmp_path: Path) -> None:
    """For people (console logs) the same problem is one `sfsync:` line."""
    settings, raw, expected = CASES["bad_time_zone"]
    env_file = _write_env(tmp_path, settings, raw)
    result = run_cli(["--env-file", str(env_file), "--log-format", "console", "sync"])
    assert result.returncode == 2, result.describe()
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.describe()
    assert lines[0].startswith("sfsync: "), result.describe()
    assert expected in lines[0], result.describe()


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_setting_is_one_clear_line(case: str, tmp_path: Path) -> None:
    """`sfsync sync` with each bad .env file."""
    settings, raw, expected = CASES[case]
    env_file = _write_env(tmp_path, settings, raw)
    result = run_cli(["--env-file", str(env_file), "--log-format", "json", "sync"])
    assert_one_clear_line(result, expected)


@pytest.mark.parametrize("command", [["check"], ["daemon", "--once"], ["sync", "--dry-run"]])
@pytest.mark.parametrize("case", ["unknown_variable", "bad_time_zone", "http_url"])
def test_every_org_command_stops_the_same_way(
    case: str, command: list[str], tmp_path: Path
) -> None:
    """The same one line and exit 2 from check, daemon and a dry run."""
    settings, raw, expected = CASES[case]
    env_file = _write_env(tmp_path, settings, raw)
    result = run_cli(["--env-file", str(env_file), "--log-format", "json", *command])
    if command == ["check"] and case == "http_url":
        # check reports connection problems in its table (exit 2), not as one line.
        assert result.returncode == 2, result.describe()
        assert "expected an https:// URL" in result.stdout, result.describe()
        assert "Traceback" not in result.stderr
        return
    assert_one_clear_line(result, expected)


def test_settings_from_the_environment_are_checked_too(tmp_path: Path) -> None:
    """A bad SFSYNC_* variable in the environment (no --env-file) is named the same way."""
    env = {**VALID, "SFSYNC_STATE_PATH": str(tmp_path / "s.db"), "SFSYNC_TIMEZONE": "Nowhere"}
    result = run_cli(["--log-format", "json", "sync"], env=env)
    assert_one_clear_line(result, "SFSYNC_TIMEZONE: unknown time zone 'Nowhere'")


def test_env_file_that_is_not_utf8(tmp_path: Path) -> None:
    """Bytes that are not UTF-8 are named by offset, not decoded into a traceback."""
    path = tmp_path / "latin1.env"
    path.write_bytes(b"SFSYNC_SF_AUTH=session\nSFSYNC_SF_INSTANCE_URL=https://caf\xe9.example\n")
    result = run_cli(["--env-file", str(path), "sync"])
    assert_one_clear_line(result, "not UTF-8 text (byte 0xe9")


def test_missing_env_file(tmp_path: Path) -> None:
    """A missing --env-file is named with the fix."""
    result = run_cli(["--env-file", str(tmp_path / "nope.env"), "sync"], fresh_process=True)
    assert_one_clear_line(result, "nope.env: no such file. Create it from .env.example")


def test_env_file_that_is_a_directory(tmp_path: Path) -> None:
    """A directory given as --env-file is a usage error (click's message), no traceback."""
    result = run_cli(["--env-file", str(tmp_path), "sync"])
    assert result.returncode == 2, result.describe()
    assert "is a directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_unparseable_line_is_named_without_its_content(tmp_path: Path) -> None:
    """A broken line may hold a secret: only its number is shown."""
    secret = "Sup3rS3cretValue!"
    path = tmp_path / ".env"
    path.write_text(f'SFSYNC_SF_AUTH=session\nSFSYNC_SF_CLIENT_SECRET="{secret}\n', "utf-8")
    result = run_cli(["--env-file", str(path), "sync"])
    assert_one_clear_line(result, "line 2: not NAME=value")
    assert secret not in result.stderr + result.stdout
