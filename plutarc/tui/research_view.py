"""The Research screen's words and cells: the request its form makes (a sweep, or a
walk-forward when train/test are filled), table rows for runs, variants and out-of-sample
windows, and the line that says how a job is going. Values are passed on as typed: the daemon
checks them and says which one is wrong."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

RUN_COLUMNS = ("Run", "Kind", "Template", "Search", "Objective", "Done", "Params")
VARIANT_COLUMNS = ("Seq", "Params", "Score", "Trades", "Net PnL", "Win rate", "Max DD %")
WINDOW_COLUMNS = ("Win", "In-sample (UTC)", "OOS (UTC)", "Chosen", "IS score", "OOS score",
                  "IS trades", "OOS trades", "OOS net", "Note")
WALK_FIELDS = ("train", "test", "gap", "step")


def num(value: Any, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, int | float):
        return f"{value:,.{digits}f}"
    return str(value)


def utc(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%m-%d %H:%M")


def params_text(params: dict[str, Any] | None) -> str:
    return " ".join(f"{k}={v}" for k, v in (params or {}).items())


def _number(text: str, kind: type) -> Any:
    """``text`` as an int or float when it reads as one; else as typed, for the daemon to
    refuse by name."""
    try:
        return kind(text)
    except ValueError:
        return text


def form_spec(values: dict[str, str], anchored: bool) -> tuple[str, dict[str, Any]]:
    """(``sweep`` or ``walkforward``, the request body) from the form's stripped values."""
    request: dict[str, Any] = {"template": values["template"], "data": values["data"] or None}
    if values.get("from"):
        request["start"] = values["from"]
    if values.get("to"):
        request["end"] = values["to"]
    if values.get("cash"):
        request["starting_cash"] = _number(values["cash"], float)
    spec: dict[str, Any] = {"request": request, "params": values["params"].split(),
                            "objective": values["objective"] or "sharpe"}
    if values.get("n"):
        spec.update(method="random", n=_number(values["n"], int))
    if values.get("min-trades"):
        spec["min_trades"] = _number(values["min-trades"], int)
    if not (anchored or any(values.get(name) for name in WALK_FIELDS)):
        return "sweep", spec
    # A walk-forward: train and test are required (an empty one is sent as empty, and the
    # daemon names it); gap and step keep the daemon's defaults unless given.
    spec.update(train=values.get("train", ""), test=values.get("test", ""), anchored=anchored)
    for name in ("gap", "step"):
        if values.get(name):
            spec[name] = values[name]
    return "walkforward", spec


def sweep_cells(s: dict[str, Any]) -> tuple[str, ...]:
    return (f"s{s['id']}", s["kind"], s["template"], s.get("method") or "-",
            s.get("objective") or "-", f"{s['stored']}/{s['total']}",
            " ".join(s.get("params") or []))


def walkforward_cells(w: dict[str, Any]) -> tuple[str, ...]:
    return (f"w{w['id']}", "walk-forward", w["template"], w.get("method") or "-",
            w.get("objective") or "-", f"{w['scored']}/{w['windows']} scored",
            " ".join(w.get("params") or []))


def variant_cells(v: dict[str, Any]) -> tuple[str, ...]:
    return (str(v["seq"]), params_text(v["params"]), num(v["score"]), str(v.get("trades", "-")),
            num(v.get("net_pnl"), 2), num(v.get("win_rate")), num(v.get("max_drawdown_pct"), 2))


def skipped_cells(s: dict[str, Any]) -> tuple[str, ...]:
    return (str(s["seq"]), params_text(s["params"]), s["status"], s["message"][:60], "", "", "")


def window_cells(w: dict[str, Any]) -> tuple[str, ...]:
    is_m, oos_m = w.get("is_metrics") or {}, w.get("oos_metrics") or {}
    return (str(w["index"]), f"{utc(w['is_start'])}-{utc(w['is_end'])}",
            f"{utc(w['oos_start'])}-{utc(w['oos_end'])}", params_text(w.get("chosen")),
            num(w.get("is_score")), num(w.get("oos_score")), num(is_m.get("trades"), 0),
            num(oos_m.get("trades"), 0), num(oos_m.get("net_pnl"), 2), w.get("note") or "")


def job_line(job: dict[str, Any]) -> str:
    """How a research job is going, in one line."""
    kind, jid = job["kind"], job["job_id"]
    if job["state"] == "failed":
        return f"{kind} job {jid} failed: {job['error']}"
    if job["kind"] == "walkforward":
        if job["state"] == "done":
            return (f"walk-forward #{job['walkforward_id']} done: {job['windows_total']} "
                    "windows")
        return (f"walk-forward job {jid}: window {job['windows_done']}/"
                f"{job['windows_total'] or '?'} scored, variants {job['done']}/"
                f"{job['total'] or '?'}")
    if job["kind"] == "rerun":
        spec = job["spec"]
        what = f"variant {spec['seq']} of sweep {spec['sweep_id']}"
        if job["state"] == "done":
            same = ("its metrics equal the sweep's" if job["summary"].get("matches")
                    else "its metrics DIFFER from the sweep's (data or template changed)")
            return f"{what}: backtest #{job['run_id']}; {same}"
        return f"{what}: running alone as a backtest ..."
    if job["state"] == "done":
        return f"sweep #{job['sweep_id']} done: {job['total']} variants"
    return f"sweep job {jid}: {job['done']}/{job['total'] or '?'} variants"


def summary_text(wf: dict[str, Any]) -> str:
    """The stitched out-of-sample summary, the chosen parameters' stability and the notes."""
    s = wf["stitched"]
    lines = [f"walk-forward #{wf['id']}: {wf['template']}, {wf['objective']}"]
    if s["points"]:
        lines.append(f"stitched out-of-sample equity {s['first']:,.2f} -> {s['last']:,.2f} "
                     f"({num(s['return_pct'], 2)}%), max drawdown "
                     f"{num(s['max_drawdown_pct'], 2)}%")
    else:
        lines.append("no out-of-sample equity: no window was scored")
    for name, st in wf["stability"].items():
        lines.append(f"{name}: chosen {st['values']} "
                     f"({'stable' if st['stable'] else 'UNSTABLE'})")
    lines += [f"note: {n}" for n in wf["notes"]]
    return "\n".join(lines)
