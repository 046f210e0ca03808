"""Articles in other languages, from their files to the published feeds and pages: the
headers of French, German and Japanese articles give their points and keywords, and a
site's own headers in [format] do too."""

from __future__ import annotations

import json
import re

import feedparser
import pytest

from feedtool._build import build
from feedtool._validate import validate_targets
from tests.conftest import SITE_URL, SiteFolder

FRENCH = """\
Date: 2026-05-04 08:00+02:00
Author: Camille Roux
Language: fr

Le tramway de la rive gauche ouvre ses portes

Points forts :

- La ligne T9 relie la gare centrale au quartier des Prés en 18 minutes.
- Un tram toutes les six minutes aux heures de pointe.

La première rame a quitté la gare centrale à 5 h 42 samedi, avec une quarantaine
de voyageurs matinaux à bord.

Lire aussi : le budget des ponts adopté

Mots-clés : Transports, Fête de la ville, Rive gauche
"""

GERMAN = """\
Date: 2026-05-03 10:00+02:00
Author: Jonas Weber
Language: de

Neue Radwege entlang des Rheins eröffnet

DAS WICHTIGSTE IN KURZE

• Zwölf Kilometer neue Radwege verbinden die Altstadt mit dem Hafen.
• Die Stadt investierte 4,2 Millionen Euro.

Am Samstag wurden die neuen Radwege feierlich eröffnet. Hunderte Radfahrer
nutzten die Strecke bereits am ersten Tag.

Schlagwörter: Verkehr, Radfahren, Köln
"""

JAPANESE = """\
Date: 2026-05-02 09:00+09:00
Author: 佐藤花子
Language: ja

東京で新しい路線が開業

要点

・新路線は東京駅と空港を三十分で結ぶ。
・朝は六分おきに運行する。

開業初日には多くの利用者が集まった。運行会社は年内に一日二万人の利用を見込む。

関連記事：空港の新ターミナル

キーワード：交通、東京、空港
"""

# A Japanese article written with the English headers, as a bilingual desk writes them.
JAPANESE_ENGLISH_HEADERS = """\
Date: 2026-05-01 18:00+09:00
Language: ja

大阪の美術館が改装を終えて再開

Key points
1. 改装は二年かかった。
2. 入館料は据え置き。

美術館は土曜日に再開し、初日から長い列ができた。

Key words: 文化、大阪
"""


@pytest.fixture
def languages_site(site: SiteFolder) -> SiteFolder:
    site.add("fr.txt", FRENCH)
    site.add("de.txt", GERMAN)
    site.add("ja.txt", JAPANESE)
    site.add("ja-en.txt", JAPANESE_ENGLISH_HEADERS)
    return site


EXPECTED = {
    "fr": (
        "Le tramway de la rive gauche ouvre ses portes",
        [
            "La ligne T9 relie la gare centrale au quartier des Prés en 18 minutes.",
            "Un tram toutes les six minutes aux heures de pointe.",
        ],
        ["Transports", "Fête de la ville", "Rive gauche"],
    ),
    "de": (
        "Neue Radwege entlang des Rheins eröffnet",
        [
            "Zwölf Kilometer neue Radwege verbinden die Altstadt mit dem Hafen.",
            "Die Stadt investierte 4,2 Millionen Euro.",
        ],
        ["Verkehr", "Radfahren", "Köln"],
    ),
    "ja": (
        "東京で新しい路線が開業",
        ["新路線は東京駅と空港を三十分で結ぶ。", "朝は六分おきに運行する。"],
        ["交通", "東京", "空港"],
    ),
    "ja-en": (
        "大阪の美術館が改装を終えて再開",
        ["改装は二年かかった。", "入館料は据え置き。"],
        ["文化", "大阪"],
    ),
}
# Newest first.
ORDER = ["fr", "de", "ja", "ja-en"]
LANGUAGES = {"fr": "fr", "de": "de", "ja": "ja", "ja-en": "ja"}


def _tag_id(name: str) -> str:
    return f"tag:news.example.org,2026:{name}"


@pytest.mark.parametrize("feed_name", ["rss.xml", "atom.xml"])
def test_feeds_carry_the_points_and_keywords_of_every_language(
    languages_site: SiteFolder, feed_name: str
):
    site = languages_site
    build(site.settings())
    feed = feedparser.parse(site.read(feed_name))
    assert not feed.bozo, feed.get("bozo_exception")
    assert [entry.id for entry in feed.entries] == [_tag_id(name) for name in ORDER]
    for entry, name in zip(feed.entries, ORDER, strict=True):
        title, points, keywords = EXPECTED[name]
        assert entry.title == title
        # The points arrive as the items of one HTML list.
        assert re.findall(r"<li>(.*?)</li>", entry.summary) == points
        assert [tag.term for tag in entry.tags] == keywords
        if feed_name == "atom.xml":  # each entry in the language its Language: line gives
            assert entry.summary_detail.language == LANGUAGES[name]


def test_the_json_feed_carries_them_with_each_items_language(languages_site: SiteFolder):
    site = languages_site
    build(site.settings())
    items = json.loads(site.read("feed.json"))["items"]
    assert [item["id"] for item in items] == [_tag_id(name) for name in ORDER]
    for item, name in zip(items, ORDER, strict=True):
        title, points, keywords = EXPECTED[name]
        assert (item["title"], item["summary"], item["tags"]) == (
            title,
            "\n".join(points),
            keywords,
        )
        assert item["language"] == name.split("-")[0]
    # The content is the points, then the paragraphs: no teaser ("Lire aussi", "関連記事")
    # and no keywords line.
    assert items[0]["content_html"] == (
        "<ul>\n<li>La ligne T9 relie la gare centrale au quartier des Prés en 18 minutes.</li>\n"
        "<li>Un tram toutes les six minutes aux heures de pointe.</li>\n</ul>\n"
        "<p>La première rame a quitté la gare centrale à 5 h 42 samedi, avec une "
        "quarantaine de voyageurs matinaux à bord.</p>"
    )
    assert "関連記事" not in items[2]["content_html"]
    assert "キーワード" not in items[2]["content_html"]


def test_every_keyword_is_a_category_with_its_feeds(languages_site: SiteFolder):
    site = languages_site
    build(site.settings())
    for slug, title in [
        ("fete-de-la-ville", "Le tramway de la rive gauche ouvre ses portes"),
        ("koln", "Neue Radwege entlang des Rheins eröffnet"),
        ("東京", "東京で新しい路線が開業"),
        ("大阪", "大阪の美術館が改装を終えて再開"),
    ]:
        feed = feedparser.parse(site.read(f"categories/{slug}/atom.xml"))
        assert not feed.bozo
        assert [entry.title for entry in feed.entries] == [title]
    json_feed = json.loads(site.read("categories/交通/feed.json"))
    assert json_feed["feed_url"] == SITE_URL + "categories/%E4%BA%A4%E9%80%9A/feed.json"
    assert [item["title"] for item in json_feed["items"]] == ["東京で新しい路線が開業"]


def test_the_pages_show_the_points_of_every_language(languages_site: SiteFolder):
    site = languages_site
    build(site.settings())
    page = site.read("entries/ja.html").decode()
    assert '<article lang="ja">' in page
    assert (
        '<ul class="points">\n<li>新路線は東京駅と空港を三十分で結ぶ。</li>\n'
        "<li>朝は六分おきに運行する。</li>\n</ul>"
    ) in page
    german = site.read("entries/de.html").decode()
    assert "<li>Die Stadt investierte 4,2 Millionen Euro.</li>" in german
    assert "Schlagwörter" not in german


def test_the_published_feeds_are_valid(languages_site: SiteFolder):
    site = languages_site
    build(site.settings())
    reports = validate_targets([str(site.output)])
    feeds = {report.path.rsplit("/", 1)[-1] for report in reports if report.kind != "html"}
    assert {"rss.xml", "atom.xml", "feed.json"} <= feeds
    assert [str(finding) for report in reports for finding in report.findings] == []


SITE_HEADERS_ARTICLE = """\
Date: 2026-05-05 08:00+02:00

Les marchés de nuit reviennent cet été

En bref

Huit marchés de nuit du 1er juillet au 31 août.
Entrée libre.

Les marchés ouvriront chaque vendredi soir sur les quais.

Rubriques : Marchés, Été
"""


def test_a_sites_own_headers_reach_the_feeds_and_a_change_of_them_rebuilds(site: SiteFolder):
    site.add("nuit.txt", SITE_HEADERS_ARTICLE)
    build(site.settings())  # with the cache: the next build must not keep what it parsed
    before = json.loads(site.read("feed.json"))["items"][0]
    # "En bref" is not a built-in header: a teaser line, and the points one paragraph.
    assert before["summary"] == "Huit marchés de nuit du 1er juillet au 31 août. Entrée libre."
    assert "tags" not in before

    site.write_config('[format]\npoints_headers = ["En bref"]\nkeyword_headers = ["Rubriques"]\n')
    report = build(site.settings())
    assert "feed.json" in report.result.changed
    after = json.loads(site.read("feed.json"))["items"][0]
    assert after["summary"] == "Huit marchés de nuit du 1er juillet au 31 août.\nEntrée libre."
    assert after["tags"] == ["Marchés", "Été"]
    assert (site.output / "categories/ete/rss.xml").exists()
