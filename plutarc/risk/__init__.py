"""Risk: the per-bot order gate, account-level limits, the error policy and operator tools."""

from plutarc.risk.gate import GateLimits, MarketView, OrderRate, RiskGate, Verdict, check_order

__all__ = ["GateLimits", "MarketView", "OrderRate", "RiskGate", "Verdict", "check_order"]
