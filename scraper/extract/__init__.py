"""Article extraction: HTML in, the Article dict of docs/CONTRACTS.md out.

Pure: no clock, no network. Each field has its own module; this one decodes and
parses once, runs them in order and makes sure nothing escapes as an exception.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from lxml import etree

from scraper.extract import authors as _authors
from scraper.extract import body as _body
from scraper.extract import dates as _dates
from scraper.extract import language as _language
from scraper.extract import metadata as _meta
from scraper.extract.decode import MAX_BYTES, decode_html, is_binary
from scraper.extract.dom import parse_html
from scraper.extract.normalize import normalize_inline
from scraper.extract.pagetype import is_article_tree, is_index_tree
from scraper.extract.structured import PageData, read_page
from scraper.record import empty_extraction as empty_article

__all__ = ["extract_article", "is_article", "empty_article"]

LOG = logging.getLogger(__name__)


def _load(html: bytes | str, headers: Mapping[str, str] | None) -> tuple[etree._Element | None, str | None]:
    """Decode and parse; returns (tree, error)."""
    if html is None:
        return None, "empty page"
    size = len(html)
    if size > MAX_BYTES:
        return None, "page too large"
    if isinstance(html, bytes) and is_binary(html):
        return None, "not an HTML page (binary content)"
    text, _encoding = decode_html(html, headers)
    if not text.strip():
        return None, "empty page"
    if "<" not in text[:4096] and "\ufffd" in text[:4096]:
        return None, "not an HTML page (binary content)"
    tree = parse_html(text)
    if tree is None:
        return None, "could not parse HTML"
    return tree, None


def _fill_metadata(
    article: dict[str, Any], tree: etree._Element, page: PageData, url: str | None, hints: Mapping[str, str] | None
) -> None:
    site = _meta.site_name(page, url)
    article["site_name"] = site
    article["title"] = _meta.title(tree, page, url, site) or normalize_inline((hints or {}).get("title")) or None
    article["canonical_url"] = _meta.canonical_url(tree, page, url)
    article["image"] = _meta.image(page, url)
    article["description"] = _meta.description(page)
    article["section"] = _meta.section(page, tree)
    article["tags"] = _meta.tags(page, tree)
    article["authors"] = _authors.authors(tree, page, site, url)


def _fill_dates(
    article: dict[str, Any],
    tree: etree._Element,
    ctx: _dates.DateContext,
    hints: Mapping[str, str] | None,
    headers: Mapping[str, str] | None,
) -> None:
    found = _dates.published(tree, ctx, hints)
    if found is not None:
        article["published"] = found.iso
        article["published_date"] = found.day
        article["published_source"] = found.source
        article["published_precision"] = found.precision
    changed = _dates.modified(tree, ctx, headers)
    if changed is not None:
        article["modified"] = changed.iso


def _extract(
    article: dict[str, Any],
    tree: etree._Element,
    url: str | None,
    fetched_at: datetime | None,
    headers: Mapping[str, str] | None,
    hints: Mapping[str, str] | None,
) -> None:
    page = read_page(tree)
    article["page_type"] = "article" if is_article_tree(tree, page, url) else "other"
    _fill_metadata(article, tree, page, url, hints)
    article["text"] = (
        _body.main_text(tree, url, article["title"], article["authors"], article["description"]) or None
    )
    article["index_page"] = article["page_type"] != "article" and is_index_tree(tree, page, url, article["text"])
    article["language"] = _language.language(tree, page, article["text"] or "")
    ctx = _dates.DateContext(url=url, fetched_at=fetched_at, language=article["language"], page=page)
    _fill_dates(article, tree, ctx, hints, headers)


def extract_article(
    html: bytes | str,
    url: str | None = None,
    fetched_at: datetime | None = None,
    headers: Mapping[str, str] | None = None,
    hints: Mapping[str, str] | None = None,
) -> dict:
    """Extract the Article dict from one fetched page. Never raises.

    On unreadable input the dict carries an `error` string and whatever could be
    filled (at least `url`).
    """
    article = empty_article(url)
    try:
        tree, error = _load(html, headers)
        if error:
            article["error"] = error
            return article
        assert tree is not None
        _extract(article, tree, url, fetched_at, headers, hints)
    except RecursionError:
        article["error"] = "page too deeply nested"
    except Exception as exc:  # noqa: BLE001 - the contract is: never raise
        LOG.warning("extraction failed for %s: %r", url, exc)
        article["error"] = f"extraction failed: {type(exc).__name__}: {exc}"[:300]
    return article


def is_article(html: bytes | str, url: str | None = None) -> bool:
    """Cheap article-vs-index decision (same as `page_type`); False on unreadable input."""
    try:
        tree, error = _load(html, None)
        if error or tree is None:
            return False
        return is_article_tree(tree, read_page(tree), url)
    except Exception:  # noqa: BLE001 - a spider must never crash on a page
        return False
