"""``plutarc bot ...``: create and control bots, all through the daemon's API."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from plutarc.cli.api_client import call
from plutarc.cli.output import console, fmt_ts, print_json, print_table
from plutarc.errors import OperationTimeout, UsageError

if TYPE_CHECKING:
    from plutarc.daemon.store import BotRecord

app = typer.Typer(no_args_is_help=True)

WAIT_S = 10.0  # how long start waits for a deploying bot to come online

def _age(ts_ms: int | None) -> str:
    if ts_ms is None:
        return "-"
    seconds = max(0.0, time.time() - ts_ms / 1000)
    return f"{seconds:.0f}s ago" if seconds < 120 else f"{seconds / 60:.0f}m ago"


def _row(bot: BotRecord) -> dict[str, Any]:
    return {"name": bot.name, "id": bot.id, "state": bot.state.value, "template": bot.template,
            "venue": bot.venue, "mode": bot.mode, "symbols": ",".join(bot.symbols),
            "heartbeat": _age(bot.last_heartbeat_ms), "reason": bot.state_reason}


def _say(bot: BotRecord, as_json: bool) -> None:
    if as_json:
        print_json(bot)
    else:
        reason = f" ({bot.state_reason})" if bot.state_reason else ""
        console.print(f"bot {bot.name}: {bot.state}{reason}")


@app.command("create")
def create(
    name: str = typer.Argument(..., help="Unique bot name, e.g. btc-trend."),
    template: str = typer.Option(
        ..., "--template", "-t", help="A template's name: the daemon's, or a shipped or user "
        "template (stored in the daemon on first use)."),
    symbols: list[str] = typer.Option(..., "--symbol", "-s", help="Symbol; repeat for more."),
    venue: str = typer.Option(..., "--venue", help="Venue, e.g. sim or bitmex."),
    mode: str = typer.Option("paper", "--mode", help="live, testnet or paper."),
    account: str = typer.Option("", "--account", help="Key/account label at the venue."),
    start: bool = typer.Option(False, "--start", help="Start it right away."),
    margin: str = typer.Option(None, "--margin", help="cross or isolated margin, set at the "
                               "venue at start (default: the venue's own setting)."),
    replay_speed: str = typer.Option(None, "--replay-speed",
                                     help="sim: 'max' or a multiple of real time (60)."),
    replay_file: Path = typer.Option(None, "--replay-file",
                                     help="sim: candle file replayed (one symbol)."),
    replay_bars: int = typer.Option(None, "--replay-bars",
                                    help="sim: replay only the first N candles."),
    replay_funding: Path = typer.Option(None, "--replay-funding",
                                        help="sim: funding-rate file, charged and given to the "
                                        "strategy (one symbol)."),
    replay_oi: Path = typer.Option(None, "--replay-oi",
                                   help="sim: open-interest file given to the strategy."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Create a bot (stopped unless --start). A paper bot on the sim venue replays real
    candles (the bundled BTCUSDT/ETHUSDT minutes unless --replay-file)."""
    from pydantic import ValidationError

    from plutarc.daemon.bot_config import BotSpec
    from plutarc.validation import describe_validation_error

    replay = (replay_speed, replay_file, replay_bars, replay_funding, replay_oi)
    raw: dict[str, Any] = {"name": name, "template": template, "venue": venue, "mode": mode,
                           "account": account, "symbols": tuple(symbols)}
    if replay != (None,) * 5:
        raw["replay"] = _replay(venue, *replay)
    if margin is not None:
        raw["margin_mode"] = margin
    try:
        spec = BotSpec.model_validate(raw)
    except ValidationError as exc:  # said here, before bothering the daemon
        raise UsageError("; ".join(describe_validation_error(exc, BotSpec, "bot"))) from None
    async def run(c: Any) -> BotRecord:
        from plutarc.cli.template_store import ensure_stored

        note = await ensure_stored(c, spec.template)  # a shipped or user file: no extra step
        if note:
            typer.echo(note, err=True)
        warnings: list[str] = []
        bot = await c.create_bot(spec, start=start, warnings=warnings)
        for warning in warnings:  # e.g. a live bot on a template version not validated
            typer.echo(f"WARNING: {warning}", err=True)
        return await _settled(c, bot, WAIT_S if start else 0)

    _finish(call(run, timeout_s=WAIT_S + 5), as_json)


def _replay(venue: str, speed: str | None, file: Path | None, bars: int | None,
            funding: Path | None = None, oi: Path | None = None) -> Any:
    """A sim paper bot's replay fields (a file path may be as long as the system allows)."""
    from plutarc.daemon.paper.replay import replay_spec

    if venue != "sim":
        raise UsageError(f"--replay-* options are for paper bots on the sim venue, not "
                         f"{venue!r}")
    return replay_spec(speed, file, bars, funding, oi)


@app.command("list")
def list_bots(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")):
    """Every bot with its state and why, position, PnL and last heartbeat."""
    from plutarc.cli.bot_listing import listing_rows, listing_table, with_book

    async def fetch(c: Any) -> tuple[Any, Any, Any, Any]:
        return await c.list_bots(), await c.positions(), await c.pnl(), await c.list_templates()

    bots, positions, pnl, templates = call(fetch)
    rows = with_book(bots, positions, pnl, templates)
    if as_json:
        print_json(listing_rows(rows))
    else:
        listing_table(rows)


@app.command("show")
def show(
    ref: str = typer.Argument(..., help="Bot name or id."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """One bot in full: configuration, risk limits, state, uptime and state history."""
    from plutarc.cli.bot_detail import detail_fields, print_history

    async def fetch(c: Any) -> tuple[Any, Any]:
        bot = await c.get_bot(ref)
        return bot, await c.bot_history(bot.id)

    bot, detail = call(fetch)
    if as_json:
        print_json({**bot.model_dump(mode="json"), "detail": detail.model_dump(mode="json")})
        return
    fields = {**_row(bot), **detail_fields(detail), "account": bot.account or "-",
              "margin": bot.margin_mode or "the venue's own",
              **({} if bot.replay is None else {
                  f"replay.{k}": v for k, v in bot.replay.model_dump().items() if v is not None}),
              "config version": bot.config_version,
              "plutarc": bot.plutarc_version, "created": fmt_ts(bot.created_ms),
              "updated": fmt_ts(bot.updated_ms),
              **{f"risk.{k}": v for k, v in bot.risk.model_dump(mode="json").items()}}
    print_table([{"field": k, "value": v} for k, v in fields.items()], ["field", "value"],
                title=f"Bot {bot.name}")
    print_history(detail)


async def _settled(c: Any, bot: BotRecord, wait_s: float) -> BotRecord:
    """Poll while the bot is deploying, up to ``wait_s``."""
    import asyncio

    deadline = asyncio.get_running_loop().time() + wait_s
    while bot.state.value == "deploying" and wait_s > 0:
        if asyncio.get_running_loop().time() > deadline:
            raise OperationTimeout(f"bot {bot.name} is still deploying after {wait_s:g} s; "
                                   "'plutarc bot show' tells what it is doing")
        await asyncio.sleep(0.05)
        bot = await c.get_bot(bot.id)
    return bot


def _finish(bot: BotRecord, as_json: bool) -> None:
    _say(bot, as_json)
    if bot.state.value == "errored":
        raise typer.Exit(1)


def _action(ref: str, action: str, as_json: bool, wait_s: float = 0.0) -> None:
    async def run(c: Any) -> BotRecord:
        return await _settled(c, await c.bot_action(ref, action), wait_s)

    _finish(call(run, timeout_s=max(15.0, wait_s + 5)), as_json)


REF = typer.Argument(..., help="Bot name or id.")
JSON = typer.Option(False, "--json", help="Machine-readable output.")


@app.command("start")
def start(ref: str = REF, as_json: bool = JSON,
          wait_s: float = typer.Option(WAIT_S, "--wait", help="Seconds to wait while deploying.")):
    """Start a stopped or errored bot and wait until it is online."""
    _action(ref, "start", as_json, wait_s)


@app.command("pause")
def pause(ref: str = REF, as_json: bool = JSON) -> None:
    """No new entries; open positions and exits are still managed."""
    _action(ref, "pause", as_json)


@app.command("resume")
def resume(ref: str = REF, as_json: bool = JSON) -> None:
    """Trade again after a pause."""
    _action(ref, "resume", as_json)


@app.command("stop")
def stop(ref: str = REF, as_json: bool = JSON,
         flatten: bool = typer.Option(False, "--flatten", help="Close its positions first."),
         leave: bool = typer.Option(False, "--leave", help="Leave its positions open."),
         wait_s: float = typer.Option(30.0, "--wait", help="Seconds a flatten may take.")):
    """Stop the bot's worker; with a position open say --flatten or --leave."""
    if flatten and leave:
        raise UsageError("--flatten and --leave exclude each other: choose one")
    choice = "flatten" if flatten else "leave" if leave else None
    try:
        bot = call(lambda c: c.stop_bot(ref, choice, wait_s), timeout_s=wait_s + 15)
    except UsageError as exc:
        if choice is None and "open positions" in str(exc):
            raise UsageError(f"{exc} (use --flatten or --leave)") from None
        raise
    _finish(bot, as_json)


@app.command("mode")
def mode(ref: str = REF, new_mode: str = typer.Argument(..., metavar="MODE",
                                                      help="live, testnet or paper."),
         as_json: bool = JSON) -> None:
    """Switch a stopped bot between live, testnet and paper (used at its next start)."""
    if new_mode not in ("live", "testnet", "paper"):
        raise UsageError(f"mode {new_mode!r} is not one of live, testnet, paper")
    warnings: list[str] = []
    bot = call(lambda c: c.change_mode(ref, new_mode, warnings))
    for warning in warnings:  # live on a template version not validated
        typer.echo(f"WARNING: {warning}", err=True)
    _finish(bot, as_json)


@app.command("clear")
def clear(ref: str = REF, as_json: bool = JSON) -> None:
    """Release a bot a final error paused for an operator; it trades again."""
    _finish(call(lambda c: c.clear_bot(ref)), as_json)


@app.command("flatten")
def flatten(ref: str = REF, as_json: bool = JSON) -> None:
    """Close every position of the bot and pause it."""
    _action(ref, "flatten", as_json)


@app.command("delete")
def delete(ref: str = REF, yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask."),
           as_json: bool = JSON) -> None:
    """Delete a stopped bot (its orders, fills and trades stay on record)."""
    if not yes and not typer.confirm(f"delete bot {ref}?"):
        raise typer.Abort()
    bot = call(lambda c: c.delete_bot(ref))
    if as_json:
        print_json(bot)
    else:
        console.print(f"bot {bot.name}: deleted")


@app.command("cancel")
def cancel(ref: str = REF,
           client_id: str = typer.Argument(..., help="The order's client id "
                                           "('plutarc orders --open --bot NAME' lists them)."),
           as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Cancel one open order through the bot's worker (journal and venue stay in step). The
    protective stop of an open position is refused: flatten the bot instead."""
    order = call(lambda c: c.cancel_order(ref, client_id))
    if as_json:
        print_json(order)
    else:
        console.print(f"order {order.client_id}: {order.status.value}")


from plutarc.cli.bot_set import bot_set  # noqa: E402 - the command lives in its own module
from plutarc.cli.bot_update import bot_update  # noqa: E402 - likewise

app.command("set")(bot_set)
app.command("update")(bot_update)
