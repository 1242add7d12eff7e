"""Notifications: apprise channels, a routing matrix, a delivery queue off the trading path.

The names below load on first use: the courier process (``notify/courier.py``) imports
this package too, and needs none of them (pydantic, the key store, SQLite cost it ~25 MB).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from plutarc.notify.channels import ChannelInfo, ChannelStore
    from plutarc.notify.kinds import NotifyKind, classify
    from plutarc.notify.matrix import Matrix, NotifySettings, Route
    from plutarc.notify.notifier import Notifier

__all__ = [
    "ChannelInfo",
    "ChannelStore",
    "Matrix",
    "Notifier",
    "NotifyKind",
    "NotifySettings",
    "Route",
    "classify",
]

_HOME = {"ChannelInfo": "channels", "ChannelStore": "channels", "Matrix": "matrix",
         "Notifier": "notifier", "NotifyKind": "kinds", "NotifySettings": "matrix",
         "Route": "matrix", "classify": "kinds"}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'plutarc.notify' has no attribute {name!r}")
    return getattr(importlib.import_module(f"plutarc.notify.{home}"), name)
