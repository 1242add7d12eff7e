"""What a client may ask the daemon to run for research (checked at the API boundary, then
again in the child): a sweep, a walk-forward, or one stored variant re-run as a backtest."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator

from plutarc.backtest.request import BacktestRequest
from plutarc.errors import UsageError
from plutarc.validation import CheckedModel

WINDOW_FIELDS = ("train", "test", "gap", "step", "anchored")


class SweepJobSpec(CheckedModel):
    """What a client may ask the daemon to sweep (the daemon checks the request's files)."""

    request: BacktestRequest
    params: list[str] = Field(min_length=1, max_length=16)
    method: str = "grid"
    n: int | None = Field(None, ge=1, le=100_000)
    seed: int = 0
    objective: str = "sharpe"
    min_trades: int = Field(10, ge=0)
    workers: int = Field(1, ge=1, le=64, description="Processes; default 1 so bots keep "
                                                     "their cores.")


def _duration(value: str | None, what: str) -> int | None:
    from plutarc.research.windows import duration_ms

    if value is None:
        return None
    try:
        return duration_ms(value, what)
    except UsageError as exc:  # pydantic reports a ValueError with the field's name
        raise ValueError(str(exc)) from None


class WalkForwardJobSpec(SweepJobSpec):
    """A sweep per in-sample window, its best variant scored out of sample (as
    ``plutarc research walkforward``)."""

    train: str = Field(max_length=16, description="In-sample span, e.g. 90d, 12h, 2w.")
    test: str = Field(max_length=16, description="Out-of-sample span, e.g. 30d.")
    gap: str = Field("1d", max_length=16, description="Purge/embargo between in- and "
                                                      "out-of-sample; 0 for none.")
    step: str | None = Field(None, max_length=16, description="Window step (default: test).")
    anchored: bool = Field(False, description="In-sample always from the data's start.")

    @field_validator("train", "test", "gap", "step")
    @classmethod
    def _is_duration(cls, value: str | None, info: Any) -> str | None:
        _duration(value, info.field_name)
        return value

    @model_validator(mode="after")
    def _spans(self) -> WalkForwardJobSpec:
        spans = self.windows_ms()
        if spans["train_ms"] <= 0 or spans["test_ms"] <= 0:
            raise ValueError("train and test must be longer than 0")
        if spans["step_ms"] is not None and spans["step_ms"] < spans["test_ms"]:
            raise ValueError("step shorter than test: out-of-sample spans would overlap")
        return self

    @staticmethod
    def window_fields() -> tuple[str, ...]:
        return WINDOW_FIELDS

    def windows_ms(self) -> dict[str, Any]:
        return {"train_ms": _duration(self.train, "train"), "test_ms": _duration(self.test, "test"),
                "gap_ms": _duration(self.gap, "gap"), "step_ms": _duration(self.step, "step"),
                "anchored": self.anchored}


class RerunJobSpec(CheckedModel):
    """One variant of a stored sweep, to run alone as a normal backtest."""

    sweep_id: int = Field(ge=1)
    seq: int = Field(ge=0)
