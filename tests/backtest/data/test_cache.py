"""The binary cache: used when valid, rebuilt when stale or damaged, never trusted blindly."""

from __future__ import annotations

import os
import shutil
import stat

import numpy as np
import pytest

from plutarc.backtest.data import load_candles
from plutarc.backtest.data.cache import Stamp, entry_path
from tests.backtest.data import samples
from tests.helpers import BTC_1M


@pytest.fixture
def source(tmp_path):
    """A private copy of the bundled slice, so tests may touch and rewrite it."""
    return shutil.copy(BTC_1M, tmp_path / BTC_1M.name)


def the_entry(cache_dir):
    entries = list(cache_dir.glob("candles-*.npz"))
    assert len(entries) == 1
    return entries[0]


def test_second_load_hits_the_cache_with_identical_bars(tmp_path, source):
    cache_dir = tmp_path / "cache"
    first = load_candles(source, cache_dir=cache_dir)
    second = load_candles(source, cache_dir=cache_dir)
    assert (first.cache_status, second.cache_status) == ("absent", "hit")
    assert second.fingerprint == first.fingerprint
    assert second.format == first.format == "binance-vision-csv+gzip"
    for name in ("ts_ms", "open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(getattr(second.bars, name), getattr(first.bars, name))


def test_cache_directory_and_entries_are_private(tmp_path, source):
    cache_dir = tmp_path / "deep" / "cache"
    load_candles(source, cache_dir=cache_dir)
    assert stat.S_IMODE(cache_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(the_entry(cache_dir).stat().st_mode) == 0o600
    assert not list(cache_dir.glob("*.tmp"))


def test_default_cache_dir_is_under_the_data_dir(tmp_path, source, monkeypatch):
    monkeypatch.setenv("PLUTARC_HOME", str(tmp_path / "home"))
    load_candles(source)
    assert the_entry(tmp_path / "home" / "data" / "cache")


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty"])
def test_a_damaged_entry_is_discarded_and_rebuilt(tmp_path, source, damage):
    cache_dir = tmp_path / "cache"
    good = load_candles(source, cache_dir=cache_dir)
    entry = the_entry(cache_dir)
    data = bytearray(entry.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip":
        data[len(data) // 2] ^= 0x40  # inside the array data: the zip CRC must catch it
    elif damage == "garbage":
        data = bytearray(b"not a zip file at all" * 100)
    else:
        data = bytearray()
    entry.write_bytes(bytes(data))
    rebuilt = load_candles(source, cache_dir=cache_dir)
    assert rebuilt.cache_status == "corrupt"
    assert rebuilt.fingerprint == good.fingerprint
    assert load_candles(source, cache_dir=cache_dir).cache_status == "hit"


def test_an_entry_with_wrong_shapes_is_not_trusted(tmp_path, source):
    cache_dir = tmp_path / "cache"
    good = load_candles(source, cache_dir=cache_dir)
    entry = the_entry(cache_dir)
    with np.load(entry) as stored:
        arrays = {name: stored[name] for name in stored.files}
    arrays["close"] = arrays["close"][:-1]
    with entry.open("wb") as handle:
        np.savez(handle, **arrays)
    again = load_candles(source, cache_dir=cache_dir)
    assert again.cache_status == "corrupt" and again.fingerprint == good.fingerprint


def test_a_changed_source_file_is_parsed_again(tmp_path):
    cache_dir = tmp_path / "cache"
    path = samples.write_gravestone(tmp_path / "g.csv", samples.reference(100))
    before = load_candles(path, cache_dir=cache_dir)
    samples.write_gravestone(path, samples.reference(120))
    stamp = path.stat()
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 1_000_000))
    after = load_candles(path, cache_dir=cache_dir)
    assert after.cache_status == "stale" and len(after.bars) == 120
    assert after.fingerprint != before.fingerprint
    # One entry per source path: the stale one was replaced, not kept beside the new one.
    assert the_entry(cache_dir) == entry_path(cache_dir, Stamp.of(path), "candles")


def test_cache_can_be_turned_off_and_an_unwritable_cache_is_only_a_note(tmp_path, source):
    off = load_candles(source, use_cache=False, cache_dir=tmp_path / "unused")
    assert off.cache_status == "off" and not (tmp_path / "unused").exists()
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    loaded = load_candles(source, cache_dir=blocker / "cache")
    assert loaded.fingerprint == off.fingerprint
    assert len(loaded.notes) == 1 and loaded.notes[0].startswith("could not write the data cache")
