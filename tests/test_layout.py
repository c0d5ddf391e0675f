"""The layout keeps its promises: the layers hold, and the documentation lists what the
code defines (commands, the article's fields, the export keys, the paths it names)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from scraper.cli import cli
from scraper.record import EXPORTED, EXTRACTED

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_import_layers_hold():
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(linter)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "1 kept, 0 broken" in result.stdout


def test_every_command_is_documented_in_the_readme():
    documented = set(re.findall(r"`newswatch ([a-z]+)\b", README))
    assert set(cli.commands) <= documented, set(cli.commands) - documented


def test_the_contract_lists_exactly_the_extracted_fields():
    contracts = (ROOT / "docs/CONTRACTS.md").read_text(encoding="utf-8")
    section = contracts.split("## Article dict", 1)[1].split("\n## ", 1)[0]
    keys = re.findall(r"^\| (\w+) \|", section, flags=re.M)
    assert sorted(k for k in keys if k != "key") == sorted([*EXTRACTED, "error"])


def test_the_readme_lists_exactly_the_export_keys():
    paragraph = README.split("JSON Lines\nkeys are stable", 1)[1].split("In CSV", 1)[0]
    assert tuple(re.findall(r"`(\w+)`", paragraph)) == EXPORTED


def test_every_path_the_architecture_names_exists():
    text = (ROOT / "docs/ARCHITECTURE.md").read_text(encoding="utf-8")
    paths = set(re.findall(r"`((?:scraper|spiders|exports|benchmarks|tests|demo_web)/[\w/.]*)`", text))
    assert paths and not [p for p in sorted(paths) if not (ROOT / p).exists()]
