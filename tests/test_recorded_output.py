"""A generated site builds to recorded bytes: a change to the build's machinery that
changes no feature changes no byte.

The digests were first recorded with the code before the build became a pipeline of
stages (c8f16ec), and the pipeline gave the same. A change that means to change the
output records the new digests here, in the same commit, and says why. Recorded again
when the feeds gave the strong points as an HTML list and Atom entries their xml:lang,
and pages gained the author, "Updated", the dark theme and the site name in the header.
Recorded again when entry pages gained a canonical link and Open Graph properties and the
stylesheet a rule for lead images: every entry page and style.css changed, no feed did
(the generated articles have no Image: line).
Recorded again for three new files, feeds.opml, sitemap.xml and robots.txt, and the
home pages' and category index's links to feeds.opml (feeds and entry pages unchanged).
"""

from __future__ import annotations

import hashlib
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from feedtool._build import build
from feedtool._config import load_settings

BENCH = Path(__file__).resolve().parent.parent / "bench"
GENERATE_PY = BENCH / "generate.py"


def _bench_site_config() -> str:
    """The feedtool.toml bench/run.py gives a generated site."""
    spec = importlib.util.spec_from_file_location("bench_run_config", BENCH / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.SITE_CONFIG


# (files, SHA-256 of every path and its bytes, in path order), for 1,000 generated articles.
RECORDED = {
    "default settings": (
        2705,
        "36ffb62bb8ef46be63b6ef5ede0aac72e86867e1a19a63f6d687bad2440963c3",
    ),
    "--limit 0": (2658, "8bc41aa005cece8623f6c34422b5678a274429faf5159440980f7c14a100e2bb"),
}


def output_digest(root: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    paths = sorted(
        (path.relative_to(root).as_posix(), path) for path in root.rglob("*") if path.is_file()
    )
    # As the record was made: each folder's files before its subfolders, both sorted.
    paths.sort(key=lambda item: (item[0].split("/")[:-1], item[0].split("/")[-1]))
    for relative, path in paths:
        digest.update(relative.encode() + b"\0" + path.read_bytes() + b"\0")
    return len(paths), digest.hexdigest()


@pytest.fixture(scope="module")
def generated_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("generated")
    subprocess.run(
        [sys.executable, str(GENERATE_PY), "1000", str(root / "entries"), "--seed", "1"],
        check=True,
        capture_output=True,
    )
    (root / "feedtool.toml").write_text(_bench_site_config(), encoding="utf-8")
    return root


@pytest.mark.parametrize(("name", "limit"), [("default settings", None), ("--limit 0", 0)])
def test_a_generated_site_builds_to_the_recorded_bytes(
    generated_site: Path, name: str, limit: int | None
):
    output = generated_site / f"public-{limit}"
    overrides = {"output": output} if limit is None else {"output": output, "limit": limit}
    settings = load_settings(generated_site / "feedtool.toml", overrides)
    build(settings, use_cache=False)
    assert output_digest(output) == RECORDED[name]
