from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from sfsync import cli
from sfsync.commands.fields import COMMANDS
from tests.metadata.conftest import DEFAULT_DEFINITION, REPO


@pytest.fixture(name="main")
def _main() -> object:
    # The lead engineer registers the command in sfsync.commands; until then, add it here.
    for command in COMMANDS:
        cli.cli.add_command(command)
    return cli.main


@pytest.fixture(name="script", scope="module")
def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "create_fields", REPO / "scripts" / "create_fields.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _bad_definition(tmp_path: Path) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(
        DEFAULT_DEFINITION.read_text(encoding="utf-8").replace("inputs:", "inptus:", 1),
        encoding="utf-8",
    )
    return path


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_fields_writes_the_project(
    main, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`sfsync fields --out DIR` exits 0 and writes the 33 files it names."""
    out = tmp_path / "md"

    assert main(["fields", "--out", str(out), "--definition", str(DEFAULT_DEFINITION)]) == 0
    written = [line for line in capsys.readouterr().out.splitlines() if line.startswith("wrote ")]
    assert 33 == len(written) == len(_tree(out))
    assert (
        out / "force-app/main/default/objects/Lead/fields/SFS_Score__c.field-meta.xml"
    ).is_file()


def test_dry_run_lists_and_writes_nothing(
    main, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--dry-run lists every file it would write and creates nothing."""
    out = tmp_path / "md"

    assert (
        main(["fields", "--out", str(out), "--definition", str(DEFAULT_DEFINITION), "--dry-run"])
        == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert len([line for line in lines if line.startswith("would write ")]) == 33
    assert not out.exists()


def test_bad_definition_is_a_usage_error(
    main, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An invalid definition exits 2 with the problem named, and writes nothing."""
    out = tmp_path / "md"

    assert main(["fields", "--out", str(out), "--definition", str(_bad_definition(tmp_path))]) == 2
    assert "inptus" in capsys.readouterr().err
    assert not out.exists()


def test_missing_definition_is_a_usage_error(main, tmp_path: Path) -> None:
    """A definition path that does not exist exits 2."""
    assert (
        main(["fields", "--out", str(tmp_path / "md"), "--definition", str(tmp_path / "nope.yaml")])
        == 2
    )


def test_bad_api_version_is_a_usage_error(main, tmp_path: Path) -> None:
    """--api-version must look like 62.0."""
    args = ["fields", "--out", str(tmp_path / "md"), "--definition", str(DEFAULT_DEFINITION)]

    assert main([*args, "--api-version", "v62"]) == 2


def test_rerun_needs_overwrite_only_when_something_changes(main, tmp_path: Path) -> None:
    """Same definition: no-op; different output needs --overwrite and keeps old files."""
    out = tmp_path / "md"
    args = ["fields", "--out", str(out)]
    assert main([*args, "--definition", str(DEFAULT_DEFINITION)]) == 0
    before = _tree(out)
    assert main([*args, "--definition", str(DEFAULT_DEFINITION)]) == 0
    assert before == _tree(out)

    remapped = tmp_path / "remapped.yaml"
    text = DEFAULT_DEFINITION.read_text(encoding="utf-8").replace(
        "score: SFS_Score__c", "score: Lead_Score__c"
    )
    remapped.write_text(text, encoding="utf-8")
    assert main([*args, "--definition", str(remapped)]) == 2
    assert before == _tree(out)
    assert main([*args, "--definition", str(remapped), "--overwrite"]) == 0
    assert (
        out / "force-app/main/default/objects/Lead/fields/Lead_Score__c.field-meta.xml"
    ).is_file()
    # the old field is left for the admin to delete, never removed behind their back
    assert (
        out / "force-app/main/default/objects/Lead/fields/SFS_Score__c.field-meta.xml"
    ).is_file()


def test_stale_files_are_reported(main, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Files in --out that the definition does not generate are named as stale on stderr."""
    out = tmp_path / "md"
    assert main(["fields", "--out", str(out), "--definition", str(DEFAULT_DEFINITION)]) == 0
    extra = out / "force-app/main/default/objects/Lead/fields/Old__c.field-meta.xml"
    extra.write_text("<x/>", encoding="utf-8")
    capsys.readouterr()

    assert main(["fields", "--out", str(out), "--definition", str(DEFAULT_DEFINITION)]) == 0
    assert "stale" in capsys.readouterr().err
    assert extra.exists()


def test_script_generates_the_same_project(main, script: ModuleType, tmp_path: Path) -> None:
    """scripts/create_fields.py writes the same bytes as `sfsync fields`."""
    assert (
        main(["fields", "--out", str(tmp_path / "cli"), "--definition", str(DEFAULT_DEFINITION)])
        == 0
    )
    assert (
        script.main(["--out", str(tmp_path / "script"), "--definition", str(DEFAULT_DEFINITION)])
        == 0
    )

    assert _tree(tmp_path / "cli") == _tree(tmp_path / "script")


def test_script_bad_definition_exits_2(
    script: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The script exits 2 on an invalid definition and says why."""
    assert (
        script.main(["--out", str(tmp_path / "md"), "--definition", str(_bad_definition(tmp_path))])
        == 2
    )
    assert "inptus" in capsys.readouterr().err


def test_assign_and_no_reports_options(
    main, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--assign names what becomes the Lead default; --no-reports leaves analytics out; an
    unknown name is a usage error that lists the choices; the hint names both permission sets."""
    out = tmp_path / "md"
    args = ["fields", "--out", str(out), "--definition", str(DEFAULT_DEFINITION)]

    assert main([*args, "--assign", "SFSync_Lead_Highlights", "--no-reports"]) == 0
    err = capsys.readouterr().err
    lead = (out / "force-app/main/default/objects/Lead/Lead.object-meta.xml").read_text()
    assert "<compactLayoutAssignment>SFSync_Lead_Highlights</compactLayoutAssignment>" in lead
    assert "actionOverrides" not in lead
    assert not (out / "force-app/main/default/reports").exists()
    assert "SFSync_Lead_Score_Read" in err
    assert main([*args, "--overwrite", "--assign", "Lead-Lead Layout"]) == 2
    assert "SFSync_Lead_Record_Page" in capsys.readouterr().err
