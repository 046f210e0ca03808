"""Shared helpers: small sites written into tmp_path for each test."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from feedtool._config import Settings, load_settings

SITE_URL = "https://news.example.org/"


def assert_no_traceback(result: Result) -> None:
    """A command run ended as the real CLI would show it: by its own exit, never by an
    uncaught exception (which CliRunner catches, where a user would see a traceback)."""
    exception = result.exception
    assert exception is None or isinstance(exception, SystemExit), (
        f"uncaught {type(exception).__name__}: {exception}"
    )
    assert "Traceback" not in result.output
    if result.stderr_bytes is not None:
        assert "Traceback" not in result.stderr


@pytest.fixture(autouse=True)
def cli_never_shows_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every CliRunner run of every test is checked with ``assert_no_traceback``."""
    invoke = CliRunner.invoke

    def checked_invoke(self: CliRunner, *args: object, **kwargs: object) -> Result:
        result = invoke(self, *args, **kwargs)
        assert_no_traceback(result)
        return result

    monkeypatch.setattr(CliRunner, "invoke", checked_invoke)


ARTICLE = """\
Date: {date}

{title}

Strong points
{points}

{body}

Key words:, {keywords}
"""


def article(
    title: str = "A title",
    points: tuple[str, ...] = ("First point.", "Second point."),
    body: str = "A body paragraph that ends properly.",
    keywords: str = "Alpha, Beta",
    date: str = "2026-01-02 10:00:00+00:00",
) -> str:
    """An article file's text in the format, with the parts a test cares about."""
    return ARTICLE.format(
        date=date, title=title, points="\n".join(points), body=body, keywords=keywords
    )


class SiteFolder:
    """A project folder in tmp_path: entries/, public/ and feedtool.toml."""

    def __init__(self, root: Path):
        self.root = root
        self.entries = root / "entries"
        self.output = root / "public"
        self.entries.mkdir()
        self.config = root / "feedtool.toml"
        self.write_config()

    def write_config(self, extra: str = "", id_authority: str | None = "news.example.org,2026"):
        authority = f'id_authority = "{id_authority}"\n' if id_authority else ""
        self.config.write_text(
            textwrap.dedent(
                f"""\
                [site]
                title = "Test News"
                url = "{SITE_URL}"
                description = "Tests of feedtool"
                language = "en"
                author = "Test Desk"
                timezone = "UTC"
                """
            )
            + authority
            + extra,
            encoding="utf-8",
        )

    def add(self, name: str, text: str | bytes) -> Path:
        path = self.entries / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    def settings(self, **overrides) -> Settings:
        return load_settings(self.config, overrides)

    def read(self, relative: str) -> bytes:
        return (self.output / relative).read_bytes()

    def snapshot(self) -> dict[str, bytes]:
        """Every file of the output folder with its bytes."""
        return {
            path.relative_to(self.output).as_posix(): path.read_bytes()
            for path in sorted(self.output.rglob("*"))
            if path.is_file()
        }


@pytest.fixture
def site(tmp_path: Path) -> SiteFolder:
    return SiteFolder(tmp_path)


@pytest.fixture
def three_entry_site(site: SiteFolder) -> SiteFolder:
    site.add(
        "001_alpha.txt",
        article(
            title="Alpha & Omega: <b>first</b>",
            points=("Point one of alpha.", "Point two of alpha."),
            keywords="Transit, Café culture",
            date="2026-01-01 09:00:00+00:00",
        ),
    )
    site.add(
        "002_beta.txt",
        article(
            title="Beta second",
            points=("Only point of beta.",),
            keywords="transit, Science",
            date="2026-02-01 09:00:00+00:00",
        ),
    )
    site.add(
        "sub/003_gamma.txt",
        "Date: 2026-03-01 12:30\nAuthor: Grace Hopper\nLink: https://elsewhere.example.com/g\n\n"
        "Gamma third\n\nThe body of gamma has no points, so its first paragraph is the "
        "summary.\n\nKeywords: Science\n",
    )
    return site


def record_made(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of the outputs the next builds make (not those kept as published)."""
    import feedtool._render

    paths: list[str] = []
    original = feedtool._render.make_outputs

    def recording(batch):  # noqa: ANN001, ANN202 - stands in for make_outputs
        paths.extend(path for path, _ in batch.jobs)
        return original(batch)

    monkeypatch.setattr(feedtool._render, "make_outputs", recording)
    return paths
