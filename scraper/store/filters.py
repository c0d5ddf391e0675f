"""The filters shared by search, export and report, as one SQL where-clause."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ArticleFilters:
    """The filters shared by search, export and report, turned into one SQL where-clause."""

    person: str | None = None
    outlet: str | None = None
    kind: str | None = None
    language: str | None = None
    since: str | None = None
    until: str | None = None
    relevant: bool | None = None

    def sql(self, table: str = "articles") -> tuple[str, list]:
        clauses: list[str] = []
        params: list = []
        if self.person:
            clauses.append(
                f"{table}.id in (select article_id from mentions where entry = ? collate nocase)"
            )
            params.append(self.person)
        for column, value in (("outlet", self.outlet), ("outlet_kind", self.kind), ("language", self.language)):
            if value:
                clauses.append(f"{table}.{column} = ? collate nocase")
                params.append(value)
        if self.since:
            clauses.append(f"{table}.published_date >= ?")
            params.append(self.since)
        if self.until:
            clauses.append(f"{table}.published_date <= ?")
            params.append(self.until)
        if self.relevant is not None:
            clauses.append(f"{table}.relevant = ?")
            params.append(int(self.relevant))
        return ("where " + " and ".join(clauses) if clauses else ""), params
