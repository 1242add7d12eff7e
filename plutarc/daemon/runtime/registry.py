"""Which worker runs a bot: factories registered per venue (and optionally mode), plus plugins."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable, Mapping

from plutarc.daemon.bot_config import Mode
from plutarc.daemon.runtime.idle import IdleWorker
from plutarc.daemon.runtime.protocol import BotWorker
from plutarc.daemon.store import BotRecord
from plutarc.errors import ConfigError

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

    def factory_for(self, bot: BotRecord) -> WorkerFactory:
        """The most specific factory; bots nobody serves yet get an honest IdleWorker."""
        factory = self._by_venue_mode.get((bot.venue, bot.mode))
        if factory is None:
            factory = self._by_venue_mode.get((bot.venue, None))
        if factory is None:
            why = f"no trading worker is installed for venue {bot.venue!r} in {bot.mode} mode"
            return lambda _bot: IdleWorker(why)
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
    plugins = [m.strip() for m in env.get(PLUGIN_ENV, "").split(",") if m.strip()]
    registry.load_plugins(plugins)
    return registry
