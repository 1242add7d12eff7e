"""SimAccount: a wallet per settle currency shared by an account's symbols; fee/funding totals."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Protocol

from plutarc.models import Balance, to_decimal

ZERO = Decimal(0)


class MarginUser(Protocol):
    """What an engine tells its account about the money it ties up."""

    settle: str
    symbol: str

    def margin_in_use(self) -> Decimal: ...

    def unrealised_at_mark(self, mark: Decimal | None = None) -> Decimal: ...


class SimAccount:
    """Wallets (realised money only) and running totals, per settle currency.

    Equity adds the engines' unrealised PnL at their last close; available equity also
    subtracts the isolated margin of positions and of resting orders that would open exposure.
    """

    def __init__(self, starting_balances: Mapping[str, Decimal | int | str | float] | None = None):
        self.wallet: dict[str, Decimal] = {}
        self.fees: dict[str, Decimal] = {}
        self.funding: dict[str, Decimal] = {}
        self.realised: dict[str, Decimal] = {}
        self.starting: dict[str, Decimal] = {}
        for currency, amount in (starting_balances or {}).items():
            value = to_decimal(amount)
            if value < 0:
                raise ValueError(f"starting balance in {currency} is negative: {value}")
            self.starting[currency] = value
            self.wallet[currency] = value
        self._users: list[MarginUser] = []

    def attach(self, user: MarginUser) -> None:
        self._users.append(user)
        self.wallet.setdefault(user.settle, ZERO)

    def currencies(self) -> list[str]:
        return sorted(self.wallet)

    def book_trade(self, currency: str, realised: Decimal, fee: Decimal) -> None:
        """A fill's realised PnL in, its fee out."""
        self.wallet[currency] = self.wallet.get(currency, ZERO) + realised - fee
        self.fees[currency] = self.fees.get(currency, ZERO) + fee
        self.realised[currency] = self.realised.get(currency, ZERO) + realised

    def book_funding(self, currency: str, amount: Decimal) -> None:
        """A funding payment: ``amount`` > 0 is paid out of the wallet."""
        self.wallet[currency] = self.wallet.get(currency, ZERO) - amount
        self.funding[currency] = self.funding.get(currency, ZERO) + amount

    def balance(self, currency: str) -> Decimal:
        return self.wallet.get(currency, ZERO)

    def equity(self, currency: str, marks: Mapping[str, Decimal] | None = None) -> Decimal:
        """Wallet plus unrealised PnL of the positions settled in ``currency``, marked at
        ``marks[symbol]`` where given, else at each symbol's last close."""
        total = self.wallet.get(currency, ZERO)
        for user in self._users:
            if user.settle == currency:
                total += user.unrealised_at_mark(marks.get(user.symbol) if marks else None)
        return total

    def available(self, currency: str) -> Decimal:
        """Equity not tied up as margin of positions or resting orders."""
        free = self.equity(currency)
        for user in self._users:
            if user.settle == currency:
                free -= user.margin_in_use()
        return free

    def balances(self, ts_ms: int = 0) -> list[Balance]:
        """Per currency: ``total`` is the wallet (realised money), ``available`` what is free."""
        return [
            Balance(currency, self.balance(currency), self.available(currency), ts_ms)
            for currency in self.currencies()
        ]
