"""The coverage report built from a small hand-made database: the store queries behind it,
the SVG charts, the four files, offline self-containment, print rules and the empty case.
(What a reader sees in a browser is tests/test_browser.py.)"""

from __future__ import annotations

import csv
import json
import re
import xml.etree.ElementTree as ET

import pytest
from conftest import DOC, article_record, mention_row

from exports import charts
from exports.export import EXPORT_COLUMNS
from exports.report import gather, render_html, render_markdown, write_report
from scraper.cli import main
from scraper.store import ArticleFilters, Store

WIRE = ("Dawn Jackson, who has spent two decades in prison for killing the step-grandfather she says abused her, "
        "asked the governor for clemency on Tuesday. Her lawyers filed a petition citing her record behind bars, "
        "her education and the support of Kim Kardashian West, whose Oxygen documentary follows the case.")


def record(url: str, title: str, text: str, day: str | None, outlet: str, kind: str = "justice",
           matched: tuple[str, ...] = ("Dawn Jackson",), **extra) -> dict:
    return article_record(url, title=title, text=text, published=day, outlet=outlet, outlet_kind=kind,
                          matched=matched, **extra)


def mentions(matched: tuple[str, ...]) -> list[dict]:
    return [mention_row(e, snippet=f"evidence about {e}", positions=[[0, 3]]) for e in matched]


ARTICLES = [
    record("https://alpha.example/dawn", "Dawn Jackson asks for clemency", WIRE, "2020-04-07", "Alpha"),
    record("https://beta.example/wire/dawn", "Dawn Jackson seeks mercy", WIRE, "2020-04-09", "Beta",
           "entertainment"),
    record("https://beta.example/review", "Review: the <Justice> Project & its four cases",
           "The documentary follows four cases, among them Alexis Martin, trafficked at 15.", "2020-04-12",
           "Beta", "entertainment", (DOC, "Alexis Martin")),
    record("https://gamma.example/fr", "Alexis Martin, libre", "Alexis Martin est sortie de prison en Ohio.",
           "2020-06-02", "Le Petit | Écran", matched=("Alexis Martin",), language="fr"),
    record("https://alpha.example/bake", "Bake-off final", "A bread contest finale in Ohio.", "2020-05-03",
           "Alpha", matched=()),
]


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "articles.db")
    for article in ARTICLES:
        s.articles.save(article, mentions(tuple(article["matched"])))
    s.clusters.update()
    yield s
    s.close()


def test_weekly_counts_are_per_case_and_monday_weeks(store):
    rows = store.reports.weekly_counts(ArticleFilters(relevant=True))
    assert ("Dawn Jackson", "2020-04-06", 2) in rows  # Tue 7 and Thu 9 April: the week of Monday 6
    assert ("Alexis Martin", "2020-04-06", 1) in rows  # Sunday 12 April is still that week
    assert ("Alexis Martin", "2020-06-01", 1) in rows
    assert (DOC, "2020-04-06", 1) in rows
    assert store.reports.weekly_counts(ArticleFilters(relevant=True, person="Dawn Jackson")) == [
        ("Dawn Jackson", "2020-04-06", 2)]


def test_clusters_fold_the_syndicated_copy_under_its_original(store):
    groups = store.reports.clusters_of_relevant(ArticleFilters(relevant=True))
    assert len(groups) == 3
    lead = groups[0]["articles"]
    assert [(a["outlet"], a["is_original"]) for a in lead] == [("Alpha", 1), ("Beta", 0)]
    assert lead[1]["similarity_to_original"] == 1.0


def test_week_range_fills_quiet_weeks():
    assert charts.week_range("2020-04-07", "2020-04-30") == ["2020-04-06", "2020-04-13", "2020-04-20", "2020-04-27"]
    assert charts.week_range("2020-04-12", "2020-04-12") == ["2020-04-06"]


def parse_svg(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_charts_are_valid_svg_with_one_bar_per_value():
    hbar = parse_svg(charts.hbar_chart([("Alpha", 3), ("A very long outlet name that goes on and on", 1)],
                                       name="outlets", title="By outlet"))
    ns = "{http://www.w3.org/2000/svg}"
    assert hbar.get("data-chart") == "outlets" and hbar.get("viewBox").startswith("0 0 ")
    assert len(hbar.findall(f".//{ns}rect")) == 2
    assert any("…" in (t.text or "") for t in hbar.iter(f"{ns}text")), "long labels are shortened"
    weeks = charts.week_range("2020-01-01", "2020-12-31")
    multiples = parse_svg(charts.weekly_small_multiples(weeks, {"A": {"2020-01-06": 2}, "B": {"2020-12-28": 1}}))
    assert len(multiples.findall(f".//{ns}rect")) == 2
    labels = [t.text for t in multiples.iter(f"{ns}text") if t.get("text-anchor")]
    assert 2 <= len(labels) <= 9 and labels[0] == "Dec 2019"
    assert charts.hbar_chart([], name="x", title="x") == "" and charts.weekly_small_multiples([], {}) == ""


def test_report_files_are_written_and_agree(store, tmp_path):
    files = write_report(store, tmp_path / "out", title="Test report")
    assert files.articles == 4
    rows = list(csv.DictReader(files.csv.open(encoding="utf-8")))
    assert len(rows) == 4 and tuple(rows[0]) == EXPORT_COLUMNS
    lines = [json.loads(line) for line in files.jsonl.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 4 and all(row["relevant"] for row in lines)
    page = files.html.read_text(encoding="utf-8")
    assert page.count("<svg") == 3
    for svg in re.findall(r"<svg.*?</svg>", page, flags=re.S):
        parse_svg(svg)
    assert "Review: the &lt;Justice&gt; Project &amp; its four cases" in page, "titles are escaped"


def test_html_is_self_contained_and_prints_on_a4(store):
    page = render_html(gather(store, ArticleFilters(), "Offline"))
    assert not re.search(r"<script|<link|<img|<iframe|@import|url\(|src=", page, flags=re.I)
    external = set(re.findall(r"""href=['"]([^'"]+)""", page))
    assert external == {a["url"] for a in ARTICLES if a["matched"]}, "the only links are the articles"
    assert "@page{size:A4" in page and "break-inside:avoid" in page and "table-layout:fixed" in page
    assert "overflow-wrap:anywhere" in page


def test_html_numbers_cases_and_stories(store):
    data = gather(store, ArticleFilters(), "Numbers")
    page = render_html(data)
    numbers = dict(re.findall(r"data-number='([^']+)'><b>([^<]+)</b>", page))
    assert numbers == {"articles": "4", "stories": "3", "copies": "1", "outlets": "3", "kind-entertainment": "2",
                       "kind-justice": "2"}
    assert data.first_last["Alexis Martin"][0]["published_date"] == "2020-04-12"
    assert data.first_last["Alexis Martin"][1]["published_date"] == "2020-06-02"
    story = re.search(r"<div class='story'>.*?</div>", page, flags=re.S).group(0)
    assert "Dawn Jackson asks for clemency" in story and "Dawn Jackson seeks mercy" in story
    assert "syndicated copy, 100% similar" in story
    assert page.count("<tr>") - page.count("<thead><tr>") == 4 + 3, "every article + the cases table"


def test_markdown_has_the_same_sections(store):
    text = render_markdown(gather(store, ArticleFilters(), "Markdown"))
    for heading in ("## Coverage over time, per week", "## Cases: first and latest mention", "## By outlet",
                    "## By language", "## Top stories", "## Every relevant article"):
        assert heading in text
    assert "| 2020-04-06 |" in text and "  - copy: 2020-04-09 · Beta" in text
    assert "Le Petit \\| Écran" in text, "pipes in cells are escaped"
    assert "| French | 1 |" in text


def test_person_filter_and_an_empty_period(store, tmp_path):
    data = gather(store, ArticleFilters(person="Alexis Martin"), "One case")
    assert len(data.articles) == 2 and [e for e, _k, _n in data.by_entry] == [DOC, "Alexis Martin"]
    files = write_report(store, tmp_path / "empty", ArticleFilters(since="2030-01-01"))
    assert files.articles == 0
    assert "No relevant coverage in this period" in files.html.read_text(encoding="utf-8")
    assert "No relevant coverage in this period" in files.markdown.read_text(encoding="utf-8")
    assert files.jsonl.read_text() == "" and len(files.csv.read_text().splitlines()) == 1


def test_report_command_writes_four_files(store, tmp_path, capsys):
    out = tmp_path / "cli"
    code = main(["report", "--db", str(store.path), "--out", str(out), "--since", "2020-04-08"])
    assert code == 0, capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["report.csv", "report.html", "report.jsonl", "report.md"]
    assert "3 relevant articles" in capsys.readouterr().out
