"""The promotion gate (issue 20): a template version is marked validated only by a stored
walk-forward run of that very version (its template hash) whose out-of-sample figures pass the
thresholds of ``[research]``; a live bot on an unvalidated version is warned about, or refused
when ``require_validated`` is set. Testnet and paper bots are never held: that is where a
template earns its walk-forward in the first place."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from plutarc.daemon.errors import NotFound
from plutarc.errors import UsageError
from plutarc.models.events import EventKind, Severity
from plutarc.research import gate

if TYPE_CHECKING:
    from plutarc.daemon.service import DaemonService


def version_hash(toml_text: str, name: str) -> str:
    """The hash the research store records for a template: of its canonical TOML."""
    from plutarc.daemon.templates import parse_template_text
    from plutarc.research.space import template_hash
    from plutarc.strategy.template import parse_template

    raw = parse_template_text(name, toml_text)
    raw.setdefault("name", name)
    return template_hash(parse_template(raw, f"template {name!r}"))


def _hash_of(service: DaemonService, name: str, version: int) -> str:
    record = service.store.templates.version(name, version)
    return "" if record is None else version_hash(record.toml, name)


def _walkforward(research_db: Path | None, run_id: int) -> dict[str, Any]:
    from plutarc.research.store import ResearchStore

    if research_db is None or not research_db.exists():
        raise NotFound(f"no walk-forward with id {run_id}: no research has been stored yet "
                       "(plutarc research walkforward ...)")
    store = ResearchStore(research_db)
    try:
        return store.walkforward(run_id)
    except UsageError as exc:
        raise NotFound(str(exc)) from None
    finally:
        store.close()


def validate_version(service: DaemonService, name: str, version: int | None, run_id: int,
                     overrides: dict[str, Any], who: str) -> dict[str, Any]:
    """Check walk-forward ``run_id`` against the thresholds; store and audit a pass.

    A run of another template, or of another version (hash), is refused; a failing check
    stores nothing and returns each threshold with its figure."""
    latest = service.store.templates.require(name)
    target = latest.version if version is None else version
    record = service.store.templates.version(name, target)
    if record is None:
        stored = ", ".join(f"v{v}" for v in service.store.templates.versions(name))
        raise NotFound(f"template {name!r} has no version {target} (stored versions: {stored})")
    limits = gate.thresholds_with(service.research, overrides)
    run = _walkforward(service.research_db, run_id)
    if run["template"] != name:
        raise UsageError(f"walk-forward #{run_id} ran template {run['template']!r}, not "
                         f"{name!r}: validate {name!r} with a walk-forward of its own")
    want = version_hash(record.toml, name)
    if run["template_hash"] != want:
        ran = next((f"v{v}" for v in service.store.templates.versions(name)
                    if _hash_of(service, name, v) == run["template_hash"]),
                   "a version the daemon does not hold")
        raise UsageError(f"walk-forward #{run_id} ran {name!r} {ran} (template hash "
                         f"{run['template_hash'] or 'unknown'}), not v{target} (hash {want}): "
                         f"run a walk-forward of v{target} to validate it")
    checks = gate.check(gate.figures(run["report"]), limits)
    passed = all(c.passed for c in checks)
    out: dict[str, Any] = {"name": name, "version": target, "walkforward_id": run_id,
                           "passed": passed, "checks": [c.to_dict() for c in checks],
                           "thresholds": limits.model_dump(), "validation": None}
    if not passed:
        return out
    now = service.clock.now_ms()
    with service.store.transaction():
        saved = service.store.validations.add(name, target, run_id, want, who, now,
                                              out["checks"], out["thresholds"])
        service.store.audit.append(who, now, "template.validate", f"{name} v{target}", None,
                                   saved.model_dump(mode="json"))
    service.sink.emit(EventKind.ACTIVITY, f"template {name!r} v{target} validated by {who} "
                      f"with walk-forward #{run_id}",
                      data={"template": name, "version": target, "walkforward": run_id})
    out["validation"] = saved.model_dump(mode="json")
    return out


def validation_status(service: DaemonService, name: str) -> list[dict[str, Any]]:
    """Each stored version of ``name`` with its newest validation (None: not validated)."""
    service.store.templates.require(name)
    rows = []
    for v in service.store.templates.versions(name):
        found = service.store.validations.latest(name, v)
        rows.append({"version": v, "validated": found is not None,
                     "validation": None if found is None else found.model_dump(mode="json")})
    return rows


def live_gate(service: DaemonService, *, mode: str, template: str, version: int, bot: str,
              who: str, action: str, bot_id: str | None = None) -> str | None:
    """None when the bot may run the version without a word (not live, or validated); else
    a warning, recorded as an event and an audit row; a refusal when the setting says so."""
    if mode != "live" or service.store.validations.latest(template, version) is not None:
        return None
    refuse = service.research.require_validated
    message = (f"{bot}: template {template!r} v{version} is not validated for live trading "
               f"(no walk-forward passed the promotion gate: plutarc template validate "
               f"{template} --version {version} --walkforward RUN)")
    data = {"template": template, "version": version, "bot": bot, "action": action,
            "refused": refuse}
    now = service.clock.now_ms()
    service.store.audit.append(who, now, "bot.unvalidated_template", bot_id or bot, None, data)
    service.sink.emit(EventKind.RISK, message + ("; refused: [research] require_validated is "
                                                 "set" if refuse else ""),
                      bot_id=bot_id, severity=Severity.WARNING, data=data)
    if refuse:
        raise UsageError(message + "; refused because [research] require_validated = true")
    return message
