"""py3langid's language model, loaded from an uncompressed cache.

The package ships its model LZMA-compressed: decompressing it takes about a third of a
second of CPU in every process that detects a language (each extraction worker of every
crawl, each `extract`), about a third of a worker's start-up. The first load also writes
the arrays uncompressed (68 MB) to the user's cache folder; later loads read them from
there in milliseconds, with the feature table and the tokenizer's automaton memory-mapped,
so the workers of a crawl share them through the page cache instead of holding a private
copy each. Any trouble with the cache (no home, unwritable, truncated) falls back to the
packaged file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
from py3langid import langid, modelio

CACHE_ENV = "NEWSWATCH_CACHE_DIR"
ARRAYS = ("ptc", "pc", "classes", "nextmove", "nextmove_row", "out_feat")
MAPPED = ("ptc", "nextmove")  # the feature table and the tokenizer's automaton: 28 and 39 MB
UNREADABLE = (OSError, ValueError, KeyError, IndexError)  # a cache folder missing, truncated or not ours


def cache_root() -> Path:
    """$NEWSWATCH_CACHE_DIR, else $XDG_CACHE_HOME/newswatch, else ~/.cache/newswatch."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newswatch"


def packaged_model() -> Path:
    return Path(langid.MODEL_DIR) / langid.MODEL_FILE


def cache_folder(model: Path, root: Path) -> Path:
    """One folder per model content (5 ms to hash): every virtualenv with the same
    py3langid shares it, a release with another model gets its own."""
    digest = hashlib.blake2b(model.read_bytes(), digest_size=8).hexdigest()
    return root / f"langid-{digest}"


def load_identifier(root: Path | None = None) -> langid.LanguageIdentifier:
    """The normalised-probability identifier `language.detect` uses."""
    model = packaged_model()
    try:
        folder = cache_folder(model, root or cache_root())
    except RuntimeError:  # no home directory (a service account without one): no cache
        return langid.LanguageIdentifier.from_model_file(model, norm_probs=True)
    with contextlib.suppress(*UNREADABLE):
        return _identifier(_read_cache(folder))
    arrays = packaged_arrays(model)
    with contextlib.suppress(OSError):
        _write_cache(folder, arrays)
    return _identifier(arrays)


def packaged_arrays(model: Path) -> dict[str, np.ndarray]:
    """The packaged model unpacked by py3langid's own loader, as the arrays the cache keeps."""
    ptc, pc, classes, nextmove, row, output = modelio.load_model(model)
    return {"ptc": ptc, "pc": pc, "classes": np.array(classes), "nextmove": np.asarray(nextmove),
            "nextmove_row": np.asarray(row), "out_feat": np.asarray(output, dtype=np.int32)}


def _read_cache(folder: Path) -> dict[str, np.ndarray]:
    arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="r" if name in MAPPED else None, allow_pickle=False)
              for name in ARRAYS}
    ptc, pc, classes = arrays["ptc"], arrays["pc"], arrays["classes"]
    consistent = (ptc.ndim == 2 and ptc.shape[1] == len(pc) == len(classes) and len(arrays["nextmove"]) % 256 == 0
                  and len(arrays["nextmove_row"]) == len(arrays["out_feat"]) > 0)
    if not consistent:
        raise ValueError(f"inconsistent language model cache in {folder}")
    return arrays


def _write_cache(folder: Path, arrays: dict[str, np.ndarray]) -> None:
    """Written in a scratch folder and renamed into place: a reader sees all or nothing,
    and of two processes writing at once, one wins and the other's copy is dropped."""
    if folder.exists():
        try:
            _read_cache(folder)
            return  # another process wrote it since our read failed: keep theirs
        except UNREADABLE:
            shutil.rmtree(folder, ignore_errors=True)  # damaged: replace it
    folder.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".langid-", dir=folder.parent))
    try:
        for name, array in arrays.items():
            np.save(scratch / f"{name}.npy", array, allow_pickle=False)
        scratch.rename(folder)  # OSError if another process renamed its copy first: theirs stays
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _int_sequence(array: np.ndarray):
    """What py3langid indexes one element at a time: a memoryview of a mapped array (as
    fast to index as the stdlib array it builds, and shared), else that array."""
    if isinstance(array, np.memmap):
        return memoryview(array).cast("B").cast(modelio._TYPECODE[array.dtype.itemsize])
    return modelio._to_array(array)


def _identifier(arrays: dict[str, np.ndarray]) -> langid.LanguageIdentifier:
    """What py3langid's from_model_file builds, from arrays (mapped ones stay mapped)."""
    return langid.LanguageIdentifier(
        arrays["ptc"],
        np.asarray(arrays["pc"]),
        arrays["classes"].tolist(),
        _int_sequence(arrays["nextmove"]),
        arrays["out_feat"].tolist(),
        norm_probs=True,
        tk_row=modelio._to_array(arrays["nextmove_row"]),
    )
