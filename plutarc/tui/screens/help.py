"""HelpScreen: every key of the TUI, and where the data comes from."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# plutarc TUI

Everything here comes from the daemon's API: the same answers as `plutarc bot list`,
live through its event stream. Closing the TUI never stops a bot.

## Everywhere
| key | does |
|---|---|
| `f` | fleet: every bot |
| `a` | activity: the event feed, filterable |
| `o` | positions and open orders |
| `e` | templates: edit the stored strategy templates |
| `b` | backtests: run one in the daemon, read its results |
| `ctrl+p` | command palette (open a bot, pause, resume, mode, switch screens) |
| `ctrl+k` | KILL SWITCH: every bot paused, orders cancelled, positions closed (type `panic`) |
| `w` | notifications: channels, queues and what goes where (`enter` changes a level, `t` tests) |
| `?` | this help |
| `q` | quit |
| `h` | trades: the closed trades of every bot (`enter` opens the bot) |
| `u` | audit: who changed what, when, with the whole before and after |
| `g` | research: sweeps and walk-forwards in the daemon, their heatmap, out-of-sample table |

The top line shows the screen, the daemon's host and version, whether it answers,
the desk's PnL (closed trades plus open positions, per currency), the alerts since you
attached and the UTC clock. ALERT and ERROR events and risk halts also pop up as toasts
on whatever screen you are on. Times are UTC; prices are written to the instrument's
tick, quantities to its lot and money to its currency's cents (satoshis for BTC).

## Tables (fleet, positions, trades, audit)
| key | does |
|---|---|
| `/` | filter: rows holding every word typed; `enter` or `escape` back to the table |
| `1`-`9` | sort by that column (or click its header); again: reverse |
| `enter` | open the bot of the row (fleet, positions, orders, trades) |

## Fleet and bot detail
| key | does |
|---|---|
| `enter` | open the selected bot |
| `p` / `r` | pause (no new entries) / resume |
| `t` | start a stopped bot |
| `s` | stop (type the bot's name; holding a position, choose: flatten first or leave it open) |
| `x` | flatten: close its positions at market (asks you to type the bot's name) |
| `m` | mode of a stopped bot: paper, testnet or live (live: type the bot's name) |
| `l` | risk limits: every limit on one line, checked as you type (live: type the name) |
| `y` | symbols: add or remove (a removed one with a position is exited first) |
| `n` | (fleet) new bot: name, template, venue, mode, account, symbols, start now |
| `d` | (bot detail, orders) cancel the open order under the cursor; a protective stop stays |
| `.` | (bot detail) every digit the ledger holds / back to tick, lot and cents |
| `escape` | back |

## Templates
| key | does |
|---|---|
| `enter` | edit the selected template: one line per setting and parameter |
| `n` | new template, copied from one the daemon ships |
| `ctrl+n` | add a component: pick it from the catalog, then `add` |
| (buttons) | a component's `up` / `down` / `remove`; `add a session` / `remove` |
| `ctrl+s` | save; bots on the template reload it (live ones: type its name first) |
| `ctrl+r` / `escape` | revert to the stored version / back |

## Backtests
| key | does |
|---|---|
| `ctrl+r` | run the form's backtest in the daemon (see below for what it can run) |
| `s` | sort the trades by the column under the cursor (again: reverse) |
| `ctrl+e` | export the trades, as sorted, to the CSV file named below |
| `enter` | on the Runs tab: show a stored run (metrics and charts first, then its trades) |
| `]` / `[` | next / previous page of 500 trades (sorting and export use every trade) |
| `enter` | on a trade: the Price tab zooms to it, its neighbours marked; `z` whole run |

The form runs a stored template (as the editor last saved it) or a template file, on
bundled candles, a file on the daemon's machine, or a venue's candles (give symbol, from
and to; the path field then takes the venue's URL, empty for its live API).

## Research
| key | does |
|---|---|
| `ctrl+r` | start the form's sweep in the daemon; with train and test filled, a walk-forward |
| `enter` | on Runs: open a sweep (its variants) or a walk-forward (its out-of-sample table) |
| `enter` | on an out-of-sample window: the variants of its in-sample sweep |
| `enter` | on a variant: run it alone as a normal backtest, then open it in Backtests |
| X / Y | on the Heatmap tab: the parameters on each axis (picking the other's swaps them) |

A walk-forward's windows appear as each is scored; the summary under its table gives the
stitched out-of-sample equity, the chosen parameters' stability and the run's notes. The
daemon runs one sweep or walk-forward at a time, on one core, so the bots keep theirs.

A value out of bounds is marked at its field, and nothing is saved until it is fixed.
The line under the editor's title checks the template's rules as you type: a template
without a protective stop from the entry (hard_stop_loss, chandelier_exit,
atr_trailing_stop, or trailing_stop with activation 0) is refused by the daemon.
The footer's `faoebuh screens` are the seven screen keys above.

When the daemon goes away a red banner says so and the TUI reconnects by itself,
waiting a little longer after each failed attempt; missed events are replayed.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Markdown(HELP)
