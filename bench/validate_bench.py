"""How long `feedtool validate` takes, and how much memory, on a ~50 MB RSS and Atom feed;
and, with a checkout of the W3C Feed Validation Service, how it compares on many feeds.

    python bench/validate_bench.py [--megabytes 50]
    python bench/validate_bench.py --w3c DIR [--w3c-python PYTHON] [--feeds 200]

Generates feeds shaped like feedtool's own output (tag: ids, RFC 822 / RFC 3339
dates, escaped HTML content, categories, a self link) in a temporary folder, then
validates each in a fresh process and prints a Markdown table of wall time, CPU time
and peak resident memory. Peak memory comes from resource.getrusage(RUSAGE_CHILDREN) in a
measuring process that runs exactly one validation child, so each row is that one
validation's own peak. The baseline row validates a tiny feed: the cost of Python,
lxml and feedtool before any feed data. "Small items" has no content, so the same
size holds several times as many items. Figures are recorded in bench/VALIDATE.md.

With --w3c (a checkout of github.com/w3c/feedvalidator; PYTHON needs html5lib, rdflib
and lxml), it writes --feeds feeds of 20 items each, RSS and Atom in turn, and times:
feedtool validating them all in one call (one process, start-up included); the W3C code
run once per feed, as its command line and its web service validate one feed a request
(a fresh process each, start-up included; a sample of 20 feeds); and the W3C code's
validation alone, in one process over all feeds, start-up excluded.
"""

from __future__ import annotations

import argparse
import datetime
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

# Prints the feed's summary line: the last but one, since a total line closes the text.
_VALIDATE = (
    "import sys; from feedtool._validate import validate_targets, render_text;"
    " reports = validate_targets([sys.argv[1]]);"
    " print(render_text(reports).splitlines()[-2])"
)
_PARAGRAPH = (
    "Plain-text articles become feeds and pages; every paragraph here is escaped HTML,"
    " the way the build writes content:encoded and Atom content."
)
_START = datetime.datetime(2020, 1, 1, 8, 0, tzinfo=datetime.UTC)


def rss_chunks(count: int, with_content: bool = True) -> Iterator[str]:
    yield (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"'
        ' xmlns:content="http://purl.org/rss/1.0/modules/content/">\n<channel>\n'
        "<title>Bench</title>\n<link>https://example.org/</link>\n"
        "<description>A large generated feed</description>\n"
        '<atom:link href="https://example.org/rss.xml" rel="self" type="application/rss+xml"/>\n'
    )
    for n in range(count):
        date = (_START + datetime.timedelta(hours=n)).strftime("%a, %d %b %Y %H:%M:%S +0000")
        content = (
            f"<description>Article {n} in brief.</description>\n"
            f"<content:encoded>{_escaped_html(n)}</content:encoded>\n"
            if with_content
            else ""
        )
        yield (
            f"<item>\n<title>Article {n}</title>\n<link>https://example.org/a/{n}/</link>\n"
            f'<guid isPermaLink="false">tag:example.org,2020:a-{n}</guid>\n'
            f"<pubDate>{date}</pubDate>\n<category>bench</category>\n{content}</item>\n"
        )
    yield "</channel>\n</rss>\n"


def atom_chunks(count: int) -> Iterator[str]:
    yield (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
        "<id>tag:example.org,2020:feed</id>\n<title>Bench</title>\n"
        "<updated>2020-01-01T08:00:00Z</updated>\n<author><name>Bench</name></author>\n"
        '<link href="https://example.org/atom.xml" rel="self"/>\n'
        '<link href="https://example.org/"/>\n'
    )
    for n in range(count):
        date = (_START + datetime.timedelta(hours=n)).strftime("%Y-%m-%dT%H:%M:%SZ")
        yield (
            f"<entry>\n<id>tag:example.org,2020:a-{n}</id>\n<title>Article {n}</title>\n"
            f"<updated>{date}</updated>\n<published>{date}</published>\n"
            f'<link href="https://example.org/a/{n}/"/>\n<category term="bench"/>\n'
            f'<summary type="text">Article {n} in brief.</summary>\n'
            f'<content type="html">{_escaped_html(n)}</content>\n</entry>\n'
        )
    yield "</feed>\n"


def _escaped_html(n: int) -> str:
    paragraphs = "".join(f"&lt;p&gt;{_PARAGRAPH} ({n}.{i})&lt;/p&gt;" for i in range(8))
    return f"&lt;h2&gt;Article {n}&lt;/h2&gt;{paragraphs}"


def write_feed(path: Path, chunks: Iterator[str]) -> int:
    with path.open("w", encoding="utf-8") as out:
        for chunk in chunks:
            out.write(chunk)
    return path.stat().st_size


def items_for(megabytes: int, sample: Iterator[str]) -> int:
    """How many items make roughly ``megabytes`` MB, judging by the first item."""
    next(sample)
    per_item = len(next(sample).encode("utf-8"))
    return megabytes * 1_000_000 // per_item


def measure(path: Path) -> dict:
    """Run this script as a measuring process for one validation; return its figures."""
    output = subprocess.run(
        [sys.executable, __file__, "--measure", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output)


def measure_one(path: str) -> None:
    """The measuring process: one validation child, then its time and peak memory."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", _VALIDATE, path], check=False, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_kib = usage.ru_maxrss  # KiB on Linux
    # "path: kind, N errors, M warnings" without the temporary path.
    summary = (result.stdout.strip() or result.stderr.strip().splitlines()[-1]).split(": ")[-1]
    cpu = usage.ru_utime + usage.ru_stime  # steadier than wall time on a busy machine
    figures = {"seconds": seconds, "cpu": cpu, "peak_mib": peak_kib / 1024, "summary": summary}
    print(json.dumps(figures))


# The W3C code, validating one feed as its command line does: the result is its verdict.
_W3C_ONE = """
import sys
sys.path.insert(0, sys.argv[1] + "/src")
import feedvalidator
data = open(sys.argv[2], "rb").read()
try:
    events = feedvalidator.validateString(data, firstOccurrenceOnly=1)["loggedEvents"]
except feedvalidator.logging.ValidationFailure as failure:
    events = [failure.event]
print(sum(isinstance(e, feedvalidator.logging.Error) for e in events))
"""
# The W3C code over many feeds in one process: its validation alone, after its imports.
_W3C_MANY = """
import json, pathlib, sys, time
sys.path.insert(0, sys.argv[1] + "/src")
import feedvalidator
paths = sorted(pathlib.Path(sys.argv[2]).iterdir())
invalid = 0
started = time.perf_counter()
for path in paths:
    try:
        events = feedvalidator.validateString(path.read_bytes(), firstOccurrenceOnly=1)
        events = events["loggedEvents"]
    except feedvalidator.logging.ValidationFailure as failure:
        events = [failure.event]
    invalid += any(isinstance(e, feedvalidator.logging.Error) for e in events)
print(json.dumps({"seconds": time.perf_counter() - started, "invalid": invalid}))
"""
# feedtool over many feeds in one call, as `feedtool validate FOLDER` does.
_FEEDTOOL_MANY = (
    "import sys; from feedtool._validate import validate_targets;"
    " reports = validate_targets([sys.argv[1]]);"
    " print(len(reports), sum(1 for r in reports if r.errors))"
)
_W3C_SAMPLE = 20  # feeds the W3C code validates one process each


def compare_with_w3c(w3c: Path, python: str, count: int) -> None:
    """Many feeds: feedtool in one call against the W3C code, per feed; a Markdown table."""
    with tempfile.TemporaryDirectory(prefix="feedtool-bench-many-") as folder:
        for n in range(count):
            chunks = rss_chunks(20) if n % 2 == 0 else atom_chunks(20)
            write_feed(Path(folder, f"feed-{n:04d}.{'rss' if n % 2 == 0 else 'atom'}.xml"), chunks)
        size = sum(path.stat().st_size for path in Path(folder).iterdir()) / count

        started = time.perf_counter()
        ours = subprocess.run(
            [sys.executable, "-c", _FEEDTOOL_MANY, folder],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        feedtool_seconds = time.perf_counter() - started

        sample = sorted(Path(folder).iterdir())[:_W3C_SAMPLE]
        started = time.perf_counter()
        w3c_invalid = 0
        for path in sample:
            verdict = subprocess.run(
                [python, "-c", _W3C_ONE, str(w3c), str(path)],
                check=True,
                capture_output=True,
                text=True,
            )
            w3c_invalid += int(verdict.stdout.split()[-1]) > 0
        w3c_each = (time.perf_counter() - started) / len(sample)

        many = json.loads(
            subprocess.run(
                [python, "-c", _W3C_MANY, str(w3c), folder],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )

    ours_each = feedtool_seconds / count
    print(f"{count} feeds of 20 items, {size / 1000:.0f} kB each on average\n")
    print("| validation | per feed (ms) | feedtool is faster by | invalid feeds |")
    print("|---|---:|---:|---|")
    print(
        f"| feedtool, all {count} in one call (start-up included) | {ours_each * 1000:.2f} |"
        f" | {ours[1]} of {ours[0]} |"
    )
    print(
        f"| W3C code, one run per feed (start-up included; {len(sample)} feeds) |"
        f" {w3c_each * 1000:.1f} | {w3c_each / ours_each:.0f}x | {w3c_invalid} of {len(sample)} |"
    )
    w3c_alone = many["seconds"] / count
    print(
        f"| W3C code, all {count} in one process (its validation alone) |"
        f" {w3c_alone * 1000:.1f} | {w3c_alone / ours_each:.0f}x | {many['invalid']} of {count} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=int, default=50, help="size of each feed")
    parser.add_argument("--w3c", type=Path, help="a checkout of w3c/feedvalidator to compare with")
    parser.add_argument("--w3c-python", default=sys.executable, help="a Python for the W3C code")
    parser.add_argument("--feeds", type=int, default=200, help="feeds to compare on (--w3c)")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure_one(args.measure)
        return
    if args.w3c:
        compare_with_w3c(args.w3c, args.w3c_python, args.feeds)
        return

    rows = []
    with tempfile.TemporaryDirectory(prefix="feedtool-bench-") as folder:
        feeds = [
            ("baseline (tiny RSS)", Path(folder, "tiny.xml"), rss_chunks(1)),
            (
                "RSS 2.0",
                Path(folder, "rss.xml"),
                rss_chunks(items_for(args.megabytes, rss_chunks(1))),
            ),
            (
                "RSS 2.0, small items",
                Path(folder, "rss-small.xml"),
                rss_chunks(items_for(args.megabytes, rss_chunks(1, False)), False),
            ),
            (
                "Atom 1.0",
                Path(folder, "atom.xml"),
                atom_chunks(items_for(args.megabytes, atom_chunks(1))),
            ),
        ]
        for label, path, chunks in feeds:
            size = write_feed(path, chunks)
            figures = measure(path)
            rows.append((label, size, figures))

    print("| feed | size (MB) | wall time (s) | CPU time (s) | peak RSS (MiB) | result |")
    print("|---|---:|---:|---:|---:|---|")
    for label, size, figures in rows:
        print(
            f"| {label} | {size / 1e6:.1f} | {figures['seconds']:.2f} | {figures['cpu']:.2f} |"
            f" {figures['peak_mib']:.0f} | {figures['summary']} |"
        )


if __name__ == "__main__":
    main()
