"""Every registered signal, filter and guard keeps the component contract on real data:
causal, chunking-invariant, bounded outputs, complete metadata, honest warm-up."""

from __future__ import annotations

import ast
import importlib
import re
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from plutarc.intervals import STRATEGY_INTERVALS
from plutarc.models import Direction
from plutarc.strategy.components.base import Component, Kind, Output
from plutarc.strategy.components.registry import catalog
from plutarc.strategy.context import MarketContext, TimeSeries
from plutarc.strategy.series import Bars
from tests.source_tree import parse_source

KINDS = (Kind.SIGNAL, Kind.FILTER, Kind.GUARD)
COMPONENTS = {cid: cls for cid, cls in catalog().items() if cls.spec.kind in KINDS}
IDS = sorted(COMPONENTS)
# Candle-computable components; the engine evaluates stateful ones with the bot's state.
STREAMED = [cid for cid in IDS if not COMPONENTS[cid].spec.stateful]
KNOWN_DATA = {"candles", "funding", "open_interest", "spread"}
EXTRA_BARS = 240  # bars past warm-up in the streaming tests


def defaults(cls: type[Component]) -> dict:
    return {p.name: p.default for p in cls.spec.params}


def make(cid: str) -> Component:
    cls = COMPONENTS[cid]
    return cls(defaults(cls))


def slice_for(cid: str, bars_at) -> Bars:
    """A real slice at the component's finest interval, long enough to pass warm-up."""
    spec = COMPONENTS[cid].spec
    bars = bars_at(spec.intervals[0])
    need = spec.warmup(defaults(COMPONENTS[cid])) + EXTRA_BARS
    return bars.slice(0, min(len(bars), need))


@pytest.fixture(scope="module")
def ctx(real_context: MarketContext, btc_1m: Bars) -> MarketContext:
    """Real funding and OI; spread readings are made up (no spread history is bundled):
    a reading every 30 s, cycling through 1..12 bps."""
    stamps = np.arange(btc_1m.ts_ms[0], btc_1m.ts_ms[-1] + 60_000, 30_000, dtype=np.int64)
    spread = TimeSeries(stamps, 1.0 + (np.arange(stamps.size) % 12).astype(np.float64))
    return MarketContext(real_context.funding, real_context.open_interest, spread)


def arrays(out: Output) -> dict[str, np.ndarray]:
    named = {"value": out.value, "score": out.score}
    named |= {"allow_long": out.allow_long, "allow_short": out.allow_short}
    named |= {f"extra.{k}": v for k, v in out.extra.items()}
    return {k: v for k, v in named.items() if v is not None}


def joined(parts: list[Output]) -> dict[str, np.ndarray]:
    pieces = [arrays(p) for p in parts]
    return {k: np.concatenate([p[k] for p in pieces]) for k in pieces[0]}


def assert_same(got: dict[str, np.ndarray], want: dict[str, np.ndarray], upto: int) -> None:
    assert got.keys() == want.keys()
    for key in want:
        # assert_array_equal: exact values, NaN only where NaN.
        np.testing.assert_array_equal(got[key][:upto], want[key][:upto], err_msg=key)
        assert got[key].dtype == want[key].dtype, key


def test_catalog_is_full() -> None:
    assert len(IDS) >= 44
    for kind in KINDS:
        assert any(COMPONENTS[c].spec.kind is kind for c in IDS)


@pytest.mark.parametrize("cid", STREAMED)
def test_causal(cid: str, bars_at, ctx: MarketContext) -> None:
    bars = slice_for(cid, bars_at)
    cut = len(bars) * 2 // 3
    whole = arrays(make(cid).update(bars, ctx))
    prefix = arrays(make(cid).update(bars.slice(0, cut), ctx))
    assert_same(whole, prefix, cut)


@pytest.mark.parametrize("cid", STREAMED)
def test_step_and_chunks_equal_batch(cid: str, bars_at, ctx: MarketContext) -> None:
    bars = slice_for(cid, bars_at)
    batch = arrays(make(cid).update(bars, ctx))
    stepper = make(cid)
    step = joined([stepper.update(bars.slice(i, i + 1), ctx) for i in range(len(bars))])
    assert_same(step, batch, len(bars))
    cuts = [0, 1, 2, 7, 50, len(bars) // 2, len(bars) - 3, len(bars)]
    chunker = make(cid)
    chunked = joined([chunker.update(bars.slice(a, b), ctx) for a, b in pairwise(cuts)])
    assert_same(chunked, batch, len(bars))


@pytest.mark.parametrize("cid", STREAMED)
def test_outputs_shape_range_and_warmup(cid: str, bars_at, ctx: MarketContext) -> None:
    spec = COMPONENTS[cid].spec
    bars = slice_for(cid, bars_at)
    out = make(cid).update(bars, ctx)
    for name, a in arrays(out).items():
        assert a.shape == (len(bars),), name
    assert out.value.dtype == np.float64
    if spec.kind is Kind.SIGNAL:
        assert out.score is not None and out.score.dtype == np.float64
        defined = out.score[~np.isnan(out.score)]
        assert np.all((defined >= -1.0) & (defined <= 1.0))
    else:
        assert out.allow_long is not None and out.allow_short is not None
        assert out.allow_long.dtype == bool and out.allow_short.dtype == bool
    if spec.kind is Kind.FILTER:
        np.testing.assert_array_equal(out.allow_long, out.allow_short)
    if not spec.optional_data:
        warm = spec.warmup(defaults(COMPONENTS[cid]))
        assert not np.isnan(out.value[warm:]).any(), "value NaN after warm-up"
        if out.score is not None:
            assert not np.isnan(out.score[warm:]).any(), "score NaN after warm-up"


@pytest.mark.parametrize("cid", STREAMED)
def test_empty_chunk(cid: str, bars_at, ctx: MarketContext) -> None:
    component = make(cid)
    bars = slice_for(cid, bars_at)
    component.update(bars.slice(0, 5), ctx)
    out = component.update(bars.slice(5, 5), ctx)
    assert all(a.size == 0 for a in arrays(out).values())


@pytest.mark.parametrize("cid", [c for c in STREAMED if COMPONENTS[c].spec.optional_data])
def test_missing_data_means_no_opinion(cid: str, bars_at) -> None:
    bars = slice_for(cid, bars_at)
    out = make(cid).update(bars, MarketContext())
    assert np.isnan(out.value).all()
    if out.score is not None:
        assert np.isnan(out.score).all()
    if out.allow_long is not None:
        assert out.allow_long.all() and out.allow_short.all()
    assert "no opinion" in make(cid).explain(float("nan"), Direction.LONG)


@pytest.mark.parametrize("cid", STREAMED)
def test_explain_quotes_the_value(cid: str, bars_at, ctx: MarketContext) -> None:
    component = make(cid)
    out = component.update(slice_for(cid, bars_at), ctx)
    value = float(out.value[~np.isnan(out.value)][-1])
    for direction in (None, Direction.LONG, Direction.SHORT):
        text = component.explain(value, direction)
        assert isinstance(text, str) and text and "\n" not in text
        assert any(_shows(token, value) for token in re.findall(r"[-+]?\d+(?:\.\d+)?", text)), text
    if np.isnan(out.value).any() or COMPONENTS[cid].spec.optional_data:
        # It can produce "not computable" values, so it must be able to explain them.
        assert component.explain(float("nan"), Direction.LONG)


def _shows(token: str, value: float) -> bool:
    """``token`` is ``value`` (its magnitude, or either in %) rounded to its decimals."""
    decimals = len(token.split(".")[1]) if "." in token else 0
    tolerance = 0.5 * 10.0**-decimals + 1e-9
    renderings = (value, abs(value), 100.0 * value, 100.0 * abs(value))
    return any(abs(float(token) - r) <= tolerance for r in renderings)


@pytest.mark.parametrize("cid", IDS)
def test_spec_metadata(cid: str) -> None:
    cls = COMPONENTS[cid]
    spec = cls.spec
    assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", spec.id)
    assert cls.__module__.rsplit(".", 1)[1] == spec.id, "one component per module, named by id"
    assert spec.name.strip() and spec.name == spec.name.strip()
    assert spec.description.strip() and "\n" not in spec.description
    assert len(spec.description) <= 120
    names = [p.name for p in spec.params]
    assert len(names) == len(set(names))
    for p in spec.params:
        assert p.description.strip(), p.name
        assert p.type in (int, float, bool, str), p.name
        assert type(p.default) is p.type, f"{p.name}: default {p.default!r} is not {p.type}"
        if p.type is str:
            assert p.choices and p.default in p.choices, p.name
        elif p.type is not bool:
            assert p.min is not None and p.max is not None, p.name
            assert p.min <= p.default <= p.max, p.name
    warm = spec.warmup(defaults(cls))
    assert isinstance(warm, int) and warm >= 1
    assert spec.intervals and set(spec.intervals) <= set(STRATEGY_INTERVALS)
    assert set(spec.data) <= KNOWN_DATA and "candles" in spec.data
    if {"funding", "open_interest"} & set(spec.data):
        assert spec.intervals == ("1h",)


@pytest.mark.parametrize("package", ["signals", "filters", "guards"])
def test_kind_package_imports_every_module_sorted(package: str) -> None:
    module = importlib.import_module(f"plutarc.strategy.components.{package}")
    folder = Path(module.__file__).parent
    on_disk = sorted(p.stem for p in folder.glob("*.py") if not p.stem.startswith("_"))
    tree = parse_source((folder / "__init__.py").read_text())
    imported = [
        alias.name for node in tree.body if isinstance(node, ast.ImportFrom) for alias in node.names
    ]
    assert imported == sorted(imported), "keep the import list sorted"
    assert imported == on_disk
