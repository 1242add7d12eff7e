"""The replay settings of a paper bot on the sim venue: real bot fields, stored as JSON.

They used to live in the bot's ``account`` label (``speed=60;bars=5760;file=...``), which
capped a file path at the label's length. The label form is still read (older bots, older
clients) and turned into these fields.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import Field, field_validator

from plutarc.validation import CheckedModel

LABEL_KEYS = ("speed", "file", "bars", "funding", "oi")
PATH_MAX = 4096


class ReplaySpec(CheckedModel):
    """How a sim paper bot replays candles. Paths are checked against the directories the
    owner allows when the bot is created and when it starts."""

    speed: str = Field("60", max_length=32, description="'max' (as fast as the machine goes) "
                       "or a multiple of real time, e.g. 60 (the default).")
    file: str | None = Field(None, max_length=PATH_MAX, description="Candle file for a "
                             "one-symbol bot (default: the bundled BTCUSDT/ETHUSDT minutes).")
    bars: int | None = Field(None, ge=1, le=100_000_000,
                             description="Replay only the first N candles of each file.")
    funding: str | None = Field(None, max_length=PATH_MAX,
                                description="Funding-rate file (charged, and seen by "
                                "strategies) for a one-symbol bot.")
    oi: str | None = Field(None, max_length=PATH_MAX,
                           description="Open-interest file for a one-symbol bot.")

    @field_validator("speed")
    @classmethod
    def _speed(cls, text: str) -> str:
        if text == "max":
            return text
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and 0 < value <= 1_000_000):
            raise ValueError(f"replay speed {text!r} must be 'max' or a multiple of real time "
                             "above 0 (e.g. 60)")
        return text

    @property
    def speed_multiple(self) -> float:
        """The speed as a number (math.inf for 'max')."""
        return math.inf if self.speed == "max" else float(self.speed)

    @classmethod
    def from_label(cls, label: str) -> ReplaySpec:
        """``speed=60;bars=5760;file=/data/btc.csv.gz`` (the old account label form)."""
        values: dict[str, Any] = {}
        for part in filter(None, (p.strip() for p in label.split(";"))):
            key, sep, value = part.partition("=")
            key = key.strip()
            if not sep or key not in LABEL_KEYS:
                raise ValueError(f"paper replay setting {part!r} is not one of "
                                 f"{', '.join(k + '=...' for k in LABEL_KEYS)}")
            values[key] = value.strip()
        if "bars" in values:
            if not values["bars"].isdigit() or int(values["bars"]) < 1:
                raise ValueError(f"bars={values['bars']!r} must be a positive whole number "
                                 "of candles")
            values["bars"] = int(values["bars"])
        return cls.model_validate(values)


def looks_like_label(account: str) -> bool:
    """An account text that is really a replay label (``speed=...``, ``file=...``)."""
    return any(account.strip().startswith(f"{key}=") for key in LABEL_KEYS)
