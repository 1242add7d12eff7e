"""IdleWorker: a bot with no trading loop attached yet; heartbeats and applies configuration."""

from __future__ import annotations

from plutarc.daemon.runtime.protocol import (
    BotContext,
    ConfigChanged,
    FlattenRequested,
    PauseChanged,
    VenueView,
)


class IdleWorker:
    """Runs the lifecycle honestly without a venue: never places an order, says so at start."""

    def __init__(self, why: str) -> None:
        self.why = why

    async def run(self, ctx: BotContext) -> None:
        ctx.activity(f"idle: {self.why}; heartbeats and configuration only, no orders",
                     worker="idle", config_version=ctx.config.version)
        ctx.heartbeat()
        ctx.mark_ready()
        while not ctx.stopping.is_set():
            command = await ctx.next_command(timeout_s=ctx.heartbeat_interval_s)
            ctx.heartbeat()
            if isinstance(command, ConfigChanged):
                self._applied(ctx, command)
            elif isinstance(command, FlattenRequested):
                ctx.activity(f"flatten requested by {command.requested_by}: no venue attached, "
                             "so there is no position to close")
            elif isinstance(command, PauseChanged):
                ctx.activity("paused: no new entries" if command.paused else "resumed")

    async def venue_view(self) -> VenueView:
        return VenueView()  # no venue: nothing can be open

    @staticmethod
    def _applied(ctx: BotContext, change: ConfigChanged) -> None:
        new = change.new
        ctx.activity(
            f"applied configuration v{new.version}: template {new.template} "
            f"v{new.template_version}, symbols {', '.join(new.symbols)}",
            config_version=new.version, template=new.template,
            template_version=new.template_version, symbols=list(new.symbols),
            applied_ms=ctx.clock.now_ms(),
        )
