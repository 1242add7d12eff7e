"""The ``plutarc`` command tree, each group imported only when it is used.

Importing every command module up front cost a second per call (the backtest, daemon,
research and TUI modules pull in numpy, aiohttp, pyarrow and Textual), so
``plutarc backtest run`` paid for the TUI. The root lists every group by name and help
from ``groups.GROUPS`` and imports a group's module the first time the group is asked for;
``plutarc --help`` still loads them all, to show each one's help line.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import typer
from typer.core import TyperGroup
from typer.main import get_command

from plutarc.cli.groups import GROUPS, TOP_LEVEL


def _load(module_name: str, attribute: str, name: str, help_text: str) -> Any:
    """One group (or top-level command) as the click command typer would have built."""
    sub = getattr(importlib.import_module(module_name), attribute)
    holder = typer.Typer()
    holder.callback()(lambda: None)  # a callback keeps typer from collapsing one command
    if isinstance(sub, typer.Typer):
        holder.add_typer(sub, name=name, help=help_text)
    else:
        holder.command(name=name, help=help_text)(sub)
    return get_command(holder).commands[name]


class LazyRoot(TyperGroup):
    """The root group: known names at once, each group's module imported on first use."""

    prepare: Callable[[Any], None] = staticmethod(lambda command: None)

    def list_commands(self, ctx: Any) -> list[str]:
        return [*self.commands, *(n for _, _, n, _ in GROUPS + TOP_LEVEL
                                  if n not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = self.commands.get(cmd_name)
        if command is not None:
            return command
        for entry in GROUPS + TOP_LEVEL:
            if entry[2] == cmd_name:
                command = _load(*entry)
                self.prepare(command)
                self.commands[cmd_name] = command
                return command
        return None

    def load_all(self) -> LazyRoot:
        """Every group imported (for tools that walk the whole tree)."""
        for name in self.list_commands(None):
            self.get_command(None, name)
        return self


def lazy_root(app: typer.Typer, prepare: Callable[[Any], None]) -> LazyRoot:
    """``app`` (its callback and options, no groups) as a root that loads groups lazily;
    ``prepare`` runs on each command as it is loaded (the root's own options included)."""
    root = get_command(app)
    root.__class__ = LazyRoot  # typer built it; only the lookup of subcommands changes
    assert isinstance(root, LazyRoot)
    root.prepare = prepare
    prepare(root)
    return root
