"""``plutarc template validate NAME --walkforward RUN``: the promotion gate (issue 20), and the
validated marks ``template list`` and ``template show`` print.

The check runs in the daemon (it holds the template versions and reads the research
database); a pass is stored and audited there, a failure changes nothing and exits 1 with
every threshold, its figure and its limit."""

from __future__ import annotations

from typing import Any

import typer

from plutarc.cli.api_client import call
from plutarc.cli.output import console, print_json
from plutarc.errors import DaemonNotRunning, PlutarcError

# CLI option -> [research] threshold it overrides for this call
OVERRIDES = {
    "min_pf": "min_oos_profit_factor", "min_trades": "min_oos_trades",
    "min_expectancy": "min_oos_expectancy", "min_net": "min_oos_net_pnl",
    "max_drawdown": "max_oos_drawdown_pct", "min_positive_windows": "min_positive_windows",
    "max_degradation": "max_degradation", "min_windows": "min_windows",
}


def run_gate(name: str, version: int | None, walkforward: int, options: dict[str, Any],
             as_json: bool) -> None:
    from plutarc.daemon.promotion_client import validate_template

    thresholds = {OVERRIDES[k]: v for k, v in options.items() if v is not None}
    result = call(lambda c: validate_template(c, name, walkforward, version, thresholds))
    if as_json:
        print_json(result)
    else:
        for check in result["checks"]:
            style = "green" if check["passed"] else "red"
            console.print(f"[{style}]{check['line']}[/{style}]", highlight=False,
                          soft_wrap=True)
        head = f"template {name} v{result['version']} with walk-forward #{walkforward}"
        if result["passed"]:
            console.print(f"[bold green]{head}: validated[/bold green]", soft_wrap=True)
        else:
            failed = [c["threshold"] for c in result["checks"] if not c["passed"]]
            console.print(f"[bold red]{head}: NOT validated[/bold red] (failed: "
                          f"{', '.join(failed)}); nothing was stored", highlight=False,
                          soft_wrap=True)
    if not result["passed"]:
        raise typer.Exit(1)


def marks(rows: list[dict[str, Any]]) -> str:
    """``v1 validated, v2`` for a template's versions as the daemon reports them."""
    return ", ".join(f"v{r['version']}" + (" validated" if r["validated"] else "")
                     for r in rows)


def daemon_marks(names: list[str]) -> dict[str, list[dict[str, Any]]] | None:
    """Per template the daemon holds: its versions with their validated marks; None when no
    daemon answers (listing templates needs none)."""
    from plutarc.daemon.promotion_client import template_validations

    async def fetch(c: Any) -> dict[str, list[dict[str, Any]]]:
        stored = {t.name for t in await c.list_templates()}
        return {n: await template_validations(c, n) for n in names if n in stored}

    try:
        return call(fetch, timeout_s=5.0)
    except DaemonNotRunning:
        return None
    except PlutarcError as exc:  # e.g. a token without read access: list the files anyway
        typer.echo(f"note: daemon template versions not shown: {exc}", err=True)
        return None


def show_marks(name: str) -> None:
    """One stderr line under ``template show``: the daemon's versions and which passed."""
    found = daemon_marks([name])
    if found is None or name not in found:
        return
    lines = [marks(found[name])]
    for row in found[name]:
        v = row.get("validation")
        if v:
            lines.append(f"v{row['version']} validated by {v['who']} with walk-forward "
                         f"#{v['walkforward_id']}")
    typer.echo(f"# daemon: {'; '.join(lines)}", err=True)
