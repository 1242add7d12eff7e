"""PlutarcScreen (the app and its client) and LiveScreen: reads through the API in a worker,
again on the events it cares about."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widget import Widget

from plutarc.daemon.client import DaemonClient
from plutarc.daemon.store import EventRecord
from plutarc.errors import PlutarcError
from plutarc.models.events import EventKind
from plutarc.tui.messages import DaemonEvent, DaemonUp
from plutarc.tui.widgets.status_bar import StatusBar

# The keys that act on one bot, on every screen that shows one (fleet row, bot detail).
BOT_CONTROLS = [
    Binding("p", "act('pause')", "Pause"),
    Binding("r", "act('resume')", "Resume"),
    Binding("t", "act('start')", "Start"),
    Binding("s", "act('stop')", "Stop"),
    Binding("x", "act('flatten')", "Flatten"),
    Binding("m", "mode", "Mode"),
    # no room in 80 columns: listed in the help and the command palette
    Binding("l", "limits", "Risk limits", show=False),
    Binding("y", "symbols", "Symbols", show=False),
]

if TYPE_CHECKING:
    from plutarc.tui.app import PlutarcApp

COALESCE_S = 0.2
LOADING_AFTER_S = 0.3  # a read slower than this shows a loading indicator until it is done


class PlutarcScreen(Screen[None]):
    """A screen of the plutarc app: reaches the daemon through the app's client only."""

    @property
    def plutarc(self) -> PlutarcApp:
        from plutarc.tui.app import PlutarcApp

        assert isinstance(self.app, PlutarcApp)
        return self.app

    @property
    def client(self) -> DaemonClient:
        return self.plutarc.client

    def on_mount(self) -> None:
        # Every screen's top line, in place of the header (hidden in plutarc.tcss); mounted
        # here so that each screen has it without composing it.
        self.mount(StatusBar(id="status-bar"))


class LiveScreen(PlutarcScreen):
    """Subclasses say which event kinds make them re-read (``RELOAD_ON``) and implement load().

    Textual calls a handler of every class in the MRO, so subclasses add their own on_mount
    without calling this one, and change event handling by overriding event_arrived().
    """

    RELOAD_ON: ClassVar[frozenset[EventKind]] = frozenset()
    LOADING_ON: ClassVar[str] = ""
    """Selector of the widgets that show a loading indicator while a slow read runs."""
    _loading = False
    _stale = False
    _loaded_once = False
    _focus_before: Widget | None = None
    _covering = False

    def on_mount(self) -> None:
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def on_daemon_up(self, _message: DaemonUp) -> None:
        self.reload()

    def on_daemon_event(self, message: DaemonEvent) -> None:
        self.event_arrived(message.record)

    def event_arrived(self, record: EventRecord) -> None:
        """Override to use events directly; the default re-reads on the RELOAD_ON kinds."""
        if record.kind in self.RELOAD_ON:
            self.reload()

    def reload(self) -> None:
        """Re-read in the background. Events arriving during a read coalesce into one more
        read a moment later, so a busy bot costs a few reads a second, not one per event."""
        if self.plutarc.link:
            return  # the daemon is away: the reconnect brings a DaemonUp, which reloads
        if self._loading:
            self._stale = True
            return
        self._loading = True
        self.run_worker(self._load_until_fresh, group="load")

    def _show_loading(self, shown: bool) -> None:
        if not self.LOADING_ON or shown == self._covering:
            return
        self._covering = shown
        if shown:
            self._focus_before = self.focused
        for widget in self.query(self.LOADING_ON):
            widget.loading = shown
        if not shown:  # a covered widget gives its focus up (maybe only on the next idle)
            self.call_after_refresh(self._refocus)

    def _refocus(self) -> None:
        before, self._focus_before = self._focus_before, None
        if self.focused is not None:
            return
        if before is not None and before.is_attached and before.focusable:
            before.focus()
        else:
            self.focus_next()

    def _slow_read(self) -> None:
        # A timer that fired just as the read ended may still call: data shown wins.
        if self._loading and not self._loaded_once:
            self._show_loading(True)

    async def _load_until_fresh(self) -> None:
        # Only the first read of a screen shows it: later ones refresh data already shown
        # (a loading widget takes no keys, so an indicator on each refresh would eat them).
        slow = None if self._loaded_once else self.set_timer(LOADING_AFTER_S, self._slow_read)
        try:
            while True:
                self._stale = False
                try:
                    await self.load()
                    self._loaded_once = True
                    if slow is not None:  # data is shown: a re-read runs without the cover
                        slow.stop()
                        self._show_loading(False)
                        slow = None
                except PlutarcError as exc:
                    self.notify(str(exc), title="daemon", severity="error", timeout=6)
                except NoMatches:
                    if self.off_the_stack:  # closed while its data was read: nothing left to fill
                        return
                    raise
                if not self._stale:
                    return
                await asyncio.sleep(COALESCE_S)
        finally:
            self._loading = False
            if slow is not None:
                slow.stop()
                self._show_loading(False)

    @property
    def off_the_stack(self) -> bool:
        """Popped (or being removed): no longer on the app's screen stack."""
        return not self.is_attached or self not in self.app.screen_stack

    async def load(self) -> None:
        raise NotImplementedError
