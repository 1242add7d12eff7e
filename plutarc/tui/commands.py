"""The command palette's plutarc commands: switch screens, open or act on a bot by name."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from plutarc.errors import PlutarcError

SCREENS = (("fleet", "Fleet: every bot"), ("activity", "Activity: the event feed"),
           ("positions", "Positions and open orders"),
           ("templates", "Templates: edit the stored strategy templates"),
           ("backtests", "Backtests: run one in the daemon, read the results"),
           ("trades", "Trades: the closed trades of every bot"),
           ("audit", "Audit: who changed what, when"))
BOT_VERBS = ("open", "pause", "resume", "start", "stop", "flatten")


class PlutarcCommands(Provider):
    async def startup(self) -> None:
        from plutarc.tui.app import PlutarcApp

        app = self.app
        assert isinstance(app, PlutarcApp)
        self.plutarc = app
        try:
            self.bot_names = [bot.name for bot in await app.client.list_bots()]
        except PlutarcError:
            self.bot_names = []  # the daemon is away: screens can still be switched to

    def _commands(self) -> list[tuple[str, object, str]]:
        commands: list[tuple[str, object, str]] = [
            (title, partial(self.plutarc.switch_mode, mode), f"show the {mode} screen")
            for mode, title in SCREENS
        ]
        commands.append(("KILL SWITCH: halt every bot", self.plutarc.action_panic,
                         "pause all bots, cancel their orders, close their positions"))
        for name in self.bot_names:
            commands.append((f"open {name}", partial(self.plutarc.open_bot, name),
                             f"details of bot {name}"))
            commands.extend((f"{verb} {name}", partial(self.plutarc.bot_action, name, verb),
                             f"{verb} bot {name}") for verb in BOT_VERBS[1:])
            commands.append((f"mode {name}", partial(self.plutarc.change_mode, name),
                             f"switch stopped bot {name} to paper, testnet or live"))
        return commands

    async def discover(self) -> Hits:
        for title, callback, help_text in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help_text in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback,  # type: ignore[arg-type]
                          help=help_text)
