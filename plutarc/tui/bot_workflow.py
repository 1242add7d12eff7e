"""The trader's bot workflow from any screen: create a bot, change its risk limits or symbols,
cancel one of its open orders. Each runs in a worker (the dialogs wait for the operator)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from plutarc.daemon.store import OrderRecord
from plutarc.errors import PlutarcError
from plutarc.tui.dialogs.ask import Ask
from plutarc.tui.dialogs.bot_forms import CreateBotForm, RiskForm, SymbolsForm
from plutarc.tui.dialogs.confirm import TypedConfirm
from plutarc.tui.format import fmt_dec

if TYPE_CHECKING:
    from plutarc.tui.app import PlutarcApp


async def new_bot(app: PlutarcApp) -> None:
    try:
        templates = [t.name for t in await app.client.list_templates()]
    except PlutarcError as exc:
        app.notify(f"new bot: {exc}", severity="error", timeout=8)
        return
    if not templates:
        app.notify("new bot: no stored template yet: create one on the Templates screen (e)",
                   severity="warning", timeout=8)
        return
    form = CreateBotForm(templates)
    if await app.push_screen_wait(form) and form.created is not None:
        bot = form.created
        app.notify(f"bot {bot.name} created ({bot.venue}/{bot.mode}, {' '.join(bot.symbols)}), "
                   f"state {bot.state}", timeout=5)


async def edit_risk(app: PlutarcApp, bot_name: str) -> None:
    try:
        bot = await app.client.get_bot(bot_name)
    except PlutarcError as exc:
        app.notify(f"risk limits {bot_name}: {exc}", severity="error", timeout=8)
        return
    form = RiskForm(bot)
    if await app.push_screen_wait(form) and form.saved is not None:
        app.notify(f"risk limits of {bot.name} saved; the risk gate uses them from now on",
                   timeout=5)


async def edit_symbols(app: PlutarcApp, bot_name: str) -> None:
    try:
        bot = await app.client.get_bot(bot_name)
    except PlutarcError as exc:
        app.notify(f"symbols {bot_name}: {exc}", severity="error", timeout=8)
        return
    form = SymbolsForm(bot)
    if await app.push_screen_wait(form) and form.saved is not None:
        app.notify(f"symbols of {bot.name}: {' '.join(form.saved.symbols)} "
                   f"(config v{form.saved.config_version})", timeout=5)


def describe(order: OrderRecord) -> str:
    price = order.stop_price if order.stop_price is not None else order.price
    at = f" at {fmt_dec(price)}" if price is not None else ""
    return (f"{order.side.value} {fmt_dec(order.qty)} {order.symbol} {order.type.value}{at} "
            f"({order.client_id})")


async def cancel_order(app: PlutarcApp, bot_name: str, mode: str, order: OrderRecord) -> None:
    """Ask (live: type the bot's name), then cancel through the daemon; the bot's worker
    refuses its protective stop, which the TUI then says."""
    question = f"Cancel order {describe(order)} of bot {bot_name}?"
    if mode == "live":
        ok = await app.push_screen_wait(TypedConfirm(
            question + " It is a REAL order at the venue.", bot_name))
    else:
        ok = await app.push_screen_wait(Ask(question, yes="Cancel order"))
    if not ok:
        app.notify(f"order {order.client_id}: left open", timeout=3)
        return
    try:
        after = await app.client.cancel_order(bot_name, order.client_id)
    except PlutarcError as exc:
        app.notify(f"cancel {order.client_id}: {exc}", severity="error", timeout=10)
        return
    app.notify(f"order {after.client_id}: {after.status.value}", timeout=5)
