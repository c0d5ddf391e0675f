"""What a spider hands to the pipeline: a fetched page and how it was found."""

from __future__ import annotations

from dataclasses import dataclass, field

from scraper.archive import Capture


@dataclass
class PageItem:
    """A fetched candidate article page; extraction happens in the pipeline, not the spider."""

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
