"""DaemonService: the one service core behind the API; every mutation is checked and audited."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from plutarc import __version__
from plutarc.clock import Clock
from plutarc.config import ResearchSettings
from plutarc.daemon import template_pins
from plutarc.daemon.bot_config import BotSpec, ConfigPatch, Mode, RiskLimits
from plutarc.daemon.errors import AlreadyExists, InvalidTransition
from plutarc.daemon.events import EventSink
from plutarc.daemon.lifecycle import BotState, check_action
from plutarc.daemon.margin_mode import refuse_unless_flat
from plutarc.daemon.ops.operator import refuse_if_held
from plutarc.daemon.paper.replay import check_replay
from plutarc.daemon.promotion import live_gate
from plutarc.daemon.recording import if_recordable, not_recorded_message
from plutarc.daemon.runtime.protocol import ConfigChanged, FlattenRequested, PauseChanged
from plutarc.daemon.runtime.standing_flatten import flattened_reason
from plutarc.daemon.runtime.supervisor import Supervisor, config_of
from plutarc.daemon.store import (
    AuditRecord,
    BotRecord,
    DaemonStore,
    DecisionRecord,
    EquityRecord,
    EventRecord,
    FillRecord,
    OrderRecord,
    PositionRecord,
    TemplateRecord,
    TradeRecord,
)
from plutarc.daemon.templates import TemplateValidator, check_strategy_template
from plutarc.errors import ConfigError, DiskFull, PlutarcError, UsageError
from plutarc.models.events import Event, EventKind, Severity

PAPER_ONLY_VENUES = frozenset({"sim"})


def _dump(record: Any) -> Any:
    return None if record is None else record.model_dump(mode="json")


class DaemonService:
    def __init__(
        self,
        store: DaemonStore,
        sink: EventSink,
        supervisor: Supervisor,
        clock: Clock,
        validate_template: TemplateValidator = check_strategy_template,
        research: ResearchSettings | None = None,
        research_db: Path | None = None,
    ) -> None:
        self.store = store
        self.sink = sink
        self.supervisor = supervisor
        self.clock = clock
        self.validate_template = validate_template
        self.research = research or ResearchSettings()  # the promotion gate's settings
        self.research_db = research_db  # where walk-forward runs are stored

    # ----- bots -------------------------------------------------------------------------
    def list_bots(self) -> list[BotRecord]:
        return self.store.bots.all()

    def get_bot(self, ref: str) -> BotRecord:
        return self.store.bots.resolve(ref)

    async def create_bot(self, spec: BotSpec, who: str, start: bool = False,
                         notes: list[str] | None = None) -> BotRecord:
        """``notes`` collects warnings the caller must pass on (an unvalidated template)."""
        if self.store.bots.by_name(spec.name) is not None:
            raise AlreadyExists(f"a bot named {spec.name!r} exists already")
        self.supervisor.registry.check(spec.venue, spec.mode)  # before anything is stored
        self._usable_template(spec.template)
        if spec.venue in PAPER_ONLY_VENUES:
            check_replay(spec.replay, spec.symbols)
        elif spec.replay is not None:
            raise UsageError(f"replay settings are for paper bots on the sim venue, not "
                             f"{spec.venue!r}")
        # last check before storing: a refusal here is recorded (audit, event), nothing else
        warning = live_gate(self, mode=spec.mode, template=spec.template,
                            version=self.store.templates.require(spec.template).version,
                            bot=spec.name, who=who, action="bot.create")
        if warning and notes is not None:
            notes.append(warning)
        now = self.clock.now_ms()
        bot = BotRecord(
            id="b" + secrets.token_hex(5), name=spec.name, template=spec.template,
            venue=spec.venue, account=spec.account, mode=spec.mode, symbols=spec.symbols,
            risk=spec.risk, state=BotState.STOPPED, state_reason=f"created by {who}",
            plutarc_version=__version__, created_ms=now, updated_ms=now,
            last_heartbeat_ms=None, config_version=1,
            template_version=self.store.templates.require(spec.template).version,
            margin_mode=spec.margin_mode, replay=spec.replay,
        )
        with self.store.transaction():
            self.store.bots.insert(bot)
            self.store.audit.append(who, now, "bot.create", bot.id, None, _dump(bot))
            records = self.store.events.insert_many([self._state_event(bot, "created")])
        self.sink.publish(records)
        return await self.start_bot(bot.id, who) if start else bot

    async def start_bot(self, ref: str, who: str) -> BotRecord:
        bot = self.store.bots.resolve(ref)
        check_action(bot.name, "start", bot.state)
        refuse_if_held(bot, "start")
        self.supervisor.registry.check(bot.venue, bot.mode)  # e.g. a plugin was removed
        self._usable_template(bot.template)
        after = self.supervisor.launch(bot, BotState.ONLINE, f"started by {who}")
        self._audit(who, "bot.start", bot, after)
        return after

    def pause_bot(self, ref: str, who: str, reason: str = "") -> BotRecord:
        bot = self.store.bots.resolve(ref)
        check_action(bot.name, "pause", bot.state)
        notes: list[str] = []
        after, why, now = bot, reason or f"paused by {who}", self.clock.now_ms()
        with if_recordable(notes, f"{bot.name}: state paused",
                           lambda: self.late_transition(bot.id, BotState.PAUSED, why, now)):
            after = self.supervisor.transition(bot.id, BotState.PAUSED, why)
        self.supervisor.deliver(bot.id, PauseChanged(True), refresh_config=False)
        with if_recordable(notes, f"{bot.name}: audit row bot.pause",
                           lambda: self.late_audit(who, "bot.pause", bot)):
            self._audit(who, "bot.pause", bot, after)
        if notes:  # the bot is paused all the same: say what the journal lacks
            raise DiskFull(not_recorded_message(f"pause of {bot.name}", notes))
        return after

    def resume_bot(self, ref: str, who: str) -> BotRecord:
        bot = self.store.bots.resolve(ref)
        check_action(bot.name, "resume", bot.state)
        refuse_if_held(bot, "resume")
        target = self.supervisor.resume_target(bot.id)
        after = self.supervisor.transition(bot.id, target, f"resumed by {who}")
        self.supervisor.deliver(bot.id, PauseChanged(False), refresh_config=False)
        self._audit(who, "bot.resume", bot, after)
        return after

    async def stop_bot(self, ref: str, who: str) -> BotRecord:
        bot = self.store.bots.resolve(ref)
        check_action(bot.name, "stop", bot.state)
        await self.supervisor.stop_worker(bot.id)
        notes: list[str] = []
        after, why, now = bot, f"stopped by {who}", self.clock.now_ms()
        with if_recordable(notes, f"{bot.name}: state stopped",
                           lambda: self.late_transition(bot.id, BotState.STOPPED, why, now)):
            after = self.supervisor.transition(bot.id, BotState.STOPPED, why)
        with if_recordable(notes, f"{bot.name}: audit row bot.stop",
                           lambda: self.late_audit(who, "bot.stop", bot)):
            self._audit(who, "bot.stop", bot, after)
        if notes:  # the worker is stopped all the same: say what the journal lacks
            raise DiskFull(not_recorded_message(f"stop of {bot.name}", notes))
        return after

    def flatten_bot(self, ref: str, who: str) -> BotRecord:
        """Close every position and take no new entries until resumed."""
        bot = self.store.bots.resolve(ref)
        check_action(bot.name, "flatten", bot.state)
        after = bot
        notes: list[str] = []
        if bot.state is not BotState.PAUSED:
            why, now = flattened_reason(who), self.clock.now_ms()
            with if_recordable(notes, f"{bot.name}: state paused",
                               lambda: self.late_transition(bot.id, BotState.PAUSED, why, now)):
                after = self.supervisor.transition(bot.id, BotState.PAUSED, why)
            self.supervisor.deliver(bot.id, PauseChanged(True), refresh_config=False)
        self.supervisor.deliver(bot.id, FlattenRequested(who), refresh_config=False)
        with if_recordable(notes, f"{bot.name}: audit row bot.flatten",
                           lambda: self.late_audit(who, "bot.flatten", bot)):
            self._audit(who, "bot.flatten", bot, after)
        if notes:  # the flatten was requested all the same: say what the journal lacks
            raise DiskFull(not_recorded_message(f"flatten of {bot.name}", notes))
        return after

    def delete_bot(self, ref: str, who: str) -> BotRecord:
        bot = self.store.bots.resolve(ref)
        check_action(bot.name, "delete", bot.state)
        now = self.clock.now_ms()
        with self.store.transaction():
            self.store.bots.mark_deleted(bot.id, now)
            self.store.audit.append(who, now, "bot.delete", bot.id, _dump(bot), None)
        self.sink.emit(EventKind.ACTIVITY, f"{bot.name}: deleted by {who}", bot_id=bot.id)
        return bot

    # ----- hot configuration ------------------------------------------------------------
    def update_config(self, ref: str, patch: ConfigPatch, who: str) -> BotRecord:
        """Validate, store, and push to the running worker; a refusal keeps the last good one."""
        bot = self.store.bots.resolve(ref)
        template = patch.template or bot.template
        symbols = patch.symbols if patch.symbols is not None else bot.symbols
        risk = patch.risk or bot.risk
        margin = patch.margin_mode or bot.margin_mode
        if (template, symbols, risk, margin) == (bot.template, bot.symbols, bot.risk,
                                                 bot.margin_mode):
            return bot
        try:
            self._usable_template(template)
            if margin != bot.margin_mode:
                refuse_unless_flat(self.store, bot, f"margin mode {margin}")
        except PlutarcError as exc:
            self.refuse_config(bot.id, str(exc))
            raise
        with self.store.transaction():
            # Switching templates pins the new one's latest version; otherwise the pin stays.
            pin = (self.store.templates.require(template).version
                   if template != bot.template else None)
            self.store.bots.update_config(bot.id, template, symbols, risk, self.clock.now_ms(),
                                          template_version=pin, margin_mode=margin)
            after = self.store.bots.resolve(bot.id)
            self.store.audit.append(who, after.updated_ms, "bot.config", bot.id, _dump(bot),
                                    _dump(after))
        if symbols != bot.symbols:
            added = [s for s in symbols if s not in bot.symbols]
            removed = [s for s in bot.symbols if s not in symbols]
            self.sink.emit(EventKind.ACTIVITY, f"{bot.name}: symbols changed by {who}: "
                           f"+{','.join(added) or '-'} -{','.join(removed) or '-'}",
                           bot_id=bot.id, data={"added": added, "removed": removed})
        self.supervisor.deliver(bot.id, ConfigChanged(config_of(self.store, bot),
                                                      config_of(self.store, after)),
                                refresh_config=True)
        return after

    def change_mode(self, ref: str, mode: Mode, who: str,
                    notes: list[str] | None = None) -> BotRecord:
        """Switch a stopped bot between live, testnet and paper; it takes effect at start.
        ``notes`` collects the warning about an unvalidated template version."""
        bot = self.store.bots.resolve(ref)
        if bot.mode == mode:
            return bot
        if bot.state is not BotState.STOPPED:
            raise InvalidTransition(f"cannot change the mode of bot {bot.name!r} while it is "
                                    f"{bot.state}: stop it first")
        self.supervisor.registry.check(bot.venue, mode)
        # paper -> live is a way to go live too: the promotion gate holds it the same way
        warning = live_gate(self, mode=mode, template=bot.template, bot=bot.name, who=who,
                            version=template_pins.pinned_version(
                                bot, self.store.templates.require(bot.template)),
                            action="bot.mode", bot_id=bot.id)
        if warning and notes is not None:
            notes.append(warning)
        now = self.clock.now_ms()
        with self.store.transaction():
            self.store.bots.set_mode(bot.id, mode, now)
            after = self.store.bots.resolve(bot.id)
            self.store.audit.append(who, now, "bot.mode", bot.id, _dump(bot), _dump(after))
        self.sink.emit(EventKind.ACTIVITY, f"{bot.name}: mode {bot.mode} -> {mode} (by {who}); "
                       "takes effect at the next start", bot_id=bot.id,
                       severity=Severity.WARNING if mode == "live" else Severity.INFO,
                       data={"from": bot.mode, "to": mode})
        return after

    def refuse_config(self, ref: str, problem: str) -> None:
        """Say on the bot's activity feed that a change was refused and what it keeps."""
        bot = self.store.bots.resolve(ref)
        self.sink.emit(
            EventKind.ACTIVITY,
            f"{bot.name}: configuration change refused: {problem}; keeping configuration "
            f"v{bot.config_version}", bot_id=bot.id, severity=Severity.WARNING,
            data={"problem": problem, "kept_version": bot.config_version},
        )

    def get_risk(self, ref: str) -> RiskLimits:
        return self.store.bots.resolve(ref).risk

    def put_risk(self, ref: str, risk: RiskLimits, who: str) -> BotRecord:
        return self.update_config(ref, ConfigPatch(risk=risk), who)

    # ----- templates --------------------------------------------------------------------
    def list_templates(self) -> list[TemplateRecord]:
        return self.store.templates.all()

    def get_template(self, name: str) -> TemplateRecord:
        return self.store.templates.require(name)

    def put_template(self, name: str, toml_text: str, who: str) -> TemplateRecord:
        users = [b for b in self.store.bots.all() if b.template == name]
        try:
            self.validate_template(name, toml_text)
        except PlutarcError as exc:
            for bot in users:
                self.refuse_config(bot.id, f"template {name!r} update refused: {exc}")
            raise
        before = self.store.templates.get(name)
        with self.store.transaction():
            after = self.store.templates.put(name, toml_text, self.clock.now_ms())
            if before is None or before.version != after.version:
                self.store.audit.append(who, after.updated_ms, "template.put", name,
                                        _dump(before), _dump(after))
        # Opt-in updates: no bot moves; those on an older version are told so.
        template_pins.announce_new_version(self, before, after)
        return after

    def update_bot_template(self, ref: str, to_version: int | None, who: str,
                            notes: list[str] | None = None) -> BotRecord:
        """Move a bot to another stored version of its template (the latest when None)."""
        return template_pins.move_bot(self, ref, to_version, who, notes)

    # ----- reads: a bot filter takes a name or an id ------------------------------------
    def _bot_id(self, ref: str | None) -> str | None:
        return None if ref is None else self.store.bots.resolve(ref).id

    def bot_counts(self) -> dict[str, int]:
        counts = {state.value: 0 for state in BotState}
        for bot in self.store.bots.all():
            counts[bot.state.value] += 1
        return counts

    def positions(self, bot: str | None = None) -> list[PositionRecord]:
        return self.store.positions.query(bot_id=self._bot_id(bot))

    def orders(self, bot: str | None = None, open_only: bool = False,
               since_ms: int | None = None, limit: int = 100) -> list[OrderRecord]:
        return self.store.orders.query(self._bot_id(bot), open_only, since_ms, limit)

    def fills(self, bot: str | None = None, since_ms: int | None = None,
              limit: int = 100) -> list[FillRecord]:
        return self.store.fills.query(self._bot_id(bot), None, since_ms, limit)

    def trades(self, bot: str | None = None, since_ms: int | None = None,
               limit: int = 100) -> list[TradeRecord]:
        return self.store.trades.query(self._bot_id(bot), since_ms, limit)

    def equity(self, bot: str | None = None, since_ms: int | None = None,
               limit: int = 1000) -> list[EquityRecord]:
        return self.store.equity.query(self._bot_id(bot), since_ms, limit)

    def decisions(self, bot: str | None = None, symbol: str | None = None,
                  since_ms: int | None = None, limit: int = 100) -> list[DecisionRecord]:
        return self.store.decisions.query(self._bot_id(bot), symbol, since_ms, limit)

    def events(self, bot: str | None = None, kinds: Sequence[EventKind] = (),
               min_severity: Severity | None = None, since_ms: int | None = None,
               after_id: int | None = None, limit: int = 100) -> list[EventRecord]:
        return self.store.events.query(self._bot_id(bot), kinds, min_severity, since_ms,
                                       after_id, limit)

    def audit(self, target: str | None = None, since_ms: int | None = None,
              limit: int = 100, who: str | None = None) -> list[AuditRecord]:
        return self.store.audit.query(target, since_ms, limit, who)

    # ----- helpers ----------------------------------------------------------------------
    def _usable_template(self, name: str) -> None:
        template = self.store.templates.get(name)
        if template is None:
            known = ", ".join(t.name for t in self.store.templates.all()) or "none stored yet"
            raise ConfigError(f"no template named {name!r} (stored: {known}); "
                              "store one first with PUT /v1/templates/NAME")
        self.validate_template(name, template.toml)

    def _state_event(self, bot: BotRecord, reason: str) -> Event:
        return Event(EventKind.BOT_STATE, bot.updated_ms, f"{bot.name}: {reason} ({bot.state})",
                     bot.id, Severity.INFO, {"from": None, "to": bot.state.value,
                                             "reason": reason})

    def late_transition(self, bot_id: str, target: BotState, reason: str, when_ms: int) -> None:
        """A state change a full disk kept out of the journal, written once it has room;
        skipped when the bot has changed since (a later action wins)."""
        current = self.store.bots.resolve(bot_id)
        if current.updated_ms > when_ms or current.state is target:
            return
        self.supervisor.transition(bot_id, target, reason, checked=False)

    def late_audit(self, who: str, action: str, before: BotRecord) -> None:
        """An audit row a full disk kept out, written once it has room (after: the bot now)."""
        self._audit(who, f"{action}", before, self.store.bots.resolve(before.id))

    def _audit(self, who: str, action: str, before: BotRecord, after: BotRecord) -> None:
        self.store.audit.append(who, self.clock.now_ms(), action, before.id, _dump(before),
                                _dump(after))
