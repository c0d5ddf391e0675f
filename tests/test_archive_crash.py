"""A write cut off by a crash: detected on the next open, never appended to, and no returned location goes bad.

Cut-off records are made two ways: by hand (half a gzip member appended, a file cut in
the middle of a record, garbage appended), and by SIGKILL of a process writing in a loop.
"""

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scraper.archive import (
    Capture,
    DamagedArchive,
    Location,
    WarcArchive,
    archive_files,
    check_tail,
    iter_records,
    read_record,
    truncate_tail,
    verify,
)

ROOT = Path(__file__).resolve().parent.parent
WARCIO = Path(sys.executable).with_name("warcio")
T0 = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


def cap(i: int, size: int = 20_000) -> Capture:
    rng = random.Random(i)
    body = b"<html><body>" + b"".join(b"<p>%d %s</p>" % (i, rng.randbytes(40).hex().encode())
                                      for _ in range(size // 100)) + b"</body></html>"
    return Capture(url=f"https://news.example/{i}", status=200, headers=[(b"Content-Type", b"text/html")],
                   body=body, fetched_at=T0)


def write_file(folder: Path, n: int = 5):
    with WarcArchive(folder) as a:
        return a.write_many([cap(i) for i in range(n)])


def warcio_check(path: Path) -> int:
    return subprocess.run([str(WARCIO), "check", str(path)], capture_output=True, timeout=120).returncode


def test_check_tail_on_complete_empty_and_garbage_files(tmp_path):
    got = write_file(tmp_path)
    path = tmp_path / got[0].warc_file
    check = check_tail(path)
    assert check.complete and check.good_end == path.stat().st_size and check.incomplete_bytes == 0
    empty = tmp_path / "empty.warc.gz"
    empty.write_bytes(b"")
    assert check_tail(empty).complete
    garbage = tmp_path / "garbage.warc.gz"
    garbage.write_bytes(b"\x1f\x8b\x08 not really gzip" + os.urandom(3000))
    assert (check_tail(garbage).good_end, check_tail(garbage).complete) == (0, False)


@pytest.mark.parametrize("damage", ["half a member appended", "cut in the middle of the last record",
                                    "garbage appended", "cut inside the gzip trailer"])
def test_a_cut_off_write_is_detected_and_the_next_open_starts_a_new_file(tmp_path, damage):
    got = write_file(tmp_path)
    name = got[0].warc_file
    path = tmp_path / name
    size = path.stat().st_size
    last = got[-1]
    if damage == "half a member appended":
        member = path.read_bytes()[last.warc_offset: last.warc_offset + last.warc_length]
        with open(path, "ab") as fh:
            fh.write(member[: len(member) // 2])
        survivors, good_end = got, size
    elif damage == "cut in the middle of the last record":
        os.truncate(path, last.warc_offset + last.warc_length // 2)
        survivors, good_end = got[:-1], last.warc_offset
    elif damage == "garbage appended":
        with open(path, "ab") as fh:
            fh.write(os.urandom(5000))
        survivors, good_end = got, size
    else:
        os.truncate(path, size - 3)  # the last member is the last request; its CRC/size trailer is cut
        survivors, good_end = got, last.request.offset
    check = check_tail(path)
    assert not check.complete and check.good_end == good_end

    archive = WarcArchive(tmp_path)
    assert [c.good_end for c in archive.damaged] == [good_end] and archive.damaged[0].path == str(path)
    after = archive.write(cap(99))
    archive.close()
    assert after.warc_file != name and archive_files(tmp_path) == [name, after.warc_file]
    assert path.stat().st_size == check.size  # the damaged file is left as it is

    for g in survivors:  # every location returned before the crash still reads back intact
        assert verify(tmp_path, g.location, g.payload_digest).ok
    assert verify(tmp_path, after.location, after.payload_digest).ok
    records = []
    with pytest.raises(DamagedArchive):
        records.extend(iter_records(path))
    assert records[-1].location.offset + records[-1].location.length == good_end

    assert truncate_tail(path).good_end == good_end
    assert check_tail(path).complete and path.stat().st_size == good_end
    assert warcio_check(path) == 0
    assert WarcArchive(tmp_path).damaged == []


def test_a_live_writers_file_is_not_reported(tmp_path):
    writer = WarcArchive(tmp_path)
    got = writer.write(cap(1))
    with open(tmp_path / got.warc_file, "ab") as fh:  # what a write in progress looks like from outside
        fh.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + os.urandom(100))
    assert WarcArchive(tmp_path).damaged == []
    writer.close()
    assert len(WarcArchive(tmp_path).damaged) == 1


CHILD = textwrap.dedent("""
    import json, random, sys
    from datetime import datetime, UTC
    from scraper.archive import Capture, WarcArchive

    archive = WarcArchive(sys.argv[1], max_bytes=int(sys.argv[2]))
    i = 0
    while True:
        batch = []
        for _ in range(4):
            rng = random.Random(i)
            body = b"<html>" + rng.randbytes(rng.randrange(1, 400_000)) + b"</html>"
            batch.append(Capture(f"https://news.example/{i}", 200, [(b"Content-Type", b"text/html")], body,
                                 datetime.now(UTC)))
            i += 1
        for got in archive.write_many(batch):
            print(json.dumps([list(got.location), got.payload_digest]), flush=True)
""")


@pytest.mark.parametrize("kill_after", [3, 17, 41])
def test_sigkill_while_writing_leaves_every_returned_location_good(tmp_path, kill_after):
    """kill -9 at an arbitrary point of a writing loop: what was returned reads back, the next run goes on."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path), "3000000"], stdout=subprocess.PIPE,
                             env=env)
    returned = []
    try:
        deadline = time.monotonic() + 60
        while len(returned) < kill_after and time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line:
                break
            returned.append(json.loads(line))
        time.sleep(random.Random(kill_after).uniform(0, 0.05))  # land somewhere in the next batch
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()
    assert len(returned) >= kill_after, "the writer did not get going"
    for loc, digest in returned:  # locations printed after kill_after may be a batch that was not synced: fine too
        v = verify(tmp_path, Location(*loc), digest)
        assert v.ok, v.problems
        assert read_record(tmp_path, *loc).rec_type == "response"

    names = archive_files(tmp_path)
    archive = WarcArchive(tmp_path)
    for check in archive.damaged:  # a cut-off record, if any, comes after everything that was returned
        assert all(loc[1] + loc[2] <= check.good_end for loc, _ in returned if loc[0] == Path(check.path).name)
    got = archive.write(cap(7))
    archive.close()
    assert got.warc_file not in names and verify(tmp_path, got.location, got.payload_digest).ok
    for name in names:
        truncate_tail(tmp_path / name)
        assert warcio_check(tmp_path / name) == 0
