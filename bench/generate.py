"""Write synthetic article files for benchmarking feedtool.

    python bench/generate.py N DIR [--seed S]

writes N articles in the article format (see docs/article-format.md) into DIR, creating it
if needed. The output depends only on N and the seed: every random choice comes from one
``random.Random(seed)``, and nothing reads the clock, so two runs with the same arguments
write byte-identical files.

Each article has a ``Date:`` line (2019-01-01 .. 2026-06-30, UTC), a title, a
"Strong points" block of exactly three points, 3-6 paragraphs of 2-5 sentences, an
occasional teaser line between paragraphs, and a ``Key words:, a, b`` line with 2-5
keywords. Keywords are drawn from a Zipf-like distribution over about 500 phrases, so a
few categories hold a large share of the articles and most hold only a handful.
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import os
import random
import sys

_WORD_TEXT = (
    "city council river bridge station tram bus line market school library museum park "
    "garden street harbour festival concert theatre volunteer resident worker student "
    "teacher doctor nurse driver engineer scientist researcher mayor official budget plan "
    "project report study survey result figure data network system service route schedule "
    "ticket fare price cost grant fund tax housing rent building tower square district "
    "neighbourhood village region coast forest field farm water energy power heat storm "
    "rain wind flood drought summer winter spring autumn morning evening night week month "
    "year decade history future community family child parent group team club league match "
    "season record crowd visitor audience release version update feature plugin code "
    "software tool website feed page article story question answer debate vote election "
    "party candidate campaign policy law court ruling agreement partnership exchange "
    "delegation new old large small local regional national public private early late "
    "quiet busy modern historic green open free strong weak rapid slow major minor first "
    "final annual weekly daily several many few most some every other said announced "
    "opened closed expected planned approved rejected reported measured recorded found "
    "showed built repaired replaced extended reduced increased published launched tested "
    "reviewed promised welcomed criticised funded visited joined left returned started "
    "finished described confirmed warned asked"
)
WORDS = _WORD_TEXT.split()

# Modifier x subject gives the keyword vocabulary; the first VOCABULARY_SIZE combinations
# (in a fixed interleaved order) are used, so the phrase list never depends on the seed.
_MODIFIER_TEXT = (
    "urban regional public open local digital green coastal rural national municipal "
    "community historic modern sustainable independent youth senior night weekend "
    "electric civic cultural scientific economic"
)
_SUBJECT_TEXT = (
    "transit cycling housing libraries schools rivers parks forests energy water weather "
    "elections budgets museums festivals theatre music sport football markets food "
    "restaurants health hospitals policing courts science research software data "
    "infrastructure bridges roads railways airports ports tourism heritage art climate "
    "farming waste recycling"
)
_MODIFIERS = _MODIFIER_TEXT.split()
_SUBJECTS = _SUBJECT_TEXT.split()
VOCABULARY_SIZE = 500
ZIPF_EXPONENT = 1.07

DATE_START = datetime.datetime(2019, 1, 1, tzinfo=datetime.UTC)
DATE_END = datetime.datetime(2026, 6, 30, 23, 59, 59, tzinfo=datetime.UTC)
DATE_SPAN_SECONDS = int((DATE_END - DATE_START).total_seconds())

TEASER_PROBABILITY = 0.15


def keyword_vocabulary(size: int = VOCABULARY_SIZE) -> list[str]:
    """The keyword phrases, most frequent first: distinct even ignoring case."""
    pairs = sorted(
        itertools.product(range(len(_MODIFIERS)), range(len(_SUBJECTS))),
        key=lambda ij: (ij[0] + ij[1], ij[1]),
    )
    phrases = [f"{_MODIFIERS[i].capitalize()} {_SUBJECTS[j]}" for i, j in pairs]
    return phrases[:size]


def _cumulative_zipf_weights(size: int, exponent: float) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank**exponent) for rank in range(1, size + 1)))


class _Writer:
    """Builds articles from one seeded random source."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.vocabulary = keyword_vocabulary()
        self.cum_weights = _cumulative_zipf_weights(len(self.vocabulary), ZIPF_EXPONENT)

    def words(self, low: int, high: int) -> list[str]:
        return self.rng.choices(WORDS, k=self.rng.randint(low, high))

    def sentence(self) -> str:
        words = self.words(6, 18)
        words[0] = words[0].capitalize()
        if len(words) > 9 and self.rng.random() < 0.3:
            cut = self.rng.randint(3, len(words) - 4)
            words[cut] += ","
        return " ".join(words) + "."

    def heading(self, low: int, high: int) -> str:
        """A title or teaser: capitalised words, no closing punctuation."""
        words = self.words(low, high)
        words[0] = words[0].capitalize()
        return " ".join(words)

    def paragraph(self) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(2, 5)))

    def keywords(self) -> list[str]:
        wanted = self.rng.randint(2, 5)
        chosen: list[str] = []
        while len(chosen) < wanted:
            (phrase,) = self.rng.choices(self.vocabulary, cum_weights=self.cum_weights)
            if phrase not in chosen:
                chosen.append(phrase)
        return chosen

    def date(self) -> str:
        moment = DATE_START + datetime.timedelta(seconds=self.rng.randint(0, DATE_SPAN_SECONDS))
        return moment.isoformat(timespec="seconds")

    def article(self) -> str:
        lines = [f"Date: {self.date()}", "", self.heading(5, 11), "", "Strong points", ""]
        lines.extend(self.sentence() for _ in range(3))
        paragraphs = self.rng.randint(3, 6)
        for index in range(paragraphs):
            if index > 0 and self.rng.random() < TEASER_PROBABILITY:
                lines += ["", self.heading(5, 10)]
            lines += ["", self.paragraph()]
        lines += ["", "Key words:, " + ", ".join(self.keywords()), ""]
        return "\n".join(lines)

    def file_name(self, number: int) -> str:
        return f"{number:06d}_{self.rng.getrandbits(64):016x}.txt"


def generate(n: int, directory: str | os.PathLike[str], seed: int = 1) -> int:
    """Write ``n`` articles into ``directory`` (created if needed); return how many."""
    if n < 0:
        raise ValueError(f"the number of articles must not be negative, not {n}")
    os.makedirs(directory, exist_ok=True)
    writer = _Writer(seed)
    for number in range(1, n + 1):
        name = writer.file_name(number)
        text = writer.article()
        with open(os.path.join(directory, name), "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
    return n


def _count(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return number


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="generate.py",
        description="Write N synthetic articles in the feedtool article format into DIR.",
    )
    parser.add_argument("n", metavar="N", type=_count, help="how many articles to write")
    parser.add_argument("directory", metavar="DIR", help="output folder (created if needed)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    args = parser.parse_args(argv)
    written = generate(args.n, args.directory, args.seed)
    print(f"wrote {written} articles to {args.directory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
