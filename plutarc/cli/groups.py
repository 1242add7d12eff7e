"""The command groups of the ``plutarc`` CLI, added as they land."""

from __future__ import annotations

# (module, attribute, name, help): imported only when the group is used (cli/lazy_groups.py).
GROUPS: tuple[tuple[str, str, str, str], ...] = (
    ("plutarc.cli.daemon_cmd", "app", "daemon", "Run, start, stop and inspect the daemon."),
    ("plutarc.cli.tui_cmd", "app", "tui", "Attach the terminal UI to a daemon."),
    ("plutarc.cli.demo_cmd", "app", "demo", "A daemon with paper bots on bundled real data."),
    ("plutarc.cli.bot_cmd", "app", "bot", "Create and control bots."),
    ("plutarc.cli.template_cmd", "app", "template", "List, show, validate and create templates."),
    ("plutarc.cli.components_cmd", "app", "components", "Browse the component catalog."),
    ("plutarc.cli.backtest_cmd", "app", "backtest", "Run, list, compare and report backtests."),
    ("plutarc.cli.data_cmd", "app", "data", "Inspect and convert candle files."),
    ("plutarc.cli.keys_cmd", "app", "keys", "Manage venue API keys."),
    ("plutarc.cli.notify_cmd", "app", "notify", "Alerts to your phone: channels and routes."),
    ("plutarc.cli.access_cmd", "app", "access", "Grant, list and revoke access tokens."),
    ("plutarc.cli.audit_cmd", "audit", "audit", "Read the audit log: who changed what, when."),
    ("plutarc.cli.ops_cmd", "app", "ops", "Operator tools: health, dust, reconciliation."),
    ("plutarc.cli.ledger_cmd", "positions", "positions", "Open positions with their PnL."),
    ("plutarc.cli.ledger_cmd", "orders", "orders", "Orders from the journal (--open: working)."),
    ("plutarc.cli.ledger_cmd", "trades", "trades", "Closed trades with net PnL and exit reason."),
    ("plutarc.cli.ledger_cmd", "pnl", "pnl", "Realised and unrealised PnL by bot or by day."),
    ("plutarc.cli.ledger_cmd", "events", "events", "The event feed; --follow tails it."),
    ("plutarc.cli.panic_cmd", "panic", "panic",
     "Kill switch: pause every bot, cancel every order, close every position."),
    ("plutarc.cli.venue_cmd", "app", "venue", "Local venue simulators (bitmex-sim)."),
    ("plutarc.cli.research_cmd", "app", "research", "Sweeps, walk-forward, compare-live."),
)


# Commands at the top level that are not in a group of their own.
TOP_LEVEL: tuple[tuple[str, str, str, str], ...] = (
    ("plutarc.cli.doctor_cmd", "doctor", "doctor", "Check what commonly breaks a deployment."),
)
