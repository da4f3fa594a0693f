"""The disk-backed spool a pass keeps its changes in (sfsync.spool)."""

from __future__ import annotations

import pytest

from sfsync.spool import Spool


def test_spool_keeps_items_in_order_and_by_index() -> None:
    """Items come back as appended: iterated, by index (negative too) and by slice."""
    with Spool[dict[str, object]]() as spool:
        items = [{"Id": f"00Q{i:015d}", "Score": i, "Reasons": ("a", None)} for i in range(1500)]
        for item in items:
            spool.append(item)
        assert len(spool) == 1500
        assert list(spool) == items
        assert spool[0] == items[0]
        assert spool[-1] == items[-1]
        assert spool[700:703] == items[700:703]
        with pytest.raises(IndexError):
            spool[1500]


def test_interleaved_iterators_and_lookups_do_not_disturb_each_other() -> None:
    """Two iterators read side by side (as the write step does) and lookups in between."""
    with Spool[int]() as spool:
        for i in range(2000):
            spool.append(i)
        pairs = []
        for a, b in zip(spool, spool, strict=True):
            pairs.append((a, b))
            if a % 300 == 0:
                assert spool[1999 - a] == 1999 - a
        assert pairs == [(i, i) for i in range(2000)]


def test_map_is_a_lazy_view() -> None:
    """map() passes items through a function on access, without copying the spool."""
    with Spool[int]() as spool:
        for i in range(5):
            spool.append(i)
        view = spool.map(lambda i: {"Id": str(i)})
        assert len(view) == 5
        assert view[2] == {"Id": "2"}
        assert view[1:3] == [{"Id": "1"}, {"Id": "2"}]
        assert [r["Id"] for r in view] == ["0", "1", "2", "3", "4"]


def test_empty_spool_is_falsy() -> None:
    """An empty spool has no items and iterates to nothing."""
    with Spool[int]() as spool:
        assert not spool
        assert list(spool) == []
