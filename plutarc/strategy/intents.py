"""Order intents: what the bot's policy asks the execution layer to do."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from plutarc.models import OrderRequest


@dataclass(frozen=True, slots=True)
class Place:
    request: OrderRequest
    reason: str


@dataclass(frozen=True, slots=True)
class Amend:
    client_id: str
    stop_price: Decimal | None = None
    qty: Decimal | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Cancel:
    client_id: str
    reason: str


Intent = Place | Amend | Cancel
