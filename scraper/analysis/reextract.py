"""Extract stored articles again from their archived pages: no request is sent.

An extractor fix (a date rule, a boilerplate filter, text an older version restyled)
changes what stored rows should hold. Each selected article's page is read from the
record its row names in the WARC archive and goes through the crawl's own path
(analysis.page.crawled_page -> store_record: extraction, matching, the record) with the
headers as archived, the row's `fetched_at` and what the row keeps of the crawl's hints.
Only what changed is written: a text with other words is a new revision (naming the
same record: the same page, read by today's extractor), a text with the same words in
other characters (quotes an older version restyled) and any other field are rewritten in
place, and the verdict and mentions are replaced when they moved. The clusters follow.

Batches are extracted on every core by the caller's `analyse` (the extraction pool) and
committed one transaction each with the run's cursor (store.reextract), so a killed run
started again with the same selection continues where it stopped.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from scraper.analysis.evidence import location_of, names_the_page
from scraper.analysis.page import crawled_page
from scraper.analysis.rematch import BECAME_RELEVANT, ENTRIES_CHANGED, NO_LONGER_RELEVANT
from scraper.archive import ArchiveError, Record, read_record
from scraper.match import Watchlist
from scraper.record import BY_NAME, EXTRACTED, LIVE
from scraper.store import ArticleFilters, Store
from scraper.store.reextract import ReextractRun

TEXT_CHANGED = "text changed"  # other words: a new revision
TEXT_RESTYLED = "text restyled"  # the same words in other characters: rewritten in place
FIELDS_CHANGED = "fields changed"  # title, dates, authors, language, ...: in place
EVIDENCE_CHANGED = "evidence changed"  # only the score or the mentions moved

# Compared and rewritten in place; the identity (url, canonical_url) stays the row's.
FIELDS = tuple(name for name in EXTRACTED if BY_NAME[name].column and name not in ("url", "canonical_url", "text"))
VERDICT = ("relevant", "relevance", "matched")
_MENTION_KEYS = ("entry", "kind", "count", "terms", "snippet", "positions")
COUNTERS = ("articles", "relevant_before", "relevant_after", "updated", "skipped", "text_changed", "text_restyled",
            "fields_changed", "became_relevant", "no_longer_relevant", "entries_changed")
SKIP_REASONS = ("no_record", "unreadable_record", "not_extracted", "changed_by_crawl")
MAX_PROBLEMS = 100

Analyse = Callable[[list[dict]], list[dict]]


@dataclass
class ReextractSummary:
    """What a reextract run did (over all its sessions, when it resumed a killed one)."""

    counts: dict = field(default_factory=lambda: {k: 0 for k in (*COUNTERS, *SKIP_REASONS)})
    changes: list[dict] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)
    dry_run: bool = False
    run_id: int | None = None
    resumed: bool = False
    reclustered: int = 0
    workers: int = 0
    seconds: float = 0.0

    def add(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def as_dict(self) -> dict:
        """The `reextract --json` output: `rematch --json`'s keys, then the text counts and the rest."""
        c = self.counts
        return {
            **{k: c.get(k, 0) for k in ("articles", "relevant_before", "relevant_after", "updated", "skipped")},
            "dry_run": self.dry_run,
            **{k: c.get(k, 0) for k in ("became_relevant", "no_longer_relevant", "entries_changed", "text_changed",
                                        "text_restyled", "fields_changed")},
            "skipped_by_reason": {k: c.get(k, 0) for k in SKIP_REASONS},
            "reclustered": self.reclustered,
            "run_id": self.run_id,
            "resumed": self.resumed,
            "workers": self.workers,
            "seconds": round(self.seconds, 2),
            "problems": self.problems,
            "changes": self.changes,
        }


def headers_of(record: Record) -> dict[str, str]:
    """The response headers as the crawl hands them to extraction (lower-case names, first
    value), without the archive's own `X-Archive-Orig-*` notes."""
    headers: dict[str, str] = {}
    for name, value in record.headers:
        key = name.lower()
        if not key.startswith("x-archive-orig-"):
            headers.setdefault(key, value)
    return headers


def hints_of(row: dict) -> dict[str, str]:
    """What the crawl knew of the page from outside it, as far as the row keeps it: a feed's
    or sitemap's date (its `published_source` says so), and the title (extraction uses it
    only when the page gives none)."""
    hints: dict[str, str] = {}
    if row.get("published_source") in ("feed", "sitemap") and row.get("published"):
        hints.update(published=row["published"], published_source=row["published_source"])
    if row.get("title"):
        hints["title"] = row["title"]
    return hints


def job_for(row: dict, record: Record) -> dict:
    """The extraction job of a stored article: its archived page, as the crawl's pipeline sends it to a worker."""
    fetched_at = row.get("fetched_at") or (record.fetched_at.isoformat() if record.fetched_at else None)
    archived = (row.get("fetched_from") or LIVE) != LIVE
    # an archived copy is the article at its own URL, dated by its page (not by the archive)
    provenance = {key: row.get(key) for key in ("fetched_from", "archive_url", "archived_at", "discovered_at")}
    return {"body": record.body, "url": row["url"] if archived else record.target_uri or row["url"],
            "fetched_at": fetched_at, "headers": headers_of(record), "hints": hints_of(row),
            "page": {"outlet": row["outlet"], "outlet_kind": row["outlet_kind"],
                     "found_via": row.get("found_via") or [], "keep": True, "provenance": provenance}}


def inline(watchlist: Watchlist) -> Analyse:
    """`analyse` in this process (one core): tests, and `--workers 0`."""
    def analyse(jobs: list[dict]) -> list[dict]:
        out = []
        for job in jobs:
            try:
                out.append(crawled_page(job["body"], url=job["url"], watchlist=watchlist,
                                        fetched_at=datetime.fromisoformat(job["fetched_at"]), headers=job["headers"],
                                        hints=job["hints"], **job["page"]))
            except Exception as exc:  # noqa: BLE001 - one page must not stop the run (as in a worker)
                out.append({"outcome": "error", "error": f"{type(exc).__name__}: {exc}"})
        return out
    return analyse


def selection_key(filters: ArticleFilters) -> str:
    """What a run selects, as text: a run started again with the same selection resumes."""
    return json.dumps({k: v for k, v in filters.__dict__.items() if v is not None}, sort_keys=True)


def reextract(store: Store, folder: Path, analyse: Analyse, *, filters: ArticleFilters | None = None,
              dry_run: bool = False, restart: bool = False, batch: int = 64) -> ReextractSummary:
    """Extract the selected articles again from the archive and store what changed
    (nothing when `dry_run`); resumes the unfinished run of the same selection unless `restart`."""
    filters = filters or ArticleFilters()
    started = time.monotonic()
    summary = ReextractSummary(dry_run=dry_run)
    run: ReextractRun | None = None
    if not dry_run:
        run = store.reextract.open(selection_key(filters), restart=restart)
        summary.run_id, summary.resumed = run.id, run.resumed
        summary.counts.update(run.counts.get("counts", {}))
        summary.problems = run.counts.get("problems", [])
    for rows in store.articles.for_reextract(filters, after=run.cursor if run else "", batch=batch):
        jobs: list[dict] = []
        waiting: list[dict] = []
        for row in rows:
            job = _job_or_skip(row, folder, summary)
            if job is not None:
                jobs.append(job)
                waiting.append(row)
        results = analyse(jobs) if jobs else []
        batch_changes: list[tuple[str, dict]] = []
        if run is not None:
            with store.reextract.batch():
                for row, result in zip(waiting, results, strict=True):
                    _settle(store, row, result, summary, batch_changes)
                run.cursor = rows[-1]["id"]
                run.counts = {"counts": summary.counts, "problems": summary.problems}
                store.reextract.checkpoint(run, batch_changes)
        else:
            for row, result in zip(waiting, results, strict=True):
                _settle(store, row, result, summary, batch_changes)
            summary.changes += [change for _, change in batch_changes]
    if run is not None:
        summary.reclustered = store.clusters.update()
        store.reextract.finish(run)
        summary.changes = list(store.reextract.changes(run.id))
    summary.seconds = time.monotonic() - started
    return summary


def _job_or_skip(row: dict, folder: Path, summary: ReextractSummary) -> dict | None:
    """The article's job, or None (counted and skipped) when it has no readable record of its page."""
    summary.add("articles")
    summary.add("relevant_before", bool(row["relevant"]))
    location = location_of(row)
    if location is None:
        return _skip(summary, row, "no_record")
    try:
        record = read_record(folder, *location)
    except (ArchiveError, OSError) as e:
        return _skip(summary, row, "unreadable_record", str(e))
    if record.rec_type != "response" or not names_the_page(record.target_uri, {**row, "article_id": row["id"]}):
        return _skip(summary, row, "unreadable_record", f"{location} is a {record.rec_type} record of "
                                                        f"{record.target_uri}, not this article's page")
    return job_for(row, record)


def _skip(summary: ReextractSummary, row: dict, reason: str, problem: str | None = None) -> None:
    """Count an article left as it is (its verdict stands)."""
    summary.add("skipped")
    summary.add(reason)
    summary.add("relevant_after", bool(row["relevant"]))
    if problem and len(summary.problems) < MAX_PROBLEMS:
        summary.problems.append({"article_id": row["id"], "url": row["url"], "reason": reason, "problem": problem})
    return None


def _same(a, b) -> bool:
    """Equal as stored: None, '' and [] are all nothing."""
    if a in (None, "", []) and b in (None, "", []):
        return True
    return a == b


def _mention_rows(mentions: Iterable[dict]) -> list[tuple]:
    return sorted(tuple(json.dumps(m.get(k)) if isinstance(m.get(k), list | tuple) else m.get(k)
                        for k in _MENTION_KEYS) for m in mentions)


def _settle(store: Store, row: dict, result: dict, summary: ReextractSummary,
            changes: list[tuple[str, dict]]) -> None:
    """Compare one article's new record with its row; write what differs (unless a dry run)."""
    if result.get("outcome") != "article":
        why = result.get("error") or result.get("reason") or result.get("outcome")
        _skip(summary, row, "not_extracted", f"extraction gave no text ({why}); the row is left as it is")
        return
    record, mentions = result["record"], result["mentions"]
    columns = [name for name in (*FIELDS, "word_count") if not _same(row.get(name), record.get(name))]
    new_revision = row.get("text_sha1") != record.get("text_sha1")
    restyled = not new_revision and (row.get("text") or "") != (record.get("text") or "")
    if new_revision or restyled:
        columns += ["text", "text_sha1"] if new_revision else ["text"]
    verdict = [name for name in VERDICT if not _same(row.get(name), record.get(name))]
    columns += verdict
    moved = _mention_rows(store.articles.mentions_of(row["id"])) != _mention_rows(mentions)
    if not columns and not moved:
        summary.add("relevant_after", bool(record["relevant"]))
        return
    change = _change(row, record, columns, new_revision, restyled)
    if not summary.dry_run:
        read = {"text_sha1": row.get("text_sha1"), "warc_file": row.get("warc_file"),
                "warc_offset": row.get("warc_offset"), "warc_length": row.get("warc_length")}
        if not store.articles.reextracted(row["id"], read, record, columns, new_revision=new_revision,
                                          mentions=mentions if (moved or verdict) else None):
            _skip(summary, row, "changed_by_crawl")  # a crawl rewrote it meanwhile (and extracted it itself)
            return
        if new_revision:
            change["revision"] = (row.get("revisions") or 1) + 1
    summary.add("relevant_after", bool(record["relevant"]))
    summary.add("updated")
    summary.add("text_changed", new_revision)
    summary.add("text_restyled", restyled)
    summary.add("fields_changed", any(name in FIELDS or name == "word_count" for name in columns))
    if change["change"] in (BECAME_RELEVANT, NO_LONGER_RELEVANT, ENTRIES_CHANGED):
        summary.add(change["change"].replace(" ", "_"))
    changes.append((row["id"], change))


def _change(row: dict, record: dict, columns: list[str], new_revision: bool, restyled: bool) -> dict:
    """One article's change, with `rematch --json`'s keys and what else moved (before/after)."""
    was, now = bool(row["relevant"]), bool(record["relevant"])
    before, after = list(row.get("matched") or []), list(record.get("matched") or [])
    if now and not was:
        kind = BECAME_RELEVANT
    elif was and not now:
        kind = NO_LONGER_RELEVANT
    elif set(before) != set(after):
        kind = ENTRIES_CHANGED
    elif new_revision:
        kind = TEXT_CHANGED
    elif restyled:
        kind = TEXT_RESTYLED
    elif any(name in FIELDS or name == "word_count" for name in columns):
        kind = FIELDS_CHANGED
    else:
        kind = EVIDENCE_CHANGED
    change = {
        "article_id": row["id"], "url": row["url"], "outlet": row["outlet"], "title": record.get("title") or "",
        "change": kind, "relevant_before": was, "relevant_after": now, "relevance_before": row.get("relevance"),
        "relevance_after": record.get("relevance"), "matched_before": before, "matched_after": after,
        "added": [e for e in after if e not in before], "removed": [e for e in before if e not in after],
        "text": "new revision" if new_revision else "restyled" if restyled else None,
        "fields": {name: {"before": row.get(name), "after": record.get(name)}
                   for name in columns if name in FIELDS or name == "word_count"},
    }
    if new_revision or restyled:
        change["text_diff"] = first_difference(row.get("text") or "", record.get("text") or "")
    return change


def first_difference(before: str, after: str, context: int = 60) -> dict:
    """Where two texts first differ, with a little of each around it (for a reader, not a diff tool)."""
    at = next((i for i, (a, b) in enumerate(zip(before, after, strict=False)) if a != b), min(len(before), len(after)))
    start = max(0, at - context // 2)
    return {"at": at, "before": before[start:at + context], "after": after[start:at + context],
            "chars_before": len(before), "chars_after": len(after)}
