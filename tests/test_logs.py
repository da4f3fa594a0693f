"""Logging: JSON lines for production, and why a command ended said in the same format."""

from __future__ import annotations

import json

import pytest
import structlog

from sfsync.logs import configure_logging, say


def test_json_logs_are_one_object_per_line_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    """With JSON asked for, every event is a JSON object with level and UTC timestamp."""
    configure_logging("json", "info")
    structlog.get_logger("t").info("sfsync.test.logged", record_id="00Q1")
    structlog.get_logger("t").debug("sfsync.test.hidden")
    lines = capsys.readouterr().err.splitlines()
    event = json.loads(lines[-1])
    assert ("sfsync.test.logged", "info", "00Q1") == (
        event["event"],
        event["level"],
        event["record_id"],
    )
    assert event["timestamp"].endswith("Z")
    assert 1 == len(lines)


def test_say_speaks_json_when_json_was_asked_for(capsys: pytest.CaptureFixture[str]) -> None:
    """A command's last word is a JSON event under JSON logs, so stderr stays parseable."""
    configure_logging("json", "info")
    say("no local state")
    event = json.loads(capsys.readouterr().err.splitlines()[-1])
    assert ("sfsync.command.ended", "no local state") == (event["event"], event["message"])


def test_say_is_one_plain_line_for_people(capsys: pytest.CaptureFixture[str]) -> None:
    """Without JSON asked for by name, the reason is one `sfsync:` line."""
    configure_logging("console", "info")
    say("no local state")
    assert "sfsync: no local state\n" == capsys.readouterr().err
