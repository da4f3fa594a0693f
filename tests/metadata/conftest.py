from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
import yaml

from sfsync.definition import load_compiled
from sfsync.fields import Blueprint, build_blueprint

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DEFINITION = REPO / "mappings" / "default.yaml"
NS = "{http://soap.sforce.com/2006/04/metadata}"


def parse(content: bytes) -> ET.Element:
    """Parse a generated metadata document."""
    return ET.fromstring(content)


def texts(element: ET.Element, tag: str) -> list[str]:
    """The text of every direct child named *tag* (namespace added)."""
    return [child.text or "" for child in element.findall(NS + tag)]


def text(element: ET.Element, tag: str) -> str:
    """The text of the one direct child named *tag*; fails when it is missing or repeated."""
    found = texts(element, tag)
    assert len(found) == 1, f"{tag}: {found}"
    return found[0]


def write_definition(tmp_path: Path, **changes: dict[str, object]) -> Path:
    """A copy of the default definition with top-level sections updated, written to tmp_path."""
    data = yaml.safe_load(DEFAULT_DEFINITION.read_text(encoding="utf-8"))
    for section, values in changes.items():
        if isinstance(data.get(section), dict):
            data[section].update(values)
        else:
            data[section] = values
    path = tmp_path / "definition.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _reset_logging() -> Iterator[None]:
    # `cli.main` configures structlog to print to the sys.stderr of that moment, which
    # capsys closes after the test; later tests must not log into a closed file.
    yield
    structlog.reset_defaults()


@pytest.fixture(name="blueprint", scope="session")
def _blueprint() -> Blueprint:
    return build_blueprint(load_compiled(DEFAULT_DEFINITION))
