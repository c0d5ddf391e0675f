"""sources.toml: the project's file is valid, and mistakes are reported clearly."""

from pathlib import Path

import pytest

from scraper.config import KINDS, load_sources, select_outlets
from scraper.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def test_project_sources_cover_both_kinds_with_required_keys():
    outlets = load_sources(ROOT / "sources.toml")
    kinds = [o.kind for o in outlets]
    assert kinds.count("entertainment") >= 8
    assert kinds.count("justice") >= 6
    for outlet in outlets:
        assert outlet.kind in KINDS
        assert outlet.homepage.startswith("https://")
        assert isinstance(outlet.feeds, tuple) and isinstance(outlet.sitemaps, tuple)
        if outlet.search:
            assert "{query}" in outlet.search
            assert "Justice+Project" in outlet.search_url("Justice Project")


def test_malformed_toml_names_file_and_line(tmp_path):
    bad = tmp_path / "sources.toml"
    bad.write_text('[[outlet]]\nname = "A"\nhomepage = "https://a.example/\n')
    with pytest.raises(ConfigError) as err:
        load_sources(bad)
    assert "sources.toml" in str(err.value) and "line 3" in str(err.value)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[[outlet]]\nname = "A"\nkind = "justice"\n', "missing required key 'homepage'"),
        ('[[outlet]]\nname = "A"\nhomepage = "https://a.example/"\nkind = "sports"\n', "'kind' must be one of"),
        ('[[outlet]]\nname = "A"\nhomepage = "ftp://a.example/"\nkind = "justice"\n', "expected an http(s) URL"),
        ('[[outlet]]\nname = "A"\nhomepage = "https://a.example/"\nkind = "justice"\nsearch = "https://a.example/s"\n',
         "must contain {query}"),
        ("title = 'no outlets'\n", "no [[outlet]] tables"),
    ],
)
def test_invalid_outlets_are_rejected_with_reason(tmp_path, body, message):
    path = tmp_path / "s.toml"
    path.write_text(body)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        load_sources(path)


def test_unknown_keys_are_kept_and_outlets_selected_by_name(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(
        '[[outlet]]\nname = "Alpha"\nhomepage = "https://a.example/"\nkind = "justice"\nregion = "US"\n'
        '[[outlet]]\nname = "Beta"\nhomepage = "https://b.example/"\nkind = "entertainment"\n'
    )
    outlets = load_sources(path)
    assert outlets[0].extra == {"region": "US"}
    assert [o.name for o in select_outlets(outlets, ["beta"])] == ["Beta"]
    with pytest.raises(ConfigError, match="unknown outlet 'Gamma'"):
        select_outlets(outlets, ["Gamma"])
