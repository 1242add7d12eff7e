"""The dead man's switch is owned per account: closing one adapter or daemon never disarms
the switch another one on the same account still runs; holds are seen across daemons."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from plutarc.exchanges.bitmex.switch_members import AccountMembers

from .conftest import adapter_for

OTHER_DAEMON = textwrap.dedent("""
    import sys
    from pathlib import Path
    from plutarc.exchanges.bitmex.switch_members import AccountMembers
    members = AccountMembers(sys.argv[1], Path(sys.argv[2]) if sys.argv[2] else None)
    members.join()
    if sys.argv[3]:
        members.add_hold(sys.argv[3])
    print("joined", flush=True)
    sys.stdin.read()  # a running daemon: stays a member until its stdin closes
    members.leave()
""")


def other_daemon(account: str, state_dir: str = "", hold: str = "") -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", OTHER_DAEMON, account, state_dir, hold],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline() == "joined\n"
    return proc


def finish(proc: subprocess.Popen) -> None:
    assert proc.stdin is not None
    proc.stdin.close()
    proc.wait(timeout=30)


async def test_closing_one_adapter_leaves_the_others_switch_armed(server):
    first, second = adapter_for(server), adapter_for(server)
    await first.start()
    await second.start()
    try:
        await first.close()
        assert server.dead_man_armed  # the second still runs it
        await second.dead_mans_switch._refresh()  # and keeps re-arming it alone
        assert server.dead_man_armed
    finally:
        await second.close()
    assert not server.dead_man_armed  # the last one out disarms


async def test_closing_our_daemon_leaves_another_daemons_switch_armed(server):
    venue = adapter_for(server)
    account = venue.dead_mans_switch.account
    await venue.start()
    other = other_daemon(account)
    try:
        await venue.close()
        assert server.dead_man_armed
    finally:
        finish(other)
    venue = adapter_for(server)
    await venue.start()
    await venue.close()  # alone now: disarmed
    assert not server.dead_man_armed


async def test_a_crashed_daemon_stops_counting_as_a_member(server):
    venue = adapter_for(server)
    await venue.start()
    other = other_daemon(venue.dead_mans_switch.account)
    other.kill()  # no leave(): the kernel drops its lock
    other.wait(timeout=30)
    await venue.close()
    assert not server.dead_man_armed


async def test_another_daemons_hold_keeps_our_switch_off(server):
    venue = adapter_for(server)
    account = venue.dead_mans_switch.account
    other = other_daemon(account, hold="bot-b:XBTUSD")
    try:
        await venue.start()
        assert venue.dead_mans_switch.held and not server.dead_man_armed
    finally:
        finish(other)
        await venue.close()
    members = AccountMembers(account)
    # A hold outlives its daemon on purpose (other tests' holds on this server may be there).
    assert "bot-b:XBTUSD" in members.holds()
    assert members.remove_hold("bot-b:XBTUSD")


def test_state_files_carry_no_secret(tmp_path):
    account = "https://www.bitmex.com/api/v1|MYSECRETKEYID"
    members = AccountMembers(account, tmp_path)
    members.join()
    members.add_hold("bot-a:XBTUSD")
    names = " ".join(str(p) for p in tmp_path.rglob("*"))
    assert "MYSECRETKEYID" not in names and "bitmex.com" not in names
    assert members.leave() is True
