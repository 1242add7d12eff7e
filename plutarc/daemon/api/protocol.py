"""The API version and wire conventions shared by the daemon and its clients.

Every response body carries ``api_version``, and so does the ``X-Plutarc-Api`` response
header. A client sends ``X-Plutarc-Api: <its version>``; a different version gets HTTP 409
and says which side to upgrade. Requests without the header (curl) are served.

Changelog (bump on any incompatible change to a path, a field or a frame):
    1  plutarc 0.1.0: status; bots (create, get, list, start, pause, resume, stop, flatten,
       delete, config, risk); templates; positions, orders, fills, trades, equity,
       decisions, events, audit; WebSocket /v1/stream with hello/event/error frames.
"""

from __future__ import annotations

PROTOCOL_VERSION = 1
API_HEADER = "X-Plutarc-Api"


def mismatch_message(client_version: int, daemon_version: int) -> str:
    if client_version > daemon_version:
        fix = ("upgrade the daemon's plutarc and restart it ('plutarc daemon stop', "
               "then 'plutarc daemon start')")
    else:
        fix = "upgrade this client's plutarc to the daemon's version"
    return f"client speaks API {client_version}, daemon speaks API {daemon_version}: {fix}"
