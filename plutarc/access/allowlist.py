"""What the owner lets API callers reach: candle files in allowed directories, venue URLs.

A token may name a candle file (a backtest's ``data``, a paper bot's replay ``file``) or a
venue REST base (a backtest's ``venue_url``, a key test's ``url``); the daemon opens neither
on the token's word. A file must lie, after resolving symlinks and ``..``, under a directory
the owner allows: the bundled data, the user's data directory (``<data dir>/data``),
``[daemon] data_dirs`` in config.toml and ``plutarc daemon run --data-dir``. A refusal is the
same whether or not the file exists, so it reveals nothing about other files. A URL must be
one of the venue's own endpoints or one the owner listed in ``[daemon] venue_urls``. The
settings file is read when used: adding a directory or a simulator needs no restart.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from plutarc.config import Settings, load_settings
from plutarc.errors import UsageError
from plutarc.paths import Paths, resolve_paths

BUNDLED_DATA = Path(__file__).resolve().parents[1] / "data"
USER_DATA_SUBDIR = "data"


def _known_rest() -> dict[str, tuple[str, ...]]:
    """Each venue's own REST bases (live, testnet): always allowed."""
    from plutarc.exchanges.bitmex.config import LIVE_REST, TESTNET_REST

    return {"bitmex": (LIVE_REST, TESTNET_REST)}


_cli_data_dirs: list[Path] = []


def add_cli_data_dirs(directories: Iterable[Path]) -> None:
    """Directories the owner gave on the command line (``daemon run --data-dir``)."""
    for directory in directories:
        _cli_data_dirs.append(Path(directory).expanduser().resolve())


def _settings(paths: Paths) -> Settings:
    return load_settings(paths.config_file)


def user_data_dir(paths: Paths | None = None) -> Path:
    return (paths or resolve_paths()).data_dir / USER_DATA_SUBDIR


def data_roots(paths: Paths | None = None) -> list[Path]:
    """Every directory whose files API callers may name, resolved, in lookup order."""
    paths = paths or resolve_paths()
    roots = [BUNDLED_DATA, user_data_dir(paths), *_settings(paths).daemon.data_dirs,
             *_cli_data_dirs]
    unique: list[Path] = []
    for root in roots:
        resolved = Path(root).expanduser().resolve()
        if resolved not in unique:
            unique.append(resolved)
    return unique


def allowed_data_file(name: str | os.PathLike[str], what: str = "data file",
                      paths: Paths | None = None) -> Path:
    """``name`` resolved inside an allowed directory; a relative name is looked up in each
    directory in turn. UsageError otherwise, worded the same whether the file exists or not."""
    text = os.fspath(name)
    roots = data_roots(paths)
    given = Path(text).expanduser()
    if given.is_absolute():
        candidate = given
    else:
        # '..' may not climb out of a directory: only then is the file looked at at all
        inside = [Path(os.path.normpath(root / given)) for root in roots]
        present = [path for root, path in zip(roots, inside, strict=True)
                   if path.is_relative_to(root) and os.path.lexists(path)]
        if not present:
            raise UsageError(f"{what} {text!r}: no such file in the directories the owner "
                             f"allows for data files ({', '.join(str(r) for r in roots)})")
        candidate = present[0]
    resolved = candidate.resolve()  # symlinks and '..' are followed before the check
    if any(resolved.is_relative_to(root) for root in roots):
        return resolved  # a missing file in an allowed directory is the loader's to report
    raise UsageError(
        f"{what} {text!r} is not in a directory the owner allows for data files "
        f"({', '.join(str(r) for r in roots)}); copy the file to {user_data_dir(paths)} or add "
        "its directory to [daemon] data_dirs in config.toml")


def allowed_venue_url(venue: str, url: str | None, what: str = "venue_url",
                      paths: Paths | None = None) -> str | None:
    """``url`` when it is one of ``venue``'s own REST bases or one the owner allows; None
    (the venue's default endpoint) when not given; UsageError otherwise."""
    if url is None:
        return None
    wanted = url.strip().rstrip("/")
    owner = tuple(u.strip().rstrip("/") for u in
                  _settings(paths or resolve_paths()).daemon.venue_urls)
    if wanted in (*_known_rest().get(venue, ()), *owner):
        return wanted
    raise UsageError(f"{what} {url!r} is neither one of {venue}'s own endpoints nor a URL the "
                     "owner allows ([daemon] venue_urls in config.toml); leave it out to use "
                     "the venue's own endpoint")
