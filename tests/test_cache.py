"""The cache's rows: an entry saved and read back is the same entry."""

from __future__ import annotations

import marshal
import pickle
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from feedtool._cache import ENTRY_SHAPE, _entry_from_plain, _entry_to_plain, check_shape
from feedtool._entry import Entry
from feedtool._errors import Diagnostic

texts = st.text(max_size=30)
dates = st.none() | st.builds(
    lambda seconds, offset: (
        datetime(2000, 1, 1, tzinfo=UTC).astimezone(timezone(timedelta(minutes=offset)))
        + timedelta(seconds=seconds)
    ),
    st.integers(0, 10**9),
    st.sampled_from([0, 60, -330]),
)


@st.composite
def entries(draw: st.DrawFn) -> Entry:
    points = tuple(draw(st.lists(texts, max_size=3)))
    digest = draw(st.sampled_from(["", "ab" * 32]))
    return Entry(
        id=draw(texts),
        title=draw(texts),
        points=points,
        summary=draw(texts),
        paragraphs=tuple(draw(st.lists(texts, max_size=2))),
        dropped=tuple(draw(st.lists(texts, max_size=2))),
        categories=tuple(draw(st.lists(texts, max_size=3))),
        published=draw(dates),
        updated=draw(dates),
        author=draw(st.none() | texts),
        link=draw(st.none() | texts),
        language=draw(st.none() | texts),
        source=draw(texts),
        warnings=tuple(
            Diagnostic("warning", message, "a.txt", line)
            for message, line in draw(st.lists(st.tuples(texts, st.none() | st.integers(1, 9))))
        ),
        dated_in_file=draw(st.booleans()),
        digest=digest,
        body_left_out=draw(st.booleans()),
        image=draw(st.none() | texts),
        image_alt=draw(st.none() | texts),
    )


def every_field(entry: Entry) -> tuple:
    return tuple(getattr(entry, name) for name in Entry._fields)


@given(entries())
def test_an_entry_saved_in_a_row_reads_back_field_for_field(entry: Entry):
    plain = _entry_to_plain(entry)
    # Of the shape a row read back must have, or the cache would be refused as damaged.
    check_shape([plain], ENTRY_SHAPE)
    read_back = _entry_from_plain(marshal.loads(marshal.dumps(plain)))
    assert type(read_back) is Entry
    # One string per keyword however many entries use it (marshal keeps them interned).
    assert all(keyword is sys.intern(keyword) for keyword in read_back.categories)
    assert every_field(read_back) == every_field(entry)
    for before, after in zip(
        (entry.published, entry.updated), (read_back.published, read_back.updated), strict=True
    ):
        assert after is None or after.utcoffset() == before.utcoffset()


@given(entries())
def test_an_entry_pickled_reads_back_field_for_field(entry: Entry):
    # How parse workers send entries to the build.
    read_back = pickle.loads(pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL))
    assert type(read_back) is Entry and every_field(read_back) == every_field(entry)


def test_a_change_to_feedtools_code_discards_the_cache(tmp_path: Path, monkeypatch):
    import shutil

    import feedtool._cache

    copy = tmp_path / "feedtool"
    shutil.copytree(Path(feedtool._cache.__file__).parent, copy)
    monkeypatch.setattr(feedtool._cache, "__file__", str(copy / "_cache.py"))
    feedtool._cache.code_key.cache_clear()
    before = feedtool._cache.code_key()
    renderer = copy / "_render" / "html.py"
    renderer.write_text(renderer.read_text() + "\n# renders differently now\n")
    feedtool._cache.code_key.cache_clear()
    assert feedtool._cache.code_key() != before
    feedtool._cache.code_key.cache_clear()
