"""Hostile input never crashes extraction: a clean result or a dict with `error`."""

from __future__ import annotations

import gzip

import pytest

from scraper.extract import extract_article, is_article

STORY = "The council met on Tuesday and agreed to repair the old bridge before winter. " * 6


def test_30_megabyte_page_is_refused_quickly():
    raw = b"<html><body>" + b"<p>word word word word.</p>" * (30 * 1024 * 1024 // 27) + b"</body></html>"
    art = extract_article(raw, "https://x.example/huge")
    assert art["error"] == "page too large" and art["text"] is None
    assert is_article(raw, "https://x.example/huge") is False


@pytest.mark.parametrize("wrapper", ["<q>", "<a href='#'>", "<font><em><q>", "<span><abbr>"])
def test_pathological_nesting_of_any_tag_keeps_the_text(wrapper):
    closing = "".join(f"</{tag.strip('<>').split()[0]}>" for tag in reversed(wrapper.replace("><", ">|<").split("|")))
    html = "<html><head><title>Deep</title></head><body>" + wrapper * 5000 + f"<p>{STORY}</p>"
    html += closing * 5000 + "</body></html>"
    art = extract_article(html, "https://x.example/deep")
    assert art.get("error") is None
    assert "repair the old bridge" in art["text"]


def test_lone_surrogate_in_str_input_does_not_truncate():
    art = extract_article(f"<html><body><p>Bad \ud800 char. {STORY}</p></body></html>", "https://x.example/s")
    assert "repair the old bridge" in art["text"]


def test_nul_bytes_and_controls():
    raw = b"<html><body><p>Nul\x00 and \x07bell. " + STORY.encode() + b"</p></body></html>"
    art = extract_article(raw, "https://x.example/nul")
    assert art.get("error") is None and "\x00" not in art["text"] and "repair the old bridge" in art["text"]


def test_utf16_page_with_bom():
    raw = f"<html><body><p>Über die Brücke. {STORY}</p></body></html>".encode("utf-16")
    art = extract_article(raw, "https://x.example/u16")
    assert "Über die Brücke" in art["text"]


def test_gzip_bytes_are_not_html():
    art = extract_article(gzip.compress(b"<html><body><p>hi</p></body></html>"), "https://x.example/gz")
    assert "binary" in art["error"]


def test_page_of_scripts_only():
    art = extract_article("<html><head><script>var a=1;</script></head><body><script>go()</script></body></html>")
    assert art.get("error") is None and art["text"] is None and art["page_type"] == "other"


def test_story_only_in_hidden_block_is_still_found():
    art = extract_article(f"<html><body><div style='display:none'><p>{STORY}</p></div></body></html>")
    assert "repair the old bridge" in art["text"]


@pytest.mark.parametrize(
    "raw",
    [
        b"<",
        b"<html",
        b"<!DOCTYPE html><html><body></body></html>",
        b"<?xml version='1.0' encoding='latin-1'?><html><body><p>caf\xe9</p></body></html>",
        "<html><body>" + "<div>x</div>" * 2000 + "</body></html>",
        b"<html><body><table>" + b"<tr><td>1</td>" * 3000 + b"</table></body></html>",
    ],
)
def test_odd_markup_never_raises(raw):
    art = extract_article(raw, "https://x.example/odd")
    assert set(art) >= {"url", "text", "title", "authors", "page_type"}


@pytest.mark.parametrize("depth", [10_000, 50_000])
def test_a_story_continuing_below_thousands_of_unclosed_divs_is_kept_whole_and_matched(depth):
    """Two ordinary paragraphs, then the rest of the story (the part naming the documentary
    and its cases) below `depth` unclosed <div>s: stored whole, recognised as coverage."""
    from datetime import UTC, datetime

    from scraper.analysis.page import crawled_page
    from scraper.match import load_watchlist
    from tests.labelled import REPO

    opening = ["The county council met on Tuesday evening and agreed to repair the old stone bridge before winter.",
               "Residents had complained for months about the cracks, and an engineers' report confirmed the danger."]
    rest = [f"Part {n}: Kim Kardashian West: The Justice Project follows Dawn Jackson, who seeks clemency in New "
            f"Jersey after killing her abusive step-grandfather; paragraph {n} of the story." for n in range(5)]
    html = ("<html><head><title>Bridge and more</title></head><body><div class='story'><h1>Bridge and more</h1>"
            + "".join(f"<p>{p}</p>" for p in opening) + "<div>" * depth
            + "".join(f"<p>{p}</p>" for p in rest) + "</div></body></html>")
    page = crawled_page(html.encode(), url="https://x.example/news/2020/04/bridge", headers={}, hints={},
                        watchlist=load_watchlist(REPO / "watchlist.toml"), fetched_at=datetime.now(UTC),
                        outlet="X", outlet_kind="justice", found_via="feed")
    assert page["outcome"] == "article"
    text = page["record"]["text"]
    assert all(p in text for p in opening + rest)
    assert page["record"]["relevant"] and "Dawn Jackson" in page["record"]["matched"]
