"""Delivery through apprise, on threads of its own: a slow channel never holds the event loop.

apprise is imported on first use only (it costs ~0.4 s): the CLI, the TUI and bot code
never pay for it. Its log lines may quote a URL, so they are captured, scrubbed of every
piece of the channel's URL and kept only as the reason of a failure.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from plutarc.notify.redact import scrub

THREADS = 4
MAX_REASON = 240
_SEVERITY_TYPE = {"critical": "failure", "error": "failure", "warning": "warning"}


def _apprise() -> Any:
    import apprise

    # apprise logs request details (URLs with their tokens) at debug and info: never let
    # them reach the daemon's log; failures are captured per delivery instead.
    quiet = logging.getLogger("apprise")
    quiet.setLevel(logging.CRITICAL + 1)
    quiet.propagate = False
    return apprise


def understood(url: str) -> bool:
    """True when apprise can build a notifier from ``url`` (no message is sent)."""
    apprise = _apprise()
    return bool(apprise.Apprise().add(url))


def send_blocking(url: str, title: str, body: str, severity: str) -> str | None:
    """Deliver one message; None on success, else a reason free of the URL's secrets."""
    apprise = _apprise()
    box = apprise.Apprise()
    if not box.add(url):
        return "apprise no longer understands this channel's URL"
    notify_type = _SEVERITY_TYPE.get(severity, "info")
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as logs:
        try:
            ok = box.notify(body=body, title=title, notify_type=notify_type)
        except Exception as exc:  # a plugin bug must not end the delivery loop
            ok, logs_text = False, f"{type(exc).__name__}: {exc}"
        else:
            logs_text = logs.getvalue()
    if ok:
        return None
    lines = [line.strip() for line in logs_text.splitlines() if line.strip()]
    reason = "; ".join(lines[-2:]) or "the service did not accept the message"
    return scrub(reason, url)[:MAX_REASON]


class Sender:
    """Runs ``send_blocking`` on a small pool of its own, each call bounded by a timeout."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(THREADS, thread_name_prefix="plutarc-notify")

    async def send(self, url: str, title: str, body: str, severity: str,
                   timeout_s: float) -> str | None:
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._pool, send_blocking, url, title, body, severity)
        done, _ = await asyncio.wait({future}, timeout=timeout_s)  # not wait_for: see pump
        if not done:
            # the thread finishes on its own (apprise has socket timeouts); we move on
            return f"no answer within {timeout_s:g} s"
        return future.result()

    async def understood(self, url: str) -> bool:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, understood, url)

    def warm(self) -> None:
        """Import apprise on a pool thread now, not at the first alert in a busy moment."""
        self._pool.submit(_apprise)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
