"""Operator actions that drive the daemon: kill switch, flatten-and-stop, dust close, holds,
account limits, daily loss, health and venue checks. They call the pure rules in risk/."""
