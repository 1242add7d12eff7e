"""DaemonClient: the async API client the CLI and the TUI use; errors come back as our classes.

One method per endpoint; the connection (session, decoding, the event websocket) is its
DaemonTransport (client_transport.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from plutarc.daemon.api import schemas as s
from plutarc.daemon.api.protocol import PROTOCOL_VERSION
from plutarc.daemon.bot_config import BotSpec, ConfigPatch, RiskLimits
from plutarc.daemon.bot_history import BotHistory
from plutarc.daemon.client_transport import DaemonTransport, R, wait_until_answering
from plutarc.daemon.client_transport import query as _params
from plutarc.daemon.store import (
    AuditRecord,
    BotRecord,
    DecisionRecord,
    EquityRecord,
    EventRecord,
    FillRecord,
    OrderRecord,
    PositionRecord,
    TemplateRecord,
    TradeRecord,
)
from plutarc.models.events import EventKind, Severity

__all__ = ["DaemonClient", "_params", "wait_until_answering"]


class DaemonClient:
    def __init__(self, socket_path: Path, timeout_s: float = 10.0,
                 api_version: int = PROTOCOL_VERSION, token: str | None = None) -> None:
        """``token``: an access token (the CLI and TUI pass $PLUTARC_TOKEN); None = Unix user."""
        self.transport = DaemonTransport(socket_path, timeout_s, api_version, token)

    @property
    def timeout_s(self) -> float:
        return self.transport.timeout_s

    async def __aenter__(self) -> DaemonClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self.transport.close()

    async def request(self, method: str, path: str, model: type[R], *,
                      params: Sequence[tuple[str, str]] = (), body: Any = None) -> R:
        return await self.transport.request(method, path, model, params=params, body=body)

    # ----- daemon and bots ------------------------------------------------------------
    async def status(self) -> s.StatusResponse:
        return await self.request("GET", "/v1/status", s.StatusResponse)

    async def list_bots(self) -> list[BotRecord]:
        return (await self.request("GET", "/v1/bots", s.BotListResponse)).bots

    async def get_bot(self, ref: str) -> BotRecord:
        return (await self.request("GET", f"/v1/bots/{ref}", s.BotResponse)).bot

    async def create_bot(self, spec: BotSpec, start: bool = False,
                         warnings: list[str] | None = None) -> BotRecord:
        """Sends only the fields the caller set: a default risk block sent anyway would need
        the manage-risk permission, which a trader token does not have. The daemon's
        warnings (an unvalidated template on a live bot) are appended to ``warnings``."""
        body = {**spec.model_dump(mode="json", exclude_unset=True), "start": start}
        out = await self.request("POST", "/v1/bots", s.BotResponse, body=body)
        if warnings is not None:
            warnings.extend(out.warnings)
        return out.bot

    async def bot_action(self, ref: str, action: str) -> BotRecord:
        """start, pause, resume, stop or flatten."""
        return (await self.request("POST", f"/v1/bots/{ref}/{action}", s.BotResponse)).bot

    async def cancel_order(self, ref: str, client_id: str) -> OrderRecord:
        """Cancel one open order of bot ``ref`` through its worker; the order as it ends up."""
        from plutarc.daemon.api.order_routes import OrderResponse

        return (await self.request("DELETE", f"/v1/bots/{ref}/orders/{client_id}",
                                   OrderResponse)).order

    async def delete_bot(self, ref: str) -> BotRecord:
        return (await self.request("DELETE", f"/v1/bots/{ref}", s.BotResponse)).bot

    async def update_config(self, ref: str, patch: ConfigPatch) -> BotRecord:
        body = patch.model_dump(mode="json", exclude_none=True)
        return (await self.request("PATCH", f"/v1/bots/{ref}/config", s.BotResponse,
                                   body=body)).bot

    async def change_mode(self, ref: str, mode: str,
                          warnings: list[str] | None = None) -> BotRecord:
        """Switch a stopped bot to live, testnet or paper; the daemon's warnings (live on an
        unvalidated template version) go to ``warnings``."""
        out = await self.request("PUT", f"/v1/bots/{ref}/mode", s.BotResponse,
                                 body={"mode": mode})
        if warnings is not None:
            warnings.extend(out.warnings)
        return out.bot

    async def update_bot_template(self, ref: str, to_version: int | None = None,
                                  warnings: list[str] | None = None) -> BotRecord:
        """Move the bot to ``to_version`` of its template (the latest when None); the new
        rules apply once the bot is flat. The daemon's warnings go to ``warnings``."""
        body = {} if to_version is None else {"to_version": to_version}
        out = await self.request("POST", f"/v1/bots/{ref}/template", s.BotResponse, body=body)
        if warnings is not None:
            warnings.extend(out.warnings)
        return out.bot

    async def bot_history(self, ref: str, limit: int = 50) -> BotHistory:
        """Uptime since the last start, heartbeat, template version and state history."""
        from plutarc.daemon.api.fleet_routes import BotHistoryResponse

        return (await self.request("GET", f"/v1/bots/{ref}/history", BotHistoryResponse,
                                   params=_params(limit=limit))).detail

    async def get_risk(self, ref: str) -> RiskLimits:
        return (await self.request("GET", f"/v1/bots/{ref}/risk", s.RiskResponse)).risk

    async def put_risk(self, ref: str, risk: RiskLimits) -> RiskLimits:
        return (await self.request("PUT", f"/v1/bots/{ref}/risk", s.RiskResponse,
                                   body=risk.model_dump(mode="json"))).risk

    # ----- templates ------------------------------------------------------------------
    async def list_templates(self) -> list[TemplateRecord]:
        return (await self.request("GET", "/v1/templates", s.TemplateListResponse)).templates

    async def get_template(self, name: str) -> TemplateRecord:
        return (await self.request("GET", f"/v1/templates/{name}", s.TemplateResponse)).template

    async def put_template(self, name: str, toml_text: str) -> TemplateRecord:
        return (await self.request("PUT", f"/v1/templates/{name}", s.TemplateResponse,
                                   body={"toml": toml_text})).template

    # ----- ledger and events ----------------------------------------------------------
    async def positions(self, bot: str | None = None) -> list[PositionRecord]:
        return (await self.request("GET", "/v1/positions", s.PositionListResponse,
                                   params=_params(bot=bot))).positions

    async def orders(self, bot: str | None = None, open_only: bool = False,
                     since_ms: int | None = None, limit: int = 100) -> list[OrderRecord]:
        q = _params(bot=bot, open=open_only, since_ms=since_ms, limit=limit)
        return (await self.request("GET", "/v1/orders", s.OrderListResponse, params=q)).orders

    async def fills(self, bot: str | None = None, since_ms: int | None = None,
                    limit: int = 100) -> list[FillRecord]:
        q = _params(bot=bot, since_ms=since_ms, limit=limit)
        return (await self.request("GET", "/v1/fills", s.FillListResponse, params=q)).fills

    async def trades(self, bot: str | None = None, since_ms: int | None = None,
                     limit: int = 100) -> list[TradeRecord]:
        q = _params(bot=bot, since_ms=since_ms, limit=limit)
        return (await self.request("GET", "/v1/trades", s.TradeListResponse, params=q)).trades

    async def equity(self, bot: str | None = None, since_ms: int | None = None,
                     limit: int = 1000) -> list[EquityRecord]:
        q = _params(bot=bot, since_ms=since_ms, limit=limit)
        return (await self.request("GET", "/v1/equity", s.EquityListResponse, params=q)).equity

    async def decisions(self, bot: str | None = None, symbol: str | None = None,
                        since_ms: int | None = None, limit: int = 100) -> list[DecisionRecord]:
        q = _params(bot=bot, symbol=symbol, since_ms=since_ms, limit=limit)
        return (await self.request("GET", "/v1/decisions", s.DecisionListResponse,
                                   params=q)).decisions

    async def events(self, bot: str | None = None, kinds: Sequence[EventKind] = (),
                     severity: Severity | None = None, since_ms: int | None = None,
                     after_id: int | None = None, limit: int = 100) -> list[EventRecord]:
        q = _params(bot=bot, kind=[k.value for k in kinds],
                    severity=severity.value if severity else None, since_ms=since_ms,
                    after_id=after_id, limit=limit)
        return (await self.request("GET", "/v1/events", s.EventListResponse, params=q)).events

    async def candles(self, ref: str, symbol: str, limit: int = 300) -> list[s.CandleOut]:
        """The latest closed candles a running bot acted on, oldest first."""
        return (await self.request("GET", f"/v1/bots/{ref}/candles", s.CandleListResponse,
                                   params=_params(symbol=symbol, limit=limit))).candles

    async def start_backtest(self, request: dict[str, Any]) -> dict[str, Any]:
        from plutarc.daemon.api.backtest_routes import BacktestJobResponse

        got = await self.request("POST", "/v1/backtests", BacktestJobResponse, body=request)
        return got.job

    async def backtest_job(self, job_id: int) -> dict[str, Any]:
        from plutarc.daemon.api.backtest_routes import BacktestJobResponse

        got = await self.request("GET", f"/v1/backtests/jobs/{job_id}", BacktestJobResponse)
        return got.job

    async def backtests(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        from plutarc.daemon.api.backtest_routes import BacktestRunsResponse

        got = await self.request("GET", "/v1/backtests", BacktestRunsResponse)
        return got.runs, got.jobs

    async def backtest_run(self, run_id: int, trades: bool = True) -> dict[str, Any]:
        """A stored run; ``trades=False``: its summary only (quick, for a first paint)."""
        from plutarc.daemon.api.backtest_routes import BacktestRunResponse

        q = [] if trades else [("trades", "false")]
        return (await self.request("GET", f"/v1/backtests/{run_id}", BacktestRunResponse,
                                   params=q)).run

    async def audit(self, target: str | None = None, limit: int = 100, who: str | None = None,
                    since_ms: int | None = None) -> list[AuditRecord]:
        q = _params(target=target, limit=limit, who=who, since_ms=since_ms)
        return (await self.request("GET", "/v1/audit", s.AuditListResponse, params=q)).audit

    def stream(self, kinds: Sequence[EventKind] = (), bot: str | None = None,
               after_id: int | None = None) -> AsyncIterator[EventRecord]:
        """Events as they happen (after the stored ones past ``after_id``), until closed."""
        return self.transport.events(_params(kind=[k.value for k in kinds], bot=bot,
                                             after_id=after_id))

    # ----- catalog (TUI forms): components, system templates, bundled data ---------------
    async def components(self) -> list[Any]:
        """Every catalog component (ComponentView): parameters, defaults, bounds."""
        from plutarc.daemon.api.catalog_routes import ComponentListResponse

        return (await self.request("GET", "/v1/components", ComponentListResponse)).components

    async def template_catalog(self) -> list[Any]:
        """The daemon's template files (CatalogTemplate: name, origin, TOML text)."""
        from plutarc.daemon.api.catalog_routes import CatalogTemplateListResponse

        return (await self.request("GET", "/v1/catalog/templates",
                                   CatalogTemplateListResponse)).templates

    async def data_files(self) -> list[Any]:
        """Candle files bundled with the daemon (DataFileView: name, path, symbol)."""
        from plutarc.daemon.api.catalog_routes import DataFileListResponse

        return (await self.request("GET", "/v1/catalog/data", DataFileListResponse)).files


    # ----- access, keys and audit (issue 9) -----------------------------------------------
    async def whoami(self) -> Any:
        from plutarc.daemon.api.access_routes import WhoAmIResponse

        return await self.request("GET", "/v1/access/whoami", WhoAmIResponse)

    async def list_tokens(self) -> list[Any]:
        from plutarc.daemon.api.access_routes import TokenListResponse

        return (await self.request("GET", "/v1/access/tokens", TokenListResponse)).tokens

    async def grant_token(self, name: str, role: str, expires_in_s: int | None = None) -> Any:
        """GrantResponse: the token's info and, this once, the token itself (``secret``);
        ``expires_in_s``: it stops working that long after now (None: never)."""
        from plutarc.daemon.api.access_routes import GrantResponse

        return await self.request("POST", "/v1/access/tokens", GrantResponse,
                                  body={"name": name, "role": role,
                                        "expires_in_s": expires_in_s})

    async def revoke_token(self, name: str) -> Any:
        from plutarc.daemon.api.access_routes import TokenResponse

        return (await self.request("DELETE", f"/v1/access/tokens/{name}", TokenResponse)).token

    async def list_keys(self) -> Any:
        """KeyListResponse: the key store's status and every key's metadata (no secrets)."""
        from plutarc.daemon.api.keys_routes import KeyListResponse

        return await self.request("GET", "/v1/keys", KeyListResponse)

    async def add_key(self, label: str, venue: str, testnet: bool, api_key: str,
                      api_secret: str, passphrase: str | None = None) -> Any:
        from plutarc.daemon.api.keys_routes import KeyResponse

        body = {"label": label, "venue": venue, "testnet": testnet, "api_key": api_key,
                "api_secret": api_secret, "passphrase": passphrase}
        return (await self.request("POST", "/v1/keys", KeyResponse, body=body)).key

    async def remove_key(self, label: str) -> Any:
        from plutarc.daemon.api.keys_routes import KeyResponse

        return (await self.request("DELETE", f"/v1/keys/{label}", KeyResponse)).key

    async def test_key(self, label: str, url: str | None = None) -> Any:
        from plutarc.daemon.api.keys_routes import KeyProbeResponse

        return (await self.request("POST", f"/v1/keys/{label}/test", KeyProbeResponse,
                                   body={"url": url})).result

    async def unlock_keys(self, passphrase: str) -> Any:
        from plutarc.daemon.api.keys_routes import KeystoreResponse

        return (await self.request("POST", "/v1/keystore/unlock", KeystoreResponse,
                                   body={"passphrase": passphrase})).keystore

    # ----- live bots (plutarc/daemon/api/live_routes.py) ---------------------------------
    async def latency(self, ref: str) -> Any:
        """A live bot's rolling venue latency (LatencyResponse: running, stats p50/p99)."""
        from plutarc.daemon.api.live_routes import LatencyResponse

        return await self.request("GET", f"/v1/bots/{ref}/latency", LatencyResponse)

    # ----- desk views (plutarc/daemon/api/desk_routes.py) ---------------------------------
    async def instruments(self, ref: str) -> list[Any]:
        """The bot's symbols with tick, lot, quote and settle currency (InstrumentView)."""
        from plutarc.daemon.api.desk_routes import InstrumentListResponse

        return (await self.request("GET", f"/v1/bots/{ref}/instruments",
                                   InstrumentListResponse)).instruments

    async def all_instruments(self) -> list[Any]:
        """Every bot's symbols with tick, lot and currencies (InstrumentView), in one call."""
        from plutarc.daemon.api.desk_routes import DeskInstrumentsResponse

        return (await self.request("GET", "/v1/instruments",
                                   DeskInstrumentsResponse)).instruments

    async def pnl(self) -> list[Any]:
        """Realised (closed trades) and unrealised PnL per bot and symbol, with its currency."""
        from plutarc.daemon.api.desk_routes import PnlResponse

        return (await self.request("GET", "/v1/pnl", PnlResponse)).rows

    # ----- risk and operations (plutarc/daemon/api/risk_routes.py) ------------------------
    async def panic(self, note: str = "") -> Any:
        """The kill switch: every bot paused ('kill switch'), cancelling and flattening.
        Returns the PanicReport (halted bot names, positions left open)."""
        from plutarc.daemon.api.risk_routes import PanicResponse

        return (await self.request("POST", "/v1/panic", PanicResponse,
                                   body={"note": note})).report

    async def clear_bot(self, ref: str) -> BotRecord:
        """Release a bot held for an operator after a final error (it trades again)."""
        return (await self.request("POST", f"/v1/bots/{ref}/clear", s.BotResponse)).bot

    async def stop_bot(self, ref: str, positions: str | None = None,
                       wait_s: float = 30.0) -> BotRecord:
        """Stop; with a position open ``positions`` must be 'flatten' or 'leave'."""
        body = {"positions": positions, "wait_s": wait_s}
        return (await self.request("POST", f"/v1/bots/{ref}/stop", s.BotResponse,
                                   body=body)).bot

    async def account_risk(self) -> list[Any]:
        from plutarc.daemon.api.risk_routes import AccountRiskResponse

        return (await self.request("GET", "/v1/risk/accounts", AccountRiskResponse)).accounts

    async def put_account_risk(self, venue: str, account: str, limits: dict[str, Any]) -> Any:
        from plutarc.daemon.api.risk_routes import AccountRiskResponse

        body = {"venue": venue, "account": account, "limits": limits}
        return (await self.request("PUT", "/v1/risk/accounts", AccountRiskResponse,
                                   body=body)).accounts[0]

    async def dust(self, bot: str | None = None) -> list[Any]:
        from plutarc.daemon.api.risk_routes import DustResponse

        return (await self.request("GET", "/v1/ops/dust", DustResponse,
                                   params=_params(bot=bot))).dust

    async def close_dust(self, bot: str | None = None) -> list[Any]:
        from plutarc.daemon.api.risk_routes import DustResponse

        return (await self.request("POST", "/v1/ops/close-dust", DustResponse,
                                   body={"bot": bot})).dust

    async def health(self) -> Any:
        """Run the ledger health checks now (HealthResponse: ok, findings)."""
        from plutarc.daemon.api.risk_routes import HealthResponse

        return await self.request("GET", "/v1/ops/health", HealthResponse)
