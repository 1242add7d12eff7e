"""Column codecs: Decimal <-> TEXT and JSON that never writes NaN (warm-up outputs become null)."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any


def dec_text(value: Decimal | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, Decimal):
        # A float here would silently round money: refuse it where it enters.
        raise TypeError(f"money must be a Decimal, got {type(value).__name__} {value!r}")
    if not value.is_finite():
        raise ValueError(f"money must be finite, got {value}")
    return str(value)


def text_dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _finite(obj: Any) -> Any:
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    if isinstance(obj, Decimal):
        return str(obj)
    return obj


def json_text(obj: Any) -> str:
    return json.dumps(_finite(obj), allow_nan=False, separators=(",", ":"), default=str)


def text_json(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def finite_or_none(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None
