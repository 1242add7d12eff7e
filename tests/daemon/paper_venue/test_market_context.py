"""A paper bot on BitMEX public data (the local server) sees funding, open interest and the
spread: the worker keeps its MarketContext current from the venue, and the guards that read
them give an opinion instead of "no data"."""

from __future__ import annotations

import math

from tests.daemon.live.conftest import QUICK_TEMPLATE
from tests.daemon.paper_venue.conftest import PaperRig

CONTEXT_TEMPLATE = QUICK_TEMPLATE.replace('name = "quick_cross"', 'name = "with_context"') + """
[[components]]
id = "spread_guard"
[components.params]
max_bps = 50.0

[[components]]
id = "funding_guard"
interval = "1h"

[[components]]
id = "open_interest_guard"
interval = "1h"
"""


def _values(rig: PaperRig, bot_id: str) -> dict[str, float | None]:
    latest = rig.store.decisions.query(bot_id=bot_id, limit=1)[-1]
    return latest.components


async def test_a_paper_bot_on_the_venue_sees_funding_oi_and_spread(rig: PaperRig) -> None:
    rig.service.put_template("with_context", CONTEXT_TEMPLATE, "tester")
    bot_id = await rig.bot("ctx", template="with_context")
    await rig.decided_through(bot_id, 2)
    values = _values(rig, bot_id)
    spread = next(v for k, v in values.items() if k.startswith("spread_guard"))
    assert spread is not None and math.isfinite(spread) and 0 < spread < 50, values
    # the 1h guards give their value at the next 1h close, from what the feed collected
    for _ in range(7):
        try:
            await rig.decided_through(bot_id, 10)
        except AssertionError:
            raise AssertionError(rig.messages(bot_id)[-8:]) from None
    values = _values(rig, bot_id)
    funding = next(v for k, v in values.items() if k.startswith("funding_guard"))
    assert funding is not None and math.isfinite(funding), values
    assert not any("no funding data" in m for m in rig.messages(bot_id)[-5:])
