"""Backtesting: historical data loading, the runner, metrics, reports and sweeps."""

__all__: list[str] = []
