from __future__ import annotations

from pathlib import Path

import pytest

from sfsync.cli import main


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
    from sfsync.cli import AppContext
    from sfsync.errors import ConfigError

    app = AppContext(env_file=tmp_path / "nope.env")
    with pytest.raises(ConfigError, match=r"nope\.env"):
        app.settings()
