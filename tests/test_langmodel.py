"""The language model cache: same answers as py3langid's packaged model, a fraction of
the start-up, and never a failure because of the cache."""

from __future__ import annotations

import numpy as np
import pytest
from py3langid import langid

from scraper.extract import langmodel

TEXTS = [
    "The governor granted clemency to the woman after more than twenty years in prison.",
    "Le gouverneur a accordé sa grâce à la femme après plus de vingt ans de prison.",
    "Der Gouverneur hat die Frau nach mehr als zwanzig Jahren im Gefängnis begnadigt.",
    "El gobernador concedió el indulto a la mujer después de más de veinte años en prisión.",
    "x",
]


@pytest.fixture(scope="module")
def packaged():
    return langid.LanguageIdentifier.from_model_file(langid.MODEL_FILE, norm_probs=True)


def answers(identifier):
    return [identifier.classify(text) for text in TEXTS]


def test_the_cached_model_answers_like_the_packaged_one(tmp_path, packaged):
    first = langmodel.load_identifier(tmp_path)  # decompresses and writes the cache
    cached = langmodel.load_identifier(tmp_path)  # reads it
    assert isinstance(cached.nb_ptc, np.memmap)  # shared between processes, not copied
    assert isinstance(cached.tk_nextmove, memoryview) and cached.tk_nextmove.obj is not None
    assert answers(first) == answers(cached) == answers(packaged)
    assert [code for code, _ in answers(cached)[:4]] == ["en", "fr", "de", "es"]


def test_a_damaged_cache_is_replaced_and_still_answers(tmp_path, packaged):
    langmodel.load_identifier(tmp_path)
    folder = langmodel.cache_folder(langmodel.packaged_model(), tmp_path)
    (folder / "ptc.npy").write_bytes((folder / "ptc.npy").read_bytes()[:1000])  # truncated
    assert answers(langmodel.load_identifier(tmp_path)) == answers(packaged)
    assert answers(langmodel.load_identifier(tmp_path)) == answers(packaged)  # rewritten whole
    assert (folder / "ptc.npy").stat().st_size > 1_000_000


def test_an_unwritable_cache_falls_back_to_the_packaged_model(tmp_path, packaged):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    assert answers(langmodel.load_identifier(blocker / "cache")) == answers(packaged)


def test_the_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("NEWSWATCH_CACHE_DIR", str(tmp_path / "mine"))
    assert langmodel.cache_root() == tmp_path / "mine"
    monkeypatch.delenv("NEWSWATCH_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert langmodel.cache_root() == tmp_path / "xdg" / "newswatch"


def test_a_good_cache_written_meanwhile_by_another_process_is_kept(tmp_path):
    langmodel.load_identifier(tmp_path)
    folder = langmodel.cache_folder(langmodel.packaged_model(), tmp_path)
    written = (folder / "ptc.npy").stat().st_ino
    langmodel._write_cache(folder, langmodel.packaged_arrays(langmodel.packaged_model()))  # the slower of two writers
    assert (folder / "ptc.npy").stat().st_ino == written
    assert [p.name for p in tmp_path.iterdir()] == [folder.name]  # no scratch folder left behind


def test_no_home_directory_means_no_cache_but_still_an_answer(monkeypatch, packaged):
    def no_home():
        raise RuntimeError("Could not determine home directory.")

    for name in ("NEWSWATCH_CACHE_DIR", "XDG_CACHE_HOME", "HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(langmodel.Path, "home", staticmethod(no_home))
    assert answers(langmodel.load_identifier()) == answers(packaged)
