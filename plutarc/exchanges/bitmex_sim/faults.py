"""Fault injection: what the local server does wrong on purpose, armed through its control API.

Kinds (each fires for ``count`` matching events, then disarms):
    reject             answer a REST request with ``status`` and a BitMEX error body
                       (400/401/403/404, 429 with Retry-After, 503 "overloaded")
    delay              hold a REST answer (target rest) or websocket frames (target ws) ``ms``
    timeout_after_accept  execute an order request, then never answer (mode hang) or drop
                       the connection (mode drop)
    error_after_accept execute an order request, then answer ``status`` (default 504) with a
                       gateway's non-JSON body, as a proxy in front of the engine does (502,
                       504, Cloudflare 52x); the order stands
    drain_bucket       serve the request, then empty the API key's minute bucket, as another
                       client on the same key spending every token would (the answer's
                       headers still show the tokens left before it)
    stub_rows          append ``count_rows`` stub rows (``{"orderID", "ordStatus": "Rejected",
                       "ordRejReason": "Invalid orderID"}``, no symbol/side/clOrdID) to the
                       answer of a cancel (DELETE /order, /order/all)
    ws_auth_error      answer the next ``authKeyExpires`` with an error frame of ``status``
                       (503 or 429): a transient refusal, not a bad key
    foreign_row        with the next ``table`` frame (default execution), also send a copy of
                       its first row as someone else's: another ``symbol``, no clOrdID, fresh
                       ids, and ``value`` as its execType (ordStatus for the order table);
                       ``symbol=""`` keeps the owner and symbol: an unknown value on the
                       client's own order
    duplicate          send websocket data frames twice (only frames of ``table`` if given,
                       e.g. "execution")
    reorder            swap consecutive websocket data frames (the first one of ``table``
                       if given is held back behind the next data frame)
    silence            stop websocket data frames for ``seconds`` (pongs too unless pong=true)
    drop_sockets       close every websocket abruptly (immediate, not armed)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

KINDS = ("reject", "delay", "timeout_after_accept", "error_after_accept", "drain_bucket",
         "stub_rows", "ws_auth_error", "foreign_row", "duplicate", "reorder", "silence")


@dataclass
class Fault:
    kind: str
    count: int = 1
    status: int = 400
    message: str = ""
    name: str = "HTTPError"
    path: str | None = None  # REST path prefix it applies to (None = any)
    exact: bool = False  # the path alone, not what lies below it (/order, not /order/all)
    method: str | None = None
    ms: int = 0
    target: str = "rest"
    mode: str = "hang"
    seconds: float = 0.0
    pong: bool = False
    retry_after_s: int = 1
    table: str | None = None  # websocket faults: only frames of this table
    count_rows: int = 1  # stub_rows: how many stub rows
    symbol: str = "ETHUSD"  # foreign_row: the other owner's symbol
    value: str = "FutureExecType"  # foreign_row: the value no client knows yet
    fired: int = 0

    def matches_rest(self, method: str, path: str) -> bool:
        if self.path is not None and self.exact:
            on_path = path == self.path
        else:
            on_path = self.path is None or path.startswith(self.path)
        return on_path and (
            self.method is None or self.method.upper() == method
        )


@dataclass
class Faults:
    armed: list[Fault] = field(default_factory=list)
    silent_until: float = 0.0  # loop time until which websocket data frames are dropped
    silence_pongs: bool = False
    history: list[str] = field(default_factory=list)

    def arm(self, spec: dict[str, Any], now: float = 0.0) -> Fault:
        kind = spec.get("kind")
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; known: {', '.join(KINDS)}")
        unknown = set(spec) - set(Fault.__dataclass_fields__) - {"kind"}
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        fault = Fault(**spec)
        if kind == "foreign_row" and fault.table is None:
            fault.table = "execution"
        if kind == "silence":  # a state, not a countable event
            self.silent_until = now + fault.seconds if fault.seconds > 0 else float("inf")
            self.silence_pongs = not fault.pong
            self.history.append("silence")
            return fault
        self.armed.append(fault)
        return fault

    def silent(self, now: float) -> bool:
        return now < self.silent_until

    def clear(self) -> None:
        self.armed.clear()
        self.silent_until = 0.0
        self.silence_pongs = False

    def take(self, kind: str, method: str = "", path: str = "", target: str = "",
             table: str = "") -> Fault | None:
        """The first armed fault of ``kind`` matching this event, consumed once."""
        for fault in self.armed:
            if fault.kind != kind:
                continue
            if fault.table is not None and fault.table != table:
                continue
            if method and not fault.matches_rest(method, path):
                continue
            if target and fault.kind == "delay" and fault.target != target:
                continue
            fault.fired += 1
            if fault.fired >= fault.count:
                self.armed.remove(fault)
            self.history.append(f"{kind} {method} {path}".strip())
            return fault
        return None
