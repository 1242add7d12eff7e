"""Template updates are opt-in per bot: a bot runs the template version it is pinned to.

Saving a new version of a template changes no running bot; each bot on an older version is
told so on its activity feed. ``move_bot`` (``plutarc bot update NAME [--to-version N]``)
re-pins one bot; its worker swaps the rules when the bot is flat, as a hot template change
always has (an open position keeps the rules it was opened under).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from plutarc.daemon.errors import NotFound
from plutarc.daemon.promotion import live_gate
from plutarc.daemon.runtime.protocol import ConfigChanged
from plutarc.daemon.runtime.supervisor import config_of
from plutarc.daemon.store import BotRecord, TemplateRecord
from plutarc.errors import PlutarcError
from plutarc.models.events import EventKind, Severity

if TYPE_CHECKING:
    from plutarc.daemon.service import DaemonService


def pinned_version(bot: BotRecord, latest: TemplateRecord) -> int:
    """The version the bot runs (a bot stored before pinning runs the latest)."""
    return latest.version if bot.template_version is None else bot.template_version


def announce_new_version(service: DaemonService, before: TemplateRecord | None,
                         after: TemplateRecord) -> None:
    """Tell each bot on the template that a newer version waits for it (nothing moves)."""
    if before is not None and before.version == after.version:
        return
    for bot in service.store.bots.all():
        if bot.template != after.name:
            continue
        runs = pinned_version(bot, before or after)
        if runs >= after.version:
            continue
        service.sink.emit(
            EventKind.ACTIVITY,
            f"{bot.name}: template {after.name!r} v{after.version} saved; this bot keeps "
            f"running v{runs} until moved ('plutarc bot update {bot.name}')",
            bot_id=bot.id, data={"template": after.name, "runs": runs,
                                 "latest": after.version})


def move_bot(service: DaemonService, ref: str, to_version: int | None, who: str,
             notes: list[str] | None = None) -> BotRecord:
    """Pin the bot to ``to_version`` of its template (the latest when None); ``notes``
    collects the warning about an unvalidated version for a live bot."""
    store = service.store
    bot = store.bots.resolve(ref)
    latest = store.templates.require(bot.template)
    current = pinned_version(bot, latest)
    target = latest.version if to_version is None else to_version
    record = store.templates.version(bot.template, target)
    if record is None:
        stored = ", ".join(f"v{v}" for v in store.templates.versions(bot.template)) or "none"
        raise NotFound(f"template {bot.template!r} has no version {target} "
                       f"(stored versions: {stored})")
    if target == current and bot.template_version is not None:
        return bot
    try:
        service.validate_template(bot.template, record.toml)
    except PlutarcError as exc:
        service.refuse_config(bot.id, f"template {bot.template!r} v{target} refused: {exc}")
        raise
    warning = live_gate(service, mode=bot.mode, template=bot.template, version=target,
                        bot=bot.name, who=who, action="bot.template", bot_id=bot.id)
    if warning and notes is not None:
        notes.append(warning)
    now = service.clock.now_ms()
    with store.transaction():
        store.bots.pin_template(bot.id, target, now)
        after = store.bots.resolve(bot.id)
        store.audit.append(who, now, "bot.template", bot.id,
                           {"template": bot.template, "version": current},
                           {"template": bot.template, "version": target})
    service.sink.emit(
        EventKind.ACTIVITY,
        f"{bot.name}: template {bot.template!r} v{current} -> v{target} (by {who}); the "
        "new rules apply once the bot is flat", bot_id=bot.id,
        severity=Severity.INFO,
        data={"template": bot.template, "from": current, "to": target, "latest": latest.version},
    )
    service.supervisor.deliver(bot.id, ConfigChanged(config_of(store, bot),
                                                     config_of(store, after)),
                               refresh_config=True)
    return after
