"""Publication dates: a table of tricky pages and strings with the expected answers.

Each case is a small hand-written page (or string) reproducing one way date
extraction goes wrong on real sites: time zones near midnight, update dates, teaser
boxes, numeric order by locale, two-digit years, relative dates, implausible dates.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from scraper.extract import extract_article
from scraper.extract.dateparse import parse_human, parse_machine

FETCHED = datetime(2024, 1, 10, 12, 0, tzinfo=UTC)
BODY = "<p>" + "The council met on the matter and residents spoke at length about the plan. " * 8 + "</p>"


def page(
    head: str = "",
    header: str = "",
    lang: str = "en",
    title: str = "Council Approves Harbor Plan",
    after: str = "",
    jsonld: dict | None = None,
) -> str:
    """A small article page: <head> extras, the header around the <h1>, a body, then `after`."""
    script = f'<script type="application/ld+json">{json.dumps(jsonld)}</script>' if jsonld else ""
    return (
        f'<html lang="{lang}"><head><meta charset="utf-8"><title>{title} | Example Times</title>{head}{script}'
        f'</head><body><div class="site">Example Times</div><article><h1>{title}</h1>{header}{BODY}</article>'
        f"{after}</body></html>"
    )


def ld(**dates: object) -> dict:
    return {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Council Approves", **dates}


def run(html: str, url: str = "https://news.example/story/harbor-plan", **kwargs) -> dict:
    kwargs.setdefault("fetched_at", FETCHED)
    return extract_article(html, url, **kwargs)


# --- time zones ---------------------------------------------------------------------------------------------


def test_offset_near_midnight_keeps_the_publishers_day():
    art = run(page(jsonld=ld(datePublished="2020-04-05T23:30:00-04:00")))
    assert art["published"] == "2020-04-05T23:30:00-04:00"
    assert art["published_date"] == "2020-04-05"
    assert art["published_source"] == "json-ld" and art["published_precision"] == "time"


def test_utc_timestamp_moved_to_the_zone_the_page_declares():
    head = '<script>window.site = {"timezone": {"short": "ET", "long": "America/New_York"}};</script>'
    art = run(page(head=head, jsonld=ld(datePublished="2020-04-06T02:00:00Z")))
    assert art["published"] == "2020-04-05T22:00:00-04:00"
    assert art["published_date"] == "2020-04-05"


def test_utc_timestamp_takes_the_offset_of_the_pages_other_timestamps():
    jsonld = ld(datePublished="2020-04-06T02:00:00Z", dateModified="2020-04-06T09:00:00-04:00")
    art = run(page(jsonld=jsonld))
    assert art["published"] == "2020-04-05T22:00:00-04:00" and art["published_date"] == "2020-04-05"
    assert art["modified"] == "2020-04-06T09:00:00-04:00"


def test_utc_timestamp_on_a_german_page_is_a_berlin_day():
    head = '<meta property="article:published_time" content="2021-11-04T23:00:00Z">'
    art = run(page(head=head, lang="de-DE", title="Kommunalwahlen in Nordmazedonien"))
    assert art["published"] == "2021-11-05T00:00:00+01:00"
    assert art["published_date"] == "2021-11-05"


def test_utc_timestamp_without_any_zone_evidence_stays_utc():
    art = run(page(jsonld=ld(datePublished="2020-04-06T02:00:00Z")))
    assert art["published"] == "2020-04-06T02:00:00+00:00" and art["published_date"] == "2020-04-06"


def test_printed_day_decides_the_local_day_of_a_utc_timestamp():
    header = '<p class="byline">By Ann Lee · January 19, 2020 / 12:25 PM / Updated 8 hours ago</p>'
    art = run(page(header=header, jsonld=ld(datePublished="2020-01-20T03:49:32Z")))
    assert art["published_date"] == "2020-01-19"
    assert art["published_source"] == "json-ld" and art["published_precision"] == "time"


# --- machine formats ----------------------------------------------------------------------------------------


def test_unix_timestamp_in_jsonld():
    art = run(page(jsonld=ld(datePublished=1586131200)))
    assert art["published"] == "2020-04-06T00:00:00+00:00"
    assert art["published_date"] == "2020-04-06"


def test_unix_milliseconds():
    assert parse_machine("1586131200000") == datetime(2020, 4, 6, tzinfo=UTC)


def test_broken_jsonld_still_gives_its_date_published():
    broken = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2020-10-26T18:10:00+01:00",}'
        "</script>"
    )
    art = run(page(head=broken))
    assert art["published"] == "2020-10-26T18:10:00+01:00" and art["published_source"] == "json-ld"


# --- published vs modified ----------------------------------------------------------------------------------


def test_modified_kept_apart_from_published():
    art = run(page(jsonld=ld(datePublished="2019-10-15T16:59:59Z", dateModified="2020-03-12T14:42:17Z")))
    assert art["published_date"] == "2019-10-15"
    assert art["modified"] == "2020-03-12T14:42:17+00:00"


def test_printed_update_date_is_not_taken_for_published_when_a_publication_date_is_shown():
    header = (
        '<div class="byline">Jessica Smith</div><div class="date">Published Oct 15, 2019</div>'
        '<div class="date">Updated Mar 12, 2020 @ 10:42 am</div>'
    )
    art = run(page(header=header, jsonld=ld(datePublished="2019-10-15T16:59:59-04:00")))
    assert art["published_date"] == "2019-10-15"


def test_update_date_shown_alone_is_the_day_the_page_presents():
    header = '<div class="byline">Jessica Smith</div><div class="date">Updated Mar 12, 2020 @ 10:42 am</div>'
    art = run(page(header=header, jsonld=ld(datePublished="2019-10-15T16:59:59-04:00")))
    assert art["published_date"] == "2020-03-12" and art["published_source"] == "text"


def test_update_date_shown_alone_keeps_the_time_of_the_machine_stamp_on_that_day():
    header = '<div class="meta">Aktualisiert: 11.04.2020, 10:27</div>'
    head = '<meta property="article:published_time" content="2020-04-03">'
    jsonld = ld(dateModified="2020-04-11T08:27:52+02:00")
    art = run(page(header=header, lang="de", head=head, jsonld=jsonld))
    assert art["published"] == "2020-04-11T08:27:52+02:00"
    assert art["modified"] == "2020-04-11T08:27:52+02:00"


def test_printed_update_date_fills_modified_when_nothing_else_does():
    header = '<div class="meta">Aktualisiert: 11.04.2020, 10:27</div><div class="meta">Erschienen: 03.04.2020</div>'
    art = run(page(header=header, lang="de", head='<meta property="article:published_time" content="2020-04-03">'))
    assert art["published_date"] == "2020-04-03"
    assert art["modified"] == "2020-04-11"


def test_note_on_first_publication_backs_the_machine_date_against_the_printed_update():
    head = '<meta property="article:published_time" content="2017-04-12T18:33:59+02:00">'
    after = "<p><em>* Cet article, initialement publié en avril 2017, a fait l'objet d'une mise à jour.</em></p>"
    html = page(head=head, header="<div class='info'>Le 19 février 2020</div>", lang="fr")
    html = html.replace("</article>", after + "</article>")
    art = run(html)
    assert art["published_date"] == "2017-04-12"


def test_printed_date_wins_when_no_note_names_the_machine_dates_year():
    head = '<meta property="article:published_time" content="2017-04-12T18:33:59+02:00">'
    after = "<p>Cet article, initialement publié en 2015, a fait l'objet d'une mise à jour.</p>"
    html = page(head=head, header="<div class='info'>Le 19 février 2020</div>", lang="fr")
    art = run(html.replace("</article>", after + "</article>"))
    assert art["published_date"] == "2020-02-19"


def test_originally_created_read_after_its_label():
    header = "<p>Last updated 04 Jun 2020, originally created 17 Jun 2019</p>"
    art = run(page(header=header))
    assert art["published_date"] == "2019-06-17"


# --- the printed date against machine dates -----------------------------------------------------------------


def test_printed_date_beats_a_generic_meta_date():
    head = '<meta name="date" content="2021-12-20T11:02:44+01:00">'
    art = run(page(head=head, header='<span class="date">27.01.2022</span>', lang="de"))
    assert art["published_date"] == "2022-01-27" and art["published_source"] == "text"


def test_printed_date_agreeing_with_jsonld_keeps_its_time():
    header = '<span class="date">6. November 2023, 15:25 Uhr</span>'
    art = run(page(header=header, lang="de", jsonld=ld(datePublished="2023-11-06T15:25:00+01:00")))
    assert art["published"] == "2023-11-06T15:25:00+01:00" and art["published_source"] == "json-ld"


def test_printed_date_showing_the_last_version_wins_a_tie():
    header = '<span class="date">12.01.2022</span>'
    jsonld = ld(datePublished="2021-11-29T14:13:37+01:00", dateModified="2022-01-12T14:27:30+01:00")
    art = run(page(header=header, lang="de", jsonld=jsonld))
    assert art["published_date"] == "2022-01-12"


def test_two_agreeing_machine_dates_beat_a_lone_printed_date():
    head = '<meta property="article:published_time" content="2019-12-09T19:00:49+01:00">'
    art = run(page(head=head, header="<span>10.12.19</span>", lang="fr", jsonld=ld(datePublished="2019-12-09")))
    assert art["published_date"] == "2019-12-09"


def test_headline_found_by_title_not_the_site_logo():
    html = (
        "<html lang='de'><head><title>MineralölINFO November 2021</title></head><body>"
        "<h1 class='aural'>Bundesamt für Wirtschaft</h1><nav>Presse 01.01.2020</nav><div id='content'>"
        "<h1><span class='date'>27.01.2022</span>MineralölINFO November 2021</h1>" + BODY + "</div></body></html>"
    )
    assert run(html)["published_date"] == "2022-01-27"


def test_headline_holding_every_word_of_a_shortened_title():
    html = (
        "<html lang='en'><head><title>How to Care for Hydrangeas | Example Home</title></head><body><article>"
        "<h1>How to Care for Hydrangeas to Get the Most Beautiful Blooms</h1>"
        "<div class='timestamp'>Updated May 06, 2019</div>" + BODY * 2 + "<h2>How to Care for Hydrangeas in Vases</h2>"
        "<div class='date'>12 June 2021</div>" + BODY + "</article></body></html>"
    )
    assert run(html)["published_date"] == "2019-05-06"


def test_real_h1_preferred_to_a_microdata_headline_copy():
    html = (
        "<html lang='de'><head><title>Hilfe nach dem Sturm</title></head><body><div itemscope>"
        "<time itemprop='datePublished' datetime='2021-10-27T20:35:36+02:00'>2021-10-27</time>"
        "<span itemprop='headline'>Hilfe nach dem Sturm</span></div>"
        "<header><h1>Hilfe nach dem Sturm</h1></header><p class='meta'>Berlin, 28.10.2021, 058/21</p>"
        + BODY
        + "</body></html>"
    )
    assert run(html)["published_date"] == "2021-10-28"


@pytest.mark.parametrize(
    "opening, expected",
    [
        ("Karlsruhe, (12.11.2021). Traditionell gedenken die Gemeinden der Verstorbenen", "2021-11-12"),
        ("BERLIN, 3. Mai 2021 – Die Gemeinden gedenken heute der Verstorbenen", "2021-05-03"),
    ],
)
def test_dateline_opening_a_long_first_paragraph(opening, expected):
    body = f"<div class='text'><strong>{opening} und feiern gemeinsam.</strong> " + "Mehr Text folgt. " * 20 + "</div>"
    html = page(lang="de", title="Trauern digital am Sonntag").replace(BODY, body)
    assert run(html)["published_date"] == expected


def test_date_in_running_text_of_a_long_paragraph_is_not_a_dateline():
    body = "<p>Die Gemeinden haben am 12.11.2021 beschlossen, der Verstorbenen zu gedenken. " + "Mehr. " * 40 + "</p>"
    html = page(lang="de", title="Trauern digital am Sonntag").replace(BODY, body)
    assert run(html)["published_source"] == "htmldate"  # only the last-resort page search reads it


def test_date_inside_the_headline_text_is_its_subject_not_its_date():
    html = page(title="Protokoll der Vorstandssitzung vom 10. Oktober 2019", lang="de")
    html = html.replace("<article>", '<article><time datetime="2019-12-26T23:07:45+01:00">26.12.2019</time>')
    assert run(html)["published_date"] == "2019-12-26"


# --- boxes that are not the article -------------------------------------------------------------------------


RELATED = (
    '<div class="related"><h2>Related</h2><article><h3><a href="/old">Older story</a></h3>'
    '<span class="date">18. Januar 2019</span></article></div>'
)


def test_related_links_box_dates_ignored():
    art = run(page(head='<meta property="article:published_time" content="2019-10-01">', lang="de", after=RELATED))
    assert art["published_date"] == "2019-10-01"


def test_teaser_heading_right_after_the_article_is_a_boundary():
    header = '<div class="teaser"><h2><a href="/x">Faszination Loopstation</a></h2><span>18. Januar 2019</span></div>'
    short = page(header=header, lang="de", head='<meta name="date" content="2019-10-01">').replace(BODY, "<p>Kurz.</p>")
    assert run(short)["published_date"] == "2019-10-01"


def test_embedded_post_dates_ignored():
    quote = (
        '<blockquote class="instagram-media">Ein Beitrag am <time datetime="2018-03-27">Mär 27, 2018</time>'
        "</blockquote>"
    )
    art = run(page(header=quote, lang="de", jsonld=ld(datePublished="2018-05-23T15:30:00+02:00")))
    assert art["published_date"] == "2018-05-23"


def test_forum_registration_date_ignored():
    header = "<div><span>Registriert:</span> <span>18.09.2008, 05:56</span></div><p>» 21.01.2009, 05:42</p>"
    assert run(page(header=header, lang="de"))["published_date"] == "2009-01-21"


# --- plausibility -------------------------------------------------------------------------------------------


def test_future_date_rejected():
    head = '<meta property="article:published_time" content="2019-06-12T10:00:00-05:00">'
    html = page(head=head, jsonld=ld(datePublished="2031-01-01T00:00:00Z"))
    art = run(html, fetched_at=datetime(2020, 1, 1, tzinfo=UTC))
    assert art["published"] == "2019-06-12T10:00:00-05:00"


def test_future_printed_date_rejected():
    art = run(page(header="<p>Posted May 5, 2030</p>"), fetched_at=datetime(2020, 1, 1, tzinfo=UTC))
    assert (art["published"], art["published_date"], art["published_source"]) == (None, None, None)


def test_date_before_1995_rejected():
    art = run(page(jsonld=ld(datePublished="1987-03-01")))
    assert (art["published"], art["published_date"], art["published_source"]) == (None, None, None)


def test_hint_is_evidence_when_the_page_has_none():
    hints = {"published": "2023-03-04T05:06:07+00:00", "published_source": "feed"}
    art = run(page(), hints=hints)
    assert art["published_source"] == "feed" and art["published_date"] == "2023-03-04"


def test_hint_in_the_future_rejected():
    hints = {"published": "2030-03-04T05:06:07+00:00", "published_source": "sitemap"}
    assert run(page(), hints=hints)["published_source"] != "sitemap"


# --- dates written for people -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("7 avril 2020", "fr", date(2020, 4, 7)),
        ("Publié le 7 avril 2020 à 10h", "fr", date(2020, 4, 7)),
        ("6 de abril de 2020", "es", date(2020, 4, 6)),
        ("7. April 2020", "de", date(2020, 4, 7)),
        ("07.04.2020", "de", date(2020, 4, 7)),
        ("Erschienen am 13.10.2021", "de", date(2021, 10, 13)),
        ("April 7th, 2020", "en", date(2020, 4, 7)),
        ("2020年4月7日", "ja", date(2020, 4, 7)),
        ("10.12.19", "fr", date(2019, 12, 10)),
        ("( Pescasseroli, 14 Gennaio 20 )", "it", date(2020, 1, 14)),
        ("on 14 January 20 people came", "en", None),
        ("7 апреля 2020 г.", "ru", date(2020, 4, 7)),
    ],
)
def test_text_dates_in_several_languages(text, language, expected):
    assert parse_human(text, language, FETCHED) == expected


@pytest.mark.parametrize(
    ("lang", "url", "expected"),
    [
        ("en-US", "https://news.example/story", "2020-04-07"),
        ("en-GB", "https://news.example/story", "2020-07-04"),
        ("en", "https://news.example.co.uk/story", "2020-07-04"),
        ("en", "https://news.example/story", "2020-04-07"),
        ("de", "https://news.example/story", "2020-07-04"),
    ],
)
def test_numeric_order_follows_the_page_locale(lang, url, expected):
    art = run(page(header='<p class="date">Posted 04/07/2020</p>', lang=lang), url=url)
    assert art["published_date"] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("vor 3 Stunden", datetime(2024, 1, 10, 9, 0, tzinfo=UTC)),
        ("2 hours ago", datetime(2024, 1, 10, 10, 0, tzinfo=UTC)),
        ("il y a 3 jours", date(2024, 1, 7)),
        ("hace 2 días", date(2024, 1, 8)),
        ("yesterday", date(2024, 1, 9)),
    ],
)
def test_relative_dates_resolve_against_fetched_at(text, expected):
    assert parse_human(text, None, FETCHED) == expected


@pytest.mark.parametrize("text", ["2 hours ago", "prije 26 minuta", "il y a 3 jours", "yesterday"])
def test_relative_dates_without_fetched_at_are_refused(text):
    assert parse_human(text, None, None) is None


def test_relative_date_in_the_header_with_a_fetch_time_in_another_zone():
    fetched = datetime(2020, 4, 7, 1, 0, tzinfo=timezone(timedelta(hours=2)))
    art = run(page(header="<span class='time'>vor 2 Stunden</span>", lang="de"), fetched_at=fetched)
    assert art["published"] == "2020-04-06T23:00:00+02:00" and art["published_date"] == "2020-04-06"
