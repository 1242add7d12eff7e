"""Notifications: apprise channels, a routing matrix, a delivery queue off the trading path."""

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
