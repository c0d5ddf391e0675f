"""Main-text extraction: DOM pruning, split stories, embeds and line-level boilerplate."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from scraper.extract import extract_article
from scraper.extract.lines import clean_lines, link_key
from scraper.extract.prune import pruned_copy, remove_hidden, unwrap_embeds
from scraper.extract.split import merge_split_body

PAGES = Path(__file__).parent / "fixtures" / "pages"
LONG = "This sentence is part of the running story and carries enough words to count as text. "


def extract(name: str, url: str) -> dict:
    return extract_article((PAGES / name).read_bytes(), url)


def test_hidden_microdata_copy_is_not_text():
    art = extract("split_body_hidden_copy.html", "https://harborledger.example/opinion/x")
    text = art["text"]
    assert text.count("guided fishing boats") == 1
    for junk in ("HarborLedgerPublishing", "2021-06-02T08:00:00", "Advertisement", "©"):
        assert junk not in text, junk


def test_story_split_over_twin_blocks_is_whole():
    text = extract("split_body_hidden_copy.html", "https://harborledger.example/opinion/x")["text"]
    assert text.startswith("The old lighthouse on Gull Point")
    assert "Closing the tower would save the county" in text
    assert text.endswith("before the doors are locked for good.")


def test_contact_and_follow_prompts_dropped():
    text = extract("split_body_hidden_copy.html", "https://harborledger.example/opinion/x")["text"]
    assert "Write to" not in text and "Follow The Harbor Ledger" not in text
    assert "Ferry timetable" not in text


def test_embedded_tweet_kept_and_recirculation_dropped():
    url = "https://orchardgazette.example/news/cider-festival-vote"
    text = extract("embed_and_recirc.html", url)["text"]
    assert "Forty years of cider on the square" in text
    assert "The festival will now move its stage" in text
    for junk in ("You may also like", "Orchard bridge reopens", "School garden wins", "cider festival, orchard", url):
        assert junk not in text, junk


def test_remove_hidden_keeps_the_only_copy():
    tree = lxml.html.fromstring(f"<html><body><div hidden><p>{LONG * 3}</p></div><p>menu</p></body></html>")
    remove_hidden(tree)
    assert "running story" in tree.text_content()


def test_remove_hidden_drops_duplicate():
    html = f"<html><body><p>{LONG * 3}</p><div style='display: none'><p>{LONG * 3}</p></div></body></html>"
    tree = lxml.html.fromstring(html)
    remove_hidden(tree)
    assert len(tree.findall(".//p")) == 1


def test_unwrap_embeds_replaces_wrappers():
    html = (
        "<html><body><div class='social-media-embed'><div class='tweet-box'>"
        "<blockquote class='twitter-tweet'><p>Quoted post</p></blockquote></div></div></body></html>"
    )
    tree = lxml.html.fromstring(html)
    unwrap_embeds(tree)
    quote = tree.find(".//blockquote")
    assert quote.getparent().tag == "body" and not quote.attrib


def test_pruned_copy_leaves_original_alone():
    tree = lxml.html.fromstring(f"<html><body><aside>Most read</aside><p>{LONG}</p></body></html>")
    pruned = pruned_copy(tree)
    assert tree.find(".//aside") is not None and pruned.find(".//aside") is None


def test_merge_split_body_only_moves_later_twins():
    first, second, teaser = LONG + "one", LONG + "two", LONG + "teaser"
    html = (
        f"<html><body><div class='body-part'><p>{teaser}</p></div><div class='row'><div class='body-part'>"
        f"<p>{first}</p></div></div><div class='row'><div class='body-part'><p>{second}</p></div></div></body></html>"
    )
    tree = lxml.html.fromstring(html)
    assert merge_split_body(tree, first)
    blocks = tree.xpath("//div[@class='body-part']")
    assert "two" in blocks[1].text_content() and "teaser" not in blocks[1].text_content()


def test_merge_split_body_without_twins_is_noop():
    tree = lxml.html.fromstring(f"<html><body><div class='story'><p>{LONG}</p></div></body></html>")
    assert not merge_split_body(tree, LONG)


@pytest.mark.parametrize(
    "line",
    [
        "Advertisement",
        "- Order Reprints",
        "Follow us on Twitter and Facebook for more news",
        "Write to Jane Roe at jane.roe@paper.example",
        "Have a tip? Reach our newsroom at tips@paper.example",
        "This copy is for your personal, non-commercial use only. " + "Distribution is governed by law. " * 10,
        "Comments are moderated and must follow our community guidelines.",
        "Get The Weekly Paper delivered to your door every Sunday.",
        "Listen: https://podcast.example/ep12",
        "Tags:",
        "5 min read",
        "Tempo de leitura: 2 minutos",
    ],
)
def test_boilerplate_lines_dropped(line):
    text = f"{LONG}\n\n{line}\n\n{LONG}"
    assert clean_lines(text) == f"{LONG.strip()}\n\n{LONG.strip()}"


def test_running_text_with_boilerplate_words_kept():
    line = "Follow the money, the prosecutor told the jury, and you will find who wrote the e-mails. " * 4
    assert line.strip() in clean_lines(f"{LONG}\n\n{line}")


def test_link_runs_and_tag_lines_dropped():
    titles = ("Bridge reopens after repairs", "Garden wins the prize", "orchard", "council", "festivals")
    links = {link_key(t) for t in titles}
    text = f"{LONG}\n\nRelated:\n\nBridge reopens after repairs\n\nGarden wins the prize [VIDEO]"
    text += "\n\norchard, council, festivals, farm"
    assert clean_lines(text, links=links) == LONG.strip()


def test_single_link_line_in_story_kept():
    links = {link_key("Read the full ruling here today")}
    text = f"{LONG}\n\nRead the full ruling here today\n\n{LONG}"
    assert "Read the full ruling here today" in clean_lines(text, links=links)


def test_headline_and_dateline_above_story_dropped():
    text = f"Budget Deal Reached\n\nMarch 3, 2019\n\n{LONG}"
    assert clean_lines(text, title="Budget deal reached") == LONG.strip()


def test_page_url_line_dropped():
    url = "https://paper.example/news/story-1"
    assert clean_lines(f"{LONG}\n\n{url}", page_url=url) == LONG.strip()
