"""``plutarc template``: list, show, validate and create templates."""

from __future__ import annotations

from pathlib import Path

import typer

from plutarc.cli.output import console, emit_rows, print_json
from plutarc.errors import TemplateError, UsageError
from plutarc.strategy.template import load_template_file, template_to_toml
from plutarc.strategy.template_catalog import available, find_template, user_templates_dir

app = typer.Typer(no_args_is_help=True, help="List, show, validate and create templates.")


@app.command("list")
def list_templates(as_json: bool = typer.Option(False, "--json")) -> None:
    """System and user templates; with a daemon running, the versions it holds and which
    are validated (plutarc template validate NAME --walkforward RUN)."""
    from plutarc.cli.template_gate import daemon_marks, marks

    rows = []
    found = sorted(available().items())
    held = daemon_marks([name for name, _ in found]) or {}
    for name, (path, origin) in found:
        versions = held.get(name, [])
        daemon = {"daemon": marks(versions) or "-"} if not as_json else {
            "daemon_versions": versions}
        try:
            t = load_template_file(path)
            rows.append({"name": name, "origin": origin, "trigger": t.trigger_interval,
                         "components": len(t.components), "description": t.description,
                         **daemon})
        except TemplateError as exc:
            rows.append({"name": name, "origin": origin, "trigger": "-", "components": "-",
                         "description": f"INVALID: {exc}", **daemon})
    emit_rows(rows, ["name", "origin", "trigger", "components", "daemon", "description"],
              as_json, title="Templates")


@app.command("show")
def show(name: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """A template's TOML (or JSON); the daemon's versions and validated marks go to stderr."""
    from plutarc.cli.template_gate import show_marks

    template = load_template_file(find_template(name))
    if as_json:
        print_json(template.model_dump(mode="json"))
    else:
        print(template_to_toml(template), end="")
    show_marks(template.name)


@app.command("validate")
def validate(
    target: str = typer.Argument(..., help="A template file to check; with --walkforward, "
                                 "the name of a template the daemon holds."),
    walkforward: int = typer.Option(None, "--walkforward", min=1, help="Promotion gate: mark "
                                    "the version validated if this stored walk-forward run "
                                    "of it passes the [research] thresholds."),
    version: int = typer.Option(None, "--version", min=1, help="Version to validate "
                                "(default: the daemon's latest)."),
    min_pf: float = typer.Option(None, "--min-pf", help="Min pooled OOS profit factor."),
    min_trades: int = typer.Option(None, "--min-trades", help="Min OOS trades."),
    min_expectancy: float = typer.Option(None, "--min-expectancy", help="Min OOS net per "
                                         "trade."),
    min_net: float = typer.Option(None, "--min-net", help="Min OOS net PnL."),
    max_drawdown: float = typer.Option(None, "--max-drawdown", help="Max OOS drawdown, %."),
    min_positive_windows: float = typer.Option(None, "--min-positive-windows", help="Min "
                                               "share of windows with positive OOS net."),
    max_degradation: float = typer.Option(None, "--max-degradation", help="Max IS->OOS loss "
                                          "of expectancy (0.5: OOS keeps half)."),
    min_windows: int = typer.Option(None, "--min-windows", help="Min walk-forward windows."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable result."),
) -> None:
    """Check a template file (every problem, one per line; exit 4 if any), or, with
    --walkforward RUN, pass a daemon template version through the promotion gate: each
    threshold PASS/FAIL with its figure; exit 1 and nothing stored if one fails."""
    if walkforward is not None:
        from plutarc.cli.template_gate import run_gate

        options = {"min_pf": min_pf, "min_trades": min_trades, "min_expectancy": min_expectancy,
                   "min_net": min_net, "max_drawdown": max_drawdown,
                   "min_positive_windows": min_positive_windows,
                   "max_degradation": max_degradation, "min_windows": min_windows}
        run_gate(target, version, walkforward, options, as_json)
        return
    if version is not None or any(v is not None for v in (
            min_pf, min_trades, min_expectancy, min_net, max_drawdown, min_positive_windows,
            max_degradation, min_windows)):
        raise UsageError("--version and the threshold options go with --walkforward RUN")
    from plutarc.strategy.template_validation import validate_template

    path = Path(target)
    template = load_template_file(path)
    resolved = validate_template(template)
    console.print(f"{path}: ok ({len(resolved)} components)")


@app.command("new")
def new(
    name: str,
    source: str = typer.Option(..., "--from", help="System template to copy."),
) -> None:
    """Create a user template from a system template."""
    from plutarc.strategy.template_validation import validate_template

    if not name.replace("_", "").replace("-", "").isalnum():
        raise UsageError(f"template name {name!r}: use letters, digits, - and _ only")
    target = user_templates_dir() / f"{name}.toml"
    if target.exists():
        raise UsageError(f"{target} already exists")
    template = load_template_file(find_template(source))
    copy = template.model_copy(update={"name": name})
    validate_template(copy)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    target.write_text(template_to_toml(copy))
    console.print(f"created {target} from {source}")


@app.command("push")
def push(
    template: str = typer.Argument(..., help="A template file, or a user or shipped template's "
                                   "name."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Store or update a template in the daemon (validated there; each push is a new version).
    Bots keep the version they run until moved: 'plutarc bot update NAME'."""
    from plutarc.cli.api_client import call
    from plutarc.cli.template_store import push as push_template

    record, path, before = call(lambda c: push_template(c, template))
    if as_json:
        print_json(record)
    elif record.version == before:
        console.print(f"template {record.name} v{record.version} unchanged ({path} is what "
                      f"the daemon holds)")
    else:
        console.print(f"stored template {record.name} v{record.version} from {path}"
                      + ("" if before is None else "; bots on it keep their version until "
                         "moved ('plutarc bot update NAME')"))
