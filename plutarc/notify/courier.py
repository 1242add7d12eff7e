"""The courier: a child process of the daemon that delivers messages through apprise.

Run as ``python -m plutarc.notify.courier`` by ``notify.sender.Sender``, never by hand. It
reads one JSON request a line on stdin and answers one JSON line on stdout:

    {"id": 1, "op": "send", "url": ..., "title": ..., "body": ..., "severity": ...}
        -> {"id": 1, "reason": null}            (null: delivered; else why not)
    {"id": 2, "op": "understood", "url": ...}  -> {"id": 2, "ok": true}

Why a process and not threads of the daemon: apprise (its import, its ~600 plugin modules,
URL parsing, HTTP and TLS in Python) holds the GIL and grows the heap every garbage
collection walks; in the daemon each of these took time from a candle close on its way to
an order. Here a channel that never answers ties up one thread of this process only. Each
request runs on a thread of its own pool, so one hung channel does not hold the others. The
process runs niced, exits at once when the daemon closes its stdin (or dies), and writes
nothing but answers: apprise's log lines may quote a URL, so they are captured and
scrubbed per delivery (as the reason of a failure) and stderr goes nowhere.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Any

from plutarc.notify.redact import scrub

THREADS = 16  # a hung channel holds a thread until apprise's own socket timeouts end it
NICE = 10  # a busy courier yields the CPU to the daemon's bots
MAX_REASON = 240
_SEVERITY_TYPE = {"critical": "failure", "error": "failure", "warning": "warning"}


def _apprise() -> Any:
    import apprise

    # apprise logs request details (URLs with their tokens) at debug and info: never let
    # them out; failures are captured per delivery instead.
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
        except Exception as exc:  # a plugin bug must not end the courier
            ok, logs_text = False, f"{type(exc).__name__}: {exc}"
        else:
            logs_text = logs.getvalue()
    if ok:
        return None
    lines = [line.strip() for line in logs_text.splitlines() if line.strip()]
    reason = "; ".join(lines[-2:]) or "the service did not accept the message"
    return scrub(reason, url)[:MAX_REASON]


def answer(request: dict[str, Any]) -> dict[str, Any]:
    """The answer to one request (its id echoed); never raises."""
    rid, op, url = request.get("id"), request.get("op"), str(request.get("url", ""))
    try:
        if op == "send":
            return {"id": rid, "reason": send_blocking(url, str(request["title"]),
                                                       str(request["body"]),
                                                       str(request["severity"]))}
        if op == "understood":
            return {"id": rid, "ok": understood(url)}
        return {"id": rid, "reason": f"the courier does not know {op!r}", "ok": False}
    except Exception as exc:  # the reason goes back to the daemon: scrub it like any other
        reason = scrub(f"{type(exc).__name__}: {exc}", url)[:MAX_REASON] if url else \
            type(exc).__name__
        return {"id": rid, "reason": reason, "ok": False}


def serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    """Answer every request line until ``requests`` ends."""
    lock = threading.Lock()
    pool = ThreadPoolExecutor(THREADS, thread_name_prefix="courier")
    pool.submit(_apprise)  # import apprise now, not at the first alert

    def reply(request: dict[str, Any]) -> None:
        line = json.dumps(answer(request)).encode() + b"\n"
        with lock:
            answers.write(line)
            answers.flush()

    for raw in requests:
        try:
            request = json.loads(raw)
        except ValueError:
            continue  # not ours: the daemon only writes JSON lines
        if isinstance(request, dict):
            pool.submit(reply, request)


def main() -> None:
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # a stray print must never corrupt the answers
    os.dup2(devnull, sys.stderr.fileno())  # nor a traceback quote a URL anywhere
    with contextlib.suppress(OSError):
        os.nice(NICE)
    serve(sys.stdin.buffer, answers)
    os._exit(0)  # the daemon has gone: hung deliveries are not waited for


if __name__ == "__main__":
    main()
