"""Item templates: every RSS item and Atom entry is exactly the one feedgen writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedtool._render.rss_atom import ItemTemplates, ItemValues, feedgen_items

# Any text lxml accepts, with the characters it escapes (and the template marks) made common.
_xml_char = st.characters(
    blacklist_categories=("Cs",),
    blacklist_characters="\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12"
    "\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\ufffe\uffff",
)
_tricky = st.sampled_from(list("&<>\"'\r\n\t ]]>\ue000\ue001") + ["&amp;", "\ue000id\ue001"])
text = st.lists(st.one_of(_xml_char, _tricky), max_size=30).map("".join)
some_text = text.filter(bool)
dates = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
) | st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1)).map(
    lambda moment: moment.replace(tzinfo=timezone(timedelta(hours=5, minutes=30)))
)
item_values = st.builds(
    ItemValues,
    id=some_text,
    title=some_text,
    link=some_text,
    published=dates,
    updated=dates,
    author=text,
    summary=text,
    content=text,
    categories=st.lists(some_text, max_size=5).map(tuple),
    language=text,
    image=text,
    image_alt=text,
    image_type=text,
)


@settings(max_examples=400, deadline=None)
@given(item_values)
def test_templated_items_are_feedgens_byte_for_byte(values):
    assert ItemTemplates().render(values) == feedgen_items(values)


def test_one_templates_object_serves_every_shape_in_turn():
    templates = ItemTemplates()
    when = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    base = ItemValues("tag:x,2000:a", "A & B", "https://x/a", when, when, "", "", "", ())
    variants = [
        _replace(base, author="Ann <ann>"),
        _replace(base, summary='<ul>\n<li>Say "hi"</li>\n<li>then &amp; go</li>\n</ul>'),
        _replace(base, content="<p>x &amp; y</p>"),
        _replace(base, categories=("a", 'b "quoted"', "c\td")),
        _replace(base, language="fr-CA"),
        _replace(base, language='x"<&\t'),
        _replace(base, image="https://x/a.png?b=1&c=2", image_type="image/png"),
        _replace(base, image="https://x/a", image_alt='A "tram" <at> dawn & dusk'),
        _replace(base, image="https://x/a.svg", image_alt="x\ty", image_type="image/svg+xml"),
        base,
    ]
    for values in variants:
        assert templates.render(values) == feedgen_items(values)


def test_values_lxml_refuses_still_fail_as_feedgen_fails():
    when = datetime(2024, 5, 6, tzinfo=UTC)
    values = ItemValues("tag:x,2000:a", "bad \x01 title", "https://x/a", when, when, "", "", "", ())
    with pytest.raises(ValueError):
        feedgen_items(values)
    with pytest.raises(ValueError):
        ItemTemplates().render(values)


def _fields(values: ItemValues) -> dict:
    return {name: getattr(values, name) for name in ItemValues.__slots__}


def _replace(values: ItemValues, **changes) -> ItemValues:
    return ItemValues(**{**_fields(values), **changes})


@settings(max_examples=300, deadline=None)
@given(dates)
def test_rfc2822_dates_are_feedgens(moment):
    from feedgen.util import formatRFC2822

    from feedtool._render.rss_atom import rfc2822

    assert rfc2822(moment) == formatRFC2822(moment)


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    st.none()
    | st.sampled_from([-30, -210, -720, 0, 30, 345, 840]).map(
        lambda minutes: timezone(timedelta(minutes=minutes))
    )
    | st.just(timezone(timedelta(hours=1, seconds=30))),
)
def test_rfc2822_dates_are_feedgens_in_any_zone_and_year(moment, zone):
    from feedgen.util import formatRFC2822

    from feedtool._render.rss_atom import rfc2822

    moment = moment.replace(tzinfo=zone)
    assert rfc2822(moment) == formatRFC2822(moment)


json_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
json_items = st.fixed_dictionaries(
    {"id": json_text, "url": json_text, "title": json_text},
    optional={
        "summary": json_text,
        "content_html": json_text,
        "authors": st.lists(st.fixed_dictionaries({"name": json_text}), max_size=2),
        "tags": st.lists(json_text, max_size=4),
        "language": json_text,
    },
)


@settings(max_examples=300, deadline=None)
@given(json_items)
def test_json_items_are_written_as_json_dumps_writes_them(item):
    import json

    from feedtool._render.jsonfeed import _indented, _item_text

    expected = "\n".join(
        f"    {line}" for line in json.dumps(item, ensure_ascii=False, indent=2).split("\n")
    )
    assert "    " + _indented(item, "    ") == expected
    assert _item_text(item) == expected  # how json_item writes an entry's item


def test_each_item_is_validated_in_the_first_feed_of_each_format_that_holds_it():
    from feedtool._config import Settings
    from feedtool._entry import parse_entry
    from feedtool._render import FeedJob, make_jobs, plan_outputs
    from feedtool._render.pieces import Location
    from feedtool._site import collect_site

    settings = Settings(url="https://example.org/", limit=0, archive_size=2)
    entries = [
        parse_entry(
            f"Date: 2026-01-0{number}\n\nTitle {number}\n\nBody.\n\nKey words: {'ab'[number % 2]}",
            f"{number}.txt",
        )
        for number in range(1, 6)
    ]
    site = collect_site(entries, settings)
    pieces = {entry.id: Location("pieces", 0, (1, 1, 1, 1, 1)) for entry in site.entries}
    jobs = [job for _, job in make_jobs(plan_outputs(site), pieces) if isinstance(job, FeedJob)]
    for form in ("rss", "atom", "json"):
        of_format = [job for job in jobs if job.format == form]
        # Each entry is in the site's feed, a category's and (RSS, Atom) an archive page.
        assert sum(len(job.items) for job in of_format) > len(site.entries)
        assert sum(sum(job.to_check) for job in of_format) == len(site.entries)
        assert all(of_format[0].to_check)  # the site's feed, made first, holds them all
