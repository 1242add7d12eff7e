"""Structured logging: one JSON line per event, with secrets redacted before any handler."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterable
from pathlib import Path

# Values of keys like these are never written, whatever their shape.
_SECRET_KEYS = re.compile(
    r"(?i)(api[_-]?secret|secret|passphrase|password|api[_-]?signature|signature|token|authorization)"
    r"(\s*[=:]\s*|\"\s*:\s*\")([^\s\",}]+)"
)


class Redactor:
    """Replaces registered secret values, and values of secret-looking keys, with ***."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()

    def add(self, *secrets: str) -> None:
        for secret in secrets:
            if secret and len(secret) >= 4:
                self._secrets.add(secret)

    def redact(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, "***")
        return _SECRET_KEYS.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)


REDACTOR = Redactor()


class RedactingFilter(logging.Filter):
    """Renders the message once and redacts it, so no handler ever sees a secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = REDACTOR.redact(record.getMessage())
        record.msg, record.args = message, None
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            record.fields = json.loads(REDACTOR.redact(json.dumps(fields, default=str)))
        if record.exc_info:
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_text = REDACTOR.redact(formatted)
            record.exc_info = None
        return True


class JsonLineFormatter(logging.Formatter):
    """``{"ts": ..., "level": ..., "logger": ..., "msg": ..., **fields}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_text:
            line["exc"] = record.exc_text
        return json.dumps(line, default=str)


def configure(level: str = "info", log_file: Path | None = None,
              extra_handlers: Iterable[logging.Handler] = ()) -> logging.Logger:
    """Set up the ``plutarc`` logger: JSON lines, redaction first, file and/or stderr."""
    logger = logging.getLogger("plutarc")
    logger.setLevel(level.upper())
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    handlers: list[logging.Handler] = list(extra_handlers)
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    if not handlers:
        handlers.append(logging.StreamHandler())
    for handler in handlers:
        handler.addFilter(RedactingFilter())
        handler.setFormatter(JsonLineFormatter())
        logger.addHandler(handler)
    logger.propagate = False
    return logger


def log_event(
    logger: logging.Logger, message: str, level: int = logging.INFO, **fields: object
) -> None:
    """One structured line: a message plus key/value fields."""
    logger.log(level, message, extra={"fields": fields})
