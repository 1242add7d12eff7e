"""``plutarc components``: browse the component catalog."""

from __future__ import annotations

import typer

from plutarc.cli.output import console, emit_rows, print_json, print_table
from plutarc.errors import UsageError
from plutarc.strategy.components.base import Kind

app = typer.Typer(no_args_is_help=True, help="Browse the component catalog.")


def _spec_dict(cls) -> dict:
    spec = cls.spec
    return {
        "id": spec.id, "kind": spec.kind.value, "name": spec.name,
        "description": spec.description, "intervals": list(spec.intervals),
        "data": list(spec.data), "higher_timeframe": spec.higher_timeframe,
        "warmup_bars": spec.warmup({p.name: p.default for p in spec.params}),
        "params": [{"name": p.name, "type": p.type.__name__, "default": p.default,
                    "min": p.min, "max": p.max, "choices": list(p.choices or ()),
                    "description": p.description} for p in spec.params],
    }


@app.command("list")
def list_components(
    kind: str = typer.Option(None, "--kind", help="signal, filter, guard or exit."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Every component, or those of one kind."""
    from plutarc.strategy.components.registry import catalog

    if kind is not None and kind not in {k.value for k in Kind}:
        raise UsageError(f"--kind must be one of {', '.join(k.value for k in Kind)}; got {kind!r}")
    rows = [_spec_dict(c) for c in catalog().values() if kind is None or c.spec.kind.value == kind]
    if as_json:
        print_json(rows)
        return
    emit_rows([{**r, "intervals": ",".join(r["intervals"]) if len(r["intervals"]) < 8 else "all"}
               for r in rows], ["id", "kind", "name", "intervals", "description"], False,
              title="Components")


@app.command("show")
def show(component_id: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """One component's description and parameters."""
    from plutarc.strategy.components.registry import get

    info = _spec_dict(get(component_id))
    if as_json:
        print_json(info)
        return
    console.print(f"[bold]{info['name']}[/bold] ({info['id']}, {info['kind']}): "
                  f"{info['description']}")
    console.print(f"intervals: {', '.join(info['intervals'])}; data: {', '.join(info['data'])}; "
                  f"warm-up: {info['warmup_bars']} bars"
                  + ("; higher timeframe" if info["higher_timeframe"] else ""))
    print_table([{**p, "bounds": (", ".join(p["choices"]) if p["choices"]
                                  else f"[{p['min']}, {p['max']}]")} for p in info["params"]],
                ["name", "type", "default", "bounds", "description"], title="Parameters")
