"""One page's way from HTML to a stored record: extract -> match -> identify.

Shared by the Scrapy pipeline and the `extract` command, so a saved page gives the
same answer as a crawled one.
"""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from datetime import datetime
from typing import Any

from scraper.dedup import article_id, canonical_url, html_fingerprint, text_fingerprint
from scraper.extract import extract_article
from scraper.match import Watchlist, match_article


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
    result = match_article(
        article.get("title") or "", article.get("text") or "", watchlist, language=article.get("language")
    )
    mentions = [_plain(m) for m in result.mentions]
    return {
        **article,
        "relevant": bool(result.relevant),
        "relevance": round(float(result.relevance), 4),
        "matched": list(result.matched),
        "mentions": mentions,
    }


def store_record(analysed: dict, *, outlet: str, outlet_kind: str, found_via: str, body: bytes,
                 fetched_at: str) -> tuple[dict, list[dict]]:
    """The row the store keeps (keyed by the canonical URL's identity) and its mentions.

    Mentions of entries the article does not cover (a name without supporting context)
    are left out, so filters by person only return real coverage.
    """
    canonical = canonical_url(analysed.get("canonical_url") or analysed["url"])
    text = analysed.get("text") or ""
    record = {
        **{k: v for k, v in analysed.items() if k != "mentions"},
        "id": article_id(canonical),
        "canonical_url": canonical,
        "outlet": outlet,
        "outlet_kind": outlet_kind,
        "found_via": [found_via],
        "html_sha1": html_fingerprint(body),
        "text_sha1": text_fingerprint(text),
        "word_count": len(text.split()),
        "fetched_at": fetched_at,
    }
    covered = set(analysed.get("matched") or [])
    mentions = [m for m in analysed.get("mentions", []) if m["entry"] in covered or m["kind"] == "supporting"]
    return record, mentions
