"""bench/generate.py: deterministic synthetic articles in the article format."""

from __future__ import annotations

import datetime
import importlib.util
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

GENERATE_PY = Path(__file__).resolve().parent.parent / "bench" / "generate.py"
NAME = re.compile(r"^\d{6}_[0-9a-f]{16}\.txt$")


def _load_generate():
    spec = importlib.util.spec_from_file_location("bench_generate", GENERATE_PY)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gen = _load_generate()


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def _keywords(text: str) -> list[str]:
    line = next(x for x in text.split("\n") if x.startswith("Key words:"))
    return [part.strip() for part in line.split(":", 1)[1].split(",") if part.strip()]


def test_same_seed_gives_identical_files(tmp_path):
    assert gen.generate(50, tmp_path / "a", 1) == 50
    assert gen.generate(50, tmp_path / "b", 1) == 50
    first, second = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert len(first) == 50
    assert first == second


def test_other_seed_gives_other_files(tmp_path):
    gen.generate(5, tmp_path / "a", 1)
    gen.generate(5, tmp_path / "b", 2)
    assert _files(tmp_path / "a") != _files(tmp_path / "b")


def test_creates_n_files_with_numbered_hex_names(tmp_path):
    out = tmp_path / "new" / "folder"
    assert gen.generate(50, out, 7) == 50
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 50
    assert all(NAME.match(name) for name in names), names
    assert [name[:6] for name in names] == [f"{i:06d}" for i in range(1, 51)]
    assert len({name[7:23] for name in names}) == 50


def test_each_article_has_date_points_and_keywords(tmp_path):
    gen.generate(50, tmp_path, 3)
    for path in sorted(tmp_path.iterdir()):
        raw = path.read_bytes()
        assert b"\r" not in raw
        lines = raw.decode("utf-8").split("\n")

        assert lines[0].startswith("Date: "), path.name
        moment = datetime.datetime.fromisoformat(lines[0].removeprefix("Date: "))
        assert moment.utcoffset() == datetime.timedelta(0)
        assert gen.DATE_START <= moment <= gen.DATE_END

        title = lines[2]
        assert title and title[-1].isalpha()

        header = lines.index("Strong points")
        rest = lines[header + 1 :]
        while rest and not rest[0].strip():
            rest = rest[1:]
        points = []
        for line in rest:
            if not line.strip():
                break
            points.append(line)
        assert len(points) == 3, path.name
        assert all(point.endswith(".") for point in points)

        keywords = _keywords("\n".join(lines))
        assert 2 <= len(keywords) <= 5, path.name
        assert len({k.lower() for k in keywords}) == len(keywords)
        assert lines[-2].startswith("Key words:, ")


def test_paragraphs_and_teasers_follow_the_format(tmp_path):
    gen.generate(50, tmp_path, 1)
    teasers = 0
    for path in sorted(tmp_path.iterdir()):
        text = path.read_text(encoding="utf-8")
        body = text.split("Strong points\n\n", 1)[1].split("\nKey words:", 1)[0]
        blocks = [b.strip() for b in body.split("\n\n") if b.strip()][1:]  # [0] holds the points
        paragraphs = [b for b in blocks if b.endswith(".")]
        teasers += len(blocks) - len(paragraphs)
        assert 3 <= len(paragraphs) <= 6, path.name
        for paragraph in paragraphs:
            assert 2 <= paragraph.count(".") <= 5
        for block in blocks:
            assert "\n" not in block
    assert teasers > 0


def test_keywords_are_zipf_like(tmp_path):
    gen.generate(300, tmp_path, 1)
    counts = Counter(
        keyword
        for path in tmp_path.iterdir()
        for keyword in _keywords(path.read_text(encoding="utf-8"))
    )
    most_common = counts.most_common()
    top_count = most_common[0][1]
    median_count = most_common[len(most_common) // 2][1]
    assert top_count >= 60
    assert top_count >= 10 * median_count


def test_vocabulary_has_about_500_distinct_phrases():
    vocabulary = gen.keyword_vocabulary()
    assert len(vocabulary) == 500
    assert len({phrase.lower() for phrase in vocabulary}) == 500


def test_main_cli(tmp_path, capsys):
    assert gen.main(["4", str(tmp_path / "cli"), "--seed", "9"]) == 0
    assert len(list((tmp_path / "cli").iterdir())) == 4
    assert "wrote 4 articles" in capsys.readouterr().out
    gen.generate(4, tmp_path / "api", 9)
    assert _files(tmp_path / "cli") == _files(tmp_path / "api")


def test_negative_count_is_rejected(tmp_path):
    with pytest.raises(SystemExit):
        gen.main(["-1", str(tmp_path)])
    with pytest.raises(ValueError):
        gen.generate(-1, tmp_path, 1)
