"""ConnectionBanner: a red line while the daemon is away, hidden while it answers."""

from __future__ import annotations

from textual.widgets import Static


class ConnectionBanner(Static):
    """Watches the app's ``link`` text: '' means connected, anything else is shown."""

    DEFAULT_CLASSES = "-hidden"

    def on_mount(self) -> None:
        self.watch(self.app, "link", self._show)

    def _show(self, text: str) -> None:
        self.update(text)
        self.set_class(not text, "-hidden")
