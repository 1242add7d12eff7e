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
    """System and user templates."""

    rows = []
    for name, (path, origin) in sorted(available().items()):
        try:
            t = load_template_file(path)
            rows.append({"name": name, "origin": origin, "trigger": t.trigger_interval,
                         "components": len(t.components), "description": t.description})
        except TemplateError as exc:
            rows.append({"name": name, "origin": origin, "trigger": "-", "components": "-",
                         "description": f"INVALID: {exc}"})
    emit_rows(rows, ["name", "origin", "trigger", "components", "description"], as_json,
              title="Templates")


@app.command("show")
def show(name: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """A template's TOML (or JSON)."""
    template = load_template_file(find_template(name))
    if as_json:
        print_json(template.model_dump(mode="json"))
    else:
        print(template_to_toml(template), end="")


@app.command("validate")
def validate(path: Path) -> None:
    """Check a template file: every problem, one per line; exit 4 if any."""
    from plutarc.strategy.template_validation import validate_template

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
