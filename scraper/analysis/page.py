"""One page's way from HTML to a stored record: extract -> match -> identify.

Shared by the Scrapy pipeline and the `extract` command, so a saved page gives the
same answer as a crawled one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, is_dataclass
from datetime import datetime
from typing import Any, TypedDict

from scraper.dedup.identity import article_id, canonical_url, fingerprint_of_words, html_fingerprint, text_words
from scraper.dedup.minhash import signature_of_words
from scraper.discovery.outlets import OUTLET_KIND_OTHER, outlet_name
from scraper.extract import extract_article
from scraper.extract.decode import is_binary
from scraper.match import Watchlist, match_article
from scraper.record import LIVE


class Provenance(TypedDict, total=False):
    """Where a page was fetched and how it was discovered, as the row keeps it."""

    fetched_from: str  # live, wayback, commoncrawl
    archive_url: str | None
    archived_at: str | None  # ISO, UTC: when the archive captured it
    discovered_at: str | None  # ISO, UTC: when a discovery service saw it (GDELT's seendate)


def _plain(value: Any) -> Any:
    return asdict(value) if is_dataclass(value) and not isinstance(value, type) else value


def analyse_page(
    html: bytes | str,
    *,
    url: str | None,
    watchlist: Watchlist,
    fetched_at: datetime | None = None,
    headers: dict[str, str] | None = None,
    hints: dict[str, str] | None = None,
) -> dict:
    """Extract the article and match the watchlist against its title and main text only."""
    article = extract_article(html, url=url, fetched_at=fetched_at, headers=headers, hints=hints)
    return {**article, **match_fields(article.get("title"), article.get("text"), watchlist, article.get("language"))}


def match_fields(title: str | None, text: str | None, watchlist: Watchlist, language: str | None) -> dict:
    """`relevant`, `relevance`, `matched` and `mentions` (plain dicts) as stored: one place,
    so a crawl and a later `rematch` of the same text give the same row."""
    result = match_article(title or "", text or "", watchlist, language=language)
    return {
        "relevant": bool(result.relevant),
        "relevance": round(float(result.relevance), 4),
        "matched": list(result.matched),
        "mentions": [_plain(m) for m in result.mentions],
    }


def store_record(analysed: dict, *, outlet: str, outlet_kind: str, found_via: str | list[str], body: bytes,
                 fetched_at: str, provenance: Provenance | None = None) -> tuple[dict, list[dict]]:
    """The row the store keeps (keyed by the canonical URL's identity) and its mentions
    (only those `stored_mentions` keeps), with the near-duplicate signature: recluster
    after the crawl then only compares.

    An outlet that sources.toml does not list (`outlet` empty: a site found by discovery)
    is named by the page itself (og:site_name, JSON-LD publisher), else by its registered
    domain, and its kind is `other` unless a `[discovery] kinds` rule gave one."""
    provenance = provenance or {}
    if not outlet:  # `outlet_kind`: what a [discovery] kinds rule says, else other
        outlet, outlet_kind = outlet_name(analysed.get("site_name"), None, analysed["url"]), \
            outlet_kind or OUTLET_KIND_OTHER
    canonical = canonical_url(analysed.get("canonical_url") or analysed["url"])
    text = analysed.get("text") or ""
    words = text_words(text)
    text_sha1 = fingerprint_of_words(words)
    record = {
        **{k: v for k, v in analysed.items() if k != "mentions"},
        "id": article_id(canonical),
        "canonical_url": canonical,
        "outlet": outlet,
        "outlet_kind": outlet_kind,
        "found_via": [found_via] if isinstance(found_via, str) else sorted(found_via),
        "html_sha1": html_fingerprint(body),
        "text_sha1": text_sha1,
        "word_count": len(text.split()),
        "fetched_at": fetched_at,
        "signature": signature_of_words(words).to_str(),
        "signature_of": text_sha1,
        "fetched_from": provenance.get("fetched_from") or LIVE,
        **{key: provenance.get(key) for key in ("archive_url", "archived_at", "discovered_at")},
    }
    return record, stored_mentions(analysed.get("matched") or [], analysed.get("mentions", []))


def crawled_page(
    body: bytes,
    *,
    url: str,
    watchlist: Watchlist,
    fetched_at: datetime,
    headers: dict[str, str],
    hints: dict[str, str] | None,
    outlet: str,
    outlet_kind: str,
    found_via: str | list[str],
    provenance: Provenance | None = None,
    keep: bool = False,
) -> dict:
    """Everything the crawl keeps from one fetched page, computed where the CPU is (an
    extraction worker), so the reactor only writes the answer: `outcome` ("article",
    "skipped" with a `reason`, "error", "empty_body" or "binary_body") and, for an
    article, the store-ready `record` (with the URL's HTTP validators) and its `mentions`.

    What is kept depends on the kind of page, never on its length: an article, and any
    page with main text that the watchlist finds relevant unless it lists other pages
    (home, section, tag, search): a two-sentence brief is coverage. Skipped: `index`,
    `no_text`, and `not_relevant` (a page that is not an article and not coverage, or a
    page of a site nobody listed that is not coverage).

    An archived copy (`provenance`: fetched_from, archive_url, archived_at) keeps its own
    URL as `url`; relative dates in it ("3 days ago") count from when the archive captured
    it, and the archive's own headers are not read for dates.

    `keep`: a page already stored, extracted again from its archived copy (`reextract`):
    its record is built even when a crawl would now skip it as `index` or `not_relevant`
    (the row is updated, never dropped; `skip_reason` says why a crawl would skip it).
    """
    if not body or body.isspace():
        return {"outcome": "empty_body"}
    if is_binary(body):
        return {"outcome": "binary_body"}
    archived_at = (provenance or {}).get("archived_at")
    if archived_at:
        headers = {k: v for k, v in headers.items() if k.lower() in ("content-type", "content-language")}
    analysed = analyse_page(body, url=url, watchlist=watchlist, headers=headers, hints=hints,
                            fetched_at=datetime.fromisoformat(archived_at) if archived_at else fetched_at)
    reason = skip_reason(analysed, listed=bool(outlet))
    if reason == "error":
        return {"outcome": "error", "error": analysed["error"]}
    if reason and not (keep and reason in ("index", "not_relevant")):
        return {"outcome": "skipped", "reason": reason}
    record, mentions = store_record(analysed, outlet=outlet, outlet_kind=outlet_kind, found_via=found_via,
                                    body=body, fetched_at=fetched_at.isoformat(), provenance=provenance)
    record["validators"] = {"etag": headers.get("etag"), "last_modified": headers.get("last-modified")}
    return {"outcome": "article", "record": record, "mentions": mentions, "skip_reason": reason}


SKIP_REASONS = ("index", "no_text", "not_relevant")


def skip_reason(analysed: dict, *, listed: bool = True) -> str | None:
    """Why a page is not stored (one of SKIP_REASONS, or "error"), None when it is.

    A page from a site that sources.toml does not list (found by discovery) is kept only
    when it is coverage: a search service's hit that the watchlist does not find relevant
    (a homonym, a same-name theatre company) is noise there, not part of an outlet we follow."""
    if analysed.get("error") and not analysed.get("text"):
        return "error"
    if not analysed.get("text"):
        return "no_text"
    if not listed and not analysed.get("relevant"):
        return "not_relevant"
    if analysed.get("page_type") == "article":
        return None
    if analysed.get("index_page"):
        return "index"
    return None if analysed.get("relevant") else "not_relevant"


def stored_mentions(matched: Iterable[str], mentions: Iterable[dict]) -> list[dict]:
    """The mentions worth keeping: those of covered entries, plus supporting entities.

    A featured name that did not count (a homonym, a name without support) is left out,
    so filters by person only return real coverage. Crawl and `rematch` both use this.
    """
    covered = set(matched)
    return [m for m in mentions if m["entry"] in covered or m["kind"] == "supporting"]
