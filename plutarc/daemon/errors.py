"""Errors the daemon API returns, each mapped to one HTTP status and back to one class."""

from __future__ import annotations

from plutarc.errors import (  # the shared ones live low so every layer may raise them
    AlreadyExists,
    ApiVersionMismatch,
    ConfigError,
    DaemonShuttingDown,
    DiskFull,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    PlutarcError,
    TemplateError,
    Unauthenticated,
    UsageError,
)

__all__ = ["AlreadyExists", "ApiVersionMismatch", "DaemonAlreadyRunning", "DaemonShuttingDown",
           "InvalidTransition", "NotFound", "Unauthenticated", "WIRE_ERRORS", "error_class",
           "wire_error"]


class DaemonAlreadyRunning(ConfigError):
    """Another daemon holds the pid lock of this plutarc home."""

    def __init__(self, message: str, pid: int | None) -> None:
        super().__init__(message)
        self.pid = pid


# Wire error types: (type name, HTTP status) per class; the client raises the same class back.
WIRE_ERRORS: tuple[tuple[type[PlutarcError], str, int], ...] = (
    (ApiVersionMismatch, "api_version_mismatch", 409),
    (NotFound, "not_found", 404),
    (AlreadyExists, "already_exists", 409),
    (InvalidTransition, "invalid_transition", 409),
    (TemplateError, "template_error", 422),
    (ConfigError, "config_error", 422),
    (UsageError, "bad_request", 400),
    (Unauthenticated, "unauthenticated", 401),
    (PermissionDenied, "permission_denied", 403),
    (DaemonShuttingDown, "shutting_down", 503),
    (DiskFull, "disk_full", 507),
    (PlutarcError, "error", 500),
)


def wire_error(exc: PlutarcError) -> tuple[str, int]:
    """The most specific wire type and status for ``exc``."""
    for cls in type(exc).__mro__:
        for known, name, status in WIRE_ERRORS:
            if cls is known:
                return name, status
    return "error", 500


def error_class(name: str) -> type[PlutarcError]:
    for cls, known, _ in WIRE_ERRORS:
        if known == name:
            return cls
    return PlutarcError
