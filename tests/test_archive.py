"""The WARC archive: records written and read back exactly, rotation, revisits, export, digests, retention.

warcio's own reader and its `check` / `index` commands are the judges of validity.
"""

import base64
import hashlib
import json
import os
import random
import subprocess
import sys
import threading
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from scraper.archive import (
    ArchiveError,
    Capture,
    Location,
    WarcArchive,
    archive_files,
    archived_headers,
    default_folder,
    export_warc,
    index_file,
    iter_records,
    payload_digest,
    prunable,
    prune,
    read_record,
    referenced_files,
    verify,
    verify_many,
)
from scraper.archive.files import gzip_member, parse_name
from scraper.archive.reader import digest_matches

WARCIO = Path(sys.executable).with_name("warcio")
T0 = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
HTML = b"<!doctype html><html><head><title>Clemency</title></head><body><p>Dawn Jackson</p></body></html>"


def cap(url="https://news.example/2020/04/story.html", body=HTML, **kw) -> Capture:
    kw.setdefault("status", 200)
    kw.setdefault("headers", [(b"Content-Type", b"text/html; charset=utf-8")])
    kw.setdefault("fetched_at", T0)
    return Capture(url=url, body=body, **kw)


def noise(n: int, seed: int = 1) -> bytes:
    """Incompressible bytes, so file sizes are predictable."""
    return random.Random(seed).randbytes(n)


def warcio_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(WARCIO), *args], capture_output=True, text=True, timeout=120)


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "warc"


@pytest.fixture
def archive(folder):
    a = WarcArchive(folder)
    yield a
    a.close()


# ---- round trips -----------------------------------------------------------------------------


def test_response_round_trip_keeps_status_headers_and_body_exactly(archive, folder):
    headers = [(b"Content-Type", b"text/html; charset=windows-1252"), (b"Set-Cookie", b"a=1"),
               (b"Set-Cookie", b"b=2"), (b"X-Latin", b"caf\xe9"), (b"X-Utf8", "Zoë".encode()),
               (b"Content-Length", str(len(HTML) + 3).encode())]
    body = b"<p>caf\xe9 \x80\x81\xff\x00 end</p>"
    got = archive.write(cap(body=body, headers=headers, status=203, reason="Non-Authoritative Information",
                            ip_address="127.0.0.1", request_headers=[(b"User-Agent", b"newswatch")]))
    assert got.kind == "response" and got.refers_to is None
    assert got.payload_digest == payload_digest(body) and got.payload_digest.startswith("sha1:")
    assert (got.warc_file, got.warc_offset, got.warc_length) == tuple(got.location)
    rec = read_record(folder, *got.location)
    assert (rec.rec_type, rec.status, rec.reason, rec.protocol) == ("response", 203, "Non-Authoritative Information",
                                                                    "HTTP/1.1")
    assert rec.body == body
    assert rec.headers == (
        ("Content-Type", "text/html; charset=windows-1252"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"),
        ("X-Latin", "caf\xe9"), ("X-Utf8", "Zoë".encode().decode("latin-1")),
        ("X-Archive-Orig-Content-Length", str(len(HTML) + 3)), ("Content-Length", str(len(body))))
    assert rec.target_uri == "https://news.example/2020/04/story.html"
    assert rec.date == "2024-05-06T07:08:09Z" and rec.fetched_at == T0
    assert rec.http_message.startswith(b"HTTP/1.1 203 Non-Authoritative Information\r\nContent-Type: ")
    assert rec.http_message.endswith(b"\r\n\r\n" + body)
    assert rec.record_id == got.record_id and got.warc_date == rec.date
    assert rec.warc("WARC-IP-Address") == "127.0.0.1"
    assert rec.payload_digest == got.payload_digest
    assert verify(folder, got.location, got.payload_digest).ok


def test_empty_body_and_statuses_without_a_body(archive, folder):
    for status in (204, 304, 404, 599):
        got = archive.write(cap(url=f"https://news.example/{status}", body=b"", status=status, headers=[]))
        rec = read_record(folder, *got.location)
        assert (rec.status, rec.body) == (status, b"")
        assert rec.header("Content-Length") == "0"
        assert verify(folder, got.location, payload_digest(b"")).ok
    assert read_record(folder, *got.location).reason == ""  # 599 has no standard phrase
    assert read_record(folder, *archive.write(cap(status=404)).location).reason == "Not Found"


def test_large_body(archive, folder):
    body = (HTML * 40_000)[:3_000_000] + noise(1_000_000)
    got = archive.write(cap(body=body))
    rec = read_record(folder, *got.location)
    assert rec.body == body
    assert got.payload_digest == "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode()
    assert verify(folder, got.location, got.payload_digest).ok


def test_request_record_follows_its_response(archive, folder):
    got = archive.write(cap(url="https://news.example/search?q=dawn+jackson#top", method="POST",
                            request_headers=[(b"Accept", b"text/html"), (b"Cookie", b"s=1")],
                            request_body=b"q=dawn"))
    assert got.request == Location(got.warc_file, got.warc_offset + got.warc_length, got.request.length)
    req = read_record(folder, *got.request)
    assert req.rec_type == "request"
    assert req.start_line == "POST /search?q=dawn+jackson HTTP/1.1"
    assert req.headers == (("Host", "news.example"), ("Accept", "text/html"), ("Cookie", "s=1"))
    assert req.body == b"q=dawn"
    assert req.warc("WARC-Concurrent-To") == got.record_id
    assert req.date == got.warc_date
    assert verify(folder, got.request).ok


def test_http2_is_stored_as_http11_with_the_protocol_noted(archive, folder):
    got = archive.write(cap(protocol="h2"))
    rec = read_record(folder, *got.location)
    assert rec.protocol == "HTTP/1.1" and rec.warc("WARC-Protocol") == "h2"


def test_archived_headers_rewrites_only_the_framing():
    headers = [("Date", "Mon, 06 May 2024 07:08:09 GMT"), ("Transfer-Encoding", "chunked"),
               ("Content-Encoding", "gzip"), ("Content-Length", "120"), ("X-Evil", "a\r\nInjected: 1")]
    assert archived_headers(headers, 500, content_decoded=True) == [
        ("Date", "Mon, 06 May 2024 07:08:09 GMT"), ("X-Archive-Orig-Transfer-Encoding", "chunked"),
        ("X-Archive-Orig-Content-Encoding", "gzip"), ("X-Archive-Orig-Content-Length", "120"),
        ("X-Evil", "a Injected: 1"), ("Content-Length", "500")]
    # An encoding that was not undone stays: the body is still encoded with it.
    assert ("Content-Encoding", "gzip") in archived_headers([("Content-Encoding", "gzip")], 5)
    assert archived_headers([("Content-Length", "5")], 5) == [("Content-Length", "5")]
    assert archived_headers([], 0) == [("Content-Length", "0")]
    assert archived_headers([("X-Name", "Zoë €")], 0)[0] == ("X-Name", "Zoë €".encode().decode("latin-1"))


def test_naive_fetch_time_is_utc_and_warc_11_keeps_microseconds(folder):
    with WarcArchive(folder, warc_version="1.1") as a:
        got = a.write(cap(fetched_at=datetime(2024, 5, 6, 7, 8, 9, 250)))
    rec = read_record(folder, *got.location)
    assert rec.date == "2024-05-06T07:08:09.000250Z"
    assert rec.warc_headers[0][0] == "WARC-Type"
    with pytest.raises(ValueError):
        WarcArchive(folder, warc_version="0.9")


# ---- files -----------------------------------------------------------------------------------


def test_files_are_created_on_first_write_named_and_start_with_warcinfo(folder):
    a = WarcArchive(folder)
    assert not folder.exists() and a.current_file is None
    got = a.write(cap())
    a.close()
    [name] = archive_files(folder)
    prefix, created, serial = parse_name(name)
    assert (prefix, serial) == ("newswatch", 0) and abs(datetime.now(UTC) - created) < timedelta(minutes=5)
    assert got.warc_file == name
    first = next(iter_records(folder / name))
    assert first.rec_type == "warcinfo" and first.location.offset == 0
    assert first.warc("WARC-Filename") == name
    assert b"software: newswatch/" in first.body and b"format: WARC File Format 1.0" in first.body


def test_each_open_writes_a_new_file_with_the_next_serial(folder):
    names = []
    for _ in range(3):
        with WarcArchive(folder) as a:
            names.append(a.write(cap()).warc_file)
    assert [parse_name(n)[2] for n in names] == [0, 1, 2]
    assert archive_files(folder) == names
    (folder / "notes.txt").write_text("not ours")
    (folder / "other-20240101000000-00001.warc").write_bytes(b"")
    assert archive_files(folder) == names


def test_rotation_at_max_bytes(folder):
    body_size, n = 3000, 40
    with WarcArchive(folder, max_bytes=20_000) as a:
        got = a.write_many([cap(url=f"https://news.example/{i}", body=noise(body_size, i)) for i in range(n)])
    files = archive_files(folder)
    assert len(files) >= 6
    assert [g.warc_file for g in got] == sorted(g.warc_file for g in got)  # in order, file after file
    for name in files:
        assert (folder / name).stat().st_size <= 20_000
        records = list(iter_records(folder / name))
        assert records[0].rec_type == "warcinfo"
        assert [r.rec_type for r in records[1:]] == ["response", "request"] * ((len(records) - 1) // 2)
    for i, g in enumerate(got):
        assert read_record(folder, *g.location).body == noise(body_size, i)
        assert g.request.warc_file == g.warc_file


def test_a_capture_larger_than_max_bytes_gets_a_file_of_its_own(folder):
    with WarcArchive(folder, max_bytes=10_000) as a:
        small = a.write(cap(body=b"x"))
        big = a.write(cap(body=noise(50_000)))
        after = a.write(cap(body=b"y"))
    assert small.warc_file != big.warc_file != after.warc_file
    assert len(list(iter_records(folder / big.warc_file))) == 3  # warcinfo, response, request
    assert read_record(folder, *big.location).body == noise(50_000)


def test_writes_from_several_threads(folder):
    results, errors = [], []
    with WarcArchive(folder, max_bytes=40_000, fsync=False) as a:
        def work(t):
            try:
                for i in range(10):
                    results.extend((t, i, g) for g in a.write_many([cap(url=f"https://x.example/{t}/{i}",
                                                                        body=noise(2000, t * 100 + i))]))
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)
        threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    assert not errors and len(results) == 40
    assert len({g.location for _, _, g in results}) == 40
    for t, i, g in results:
        assert read_record(folder, *g.location).body == noise(2000, t * 100 + i)


def test_a_bad_capture_fails_its_batch_and_leaves_nothing_of_it_behind(folder):
    a = WarcArchive(folder)
    kept = a.write(cap(url="https://news.example/kept"))
    bad = cap(body="not bytes")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        a.write_many([cap(url="https://news.example/lost"), bad])
    after = a.write(cap(url="https://news.example/after"))
    a.close()
    assert after.warc_file == kept.warc_file  # the file was cut back to its durable part and goes on
    responses = [r.target_uri for r in iter_records(folder / kept.warc_file) if r.rec_type == "response"]
    assert responses == ["https://news.example/kept", "https://news.example/after"]
    assert verify(folder, after.location, after.payload_digest).ok
    assert warcio_cli("check", str(folder / kept.warc_file)).returncode == 0


def test_a_failed_write_closes_the_file_and_the_next_batch_starts_a_new_one(folder, monkeypatch):
    import scraper.archive.writer as writer

    a = WarcArchive(folder)
    kept = a.write(cap(url="https://news.example/kept"))
    real_write, calls = os.write, []

    def failing_write(fd, data):
        calls.append(len(data))
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(writer.os, "write", failing_write)
    with pytest.raises(OSError):
        a.write_many([cap(url=f"https://news.example/lost/{i}") for i in range(3)])
    monkeypatch.undo()
    assert a.current_file is None
    after = a.write(cap(url="https://news.example/after"))
    a.close()
    assert after.warc_file != kept.warc_file
    responses = [r.target_uri for r in iter_records(folder / kept.warc_file) if r.rec_type == "response"]
    assert responses == ["https://news.example/kept"]  # the batch's first record, written, was cut off again
    assert verify(folder, kept.location, kept.payload_digest).ok


# ---- revisits --------------------------------------------------------------------------------


def test_unchanged_refetch_is_a_revisit_and_a_changed_one_a_response(archive, folder):
    first = archive.write(cap())
    again = archive.write(cap(fetched_at=T0 + timedelta(days=1), revisit_of=first.location,
                              headers=[(b"Content-Type", b"text/html; charset=utf-8"), (b"Age", b"5")]))
    assert again.kind == "revisit" and again.refers_to == first.location
    assert again.payload_digest == first.payload_digest
    rec = read_record(folder, *again.location)
    assert rec.rec_type == "revisit" and rec.body == b"" and rec.status == 200
    assert rec.header("Age") == "5"  # the new fetch's headers are kept
    assert rec.warc("WARC-Refers-To") == first.record_id
    assert rec.warc("WARC-Refers-To-Target-URI") == "https://news.example/2020/04/story.html"
    assert rec.warc("WARC-Refers-To-Date") == first.warc_date
    assert rec.warc("WARC-Profile").endswith("/revisit/identical-payload-digest")
    assert rec.warc("WARC-Payload-Digest") == first.payload_digest
    assert verify(folder, again.location, first.payload_digest).ok
    # A revisit of the revisit still points at the response that holds the body.
    third = archive.write(cap(fetched_at=T0 + timedelta(days=2), revisit_of=again.location))
    assert third.kind == "revisit" and third.refers_to == first.location
    changed = archive.write(cap(body=HTML + b"<p>update</p>", revisit_of=third.location))
    assert changed.kind == "response" and changed.refers_to is None
    assert read_record(folder, *changed.location).body == HTML + b"<p>update</p>"


def test_revisit_of_a_record_that_is_gone_or_damaged_stores_the_page_in_full(folder):
    with WarcArchive(folder) as a:
        first = a.write(cap())
    path = folder / first.warc_file
    data = bytearray(path.read_bytes())
    data[first.warc_offset + first.warc_length // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with WarcArchive(folder) as a:
        damaged = a.write(cap(revisit_of=first.location))
        missing = a.write(cap(revisit_of=Location("newswatch-20000101000000-00009.warc.gz", 0, 100)))
    assert damaged.kind == "response" and missing.kind == "response"
    assert read_record(folder, *damaged.location).body == HTML


# ---- warcio and the warcio command accept the files ----------------------------------------


@pytest.fixture
def mixed_archive(folder):
    """Two files: responses (one empty, one large, odd headers), requests and revisits."""
    written = []
    with WarcArchive(folder, max_bytes=300_000) as a:
        written += a.write_many([cap(url=f"https://news.example/{i}", body=HTML + noise(60_000, i))
                                 for i in range(6)])
        written.append(a.write(cap(url="https://news.example/empty", body=b"", status=304, headers=[])))
        written.append(a.write(cap(headers=[(b"X-Latin", b"caf\xe9"), (b"Transfer-Encoding", b"chunked")])))
        written.append(a.write(cap(fetched_at=T0 + timedelta(hours=1), revisit_of=written[-1].location)))
    assert len(archive_files(folder)) == 2
    return written


def test_warcio_reads_every_record_at_the_offsets_we_return(mixed_archive, folder):
    seen = {}
    for name in archive_files(folder):
        with open(folder / name, "rb") as fh:
            it = ArchiveIterator(fh, check_digests=True)
            for record in it:
                body = record.content_stream().read()
                assert record.digest_checker.passed is not False, record.digest_checker.problems
                loc = Location(name, it.get_record_offset(), it.get_record_length())
                seen[loc] = (record.rec_type, body)
    for got in mixed_archive:
        rec_type, body = seen[got.location]
        assert rec_type == got.kind
        assert body == read_record(folder, *got.location).body
        assert seen[got.request][0] == "request"


def test_warcio_check_and_index_accept_the_files(mixed_archive, folder):
    paths = [str(folder / n) for n in archive_files(folder)]
    check = warcio_cli("check", "-v", *paths)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "digest pass" in check.stdout and "failed" not in check.stdout.lower()
    index = warcio_cli("index", "-f", "warc-type,warc-target-uri,warc-date,offset,length,warc-payload-digest",
                       *paths)
    assert index.returncode == 0, index.stderr
    lines = [json.loads(line) for line in index.stdout.splitlines()]
    ours = [e for p in paths for e in index_file(p)]
    assert [(d["warc-type"], d.get("warc-target-uri", ""), d["warc-date"], int(d["offset"]), int(d["length"]),
             d.get("warc-payload-digest")) for d in lines] == \
        [(e.rec_type, e.url, e.date, e.location.offset, e.location.length, e.digest) for e in ours]
    revisits = [e for e in ours if e.rec_type == "revisit"]
    assert len(revisits) == 1 and revisits[0].status == 200 and revisits[0].mime == "text/html"


def test_warcio_check_flags_a_corrupted_body(folder):
    with WarcArchive(folder) as a:
        got = a.write(cap())
    path = folder / got.warc_file
    tampered = tamper(path, got.location)
    check = warcio_cli("check", str(tampered))
    assert check.returncode == 1 and "payload digest failed" in check.stdout


# ---- verification ----------------------------------------------------------------------------


def tamper(path: Path, loc: Location) -> Path:
    """A copy of the file whose record at `loc` has one body byte changed, recompressed (so only digests can tell)."""
    rec = read_record(path.parent, *loc)
    with open(path, "rb") as fh:
        fh.seek(loc.offset)
        data = zlib.decompress(fh.read(loc.length), zlib.MAX_WBITS | 16)
    i = data.rindex(rec.body) + len(rec.body) // 2
    data = data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1:]
    out = path.with_name("newswatch-20000101000000-00099.warc.gz")
    raw = path.read_bytes()
    out.write_bytes(raw[: loc.offset] + gzip_member(data) + raw[loc.offset + loc.length:])
    return out


def test_verify_catches_a_changed_byte_the_gzip_crc_and_a_wrong_expected_digest(folder):
    with WarcArchive(folder) as a:
        got = a.write_many([cap(url=f"https://news.example/{i}", body=HTML + noise(2000, i)) for i in range(3)])
    good = got[1]
    assert verify(folder, good.location, good.payload_digest).ok
    # A body byte changed and recompressed: only the digests can tell.
    tampered = tamper(folder / good.warc_file, good.location)
    v = verify(folder, Location(tampered.name, good.warc_offset, os.path.getsize(tampered) - os.path.getsize(
        folder / good.warc_file) + good.warc_length), good.payload_digest)
    assert not v.ok and any("payload digest mismatch" in p for p in v.problems)
    assert any("block digest mismatch" in p for p in v.problems)
    # A flipped byte in the compressed data: the gzip CRC (or deflate stream) fails.
    path = folder / good.warc_file
    data = bytearray(path.read_bytes())
    data[good.warc_offset + good.warc_length - 12] ^= 0x40
    path.write_bytes(bytes(data))
    v = verify(folder, good.location, good.payload_digest)
    assert not v.ok and "gzip" in v.problems[0]
    assert verify(folder, got[0].location, got[0].payload_digest).ok
    # The record is fine but the row expects another digest.
    v = verify(folder, got[2].location, payload_digest(b"something else"))
    assert not v.ok and "not the expected" in v.problems[0]
    # Locations that are off.
    assert "incomplete" in verify(folder, got[2].location._replace(length=got[2].warc_length - 1)).problems[0]
    assert "after the gzip member" in verify(folder, got[0].location._replace(
        length=got[0].warc_length + 5)).problems[0]
    assert not verify(folder, got[0].location._replace(offset=got[0].warc_offset + 1)).ok
    assert "no such WARC file" in verify(folder, Location("newswatch-20000101000000-00001.warc.gz", 0, 10)).problems[0]


def test_verify_many_opens_each_file_once_and_reports_per_row(folder):
    with WarcArchive(folder, max_bytes=30_000) as a:
        got = a.write_many([cap(url=f"https://news.example/{i}", body=noise(5000, i)) for i in range(10)])
    items = [(f"row{i}", g.location, g.payload_digest) for i, g in enumerate(got)]
    items.append(("gone", Location("newswatch-20000101000000-00001.warc.gz", 0, 10), None))
    items.append(("wrong", got[3].location, payload_digest(b"")))
    results = dict(verify_many(folder, reversed(items)))
    assert all(results[f"row{i}"].ok for i in range(10))
    assert not results["gone"].ok and not results["wrong"].ok
    assert results["row4"].payload_digest == got[4].payload_digest


def test_digest_matches_other_encodings():
    body = b"abc"
    raw = hashlib.sha1(body).digest()
    assert digest_matches(payload_digest(body), body)
    assert digest_matches("sha1:" + raw.hex(), body)
    assert digest_matches("sha1:" + base64.b64encode(raw).decode(), body)
    assert not digest_matches("sha1:AAAA", body)
    assert not digest_matches("crc32:1234", body)


def test_read_record_refuses_paths(folder):
    for name in ("../etc/passwd", "/etc/passwd", "a/b.warc.gz", "", ".."):
        with pytest.raises(ArchiveError):
            read_record(folder, name, 0, 10)


# ---- export ----------------------------------------------------------------------------------


def test_export_copies_records_byte_for_byte_with_requests_and_revisit_originals(mixed_archive, folder, tmp_path):
    revisit = mixed_archive[-1]
    chosen = [mixed_archive[0].location, revisit.location, mixed_archive[0].location]
    out = tmp_path / "out" / "client.warc.gz"
    out.parent.mkdir()
    result = export_warc(folder, chosen + [Location("newswatch-20000101000000-00001.warc.gz", 0, 9)], out,
                         info={"operator": "newswatch test"})
    assert result.path == out and result.bytes == out.stat().st_size
    assert [m[0].warc_file for m in result.missing] == ["newswatch-20000101000000-00001.warc.gz"]
    records = list(iter_records(out))
    assert [r.rec_type for r in records] == ["warcinfo", "response", "request", "response", "request",
                                             "revisit", "request"]
    assert b"operator: newswatch test" in records[0].body
    assert records[3].record_id == read_record(folder, *revisit.refers_to).record_id
    assert records[5].record_id == revisit.record_id
    raw_out = out.read_bytes()
    src = (folder / mixed_archive[0].warc_file).read_bytes()
    loc = mixed_archive[0].location
    assert src[loc.offset: loc.offset + loc.length] in raw_out
    with open(out, "rb") as fh:
        assert len([r for r in ArchiveIterator(fh)]) == 7
    assert warcio_cli("check", str(out)).returncode == 0
    assert not list(out.parent.glob("*.part"))


def test_export_without_requests_or_originals(mixed_archive, folder, tmp_path):
    out = tmp_path / "bare.warc.gz"
    result = export_warc(folder, [mixed_archive[-1].location], out, requests=False, originals=False)
    assert [r.rec_type for r in iter_records(out)] == ["warcinfo", "revisit"]
    assert result.records == 2 and not result.missing


# ---- retention -------------------------------------------------------------------------------


def test_prune_removes_old_unreferenced_files_only(folder):
    written = []
    for _ in range(5):
        with WarcArchive(folder) as a:
            written.append(a.write(cap()))
    names = [w.warc_file for w in written]
    now = datetime.now(UTC)
    old = (now - timedelta(days=40)).timestamp()
    for name in names[:4]:
        os.utime(folder / name, (old, old))
    (folder / "README").write_text("not ours")
    os.utime(folder / "README", (old, old))
    referenced = referenced_files([written[1].location, None, ("", 0, 0)])
    assert referenced == {names[1]}
    plan = prunable(folder, referenced, keep_days=30, in_use=[names[2]])
    assert plan.removed == [names[0], names[3]]
    assert (plan.kept_referenced, plan.kept_recent) == (1, 2)
    assert plan.bytes == sum((folder / n).stat().st_size for n in plan.removed)
    dry = prune(folder, referenced, keep_days=30, in_use=[names[2]], dry_run=True)
    assert dry.removed == plan.removed and all((folder / n).exists() for n in names)
    done = prune(folder, referenced, keep_days=30, in_use=[names[2]])
    assert done.removed == [names[0], names[3]]
    assert archive_files(folder) == [names[1], names[2], names[4]]
    assert (folder / "README").exists()
    assert prune(folder, referenced, keep_days=50).removed == []
    with pytest.raises(ValueError):
        prune(folder, referenced, keep_days=-1)


def test_prune_never_removes_the_file_a_writer_holds(folder):
    a = WarcArchive(folder)
    got = a.write(cap())
    old = (datetime.now(UTC) - timedelta(days=10)).timestamp()
    os.utime(folder / got.warc_file, (old, old))
    assert prune(folder, set(), keep_days=1).removed == []
    a.close()
    assert prune(folder, set(), keep_days=1).removed == [got.warc_file]


def test_default_folder_is_beside_the_database(tmp_path):
    assert default_folder(tmp_path / "data" / "demo.db") == (tmp_path / "data" / "warc").resolve()


# ---- Scrapy responses ------------------------------------------------------------------------


def test_capture_from_a_scrapy_response(folder):
    from scrapy.http import HtmlResponse, Request

    from scraper.archive.capture import capture_from_response

    request = Request("https://news.example/story", headers={"User-Agent": "newswatch", "Accept-Encoding": "gzip"})
    response = HtmlResponse("https://news.example/story", status=200, request=request, body=HTML,
                            headers={"Content-Type": "text/html", "Content-Length": "61",
                                     "Set-Cookie": ["a=1", "b=2"]}, protocol="HTTP/1.1")
    capture = capture_from_response(response, fetched_at=T0)
    with WarcArchive(folder) as a:
        got = a.write(capture)
    rec = read_record(folder, *got.location)
    assert rec.body == HTML
    assert rec.headers == (("Content-Type", "text/html"), ("X-Archive-Orig-Content-Length", "61"),
                           ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("Content-Length", str(len(HTML))))
    req = read_record(folder, *got.request)
    assert req.start_line == "GET /story HTTP/1.1"
    assert ("User-Agent", "newswatch") in req.headers and ("Accept-Encoding", "gzip") in req.headers
