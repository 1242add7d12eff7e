"""``plutarc ops ...``: operator tools: ledger health, dust, account risk limits."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import typer

from plutarc.cli.api_client import call
from plutarc.cli.output import console, emit_rows, print_json

app = typer.Typer(no_args_is_help=True)

JSON = typer.Option(False, "--json", help="Machine-readable output.")
DUST_COLUMNS = ["bot", "state", "venue", "mode", "symbol", "qty", "min_qty", "close"]


def _dust_rows(rows: list[Any]) -> list[dict[str, Any]]:
    return [{"bot": d.bot, "state": d.state, "venue": d.venue, "mode": d.mode,
             "symbol": d.symbol, "qty": str(d.qty), "min_qty": str(d.min_qty),
             "close": d.close} for d in rows]


@app.command("health")
def health(as_json: bool = JSON) -> None:
    """Check the ledger now: positions vs fills, retired bots flat, fees, journal, and the
    journal against what each running bot's venue says is open.

    Exits 1 when anything does not add up (the daemon also runs these checks every minute
    and reports changes on the activity feed)."""
    result = call(lambda c: c.health())
    if as_json:
        print_json(result)
    elif result.ok:
        console.print("health: all checks passed")
    else:
        emit_rows([{"check": f.check, "severity": f.severity.value, "finding": f.message}
                   for f in result.findings], ["check", "severity", "finding"], False,
                  title="Health findings")
    if not result.ok:
        raise typer.Exit(1)


@app.command("reconcile")
def reconcile(bot: str | None = typer.Argument(None, help="One bot (name or id); default: "
                                              "every running bot."),
              as_json: bool = JSON) -> None:
    """Compare the journal with what each running bot's venue says now: open orders and
    positions. Disagreements are listed with both sides, never "fixed"; exits 1 if any."""
    from plutarc.daemon.api.risk_routes import ReconcileResponse
    from plutarc.daemon.client import _params

    result = call(lambda c: c.request("GET", "/v1/ops/reconcile", ReconcileResponse,
                                      params=_params(bot=bot)))
    if as_json:
        print_json(result)
    elif not result.checked:
        console.print("reconcile: no running bot can ask its venue (start one first)")
    elif result.ok:
        console.print(f"reconcile: journal and venue agree for {', '.join(result.checked)}")
    else:
        emit_rows([{"bot": f.bot_id, "finding": f.message} for f in result.findings],
                  ["bot", "finding"], False, title="Journal and venue disagree")
    if not result.ok:
        raise typer.Exit(1)


@app.command("dust")
def dust(bot: str | None = typer.Option(None, "--bot", help="Only this bot (name or id)."),
         as_json: bool = JSON) -> None:
    """Positions below the venue's minimum order size (never closed by themselves)."""
    rows = call(lambda c: c.dust(bot))
    emit_rows(_dust_rows(rows), DUST_COLUMNS, as_json, title="Dust")


@app.command("close-dust")
def close_dust(bot: str | None = typer.Option(None, "--bot", help="Only this bot's dust."),
               yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask."),
               as_json: bool = JSON) -> None:
    """Close dust positions of stopped bots, explicitly (audited).

    Paper dust is written off in the ledger; dust at a real venue is closed there with the
    venue's whole-position close (BitMEX: a market order with execInst=Close and no
    quantity), journaled first. The 'close' column says what will be sent; a venue that
    cannot close dust is refused, saying why."""
    found = call(lambda c: c.dust(bot))
    if not found:
        if as_json:
            print_json([])
        else:
            console.print("no dust to close")
        return
    if not yes:
        emit_rows(_dust_rows(found), DUST_COLUMNS, False, title="Dust")
        for d in found:
            console.print(f"{d.bot} {d.symbol} {d.qty}: {d.close}", markup=False)
        if not typer.confirm(f"close these {len(found)} dust positions?"):
            raise typer.Abort()
    closed = call(lambda c: c.close_dust(bot))
    if as_json:
        print_json(closed)
    else:
        for d in closed:
            console.print(f"closed dust {d.qty} {d.symbol} of {d.bot}: {d.close}",
                          markup=False)


@app.command("accounts")
def accounts(as_json: bool = JSON) -> None:
    """Account-level risk limits and their state, per venue account."""
    rows = call(lambda c: c.account_risk())
    if as_json:
        print_json(rows)
        return
    emit_rows([{"venue": a.venue, "account": a.account or "-",
                **{k: v for k, v in a.limits.model_dump(mode="json").items()},
                "entries": "halted" if a.state.get("drawdown_halted") or
                a.state.get("target_halted") else "allowed"} for a in rows],
              ["venue", "account", "currency", "daily_profit_target", "max_drawdown_pct",
               "drawdown_hysteresis_pct", "max_pending_intents", "entries"], False,
              title="Account risk")


@app.command("account-limits")
def account_limits(
    venue: str = typer.Argument(..., help="Venue, e.g. sim or bitmex."),
    account: str = typer.Option("", "--account", help="The bots' account label."),
    currency: str | None = typer.Option(
        None, "--currency", help="Currency counted (default: the bots' settlement currency)."),
    daily_target: Decimal | None = typer.Option(None, "--daily-profit-target",
                                                help="Stop entering for the UTC day at this."),
    max_drawdown: Decimal | None = typer.Option(None, "--max-drawdown-pct",
                                                help="Halt entries at this drawdown, %."),
    hysteresis: Decimal = typer.Option(Decimal(1), "--hysteresis-pct",
                                       help="Re-enable at max drawdown minus this, %."),
    max_pending: int | None = typer.Option(None, "--max-pending",
                                           help="Warn above this many pending orders."),
    as_json: bool = JSON,
) -> None:
    """Set (replace) the risk limits of every bot on one venue account."""
    limits = {"currency": currency, "daily_profit_target": daily_target,
              "max_drawdown_pct": max_drawdown, "drawdown_hysteresis_pct": hysteresis,
              "max_pending_intents": max_pending}
    body = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in limits.items()}
    entry = call(lambda c: c.put_account_risk(venue, account, body))
    if as_json:
        print_json(entry)
    else:
        console.print(f"account {entry.venue}/{entry.account or '-'}: limits set")
