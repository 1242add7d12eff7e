"""Stored run series: written uncompressed for speed, and runs stored by earlier versions
(np.savez_compressed blobs) still read back identically."""

from __future__ import annotations

import io

import numpy as np

from plutarc.backtest.store import ResultsStore

RUN = {"template_name": "t", "template_toml": "", "symbol": "BTCUSDT", "data_source": "f.csv",
       "data_fingerprint": "0" * 64, "interval": "1m", "start_ms": 0, "end_ms": 60_000,
       "bars": 1, "settings": {}, "starting_cash": 10_000, "final_equity": 10_000,
       "metrics": {}, "duration_s": 0.1}


def _arrays() -> dict[str, np.ndarray]:
    ts = np.arange(1_000, dtype=np.int64) * 60_000
    return {"ts_ms": ts, "score": np.linspace(-1, 1, 1_000, dtype=np.float32),
            "allowed": ts % 3 == 0, "direction": (ts // 60_000 % 3 - 1).astype(np.int8)}


def test_series_round_trip_exactly(tmp_path) -> None:
    store = ResultsStore(tmp_path / "b.db")
    arrays = _arrays()
    run_id = store.save(RUN, [], [], {"decisions": arrays})
    got = store.series(run_id, "decisions")
    assert got.keys() == arrays.keys()
    for name, values in arrays.items():
        assert got[name].dtype == values.dtype
        assert np.array_equal(got[name], values)


def test_series_stored_compressed_by_older_versions_still_read(tmp_path) -> None:
    store = ResultsStore(tmp_path / "b.db")
    arrays = _arrays()
    run_id = store.save(RUN, [], [], {})
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)  # how runs were stored before
    with store.db.transaction() as conn:
        conn.execute("INSERT INTO run_series VALUES (?,?,?)", (run_id, "equity", buf.getvalue()))
    got = store.series(run_id, "equity")
    for name, values in arrays.items():
        assert np.array_equal(got[name], values)
