"""The article record: the one definition of an article's fields.

Extraction fills the `extracted` fields, matching the `relevant` / `relevance` /
`matched` verdict, the crawl the identity and provenance fields, the store the
bookkeeping ones (first/last seen, revisions, clusters). Everything that needs the list
of fields reads it here: `extract.empty_article`, the store's row mapping, `export`'s
stable JSON Lines keys, the Datasette column descriptions, docs/CONTRACTS.md (a test
checks it) and the records that tests build.

Migrations are history and name their columns themselves; a test checks that a freshly
migrated database has exactly the columns listed here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict


@dataclass(frozen=True)
class Field:
    """One field of the article record.

    `type` is the value's Python type in a record (lists are stored as JSON text, bools
    as 0/1). `extracted`: produced by `scraper.extract` (a key of the `extract` JSON
    Lines). `column`: a column of the `articles` table; `written`: the store writes it
    from the record (the others it computes itself). `exported`: a stable key of
    `export --format jsonl`, in the order of FIELDS.
    """

    name: str
    type: type
    description: str
    extracted: bool = False
    column: bool = True
    written: bool = True
    exported: bool = False

    @property
    def sql_type(self) -> type:
        """What sqlite-utils creates the column as."""
        return {list: str, bool: int}.get(self.type, self.type)

    @property
    def json(self) -> bool:
        """Stored as JSON text."""
        return self.type is list


def _extracted(name: str, type_: type, description: str, *, exported: bool = True, column: bool = True) -> Field:
    return Field(name, type_, description, extracted=True, column=column, exported=exported)


FIELDS: tuple[Field, ...] = (
    Field("id", str, "Stable id of the article (a hash of its canonical URL).", exported=True),
    _extracted("url", str, "The article's URL as fetched (for an archived copy, the original URL, never the "
                               "archive's: see archive_url)."),
    _extracted("canonical_url", str,
               "The article's URL with tracking parameters, fragments, www. and AMP variants folded."),
    Field("outlet", str, "The news outlet: its name in sources.toml, or for a site nobody listed its declared "
                         "name (og:site_name, JSON-LD publisher) or registered domain.", exported=True),
    Field("outlet_kind", str, "Kind of outlet: entertainment or justice (sources.toml), other for a site found by "
                             "discovery that sources.toml does not list.", exported=True),
    _extracted("title", str, "Headline, without the site-name suffix."),
    _extracted("published", str,
               "Publication time as the publisher gave it (ISO 8601 with offset, or a bare date)."),
    _extracted("published_date", str, "The publisher's local day of publication (YYYY-MM-DD)."),
    _extracted("published_source", str, "Where the date came from: json-ld, meta, time, url, text, feed, sitemap, "
                                        "http."),
    _extracted("published_precision", str, "time or day."),
    _extracted("modified", str, "Last-modified time given by the publisher, kept apart from the publication time."),
    _extracted("language", str, "Language (ISO 639-1, e.g. en, fr)."),
    _extracted("authors", list, "Authors (JSON list)."),
    Field("relevant", bool,
          "1 when the article covers the documentary or a featured person (above the relevance threshold).",
          exported=True),
    Field("relevance", float, "Relevance score, 0 to 1 (see docs/relevance.md).", exported=True),
    Field("matched", list, "Watchlist entries the article covers (JSON list of canonical names).", exported=True),
    _extracted("description", str, "The page's own summary."),
    _extracted("image", str, "The page's lead image (absolute URL)."),
    _extracted("section", str, "The section the publisher filed it under."),
    _extracted("tags", list, "The publisher's tags or keywords (JSON list)."),
    Field("found_via", list, "Every way the crawl found it: feed, sitemap, search, link, gdelt, wayback, "
                            "commoncrawl (JSON list).", exported=True),
    Field("first_seen", str, "When a crawl first stored the article (UTC).", written=False, exported=True),
    Field("last_seen", str, "When a crawl last saw the article (UTC).", written=False, exported=True),
    _extracted("text", str,
               "Main text only (no navigation, sidebars or comments); paragraphs separated by a blank line."),
    Field("fetched_from", str, "Where the stored text was fetched: live (the outlet's own site), wayback (the "
                                "Wayback Machine) or commoncrawl (a Common Crawl WARC record).", exported=True),
    Field("archive_url", str, "For an archived copy: where it was fetched (the replay URL, or the Common Crawl "
                              "WARC file with the record's offset and length).", exported=True),
    Field("archived_at", str, "For an archived copy: when the archive captured the page (UTC), never its "
                              "publication date.", exported=True),
    Field("discovered_at", str, "When a discovery service first saw the article (GDELT's seendate, UTC), never "
                                "its publication date.", exported=True),
    _extracted("site_name", str, "The site's own name (og:site_name, JSON-LD publisher).", exported=False),
    _extracted("page_type", str, "article, or other for any other page (not stored).",
               exported=False, column=False),
    _extracted("index_page", bool, "True for a page that lists other pages: home, section, tag, search, archive "
                                   "(not stored).", exported=False, column=False),
    Field("word_count", int, "Words in the main text."),
    Field("html_sha1", str, "SHA-1 of the page's bytes as fetched."),
    Field("text_sha1", str, "Fingerprint of the main text's words (equal texts, equal fingerprints)."),
    Field("fetched_at", str, "When this version of the page was fetched (UTC)."),
    Field("revisions", int, "How many versions of the text were stored (see the revisions table).", written=False),
    # written only when they belong to the record's text (see store.articles)
    Field("signature", str, "MinHash signature of the text's word pairs (near-duplicate detection).", written=False),
    Field("signature_of", str, "The text fingerprint the signature was computed from.", written=False),
    Field("cluster_id", str,
          "The story this article belongs to: the id of the original; syndicated and reworded copies share it.",
          written=False),
    Field("is_original", bool, "1 for the earliest-published article of its story, 0 for a copy.", written=False),
    Field("similarity_to_original", float, "How close a copy's text is to the original's (0 to 1).", written=False),
    Field("warc_file", str, "The WARC file (in the archive folder) holding the page as fetched."),
    Field("warc_offset", int, "Where the page's record starts in that file (bytes)."),
    Field("warc_length", int, "The record's length (bytes): one seek and one read give the page as fetched."),
    Field("published_month", str, "The month of publication (YYYY-MM), for browsing by month.", written=False),
    Field("clustered_sha1", str, "The text fingerprint the near-duplicate index placed (internal).", written=False),
)

# fetched_from: where a stored text came from (the live site, or an archive)
LIVE = "live"
FETCHED_FROM: tuple[str, ...] = (LIVE, "wayback", "commoncrawl")

BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
EXTRACTED: tuple[str, ...] = tuple(f.name for f in FIELDS if f.extracted)
COLUMNS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.column)
WRITTEN: tuple[str, ...] = tuple(f.name for f in FIELDS if f.column and f.written)
EXPORTED: tuple[str, ...] = tuple(f.name for f in FIELDS if f.exported)
JSON_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.json and f.column)

# The record as a type: every field optional (a record grows along the way).
ArticleRecord = TypedDict("ArticleRecord", {f.name: f.type | None for f in FIELDS}, total=False)  # type: ignore[misc]


def empty_extraction(url: str | None) -> dict[str, Any]:
    """What `scraper.extract` returns when it knows nothing: every extracted key, lists
    empty, the rest None (an unreadable page is `other`, not an article)."""
    article: dict[str, Any] = {name: [] if BY_NAME[name].json else None for name in EXTRACTED}
    article.update(url=url, canonical_url=url, page_type="other", index_page=False)
    return article


@dataclass(frozen=True)
class MentionField:
    name: str
    description: str


MENTION_FIELDS: tuple[MentionField, ...] = (
    MentionField("article_id", "The article (articles.id)."),
    MentionField("entry", "The watchlist entry: the documentary, a featured person or a supporting entity."),
    MentionField("kind", "documentary, person or supporting."),
    MentionField("count", "How many times the entry is mentioned in the title and main text."),
    MentionField("terms", "The exact strings matched (JSON list)."),
    MentionField("snippet", "About 200 characters around the first mention."),
    MentionField("positions", "Character offsets of each mention in title + text (JSON list)."),
)


def descriptions() -> Mapping[str, str]:
    """Column descriptions of `articles`, for Datasette and the docs."""
    return {f.name: f.description for f in FIELDS if f.column}
