"""CcxtProfile: everything that differs between ccxt venues, as typed data.

One frozen record per venue (in ``plutarc/exchanges/<venue>/``) says which ccxt class
carries it, what it can do (``Capabilities``) and the few parameters ccxt does not unify.
The generic ``CcxtVenue`` reads only these fields: no venue name is tested in shared code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from plutarc.exchanges.base import Capabilities
from plutarc.exchanges.ccxt.hooks import VenueHooks


class AmendStyle(StrEnum):
    """How an open order's price or size is changed."""

    NATIVE = "native"  # ccxt edit_order amends in place
    PLACE_THEN_CANCEL = "place_then_cancel"  # new order first, then cancel the old (Binance)
    CANCEL_THEN_PLACE = "cancel_then_place"  # cancel first, then place (KuCoin)


class MarketOrderStyle(StrEnum):
    NATIVE = "native"
    IOC_LIMIT = "ioc_limit"  # no market orders: an IOC limit through the price stands in


class ClockSource(StrEnum):
    SERVER = "server"  # a server-time endpoint (ccxt fetch_time)
    LOCAL = "local"  # no dedicated endpoint: the local clock


def _frozen(mapping: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class CcxtProfile:
    """One ccxt venue. ``name`` is plutarc's venue name (bots, keys, env variables)."""

    name: str
    ccxt_id: str
    capabilities: Capabilities
    market_types: tuple[str, ...] = ("swap",)  # ccxt market types a bot may trade
    stop_param: str = "triggerPrice"  # the create_order param carrying a stop's trigger
    stop_direction_param: str = ""  # param saying a buy stop rises / a sell stop falls to it
    candle_limit: int = 1000  # most candles one fetch_ohlcv call returns
    amend: AmendStyle = AmendStyle.NATIVE
    market_orders: MarketOrderStyle = MarketOrderStyle.NATIVE
    ioc_slippage: float = 0.005  # how far through the price an IOC stand-in is placed
    # no stop-market orders: a stop-limit ioc_slippage through the trigger stands in (Gemini)
    stop_market_as_limit: bool = False
    clock: ClockSource = ClockSource.SERVER
    clock_samples: int = 5  # offset = median of this many server-time samples
    clock_resync_s: float = 1800.0
    # candles, fills and orders over ccxt.pro's WebSocket (REST polling while it is down;
    # streams.py); False = REST polling only (venues without a usable WS server)
    websocket: bool = False
    # (key, value) of a message saying the private session went stale, () = none
    ws_stale_event: tuple[str, ...] = ()  # Binance: ("e", "listenKeyExpired")
    # the ccxt.pro method renewing the private session and how often we call it (ccxt
    # 4.5's Python Binance renews a listen key once, never again: the stream dies at 60 min)
    ws_keepalive: str = ""
    ws_keepalive_s: float = 1800.0
    needs_passphrase: bool = False
    net_mode_required: bool = False  # the account must net positions (checked at start)
    sandbox: bool = True  # ccxt has testnet/demo URLs for it
    ban_is_final: bool = False  # a rate-limit ban is never retried (Binance)
    lookup_by_client_id: bool = True  # fetch_order takes our client id; else scan the lists
    open_order_queries: tuple[Mapping[str, Any], ...] = ({},)  # params per open-order list
    trigger_params: Mapping[str, Any] = field(default_factory=_frozen)  # stops' own endpoints
    client_id_param: str = "clientOrderId"  # the create_order param carrying our client id
    client_id_info_key: str = ""  # the raw order field holding it, where ccxt does not parse it
    trigger_info_key: str = ""  # the raw order field holding a stop's trigger, where ccxt drops it
    amount_in_quote: bool = False  # ccxt amounts are quote currency (USD), not contracts
    unique_client_ids: bool = True  # the venue refuses a second order under a live client id
    client_ids_reusable: bool = True  # a finished order's client id may be used again
    trigger_client_id_param: str = ""  # where a stop's client id goes, if not clientOrderId
    trigger_amend_type: str = ""  # the ccxt order type edit_order wants for a stop, if special
    trigger_amend_param: str = ""  # the amend param naming a stop's new trigger, if special
    alnum_client_ids: bool = False  # client ids letters and digits only: ours are escaped
    numeric_client_ids: bool = False  # client ids must be numbers: ours are mapped
    client_id_max_len: int = 36
    # the param of ccxt ``close_position`` carrying our client id, where the venue has its
    # own whole-position close endpoint (closes any size, dust too); declared to the daemon
    # as capabilities.extra["close_order"]. "" = no such endpoint: dust is refused
    close_client_id_param: str = ""
    options: Mapping[str, Any] = field(default_factory=_frozen)  # ccxt constructor options
    market_params: Mapping[str, Any] = field(default_factory=_frozen)  # load_markets params
    balance_params: Mapping[str, Any] = field(default_factory=_frozen)  # fetch_balance params
    account_code_param: str = ""  # accounts are per settle coin: positions/balances per coin
    # venue error code -> ccxt exception class, where ccxt's own table lacks the code (e.g.
    # Binance's duplicate client id, -4116, would otherwise be a bare ExchangeError)
    error_codes: Mapping[str, str] = field(default_factory=_frozen)
    order_params: Mapping[str, Any] = field(default_factory=_frozen)  # sent with every order
    # history downloads (``plutarc data download``): rows one request returns, 0 = the venue
    # keeps no such history; the ccxt param bounding a page's end and its offset from the
    # page's exclusive end (ccxt's ``until`` is inclusive: -1; OKX's ``after`` is not: 0;
    # "" = none: the endpoint answers its whole history and ccxt keeps since/limit, Kraken)
    funding_page: int = 0
    oi_page: int = 0
    oi_timeframe: str = "1h"  # spacing of the open-interest history downloaded
    history_until: tuple[str, int] = ("until", -1)
    # the same for open-interest pages where that endpoint pages apart from funding (OKX:
    # funding by ``after``, OI on rubik by begin/end, which ccxt fills from ``until``);
    # None = ``history_until``
    oi_until: tuple[str, int] | None = None
    oi_retention: int = 0  # the venue keeps only its latest N OI rows per period; 0 = all
    # the raw row field holding what each funding stamp charged, where ccxt's fundingRate is
    # a rate of another period (Deribit: interest_8h at hourly stamps; interest_1h is the
    # hour's); "" = ccxt's fundingRate
    funding_info_key: str = ""
    history_pace_s: float = 0.0  # our own least gap between history requests, beyond ccxt's
    archive_url: str = ""  # a bulk archive of closed 1m candles (Binance Vision), if any
    hooks: VenueHooks = field(default_factory=VenueHooks)  # calls ccxt does not absorb
    required_methods: tuple[str, ...] = (
        "fetchMarkets", "fetchOHLCV", "createOrder", "cancelOrder", "fetchOpenOrders",
        "fetchPositions", "fetchBalance",
    )

    def __post_init__(self) -> None:
        if not self.name or not self.ccxt_id:
            raise ValueError("a ccxt profile needs a venue name and a ccxt id")
        if self.candle_limit <= 0:
            raise ValueError(f"{self.name}: candle_limit must be positive")
        if bool(self.close_client_id_param) != bool(
                self.capabilities.extra.get("close_order")):
            raise ValueError(f"{self.name}: close_client_id_param and capabilities.extra"
                             "['close_order'] go together (the venue's whole-position close)")
        for attr in ("options", "market_params", "balance_params", "order_params",
                     "trigger_params", "error_codes"):
            object.__setattr__(self, attr, _frozen(getattr(self, attr)))
