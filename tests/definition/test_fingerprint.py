"""A definition's two fingerprints: what the sign-off covers, and what a pass applied."""

from __future__ import annotations

from sfsync.definition.compile import compile_definition
from sfsync.definition.fingerprint import content_fingerprint, definition_fingerprint
from sfsync.definition.model import Definition
from tests.scoring.factories import default_data


def _definition(**changes: object) -> Definition:
    data = default_data()
    data.update(changes)
    return Definition.model_validate(data)


def test_an_edit_changes_both_fingerprints_even_without_a_new_version() -> None:
    """Raising a threshold keeps the version but is another definition."""
    data = default_data()
    data["status"]["sales_ready"]["min_fit"] = 60
    before, after = _definition(), Definition.model_validate(data)
    assert before.version == after.version
    assert content_fingerprint(before) != content_fingerprint(after)
    old, new = compile_definition(before), compile_definition(after)
    assert definition_fingerprint(old) != definition_fingerprint(new)
    assert definition_fingerprint(old).startswith(f"{old.version}:")


def test_words_around_the_content_do_not_change_it() -> None:
    """Version, name and description decide no result: the content fingerprint ignores them."""
    base = content_fingerprint(_definition())
    assert base == content_fingerprint(_definition(description="edited", name="Acme"))
    assert base == content_fingerprint(_definition(version="acme-2"))


def test_the_same_content_gives_the_same_fingerprints() -> None:
    """Fingerprints are stable across loads, so an unchanged definition re-qualifies nothing."""
    assert content_fingerprint(_definition()) == content_fingerprint(_definition())
    assert 12 == len(content_fingerprint(_definition()))
    assert definition_fingerprint(compile_definition(_definition())) == definition_fingerprint(
        compile_definition(_definition())
    )
