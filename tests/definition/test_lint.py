from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sfsync.cli import main
from sfsync.definition import loader
from sfsync.definition.compile import CompiledDefinition, compile_definition
from sfsync.definition.condition_model import Condition
from sfsync.definition.fingerprint import content_fingerprint
from sfsync.definition.loader import dotted, load_compiled, load_definition, parse_definition
from sfsync.definition.model import Definition
from sfsync.definition.terms import VALUE_OPERATORS
from sfsync.errors import MappingError

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "mappings" / "default.yaml"
FIXTURES = ROOT / "tests" / "fixtures" / "definitions"
INVALID = FIXTURES / "invalid"
VALID = FIXTURES / "valid"
EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load((INVALID / "EXPECTED.yaml").read_text())
INVALID_FILES = sorted(p for p in INVALID.glob("*.yaml") if p.name != "EXPECTED.yaml")
VALID_FILES = [DEFAULT, *sorted(VALID.glob("*.yaml"))]


def lint(capsys: pytest.CaptureFixture[str], *files: Path | str) -> tuple[int, str, str]:
    code = main(["definition", "lint", *(str(f) for f in files)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_every_invalid_file_has_an_expectation() -> None:
    """EXPECTED.yaml lists exactly the invalid files, and there are at least 20 of them."""
    assert sorted(p.name for p in INVALID_FILES) == sorted(EXPECTED)
    assert len(INVALID_FILES) >= 20


@pytest.mark.parametrize("path", INVALID_FILES, ids=lambda p: p.stem)
def test_lint_names_the_file_path_and_expectation(
    capsys: pytest.CaptureFixture[str], path: Path
) -> None:
    """Lint exits 2 and names the file, the line, the dotted path and what was expected."""
    expected = EXPECTED[path.name]

    code, out, err = lint(capsys, path)

    text = out + err
    assert code == 2, text
    assert "Traceback" not in text
    assert f"✗ {path}: invalid" in err
    problems = [line for line in err.splitlines() if line.startswith("  - ")]
    assert problems, err
    if expected["path"] is not None:
        problems = [p for p in problems if f": {expected['path']}" in p]
        assert problems, f"no problem names {expected['path']!r}:\n{err}"
    if expected.get("line") is not None:
        problems = [p for p in problems if f"{path}:{expected['line']}:" in p]
        assert problems, f"no problem points at line {expected['line']}:\n{err}"
    for fragment in expected["says"]:
        assert any(fragment.lower() in p.lower() for p in problems), (
            f"no problem says {fragment!r}:\n{err}"
        )


@pytest.mark.parametrize("path", VALID_FILES, ids=lambda p: p.stem)
def test_lint_accepts_valid_files(capsys: pytest.CaptureFixture[str], path: Path) -> None:
    """A valid definition passes lint with exit 0, its version and fingerprint on stdout."""
    version = yaml.safe_load(path.read_text())["version"]
    fingerprint = content_fingerprint(load_definition(path))

    code, out, err = lint(capsys, path)

    first, *warnings = out.splitlines()
    assert (0, f"✓ {path}: valid (version {version}, fingerprint {fingerprint})") == (
        code,
        first,
    ), err
    assert all(w.startswith("  ! not judged: ") for w in warnings), out


def test_lint_reports_every_file_and_fails_if_any_is_invalid(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """With several files, lint checks them all and exits 2 when one is invalid."""
    bad = INVALID / "negative_cap.yaml"

    code, out, err = lint(capsys, DEFAULT, bad)

    assert code == 2
    assert f"✓ {DEFAULT}: valid" in out
    assert f"✗ {bad}: invalid" in err
    assert "1 of 2 file(s) invalid" in err


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda tmp: tmp / "nope.yaml", "file not found"),
        (lambda tmp: tmp, "is a directory"),
    ],
    ids=["missing", "directory"],
)
def test_lint_explains_unreadable_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, make: Any, says: str
) -> None:
    """A missing file or a directory is a problem with the file's name, not a traceback."""
    path = make(tmp_path)

    code, _, err = lint(capsys, path)

    assert code == 2
    assert f"{path}: {says}" in err
    assert "Traceback" not in err


def test_non_utf8_file_is_a_mapping_error(tmp_path: Path) -> None:
    """A file that is not UTF-8 text raises MappingError naming the file."""
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"version: caf\xe9\n")

    with pytest.raises(MappingError) as info:
        load_definition(path)

    assert str(path) == info.value.path
    assert "not UTF-8" in info.value.problems[0]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    """Several mistakes in one file are all reported, in file order, each with its line."""
    text = (
        DEFAULT.read_text()
        .replace("  half_life_days: 30\n", "  half_life_days: thirty\n")
        .replace("  target: 6\n", "  target: -1\n")
        .replace(
            "pricing_page_view: {label: Pricing page viewed, points: 15,",
            "pricing_page_view: {label: Pricing page viewed, points: 15, pionts: 1,",
        )
    )
    path = tmp_path / "three.yaml"
    path.write_text(text)

    with pytest.raises(MappingError) as info:
        load_definition(path)

    problems = info.value.problems
    assert len(problems) == 3, problems
    lines = [int(re.match(rf"{re.escape(str(path))}:(\d+):", p)[1]) for p in problems]  # type: ignore[index]
    assert sorted(lines) == lines
    assert "engagement.half_life_days: expected a number" in problems[0]
    assert "pionts" in problems[1]
    assert "touches.target" in problems[2]


def test_load_compiled_returns_a_compiled_definition() -> None:
    """load_compiled loads and compiles the default definition."""
    compiled = load_compiled(DEFAULT)

    assert isinstance(compiled, CompiledDefinition)


def test_compile_problems_become_mapping_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    """A problem found while compiling is a MappingError that names the file."""

    def fail(definition: Definition) -> CompiledDefinition:
        raise ValueError("regex too clever")

    monkeypatch.setattr(loader, "compile_definition", fail)

    with pytest.raises(MappingError) as info:
        load_compiled(DEFAULT)

    assert str(DEFAULT) == info.value.path
    assert f"{DEFAULT}: cannot compile: regex too clever" == info.value.problems[0]


def test_lint_reports_compile_problems_without_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lint turns even an unexpected compile failure into a problem line and exit 2."""

    def crash(definition: Definition) -> CompiledDefinition:
        raise RuntimeError("boom")

    monkeypatch.setattr(loader, "compile_definition", crash)

    code, _, err = lint(capsys, DEFAULT)

    assert code == 2
    assert "boom" in err
    assert "Traceback" not in err


def test_valid_variants_use_every_operator() -> None:
    """Together, the valid definitions exercise every operator and combinator."""
    used: set[str] = set()

    def walk(cond: Condition) -> None:
        used.update(cond.operators())
        for name in ("all", "any", "not"):
            if (cond.not_ if name == "not" else getattr(cond, name)) is not None:
                used.add(name)
        for child in cond.children():
            walk(child)

    for path in VALID_FILES:
        definition = load_definition(path)
        for cond in _conditions(definition):
            walk(cond)
        known = [leaf.known for cond in _conditions(definition) for leaf in cond.leaves()]
        used.update(f"known:{k}" for k in known if k is not None)

    assert {*VALUE_OPERATORS, "all", "any", "not", "known:True", "known:False"} <= used


def _conditions(definition: Definition) -> list[Condition]:
    fit = definition.fit
    conds = [b.when for g in (fit.account, fit.person) for c in g.criteria for b in c.bands]
    conds += [a.when for a in fit.adjustments] + [d.when for d in fit.disqualifiers]
    conds += [getattr(definition.bant, n).met for n in ("budget", "authority", "need", "timeframe")]
    conds += [s.when for s in definition.engagement.sources if s.when is not None]
    conds += [s.when for s in definition.touches.sources if s.when is not None]
    return conds


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            ("fit", "account", "criteria", 1, "bands", 0, "when"),
            "fit.account.criteria[1].bands[0].when",
        ),
        (
            ("status", "standard_status", "map", "Sales Ready"),
            'status.standard_status.map["Sales Ready"]',
        ),
        ((), "(top level)"),
    ],
)
def test_dotted_paths_read_like_the_file(path: tuple[str | int, ...], expected: str) -> None:
    """Paths render with dots for keys, [n] for list items, and quotes for odd keys."""
    assert expected == dotted(path)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += _paths(value, (*prefix, index))
    return out


DEFAULT_DATA = yaml.safe_load(DEFAULT.read_text())
DEFAULT_PATHS = _paths(DEFAULT_DATA)[1:]
junk = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=40, deadline=None)
@given(where=st.sampled_from(DEFAULT_PATHS), value=junk, extra_key=st.booleans())
def test_any_broken_definition_is_a_mapping_error(
    where: tuple[Any, ...], value: Any, extra_key: bool
) -> None:
    """Whatever one value is replaced by, parsing gives a Definition or a MappingError."""
    data = copy.deepcopy(DEFAULT_DATA)
    parent = data
    for part in where[:-1]:
        parent = parent[part]
    if extra_key and isinstance(parent, dict):
        parent[f"{where[-1]}_x"] = value
    else:
        parent[where[-1]] = value
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)

    problems: list[str] = []
    try:
        definition = parse_definition(text, source="broken.yaml")
    except MappingError as exc:
        problems = exc.problems
    else:
        compile_definition(definition)  # what validates also compiles
        return
    assert problems
    assert all(p.startswith("broken.yaml") for p in problems), problems


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        (
            'version: "default-2026.11.2"',
            "version: 2026-11-01",
            "version: expected text, got the date 2026-11-01 (put it in quotes",
        ),
        (
            'version: "default-2026.11.2"',
            "version: 1.0",
            "version: expected text, got 1.0 (put it in quotes: '1.0')",
        ),
        (
            "name: Default agreed definition",
            "name: yes",
            "name: expected text, got true (put the word in quotes)",
        ),
        (
            '"1": 60',
            "1: 60",
            'grade.engagement_digits["1"]: the key 1 is not valid: expected text, got 1 (put it in',
        ),
    ],
    ids=["date", "number", "boolean", "int_key"],
)
def test_yaml_typed_scalars_get_a_quoting_hint(old: str, new: str, says: str) -> None:
    """Values YAML turns into dates, numbers or booleans come with a hint to quote them."""
    text = DEFAULT.read_text()
    assert text.count(old) == 1

    with pytest.raises(MappingError) as info:
        parse_definition(text.replace(old, new), source="x.yaml")

    assert any(says in p for p in info.value.problems), info.value.problems
