"""Structured logging: one JSON line per event, with secrets redacted before any handler."""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterable
from logging.handlers import RotatingFileHandler
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


class RepeatFilter(logging.Filter):
    """Let through at most ``per_window`` records of one kind (logger, level, message
    template) per window; the first one through after a quiet stretch says how many were
    dropped. A failing accept() loop once wrote ~12,000 tracebacks a second."""

    def __init__(self, per_window: int = 5, window_s: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.per_window = per_window
        self.window_s = window_s
        self.clock = clock
        self._seen: dict[tuple[str, int, str], list[float]] = {}  # key -> [start, count]

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.levelno, str(record.msg))
        now = self.clock()
        window = self._seen.get(key)
        dropped = 0
        if window is None or now - window[0] >= self.window_s:
            dropped = 0 if window is None else max(0, int(window[1]) - self.per_window)
            window = self._seen[key] = [now, 0]
            if len(self._seen) > 10_000:  # bounded: forget the oldest kinds
                del self._seen[next(iter(self._seen))]
        window[1] += 1
        if window[1] > self.per_window:
            return False
        if dropped:
            record.msg = f"{record.getMessage()} [{dropped} more like this in the last " \
                         f"{self.window_s:g} s were not logged]"
            record.args = None
        return True


class RotatingDaemonLog(RotatingFileHandler):
    """The daemon's log file, rotated by size; when the process's stdout and stderr were
    that file (``daemon start``), they follow it to the new file at each rotation."""

    def __init__(self, path: Path, max_bytes: int, backups: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        super().__init__(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")
        self._std_fds = [fd for fd in (1, 2) if _same_file(fd, path)]

    def doRollover(self) -> None:  # noqa: N802 - the logging API's name
        super().doRollover()
        if self.stream is not None:
            for fd in self._std_fds:
                os.dup2(self.stream.fileno(), fd)


def _same_file(fd: int, path: Path) -> bool:
    try:
        a, b = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)
