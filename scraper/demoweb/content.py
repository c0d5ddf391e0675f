"""Load the demo news web's data: demo_web/outlets.toml and demo_web/articles/<outlet>/*.md.

Everything here is pure data handling (no HTTP), so the answer key and the server agree on
every article's URL path.
"""

from __future__ import annotations

import json
import re
import tomllib
import unicodedata
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scraper.config import KINDS, PROJECT_ROOT
from scraper.errors import ConfigError

DEFAULT_ROOT = PROJECT_ROOT / "demo_web"
TEMPLATES = ("ledger", "marquee", "ecran", "farm", "dispatch", "record")
DEFAULT_SECTION = "news"

# Paths the server owns; an article path may not take them over.
RESERVED_PATHS = frozenset(
    {
        "/",
        "/robots.txt",
        "/sitemap.xml",
        "/sitemap-articles.xml",
        "/news-sitemap.xml",
        "/sitemap-pages.xml",
        "/feed.xml",
        "/rss/",
        "/atom.xml",
        "/search",
        "/about/",
        "/contact/",
    }
)
RESERVED_PREFIXES = ("/section/", "/latest/", "/media/", "/sponsored/", "/search/")

_OUTLET_KEYS = {
    "slug",
    "name",
    "kind",
    "language",
    "template",
    "disallow",
    "per_page",
    "tagline",
    "timezone",
    "section_names",
    "listed",
    "host",
    "blocked",
}
_ARTICLE_KEYS = {
    "title",
    "published",
    "modified",
    "authors",
    "section",
    "tags",
    "description",
    "path",
    "sidebar_note",
    "comments",
    "image",
    "language",
    "translation",
    "key",
}
_KEY_KEYS = {"relevant", "covers", "story", "note", "short", "removed"}
REMOVED = ("404", "home")  # gone from the live site: answers 404, or 301 to the home page
_HOST = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+example$")
_IGNORED_FILES = {"readme.md"}


class DemoContentError(ConfigError):
    """The demo web's outlets.toml or an article file is malformed (message names the file)."""


@dataclass(frozen=True)
class DemoOutlet:
    """One fictional outlet as configured in outlets.toml."""

    slug: str
    name: str
    kind: str
    language: str
    template: str
    disallow: tuple[str, ...]
    per_page: int
    tagline: str
    timezone: str
    section_names: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    # An outlet nobody listed (not in the generated sources.toml): it keeps its own host name
    # under .example and is served only through the demo web's proxy, at http://<host>/.
    listed: bool = True
    host: str | None = None
    blocked: bool = False  # named in the sources' [discovery] block list: never to be fetched

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_disallowed(self, path: str) -> bool:
        return any(path.startswith(prefix) for prefix in self.disallow)

    def section_name(self, section_slug: str) -> str:
        if section_slug in self.section_names:
            return self.section_names[section_slug]
        words = section_slug.replace("-", " ").split()
        return " ".join(w.upper() if len(w) <= 2 else w.capitalize() for w in words) or section_slug


@dataclass(frozen=True)
class Block:
    """A body block: a paragraph ("p") or a subheading ("h2"), as plain unescaped text."""

    kind: str
    text: str


@dataclass(frozen=True)
class Article:
    """One article file, with its URL path resolved for the outlet's template."""

    outlet: str
    slug: str
    source: Path
    title: str
    published: str  # ISO 8601 with offset, or a bare date
    published_at: datetime  # aware; noon local time for date-only articles
    date_only: bool
    modified: str | None
    modified_at: datetime | None
    authors: tuple[str, ...]
    section: str  # slug form
    section_label: str  # as written in front matter
    tags: tuple[str, ...]
    description: str
    path: str
    sidebar_note: tuple[str, ...]
    comments: tuple[str, ...]
    image: str | None
    language: str
    relevant: bool
    short: bool  # a brief or blurb, not a full article: a crawl must keep it only when relevant
    covers: tuple[str, ...]
    story: str | None
    note: str
    blocks: tuple[Block, ...]
    removed: str | None = None  # None (live), "404" or "home" (gone from the live site; in the archives)
    translation: str = ""  # English rendering, what GDELT's machine translation would index

    @property
    def day(self) -> date:
        """The publisher's local day (the date as written in the front matter)."""
        return self.published_at.date()

    @property
    def updated_at(self) -> datetime:
        return self.modified_at or self.published_at

    @property
    def text(self) -> str:
        return "\n\n".join(b.text for b in self.blocks)

    @property
    def paragraphs(self) -> list[str]:
        return [b.text for b in self.blocks if b.kind == "p"]


@dataclass
class DemoContent:
    """All outlets and their articles (each outlet's list is newest first).

    `outlets` are the listed outlets (the ones a sources.toml names), `unlisted` the
    outlets nobody listed (served only through the proxy). `articles` holds every
    outlet's live articles, `removed` the articles gone from the live sites (still in
    the archives).
    """

    root: Path
    outlets: list[DemoOutlet]
    articles: dict[str, list[Article]]
    unlisted: list[DemoOutlet] = field(default_factory=list)
    removed: dict[str, list[Article]] = field(default_factory=dict)

    def outlet(self, slug: str) -> DemoOutlet:
        for outlet in (*self.outlets, *self.unlisted):
            if outlet.slug == slug:
                return outlet
        raise KeyError(slug)

    def all_articles(self) -> list[Article]:
        """The live articles of the listed outlets (what a crawl of sources.toml can reach)."""
        return [a for o in self.outlets for a in self.articles.get(o.slug, [])]

    def every_article(self) -> list[Article]:
        """Every article of every outlet, listed or not, live or removed."""
        return [a for o in (*self.outlets, *self.unlisted)
                for a in (*self.articles.get(o.slug, []), *self.removed.get(o.slug, []))]

    def answer_key(self) -> list[dict[str, Any]]:
        """The ground truth a crawl is scored against, sorted by (outlet, path).

        A live crawl of the listed outlets reaches the rows with `listed` true and
        `removed` null; the archives hold the removed ones; the unlisted outlets are
        found through discovery, and a `blocked` outlet's rows must never be fetched.
        """
        rows = []
        for outlet in (*self.outlets, *self.unlisted):
            for a in (*self.articles.get(outlet.slug, []), *self.removed.get(outlet.slug, [])):
                rows.append(
                    {
                        "outlet": outlet.slug,
                        "path": a.path,
                        "title": a.title,
                        "relevant": a.relevant,
                        "short": a.short,
                        "covers": list(a.covers),
                        "story": a.story,
                        "disallowed": outlet.is_disallowed(a.path),
                        "language": a.language,
                        "published": a.published,
                        "note": a.note,
                        "host": outlet.host,
                        "listed": outlet.listed,
                        "removed": a.removed,
                        "blocked": outlet.blocked,
                    }
                )
        rows.sort(key=lambda r: (r["outlet"], r["path"]))
        return rows


def answer_key_json(content: DemoContent) -> str:
    return json.dumps(content.answer_key(), indent=2, ensure_ascii=False) + "\n"


def write_answer_key(content: DemoContent, path: str | Path | None = None) -> Path:
    target = Path(path) if path else content.root / "answer_key.json"
    target.write_text(answer_key_json(content), encoding="utf-8")
    return target


def slugify(value: str) -> str:
    """ASCII, lowercase, hyphenated: 'Télévision & Séries' -> 'television-series'."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def fold(value: str) -> str:
    """Case- and accent-insensitive form used by the site search."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def marquee_id(slug: str) -> int:
    """Stable 5-digit article id (Marquee Daily puts one in every URL)."""
    return 10000 + zlib.crc32(slug.encode("utf-8")) % 90000


def default_path(template: str, slug: str, day: date) -> str:
    """The URL path an article gets when its front matter has no explicit `path`."""
    if template == "ledger":
        return f"/news/{day:%Y/%m/%d}/{slug}/"
    if template == "marquee":
        return f"/tv/{slug}-{marquee_id(slug)}.html"
    if template == "ecran":
        return f"/articles/{slug}"
    if template == "farm":
        return f"/{day:%Y/%m/%d}/{slug}.html"
    if template == "dispatch":
        return f"/stories/{slug}"
    if template == "record":
        return f"/{day:%Y/%m}/{slug}.html"
    raise ValueError(f"unknown template {template!r}")


def _require(cond: bool, where: str, message: str) -> None:
    if not cond:
        raise DemoContentError(f"{where}: {message}")


def _str_list(value: object, where: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    _require(
        isinstance(value, list) and all(isinstance(v, str) for v in value),
        where,
        f"{key!r} must be a list of strings, got {value!r}",
    )
    return tuple(v.strip() for v in value if v.strip())  # type: ignore[union-attr]


def _parse_outlet(raw: object, where: str) -> DemoOutlet:
    _require(isinstance(raw, dict), where, "expected a table")
    assert isinstance(raw, dict)
    unknown = sorted(set(raw) - _OUTLET_KEYS)
    _require(not unknown, where, f"unknown key(s) {', '.join(unknown)}")
    for key in ("slug", "name", "kind", "language", "template"):
        _require(isinstance(raw.get(key), str) and raw[key].strip(), where, f"missing or empty {key!r}")
    slug = raw["slug"]
    where = f"{where} ({slug})"
    _require(re.fullmatch(r"[a-z0-9][a-z0-9-]*", slug) is not None, where, "slug must be lowercase a-z0-9-")
    _require(raw["kind"] in KINDS, where, f"'kind' must be one of {', '.join(KINDS)}")
    _require(raw["template"] in TEMPLATES, where, f"'template' must be one of {', '.join(TEMPLATES)}")
    disallow = _str_list(raw.get("disallow"), where, "disallow")
    _require(all(p.startswith("/") for p in disallow), where, "disallow prefixes must start with '/'")
    per_page = raw.get("per_page", 5)
    _require(isinstance(per_page, int) and 1 <= per_page <= 50, where, "'per_page' must be 1..50")
    timezone = raw.get("timezone", "UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise DemoContentError(f"{where}: unknown timezone {timezone!r}") from None
    names = raw.get("section_names", {})
    _require(
        isinstance(names, dict) and all(isinstance(v, str) for v in names.values()),
        where,
        "'section_names' must be a table of strings",
    )
    listed = raw.get("listed", True)
    _require(isinstance(listed, bool), where, "'listed' must be true or false")
    host = raw.get("host")
    blocked = raw.get("blocked", False)
    _require(isinstance(blocked, bool), where, "'blocked' must be true or false")
    if listed:
        _require(host is None, where, "'host' is only for outlets with listed = false (they keep their own host name)")
        _require(not blocked, where, "'blocked' is only for outlets with listed = false")
    else:
        _require(isinstance(host, str) and _HOST.match(host) is not None, where,
                 f"an outlet with listed = false needs a lowercase 'host' under .example, got {host!r}")
    return DemoOutlet(
        slug=slug,
        name=raw["name"].strip(),
        kind=raw["kind"],
        language=raw["language"],
        template=raw["template"],
        disallow=disallow,
        per_page=per_page,
        tagline=str(raw.get("tagline", "")),
        timezone=timezone,
        section_names={slugify(k): v for k, v in names.items()},
        listed=listed,
        host=host,
        blocked=blocked,
    )


def load_outlets(path: Path) -> list[DemoOutlet]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DemoContentError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DemoContentError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise DemoContentError(f"{path}: invalid TOML: {exc}") from None
    tables = data.get("outlet")
    _require(isinstance(tables, list) and bool(tables), str(path), "no [[outlet]] tables found")
    outlets = [_parse_outlet(raw, f"{path}: outlet #{i}") for i, raw in enumerate(tables, 1)]
    slugs = [o.slug for o in outlets]
    dupes = sorted({s for s in slugs if slugs.count(s) > 1})
    _require(not dupes, str(path), f"outlet slugs must be unique; repeated: {', '.join(dupes)}")
    hosts = [o.host for o in outlets if o.host]
    dupes = sorted({h for h in hosts if hosts.count(h) > 1})
    _require(not dupes, str(path), f"outlet hosts must be unique; repeated: {', '.join(dupes)}")
    return outlets


def _parse_when(value: object, tz: ZoneInfo, where: str, key: str) -> tuple[str, datetime, bool]:
    """(ISO string, aware datetime, date_only) from a TOML date/datetime or an ISO string."""
    parsed: date | datetime
    if isinstance(value, datetime | date):
        parsed = value
    elif isinstance(value, str):
        text = value.strip()
        try:
            parsed = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            raise DemoContentError(
                f"{where}: {key!r} must be ISO 8601 (2020-04-05T20:00:00-04:00 or 2020-04-05), got {value!r}"
            ) from None
    else:
        raise DemoContentError(f"{where}: {key!r} must be an ISO 8601 string, got {value!r}")
    if not isinstance(parsed, datetime):
        return parsed.isoformat(), datetime.combine(parsed, time(12, 0), tzinfo=tz), True
    if parsed.tzinfo is None:
        # No offset written: the outlet's local time, pinned to that day's fixed offset.
        local = parsed.replace(tzinfo=tz)
        parsed = parsed.replace(tzinfo=timezone(local.utcoffset() or timedelta(0)))
    return parsed.isoformat(timespec="seconds"), parsed, False


def parse_body(text: str) -> tuple[Block, ...]:
    """Paragraphs are separated by blank lines; a line starting with '## ' is a subheading."""
    blocks: list[Block] = []
    lines: list[str] = []

    def flush() -> None:
        if lines:
            blocks.append(Block("p", " ".join(lines)))
            lines.clear()

    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line:
            flush()
        elif line.startswith("## "):
            flush()
            blocks.append(Block("h2", line[3:].strip()))
        else:
            lines.append(line)
    flush()
    return tuple(blocks)


def _split_front_matter(text: str, where: str) -> tuple[str, int, str]:
    """(front matter, line number of its first line, body)."""
    lines = text.lstrip("\ufeff").splitlines(keepends=True)
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    _require(
        start < len(lines) and lines[start].strip() == "+++",
        where,
        "must start with a '+++' line (TOML front matter between two '+++' lines)",
    )
    for end in range(start + 1, len(lines)):
        if lines[end].strip() == "+++":
            return "".join(lines[start + 1 : end]), start + 2, "".join(lines[end + 1 :])
    raise DemoContentError(f"{where}: front matter is not closed by a second '+++' line")


def _summary(blocks: tuple[Block, ...], limit: int = 200) -> str:
    first = next((b.text for b in blocks if b.kind == "p"), "")
    if len(first) <= limit:
        return first
    return first[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def parse_article(path: Path, outlet: DemoOutlet) -> Article:
    """Parse one article file; every error message starts with the file's path."""
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DemoContentError(f"{where}: cannot read: {exc}") from None
    front, first_line, body = _split_front_matter(text, where)
    try:
        # Pad with newlines so TOML error line numbers are the file's line numbers.
        meta = tomllib.loads("\n" * (first_line - 1) + front)
    except tomllib.TOMLDecodeError as exc:
        raise DemoContentError(f"{where}: invalid TOML front matter: {exc}") from None

    unknown = sorted(set(meta) - _ARTICLE_KEYS)
    _require(not unknown, where, f"unknown front matter key(s) {', '.join(unknown)}")
    title = meta.get("title")
    _require(isinstance(title, str) and bool(title.strip()), where, "missing or empty 'title'")
    assert isinstance(title, str)
    _require("published" in meta, where, "missing 'published'")
    published, published_at, date_only = _parse_when(meta["published"], outlet.tz, where, "published")
    modified = modified_at = None
    if meta.get("modified") is not None:
        modified, modified_at, _ = _parse_when(meta["modified"], outlet.tz, where, "modified")
        _require(modified_at >= published_at, where, "'modified' is earlier than 'published'")

    key = meta.get("key")
    _require(isinstance(key, dict), where, "missing [key] table (relevant, covers, story, note)")
    assert isinstance(key, dict)
    unknown = sorted(set(key) - _KEY_KEYS)
    _require(not unknown, where, f"unknown [key] key(s) {', '.join(unknown)}")
    _require(isinstance(key.get("relevant"), bool), where, "[key] 'relevant' must be true or false")
    story = key.get("story")
    _require(story is None or isinstance(story, str), where, "[key] 'story' must be a string")
    note = key.get("note", "")
    _require(isinstance(note, str), where, "[key] 'note' must be a string")
    _require(isinstance(key.get("short", False), bool), where, "[key] 'short' must be true or false")
    removed = key.get("removed")
    _require(removed is None or removed in REMOVED, where,
             f"[key] 'removed' must be one of {', '.join(map(repr, REMOVED))}, got {removed!r}")
    _require(removed is None or outlet.listed, where, "[key] 'removed' is only for articles of listed outlets")

    for name in ("section", "description", "path", "image", "language", "translation"):
        value = meta.get(name)
        _require(value is None or isinstance(value, str), where, f"{name!r} must be a string")
    section_label = (meta.get("section") or DEFAULT_SECTION).strip()
    section = slugify(section_label) or DEFAULT_SECTION

    slug = path.stem
    explicit = meta.get("path")
    if explicit:
        _require(
            explicit.startswith("/") and re.search(r"[\s?#]", explicit) is None,
            where,
            f"'path' must start with '/' and contain no spaces, '?' or '#', got {explicit!r}",
        )
        article_path = explicit
    else:
        _require(
            re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", slug) is not None,
            where,
            "file name must be a URL slug (letters, digits, '-', '_', '.') or set an explicit 'path'",
        )
        article_path = default_path(outlet.template, slug, published_at.date())
    _require(
        article_path not in RESERVED_PATHS and not article_path.startswith(RESERVED_PREFIXES),
        where,
        f"path {article_path!r} collides with a page the server provides",
    )

    blocks = parse_body(body)
    _require(any(b.kind == "p" for b in blocks), where, "the article body is empty")
    description = (meta.get("description") or "").strip() or _summary(blocks)
    return Article(
        outlet=outlet.slug,
        slug=slug,
        source=path,
        title=title.strip(),
        published=published,
        published_at=published_at,
        date_only=date_only,
        modified=modified,
        modified_at=modified_at,
        authors=_str_list(meta.get("authors"), where, "authors"),
        section=section,
        section_label=section_label,
        tags=_str_list(meta.get("tags"), where, "tags"),
        description=description,
        path=article_path,
        sidebar_note=_str_list(meta.get("sidebar_note"), where, "sidebar_note"),
        comments=_str_list(meta.get("comments"), where, "comments"),
        image=meta.get("image") or None,
        language=meta.get("language") or outlet.language,
        relevant=key["relevant"],
        short=key.get("short", False),
        covers=_str_list(key.get("covers"), where, "[key] covers"),
        story=story or None,
        note=note.strip(),
        blocks=blocks,
        removed=removed,
        translation=" ".join((meta.get("translation") or "").split()),
    )


def load_demo_web(root: str | Path | None = None) -> DemoContent:
    """Read outlets.toml and every article; raises DemoContentError naming the bad file."""
    root = Path(root) if root else DEFAULT_ROOT
    every_outlet = load_outlets(root / "outlets.toml")
    by_slug = {o.slug: o for o in every_outlet}
    articles_dir = root / "articles"
    if articles_dir.is_dir():
        for folder in sorted(articles_dir.iterdir()):
            if folder.is_dir() and not folder.name.startswith((".", "_")) and folder.name not in by_slug:
                raise DemoContentError(f"{folder}: no outlet with slug {folder.name!r} in {root / 'outlets.toml'}")
    articles: dict[str, list[Article]] = {}
    removed: dict[str, list[Article]] = {}
    for outlet in every_outlet:
        folder = articles_dir / outlet.slug
        files = (
            sorted(
                p
                for p in folder.glob("*.md")
                if not p.name.startswith((".", "_")) and p.name.lower() not in _IGNORED_FILES
            )
            if folder.is_dir()
            else []
        )
        parsed = [parse_article(p, outlet) for p in files]
        seen: dict[str, Path] = {}
        for a in parsed:
            if a.path in seen:
                raise DemoContentError(f"{a.source}: path {a.path!r} is already used by {seen[a.path]}")
            seen[a.path] = a.source
        parsed.sort(key=lambda a: (a.published_at, a.path), reverse=True)
        articles[outlet.slug] = [a for a in parsed if a.removed is None]
        removed[outlet.slug] = [a for a in parsed if a.removed is not None]
    return DemoContent(root=root, outlets=[o for o in every_outlet if o.listed], articles=articles,
                       unlisted=[o for o in every_outlet if not o.listed], removed=removed)
