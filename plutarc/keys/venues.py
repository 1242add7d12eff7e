"""Which venues keys can be stored for, and which of them need a third part (a passphrase)."""

from __future__ import annotations

from dataclasses import dataclass

from plutarc.errors import UsageError


@dataclass(frozen=True)
class KeyShape:
    venue: str
    needs_passphrase: bool  # OKX, KuCoin and Bitget sign with key + secret + passphrase


KEY_SHAPES: dict[str, KeyShape] = {s.venue: s for s in (
    KeyShape("binance", False),
    KeyShape("bitget", True),
    KeyShape("bitmex", False),
    KeyShape("bybit", False),
    KeyShape("deribit", False),
    KeyShape("gemini", False),
    KeyShape("kraken", False),  # Kraken Futures
    KeyShape("kucoin", True),  # KuCoin Futures
    KeyShape("okx", True),
    KeyShape("phemex", False),
    KeyShape("woox", False),
)}


def key_shape(venue: str) -> KeyShape:
    shape = KEY_SHAPES.get(venue.strip().lower())
    if shape is None:
        raise UsageError(f"no API keys are kept for venue {venue!r}; known venues: "
                         f"{', '.join(sorted(KEY_SHAPES))}")
    return shape


def check_parts(shape: KeyShape, passphrase: str | None) -> None:
    if shape.needs_passphrase and not passphrase:
        raise UsageError(f"{shape.venue} keys have three parts: give the key's passphrase too")
    if not shape.needs_passphrase and passphrase:
        raise UsageError(f"{shape.venue} keys have no passphrase: give only the key id and "
                         "secret")
