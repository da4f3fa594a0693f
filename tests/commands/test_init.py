"""`sfsync init` as a command: it refuses before connecting when the answer is known."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sfsync.cli import main
from sfsync.commands.init import init


def test_an_existing_file_is_refused_before_anything_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No connection is made (no settings are needed) to say the file exists: exit 2."""
    out = tmp_path / "org.yaml"
    out.write_text("keep me\n")
    assert 2 == main(["init", "--out", str(out)])
    assert f"{out} exists: pick another --out, or add --force" in capsys.readouterr().err
    assert "keep me\n" == out.read_text()


def test_the_help_teaches_the_cost_and_the_next_steps() -> None:
    """--help says what init reads, what it costs and what to run next."""
    result = CliRunner().invoke(init, ["--help"])
    assert 0 == result.exit_code
    assert "about 20 API calls" in result.output
    assert "sfsync definition lint" in result.output
