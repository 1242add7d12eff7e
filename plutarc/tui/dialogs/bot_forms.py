"""The bot forms: create a bot, change its risk limits, change its symbols. Each checks what it
can at the field, lets the daemon judge the rest, and asks for the bot's name before a change
to a live bot."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, get_args

from pydantic import ValidationError

from plutarc.daemon.bot_config import (
    BotSpec,
    ConfigPatch,
    Mode,
    RiskLimits,
    check_name,
    check_symbols,
)
from plutarc.daemon.store import BotRecord
from plutarc.tui.dialogs.confirm import TypedConfirm
from plutarc.tui.dialogs.form import FormDialog, KeyedFieldError
from plutarc.tui.template_form import FieldSpec, schema_field
from plutarc.tui.widgets.field_row import FieldRow

MODES: tuple[str, ...] = get_args(Mode)


def split_symbols(text: str) -> tuple[str, ...]:
    """'BTCUSDT, ETHUSDT' or 'BTCUSDT ETHUSDT' -> ('BTCUSDT', 'ETHUSDT')."""
    return tuple(s for s in re.split(r"[\s,]+", text.strip()) if s)


def _first_error(exc: ValidationError) -> tuple[str, str]:
    """(field name, message) of a pydantic refusal, for the field row."""
    err = exc.errors()[0]
    key = str(err["loc"][0]) if err["loc"] else ""
    return key, str(err["msg"]).removeprefix("Value error, ")


async def _live_ok(form: FormDialog, bot_name: str, what: str) -> bool:
    return bool(await form.app.push_screen_wait(TypedConfirm(
        f"{what} of LIVE bot {bot_name}: it trades real money. The change applies at once.",
        bot_name)))


class CreateBotForm(FormDialog):
    """Name, template, venue, mode, account, symbols, start now; risk limits stay at their
    defaults (change them after, with 'l', which needs the manage-risk permission)."""

    def __init__(self, templates: Sequence[str]) -> None:
        rows = [
            (FieldSpec(("name",), "name", "str", "", "e.g. btc-trend"), ""),
            (FieldSpec(("template",), "template", "str", None, "a stored template",
                       choices=tuple(templates)), templates[0] if templates else None),
            (FieldSpec(("venue",), "venue", "str", "sim", "sim (paper), bitmex, ..."), "sim"),
            (FieldSpec(("mode",), "mode", "str", "paper", "live sends REAL orders",
                       choices=MODES), "paper"),
            (FieldSpec(("account",), "account", "str", "", "key label; paper: replay "
                       "settings (blank: default)", optional=True), ""),
            (FieldSpec(("symbols",), "symbols", "str", "", "e.g. BTCUSDT ETHUSDT"), "BTCUSDT"),
            (FieldSpec(("start",), "start now", "bool", False, "start the bot once created"),
             False),
        ]
        super().__init__("New bot", rows, save="Create")
        self.created: BotRecord | None = None

    async def submit(self, values: dict[str, Any]) -> bool:
        try:
            check_name(values["name"], "bot name")
        except ValueError as exc:
            raise KeyedFieldError("name", str(exc)) from None
        try:
            symbols = check_symbols(split_symbols(values["symbols"]))
        except ValueError as exc:
            raise KeyedFieldError("symbols", str(exc)) from None
        fields = {"name": values["name"], "template": values["template"],
                  "venue": values["venue"], "mode": values["mode"], "symbols": symbols}
        if values["account"]:
            fields["account"] = values["account"]
        try:
            spec = BotSpec(**fields)
        except ValidationError as exc:
            raise KeyedFieldError(*_first_error(exc)) from None
        if spec.mode == "live" and not await _live_ok(self, spec.name, "Creation"):
            return False
        from plutarc.tui.app import PlutarcApp

        assert isinstance(self.app, PlutarcApp)
        self.created = await self.app.client.create_bot(spec, start=bool(values["start"]))
        return True


def risk_fields() -> list[FieldSpec]:
    """One field per risk limit; a limit that may be off (null) may be left blank."""
    specs = []
    for name, info in RiskLimits.model_fields.items():
        spec = schema_field((name,), info)
        optional = info.default is None or type(None) in get_args(info.annotation)
        specs.append(FieldSpec(spec.path, spec.label, spec.kind, spec.default,
                               (info.description or "") + (" Blank: off." if optional else ""),
                               spec.min, spec.max, spec.min_exclusive, spec.max_exclusive,
                               spec.choices, optional))
    return specs


def _decimal_text(value: Any) -> Any:
    """Decimals shown as the operator typed them (no float rounding on the way)."""
    return None if value is None else (str(value) if isinstance(value, Decimal) else value)


class RiskForm(FormDialog):
    """Every per-bot risk limit; saved whole with PUT /v1/bots/{ref}/risk."""

    def __init__(self, bot: BotRecord) -> None:
        rows = [(spec, _decimal_text(getattr(bot.risk, str(spec.path[0]))))
                for spec in risk_fields()]
        super().__init__(f"Risk limits of {bot.name} ({bot.mode})", rows)
        self.bot = bot
        self.saved: RiskLimits | None = None

    def _limits(self) -> RiskLimits:
        raw: dict[str, Any] = {}
        for row in self.query(FieldRow):
            text = row.text.strip()
            raw[str(row.spec.path[0])] = (None if not text else
                                          text if row.spec.kind == "float" else row.value())
        try:
            return RiskLimits.model_validate(raw)
        except ValidationError as exc:
            raise KeyedFieldError(*_first_error(exc)) from None

    async def submit(self, values: dict[str, Any]) -> bool:
        limits = self._limits()  # exact decimals, from the text
        if limits == self.bot.risk:
            self.status("nothing changed")
            return False
        if self.bot.mode == "live" and not await _live_ok(self, self.bot.name, "New risk limits"):
            return False
        from plutarc.tui.app import PlutarcApp

        assert isinstance(self.app, PlutarcApp)
        self.saved = await self.app.client.put_risk(self.bot.name, limits)
        return True


class SymbolsForm(FormDialog):
    """The bot's symbol list; a removed symbol with a position keeps being managed until flat."""

    def __init__(self, bot: BotRecord) -> None:
        spec = FieldSpec(("symbols",), "symbols", "str", "", "space separated; a removed one "
                         "with a position is closed by its exits first")
        super().__init__(f"Symbols of {bot.name} ({bot.mode})", [(spec, " ".join(bot.symbols))])
        self.bot = bot
        self.saved: BotRecord | None = None

    async def submit(self, values: dict[str, Any]) -> bool:
        try:
            symbols = check_symbols(split_symbols(values["symbols"]))
        except ValueError as exc:
            raise KeyedFieldError("symbols", str(exc)) from None
        if symbols == tuple(self.bot.symbols):
            self.status("nothing changed")
            return False
        if self.bot.mode == "live" and not await _live_ok(self, self.bot.name, "New symbols"):
            return False
        from plutarc.tui.app import PlutarcApp

        assert isinstance(self.app, PlutarcApp)
        self.saved = await self.app.client.update_config(self.bot.name,
                                                         ConfigPatch(symbols=symbols))
        return True
