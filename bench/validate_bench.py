"""How long `feedtool validate` takes, and how much memory, on a ~50 MB RSS and Atom feed.

    python bench/validate_bench.py [--megabytes 50]

Generates feeds shaped like feedtool's own output (tag: ids, RFC 822 / RFC 3339
dates, escaped HTML content, categories, a self link) in a temporary folder, then
validates each in a fresh process and prints a Markdown table of wall time and peak
resident memory. Peak memory comes from resource.getrusage(RUSAGE_CHILDREN) in a
measuring process that runs exactly one validation child, so each row is that one
validation's own peak. The baseline row validates a tiny feed: the cost of Python,
lxml and feedtool before any feed data. "Small items" has no content, so the same
size holds several times as many items. Figures are recorded in bench/VALIDATE.md.
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
    "import sys; from feedtool.validate import validate_targets, render_text;"
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
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    # "path: kind, N errors, M warnings" without the temporary path.
    summary = (result.stdout.strip() or result.stderr.strip().splitlines()[-1]).split(": ")[-1]
    print(json.dumps({"seconds": seconds, "peak_mib": peak_kib / 1024, "summary": summary}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=int, default=50, help="size of each feed")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure_one(args.measure)
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

    print("| feed | size (MB) | wall time (s) | peak RSS (MiB) | result |")
    print("|---|---:|---:|---:|---|")
    for label, size, figures in rows:
        print(
            f"| {label} | {size / 1e6:.1f} | {figures['seconds']:.2f} |"
            f" {figures['peak_mib']:.0f} | {figures['summary']} |"
        )


if __name__ == "__main__":
    main()
