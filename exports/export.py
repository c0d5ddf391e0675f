"""Streaming exports of stored articles (constant memory): JSON Lines and CSV."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import TextIO

from scraper.record import EXPORTED as EXPORT_COLUMNS


def write_jsonl(articles: Iterable[dict], out: TextIO) -> int:
    """One JSON object per article with the stable EXPORT_COLUMNS keys (other tools read
    them; new keys may be added, none renamed). Writes as it reads: constant memory."""
    n = 0
    for article in articles:
        out.write(json.dumps({k: article.get(k) for k in EXPORT_COLUMNS}, ensure_ascii=False) + "\n")
        n += 1
    return n


def write_csv(articles: Iterable[dict], out: TextIO) -> int:
    """The same columns as CSV, lists joined with "; " so a spreadsheet shows them in one cell."""
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    n = 0
    for article in articles:
        row = []
        for column in EXPORT_COLUMNS:
            value = article.get(column)
            row.append("; ".join(map(str, value)) if isinstance(value, list) else value)
        writer.writerow(row)
        n += 1
    return n
