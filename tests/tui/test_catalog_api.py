"""The read-only catalog routes the TUI builds its forms from, against a real daemon."""

from __future__ import annotations

import tomllib
from pathlib import Path

from plutarc.strategy.components.registry import catalog
from tests.tui.conftest import REPO, Daemon


async def test_components_carry_every_parameter_with_bounds_and_intervals(
        daemon: Daemon) -> None:
    async with daemon.client() as api:
        components = {c.id: c for c in await api.components()}
    assert set(components) == set(catalog())
    ema = components["ema_cross"]
    assert ema.kind == "signal"
    fast = {p.name: p for p in ema.params}["fast"]
    assert (fast.type, fast.default, fast.min, fast.max) == ("int", 20, 2, 500)
    assert fast.bounds == "[2, 500]"
    assert "1m" in ema.intervals
    adx = {p.name: p for p in components["adx_regime"].params}["mode"]
    assert adx.type == "str" and adx.choices and "trend" in adx.choices


async def test_template_catalog_serves_the_shipped_templates_as_text(daemon: Daemon) -> None:
    async with daemon.client() as api:
        templates = {t.name: t for t in await api.template_catalog()}
    shipped = {p.stem for p in (REPO / "configs" / "templates").glob("*.toml")}
    assert shipped <= set(templates)
    ref = templates["reference_ema_cross"]
    assert ref.origin == "system"
    assert tomllib.loads(ref.toml)["components"][0]["id"] == "ema_cross"


async def test_bundled_data_files_name_paths_the_daemon_can_read(daemon: Daemon) -> None:
    async with daemon.client() as api:
        files = await api.data_files()
    assert {f.symbol for f in files} == {"BTCUSDT", "ETHUSDT"}
    assert all(Path(f.path).is_file() for f in files)
