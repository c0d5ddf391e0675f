"""Programs the suite needs but does not ship (headless Chromium, redis-server): without
them their tests skip with the reason, except under CI, where the suite fails; and the
scripts `make test` runs to install them never hide a failed install. The scripts run
here against stub `id` and `apt-get` programs: nothing is installed, nothing is fetched."""

from __future__ import annotations

import os
import re
import stat
import subprocess
from pathlib import Path

import pytest
from prereq import need
from runner import ROOT


def test_a_present_program_is_not_a_reason_to_skip(monkeypatch):
    monkeypatch.setenv("CI", "true")
    need(True, "anything", "nothing to do")


def test_a_missing_program_skips_its_tests_outside_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="chromium is missing: apt-get install chromium"):
        need(False, "chromium", "apt-get install chromium")


def test_a_missing_program_fails_the_suite_under_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(RuntimeError, match="chromium is missing: apt-get install chromium .*CI is set"):
        need(False, "chromium", "apt-get install chromium")


def stub(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def run_script(tmp_path: Path, script: str, *, uid: int, apt: str, env: dict[str, str]):
    """Run scripts/SCRIPT with stub `id` (printing `uid`) and `apt-get` (running `apt`,
    logging its arguments) first on PATH; returns (exit status, stderr, apt-get calls)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    log = tmp_path / "apt-get.log"
    stub(bin_dir, "id", f"echo {uid}")
    stub(bin_dir, "apt-get", f'echo "$*" >> {log}\n{apt}')
    result = subprocess.run(["sh", str(ROOT / "scripts" / script)], capture_output=True, text=True, timeout=30,
                            env={"PATH": f"{bin_dir}:/usr/bin:/bin", **env})
    calls = log.read_text().splitlines() if log.exists() else []
    return result.returncode, result.stderr, calls


@pytest.fixture
def chromium_paths(tmp_path) -> dict[str, str]:
    return {"CHROMIUM": str(tmp_path / "chromium"), "CHROMEDRIVER": str(tmp_path / "chromedriver")}


def test_ensure_chromium_does_nothing_when_both_are_there(tmp_path, chromium_paths):
    for path in chromium_paths.values():
        stub(Path(path).parent, Path(path).name, "exit 0")
    assert run_script(tmp_path, "ensure-chromium.sh", uid=0, apt="exit 1", env=chromium_paths) == (0, "", [])


def test_ensure_chromium_fails_when_it_cannot_install(tmp_path, chromium_paths):
    code, err, calls = run_script(tmp_path, "ensure-chromium.sh", uid=1000, apt="exit 0", env=chromium_paths)
    assert (code, calls) == (1, []) and "not root" in err and "apt-get install chromium chromium-driver" in err


def test_ensure_chromium_fails_when_apt_get_fails(tmp_path, chromium_paths):
    code, err, calls = run_script(tmp_path, "ensure-chromium.sh", uid=0, apt="exit 100", env=chromium_paths)
    assert code == 1 and "could not install" in err
    assert calls == ["update -qq"]


def test_ensure_chromium_fails_when_apt_get_installs_nothing(tmp_path, chromium_paths):
    code, err, calls = run_script(tmp_path, "ensure-chromium.sh", uid=0, apt="exit 0", env=chromium_paths)
    assert code == 1 and "still missing" in err
    assert calls == ["update -qq", "install -y -qq --no-install-recommends chromium chromium-driver"]


def test_ensure_chromium_succeeds_when_apt_get_installs_them(tmp_path, chromium_paths):
    install = "".join(f'[ "$1" = install ] && printf "#!/bin/sh\\n" > {p} && chmod +x {p}\n'
                      for p in chromium_paths.values())
    code, err, calls = run_script(tmp_path, "ensure-chromium.sh", uid=0, apt=install + "exit 0", env=chromium_paths)
    assert code == 0, err
    assert len(calls) == 2


@pytest.mark.parametrize("uid, apt, message", [(1000, "exit 0", "sudo apt-get install redis-server"),
                                               (0, "exit 100", "could not install"),
                                               (0, "exit 0", "still missing")])
def test_ensure_redis_fails_when_redis_server_stays_missing(tmp_path, uid, apt, message):
    code, err, _calls = run_script(tmp_path, "ensure-redis.sh", uid=uid, apt=apt,
                                   env={"REDIS_SERVER": "no-such-redis-server"})
    assert code == 1 and message in err, err


def test_make_test_stops_on_a_failed_install_only_under_ci():
    recipe = re.search(r"^test:.*\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M).group(1)
    lines = [line.strip() for line in recipe.splitlines()]
    for script in ("ensure-chromium.sh", "ensure-redis.sh"):
        line = next(line for line in lines if script in line)
        assert line == f'sh scripts/{script} || test -z "$$CI"', line
        shell_line = line.replace("$$", "$")
        for ci, expected in (("", 0), ("true", 1)):
            outcome = subprocess.run(["sh", "-c", shell_line.replace(f"sh scripts/{script}", "false")],
                                     env={**os.environ, "CI": ci}, timeout=10)
            assert outcome.returncode == expected, (ci, shell_line)
    assert lines[-1].endswith("-m pytest -q")
