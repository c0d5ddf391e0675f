"""Copy chosen records into one new WARC file, for a client or for replay in pywb.

Records are copied as the gzip members they are (no recompression), after a warcinfo
record of the export's own. Each response brings the request record written with it, and
each revisit brings the response holding its body, so the file stands on its own.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from scraper.archive.files import ArchiveError, Location, decode_member, iter_members
from scraper.archive.reader import Record, _safe_path, parse_record
from scraper.archive.writer import DEFAULT_LEVEL, RecordMaker, revisit_original


@dataclass
class ExportResult:
    """What an export wrote: `records` copied (with requests and originals), `missing` locations it could not read."""

    path: Path
    records: int = 0
    bytes: int = 0
    missing: list[tuple[Location, str]] = field(default_factory=list)


class _Files:
    """Open source files, one handle each for the whole export."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.handles: dict[str, BinaryIO] = {}

    def member(self, loc: Location) -> tuple[bytes, Record]:
        """The raw gzip member at `loc` and its record (checked to be exactly one complete member)."""
        fh = self.handles.get(loc.warc_file)
        if fh is None:
            try:
                fh = self.handles[loc.warc_file] = open(_safe_path(self.folder, loc.warc_file), "rb")  # noqa: SIM115
            except FileNotFoundError:
                raise ArchiveError(f"{loc.warc_file}: no such WARC file") from None
        fh.seek(loc.offset)
        raw = fh.read(loc.length)
        if len(raw) < loc.length or loc.offset < 0:
            raise ArchiveError(f"{loc.warc_file}: offset {loc.offset}: file ends before the record does")
        return raw, parse_record(decode_member(raw, loc.offset, loc.warc_file), loc, loc.warc_file)

    def request_after(self, rec: Record) -> tuple[bytes, Location] | None:
        """The request record written right after a response (same file, next member), if it is that one's."""
        fh = self.handles[rec.location.warc_file]
        start = rec.location.offset + rec.location.length
        try:
            for offset, length, data in iter_members(fh, start, rec.location.warc_file, chunk=16 * 1024):
                loc = Location(rec.location.warc_file, offset, length)
                req = parse_record(data, loc, loc.warc_file)
                if req.rec_type != "request" or req.warc("WARC-Concurrent-To") != rec.record_id:
                    return None
                fh.seek(offset)
                return fh.read(length), loc
        except ArchiveError:
            return None
        return None

    def close(self) -> None:
        for fh in self.handles.values():
            fh.close()


def export_warc(folder: str | os.PathLike[str], locations: Iterable[Location], out: str | os.PathLike[str], *,
                info: Mapping[str, str] | None = None, requests: bool = True, originals: bool = True,
                warc_version: str = "1.0") -> ExportResult:
    """Write the records at `locations` (in order, each once) to the new WARC file `out`.

    The file appears complete or not at all (written beside `out`, then renamed). A
    location that cannot be read is listed in `missing` and skipped; the rest are exported.
    """
    folder, out = Path(folder), Path(out)
    result = ExportResult(out)
    maker = RecordMaker(warc_version, DEFAULT_LEVEL)
    files = _Files(folder)
    seen: set[Location] = set()
    fd, tmp = tempfile.mkstemp(prefix=out.name + ".", suffix=".part", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as fh:

            def put(raw: bytes, loc: Location) -> None:
                seen.add(loc)
                fh.write(raw)
                result.records += 1
                result.bytes += len(raw)

            warcinfo = maker.warcinfo(out.name, {"description": "newswatch export", **(info or {})})
            fh.write(warcinfo)
            result.records, result.bytes = 1, len(warcinfo)
            for location in locations:
                loc = Location(*location)
                if loc in seen:
                    continue
                try:
                    raw, rec = files.member(loc)
                except (ArchiveError, OSError) as e:
                    result.missing.append((loc, str(e)))
                    continue
                if rec.rec_type == "revisit" and originals:
                    ref = revisit_original(rec)
                    if ref is not None and ref not in seen:
                        try:
                            ref_raw, ref_rec = files.member(ref)
                            put(ref_raw, ref)
                            if requests:
                                _put_request(files, ref_rec, seen, put)
                        except (ArchiveError, OSError) as e:
                            result.missing.append((ref, f"original of revisit {loc}: {e}"))
                put(raw, loc)
                if requests:
                    _put_request(files, rec, seen, put)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    finally:
        files.close()
    return result


def _put_request(files: _Files, rec: Record, seen: set[Location], put) -> None:
    if rec.rec_type not in ("response", "revisit"):
        return
    found = files.request_after(rec)
    if found is not None and found[1] not in seen:
        put(*found)
