"""``plutarc bot set NAME --risk k=v --symbols A,B --param component.key=v``: hot changes.

Every change goes through the daemon's own routes (validated there, audited, applied to a
running bot at once). A parameter change never edits a template other bots use: the bot gets
its own copy, ``bot_<id>``, and later changes edit that copy.
"""

from __future__ import annotations

import tomllib
from typing import Any

import typer

from plutarc.cli.api_client import call
from plutarc.cli.output import console, print_json
from plutarc.errors import UsageError
from plutarc.validation import closest


def parse_assignment(text: str, option: str) -> tuple[str, Any]:
    """'key=value' with a TOML value (3, 0.5, "text", true); a bare word is a string."""
    key, sep, raw = text.partition("=")
    key, raw = key.strip(), raw.strip()
    if not sep or not key or not raw:
        raise UsageError(f"{option} {text!r}: give key=value, e.g. {option} max_leverage=2")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    if raw.lower() in ("null", "none", "off"):
        value = None
    return key, value


def apply_risk(current: dict[str, Any], changes: list[str]) -> dict[str, Any]:
    updated = dict(current)
    for text in changes:
        key, value = parse_assignment(text, "--risk")
        if key not in current:
            hint = closest(key, current)
            raise UsageError(f"--risk {key!r} is not a risk limit"
                             + (f"; did you mean {hint!r}?" if hint else "")
                             + f" (limits: {', '.join(sorted(current))})")
        updated[key] = value
    return updated


def apply_params(template: dict[str, Any], changes: list[str]) -> dict[str, Any]:
    """'component.param=v' (component by catalog id), 'sizing.value=v' or 'threshold=v'."""
    data = dict(template)
    components = [dict(c) for c in data.get("components", [])]
    for text in changes:
        key, value = parse_assignment(text, "--param")
        head, dot, param = key.partition(".")
        if not dot:
            if head in ("components", "sessions", "sizing", "name") or head not in data:
                hint = closest(head, [k for k in data if k not in ("components", "sessions")])
                raise UsageError(f"--param {key!r} is not a template field"
                                 + (f"; did you mean {hint!r}?" if hint else ""))
            data[head] = value
            continue
        if head == "sizing":
            data["sizing"] = {**data.get("sizing", {}), param: value}
            continue
        matches = [c for c in components if c["id"] == head]
        if not matches:
            hint = closest(head, [c["id"] for c in components])
            raise UsageError(f"--param {key!r}: the template has no component {head!r}"
                             + (f"; did you mean {hint!r}?" if hint else ""))
        if len(matches) > 1:
            raise UsageError(f"--param {key!r}: the template uses {head!r} {len(matches)} "
                             "times; edit it in the TUI's template editor")
        target = matches[0]
        if param in ("weight", "enabled", "interval"):
            target[param] = value
        else:
            target["params"] = {**target.get("params", {}), param: value}
    data["components"] = components
    return data


def _validated(model: Any, data: dict[str, Any], option: str) -> Any:
    from pydantic import ValidationError

    from plutarc.validation import describe_validation_error

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise UsageError("; ".join(describe_validation_error(exc, model, option))) from None


async def _set(client: Any, ref: str, risk: list[str], symbols: list[str] | None,
               params: list[str], margin: str | None = None) -> tuple[Any, list[str]]:
    from plutarc.daemon.bot_config import ConfigPatch
    from plutarc.risk.limits import RiskLimits
    from plutarc.strategy.template import Template, template_to_toml

    bot = await client.get_bot(ref)
    done: list[str] = []
    patch: dict[str, Any] = {}
    if risk:
        current = (await client.get_risk(bot.id)).model_dump(mode="json")
        wanted = _validated(RiskLimits, apply_risk(current, risk), "--risk")
        await client.put_risk(bot.id, wanted)
        done.append("risk " + ", ".join(t.partition("=")[0].strip() for t in risk))
    if params:
        stored = await client.get_template(bot.template)
        raw = tomllib.loads(stored.toml)
        own = f"bot_{bot.id}"[:40]
        edited = apply_params(raw, params)
        edited["name"] = own
        if bot.template != own:
            edited["description"] = (f"{bot.name}'s copy of {bot.template}: "
                                     + str(raw.get("description", "")))[:500]
        template = _validated(Template, edited, "--param")  # the rest checked by the daemon
        record = await client.put_template(own, template_to_toml(template))
        if bot.template != own:
            patch["template"] = own
        else:  # template updates are opt-in: this bot opts in to its own copy's new version
            bot = await client.update_bot_template(bot.id, record.version)
        done.append(f"template {own} v{record.version} ({', '.join(params)})")
    if symbols is not None:
        patch["symbols"] = tuple(symbols)
        done.append("symbols " + ",".join(symbols))
    if margin is not None:
        patch["margin_mode"] = margin
        done.append(f"margin {margin}")
    if patch:
        bot = await client.update_config(bot.id, _validated(ConfigPatch, patch, "--symbols"))
    return bot, done


def bot_set(
    ref: str = typer.Argument(..., help="Bot name or id."),
    risk: list[str] = typer.Option([], "--risk", help="A risk limit, key=value (repeat); "
                                   "'off' clears an optional one."),
    symbols: str | None = typer.Option(None, "--symbols", help="Replace the symbols: A,B."),
    param: list[str] = typer.Option([], "--param", help="component.key=value, sizing.value=v "
                                    "or threshold=v (repeat)."),
    margin: str | None = typer.Option(None, "--margin", help="cross or isolated margin at the "
                                      "venue; only while the bot is flat."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Change a bot's risk limits, symbols, strategy parameters or margin mode, at once and
    audited. Parameters go to the bot's own copy of its template; other bots are untouched."""
    if not (risk or symbols is not None or param or margin is not None):
        raise UsageError("nothing to set: give --risk, --symbols, --param or --margin")
    if margin not in (None, "cross", "isolated"):  # before anything is changed
        raise UsageError(f"--margin must be cross or isolated, got {margin!r}")
    wanted = None if symbols is None else [s.strip() for s in symbols.split(",") if s.strip()]
    bot, done = call(lambda c: _set(c, ref, risk, wanted, param, margin))
    if as_json:
        print_json({"bot": bot, "changed": done})
        return
    console.print(f"{bot.name}: set " + "; ".join(done))
