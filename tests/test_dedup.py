"""One article, one identity: tracking parameters, fragments, www., AMP and case fold away."""

from scraper.dedup.identity import article_id, canonical_url, identity_key, text_fingerprint


def test_tracking_parameters_and_fragment_are_dropped():
    url = "https://News.Example.com/a/story/?utm_source=x&utm_medium=y&fbclid=abc&gclid=1&id=7#comments"
    assert canonical_url(url) == "https://news.example.com/a/story/?id=7"


def test_tracking_parameters_after_a_doubled_question_mark_are_dropped():
    # link builders that append "?utm_..." to a URL that already has a "?"
    assert canonical_url("https://example.com/a??utm_source=x&id=3") == "https://example.com/a?id=3"
    assert canonical_url("https://example.com/a?id=3&?utm_medium=feed") == "https://example.com/a?id=3"
    assert canonical_url("https://example.com/a?id=3?utm_medium=feed") == "https://example.com/a?id=3"
    assert canonical_url("https://example.com/search?q=why?") == "https://example.com/search?q=why%3F"  # not tracking


def test_same_article_variants_share_one_id():
    variants = [
        "https://www.example.com/2020/04/story/",
        "http://example.com/2020/04/story",
        "https://example.com/2020/04/story/amp/",
        "https://EXAMPLE.com/2020/04/story/?utm_campaign=feed#top",
    ]
    assert len({article_id(u) for u in variants}) == 1


def test_different_articles_keep_different_ids():
    assert article_id("https://example.com/story-1") != article_id("https://example.com/story-2")
    assert article_id("https://example.com/story?id=1") != article_id("https://example.com/story?id=2")
    assert identity_key("https://a.example/x") != identity_key("https://b.example/x")


def test_text_fingerprint_ignores_case_and_whitespace_only():
    assert text_fingerprint("Hello  World.\n\nBye") == text_fingerprint("hello world bye")
    assert text_fingerprint("hello world") != text_fingerprint("hello there world")
