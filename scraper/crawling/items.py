"""What a spider hands to the pipeline: a fetched page and how it was found."""

from __future__ import annotations

from dataclasses import dataclass, field

from scraper.archive import Capture


@dataclass
class PageItem:
    """A fetched candidate article page; extraction happens in the pipeline, not the spider.

    `outlet` is empty for a site that sources.toml does not list (found by discovery):
    the page names it. An archived copy has its own URL as `url`."""

    url: str
    body: bytes = field(repr=False)
    headers: dict[str, str] = field(repr=False)
    fetched_at: str
    outlet: str
    outlet_kind: str
    found_via: str
    status: int = 200
    hints: dict[str, str] = field(default_factory=dict)
    capture: Capture | None = field(default=None, repr=False)  # the response and its request, for the archive
    provenance: dict[str, str | None] = field(default_factory=dict)  # where it was fetched (analysis.page.Provenance)
    lead: str | None = None  # the discovery ledger's URL that this page settles
