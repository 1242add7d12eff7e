"""The plutarc error tree; each class name carries its handling policy.

    PlutarcError                      anything we raise on purpose
    ├── ConfigError                   refuse to start / reject the input (exit 4)
    │   ├── TemplateError             a strategy template failed validation
    │   └── ApiVersionMismatch        client and daemon speak different API versions
    ├── UsageError                    a bad CLI argument or API request (exit 2)
    │   ├── NotFound                  no bot, template, key or token by that name
    │   ├── AlreadyExists             a bot, key or token of that name exists already
    │   └── InvalidTransition         the bot's state does not allow the action
    ├── DiskFull                      nothing more can be written; safety actions still run (exit 6)
    ├── DataError                     candle/funding data missing or malformed
    ├── StrategyError                 a bug or bad state inside one bot: stop that bot only
    ├── DaemonNotRunning              no daemon answers on the socket (exit 3)
    ├── PermissionDenied              the caller's role lacks a permission
    │   └── Unauthenticated           neither the daemon's user nor a valid token
    ├── DaemonShuttingDown            the daemon is stopping and accepts no more changes
    ├── OperationTimeout              a wait ran out (exit 5)
    └── VenueError                    anything a venue said or failed to say
        ├── TemporaryError            retry with backoff, auto-resume
        │   ├── RateLimited           back off for at least retry_after_s
        │   └── VenueUnavailable      5xx, overload, network
        ├── OrderStatusUnknown        sent, no answer: look it up by client id, never resend
        └── FinalVenueError           never retry; the bot pauses until an operator clears it
            ├── OrderRejected
            ├── InsufficientFunds
            └── AuthenticationError
"""

from __future__ import annotations


class PlutarcError(Exception):
    """Base of every error plutarc raises on purpose."""

    exit_code = 1


class ConfigError(PlutarcError):
    exit_code = 4


class TemplateError(ConfigError):
    """A template failed validation; ``problems`` lists every message."""

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


class UsageError(PlutarcError):
    exit_code = 2


class NotFound(UsageError):
    """No bot, template or other object by that name or id."""


class InvalidTransition(UsageError):
    """The bot's state does not allow what was asked (pause a stopped bot, delete a running one)."""


class AlreadyExists(UsageError):
    """A bot with that name exists already."""


class ApiVersionMismatch(ConfigError):
    """Client and daemon speak different API versions."""


class DiskFull(PlutarcError):
    """The disk (or the database's page cap) is full: what could not be written is named;
    safety actions (kill switch, flatten, pause) are carried out anyway."""

    exit_code = 6


class DataError(PlutarcError):
    pass


class StrategyError(PlutarcError):
    pass


class DaemonNotRunning(PlutarcError):
    exit_code = 3


class PermissionDenied(PlutarcError):
    pass


class Unauthenticated(PermissionDenied):
    """The caller is not the daemon's user and sent no valid token."""


class DaemonShuttingDown(PlutarcError):
    """The daemon is stopping and accepts no more changes."""


class OperationTimeout(PlutarcError):
    exit_code = 5


class VenueError(PlutarcError):
    pass


class TemporaryError(VenueError):
    pass


class RateLimited(TemporaryError):
    def __init__(self, message: str, retry_after_s: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class VenueUnavailable(TemporaryError):
    pass


class OrderStatusUnknown(VenueError):
    def __init__(self, message: str, client_id: str) -> None:
        super().__init__(message)
        self.client_id = client_id


class FinalVenueError(VenueError):
    pass


class OrderRejected(FinalVenueError):
    pass


class InsufficientFunds(FinalVenueError):
    pass


class AuthenticationError(FinalVenueError):
    pass
