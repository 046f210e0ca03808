"""Input that would make a build write without bound, or fail on a name, is an error
naming the article and its line, or a working build; never a runaway or a traceback."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from feedtool.build import EntriesRejected, build
from feedtool.cli import main
from tests.conftest import SiteFolder, article


def keywords(count: int) -> str:
    return ", ".join(f"topic {number}" for number in range(count))


def test_an_article_with_too_many_keywords_is_refused_naming_its_line(site: SiteFolder):
    # 1,500 keywords on one short article made 400 MB of output before the limit.
    site.add("x.txt", article(keywords=keywords(1500)))
    result = CliRunner().invoke(main, ["build", "--config", str(site.config)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"{site.entries / 'x.txt'}:11: error: 1500 keywords; at most 30 "
        "(raise it with --max-keywords or [build] max_keywords)"
    )
    assert not site.output.exists()


def test_a_site_may_allow_more_keywords(site: SiteFolder):
    site.add("x.txt", article(keywords=keywords(35)))
    with pytest.raises(EntriesRejected) as rejected:
        build(site.settings())
    assert [(error.path, error.line) for error in rejected.value.errors] == [
        (str(site.entries / "x.txt"), 11)
    ]
    site.write_config("[build]\nmax_keywords = 35\n")
    build(site.settings())
    assert (site.output / "categories" / "topic-34" / "rss.xml").is_file()
    result = CliRunner().invoke(
        main, ["build", "--config", str(site.config), "--max-keywords", "34"]
    )
    assert result.exit_code == 1 and "35 keywords; at most 34" in result.stderr
