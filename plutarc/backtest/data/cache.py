"""A binary cache of parsed data files: one uncompressed .npz per source path.

An entry is keyed by the source's absolute path and only trusted when its recorded size and
mtime still match the file and every array reads back whole (the zip CRC-32 of each member is
checked on read). Anything else is discarded and rebuilt by the caller.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from plutarc.paths import resolve_paths

CACHE_FORMAT = 1  # bump whenever what we store, or how files are parsed, changes
_META_KEY = "meta"


@dataclass(frozen=True)
class Stamp:
    """What identifies one version of a source file."""

    path: str
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> Stamp:
        stat = path.stat()
        return cls(str(path.resolve()), stat.st_size, stat.st_mtime_ns)


@dataclass(frozen=True)
class Lookup:
    """A cache answer: the arrays and metadata on a hit, else why not (absent/stale/corrupt)."""

    status: str
    arrays: dict[str, np.ndarray] | None = None
    meta: dict[str, Any] | None = None


def default_cache_dir() -> Path:
    return resolve_paths().data_dir / "cache"


def prepare_dir(cache_dir: Path) -> Path:
    """Create the cache directory private to the user (0700); OSError when impossible."""
    cache_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(cache_dir, 0o700)
    return cache_dir


def entry_path(cache_dir: Path, stamp: Stamp, kind: str) -> Path:
    digest = hashlib.sha256(stamp.path.encode()).hexdigest()[:32]
    return cache_dir / f"{kind}-{digest}.npz"


def read(cache_dir: Path, stamp: Stamp, kind: str, dtypes: dict[str, str]) -> Lookup:
    """The entry for ``stamp``, checked against ``dtypes`` (name -> numpy dtype string)."""
    entry = entry_path(cache_dir, stamp, kind)
    if not entry.exists():
        return Lookup("absent")
    try:
        with np.load(entry, allow_pickle=False) as stored:
            meta = json.loads(stored[_META_KEY].tobytes().decode())
            if meta.get("stamp") != [stamp.path, stamp.size, stamp.mtime_ns] or meta.get(
                    "cache_format") != CACHE_FORMAT:
                return Lookup("stale")
            arrays = {name: stored[name] for name in dtypes}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, UnicodeDecodeError):
        _discard(entry)
        return Lookup("corrupt")
    lengths = {a.shape for a in arrays.values()}
    well_formed = len(lengths) == 1 and all(
        a.ndim == 1 and a.dtype == np.dtype(dtypes[name]) for name, a in arrays.items())
    if not well_formed or meta.get("rows") != len(next(iter(arrays.values()))):
        _discard(entry)
        return Lookup("corrupt")
    return Lookup("hit", arrays, meta)


def write(cache_dir: Path, stamp: Stamp, kind: str, arrays: dict[str, np.ndarray],
          meta: dict[str, Any]) -> None:
    """Store ``arrays`` atomically (write a temp file, then rename over the entry)."""
    rows = len(next(iter(arrays.values())))
    record = {**meta, "cache_format": CACHE_FORMAT, "rows": rows,
              "stamp": [stamp.path, stamp.size, stamp.mtime_ns]}
    payload = np.frombuffer(json.dumps(record).encode(), dtype=np.uint8)
    entry = entry_path(prepare_dir(cache_dir), stamp, kind)
    descriptor, temp_name = tempfile.mkstemp(dir=cache_dir, prefix=entry.stem, suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            np.savez(handle, **arrays, **{_META_KEY: payload})
        os.replace(temp_name, entry)
    except BaseException:
        _discard(Path(temp_name))
        raise


def _discard(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
