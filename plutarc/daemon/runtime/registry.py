"""Which worker runs a bot: factories registered per venue (and optionally mode), plus plugins."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable, Mapping
from typing import get_args

from plutarc.daemon.bot_config import Mode
from plutarc.daemon.runtime.idle import IdleWorker
from plutarc.daemon.runtime.protocol import BotWorker
from plutarc.daemon.store import BotRecord
from plutarc.errors import ConfigError, UsageError

WorkerFactory = Callable[[BotRecord], BotWorker]

PLUGIN_ENV = "PLUTARC_WORKER_MODULES"


class WorkerRegistry:
    def __init__(self) -> None:
        self._by_venue_mode: dict[tuple[str, str | None], WorkerFactory] = {}

    def register(
        self, venue: str, factory: WorkerFactory, modes: Iterable[Mode] | None = None
    ) -> None:
        """Run bots on ``venue`` (in ``modes``, or any mode) with workers from ``factory``."""
        keys = [(venue, None)] if modes is None else [(venue, m) for m in modes]
        for key in keys:
            self._by_venue_mode[key] = factory

    def registered(self) -> list[tuple[str, str | None]]:
        return sorted(self._by_venue_mode, key=lambda k: (k[0], k[1] or ""))

    def available(self) -> dict[str, tuple[str, ...]]:
        """Each registered venue with the modes it serves (every mode when registered so)."""
        modes: dict[str, set[str]] = {}
        for venue, mode in self._by_venue_mode:
            modes.setdefault(venue, set()).update(get_args(Mode) if mode is None else (mode,))
        order = {m: i for i, m in enumerate(get_args(Mode))}
        return {v: tuple(sorted(ms, key=order.__getitem__)) for v, ms in sorted(modes.items())}

    def describe(self) -> str:
        """'bitmex (live, testnet, paper), sim (paper)': what a bot can be created on."""
        return ", ".join(f"{v} ({', '.join(ms)})" for v, ms in self.available().items())

    def check(self, venue: str, mode: str) -> None:
        """Refuse a venue/mode pair no worker serves, in one line naming what is available."""
        served = self.available().get(venue)
        if served is None:
            raise UsageError(f"unknown venue {venue!r}; available: {self.describe()}")
        if mode not in served:
            raise UsageError(f"no {mode} mode on the {venue!r} venue, which only trades on "
                             f"{' and '.join(served)}; available: {self.describe()}")

    def factory_for(self, bot: BotRecord) -> WorkerFactory:
        """The most specific factory; a bot nobody serves is refused (ConfigError), never run
        as if it were live (bots stored before the create-time check, or a plugin removed)."""
        factory = self._by_venue_mode.get((bot.venue, bot.mode))
        if factory is None:
            factory = self._by_venue_mode.get((bot.venue, None))
        if factory is None:
            raise ConfigError(f"no trading worker is installed for venue {bot.venue!r} in "
                              f"{bot.mode} mode; available: {self.describe()}")
        return factory

    def load_plugins(self, module_names: Iterable[str]) -> None:
        for name in module_names:
            try:
                module = importlib.import_module(name)
            except ImportError as exc:
                raise ConfigError(
                    f"worker plugin module {name!r} cannot be imported: {exc}"
                ) from exc
            register = getattr(module, "register_workers", None)
            if not callable(register):
                raise ConfigError(
                    f"worker plugin module {name!r} has no register_workers(registry) function"
                )
            register(self)


def default_registry(env: Mapping[str, str] | None = None) -> WorkerRegistry:
    """Built-in workers, then the plugin modules named in $PLUTARC_WORKER_MODULES."""
    env = os.environ if env is None else env
    registry = WorkerRegistry()
    registry.register("idle", lambda _bot: IdleWorker("this bot runs on the idle venue"))
    from plutarc.daemon.paper import register_workers as register_paper  # paper bots on "sim"

    register_paper(registry)
    from plutarc.daemon.live import register_workers as register_live  # bitmex live/testnet

    register_live(registry)
    from plutarc.daemon.paper_venue import register_workers as register_paper_venue  # bitmex

    register_paper_venue(registry)  # paper bots on a real venue's public data
    from plutarc.daemon.ccxt_venues import register_workers as register_ccxt  # binance, ...

    register_ccxt(registry)  # bybit, okx: paper, testnet and live (ccxt loads on first use)
    plugins = [m.strip() for m in env.get(PLUGIN_ENV, "").split(",") if m.strip()]
    registry.load_plugins(plugins)
    return registry
