"""``plutarc doctor``: check what commonly breaks a deployment and say how to fix each."""

from __future__ import annotations

import os
import shutil
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

import typer

from plutarc.cli.doctor_daemon import DaemonFacts, ask_daemon, daemon_row
from plutarc.cli.doctor_venues import MAX_SKEW_S, NTP_FIX, configured_urls, measure
from plutarc.cli.output import emit_rows
from plutarc.paths import Paths, resolve_paths


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    warn: bool = False  # ok for the exit code, but worth a look (a venue not reachable)


def check_python() -> Check:
    ok = sys.version_info >= (3, 11)
    version = ".".join(map(str, sys.version_info[:3]))
    return Check("python", ok, f"Python {version}", "" if ok else "install Python 3.11 or newer")


def check_dir(label: str, path: Path) -> Check:
    if not path.exists():
        return Check(label, True, f"{path} (will be created, mode 0700)")
    if not os.access(path, os.W_OK):
        return Check(label, False, f"{path} is not writable", f"chown/chmod {path}")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        return Check(label, False, f"{path} is mode {mode:o}: others can read it",
                     f"chmod 700 {path}")
    return Check(label, True, f"{path} writable, mode {mode:o}")


def check_disk(path: Path, min_free_mb: int = 500) -> Check:
    probe = path if path.exists() else Path(path.anchor or "/")
    free_mb = shutil.disk_usage(probe).free // (1024 * 1024)
    ok = free_mb >= min_free_mb
    return Check("disk space", ok, f"{free_mb} MB free at {probe}",
                 "" if ok else f"free space: the database and logs need at least {min_free_mb} MB")


def check_keyring() -> Check:
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
    except Exception as exc:  # a broken keyring install must not break doctor
        return Check("keyring", False, f"keyring unusable: {exc}", "pip install keyring")
    if isinstance(backend, fail.Keyring):
        return Check("keyring", True, "no OS keyring backend: the encrypted key file will be used",
                     "set PLUTARC_KEYS_PASSPHRASE or the systemd credential "
                     "plutarc-keys-passphrase to unlock it at start")
    return Check("keyring", True, f"backend {type(backend).__name__}")


def check_pid(paths: Paths) -> Check:
    pid_file = paths.pid_file
    if not pid_file.exists():
        return Check("pid file", True, "no pid file")
    try:
        pid = int(pid_file.read_text().split()[0])
    except (ValueError, IndexError):
        return Check("pid file", False, f"{pid_file} is unreadable", f"rm {pid_file}")
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return Check("pid file", False, f"stale pid file: process {pid} is gone",
                     f"rm {pid_file} (a crashed daemon left it)")
    except PermissionError:
        pass
    return Check("pid file", True, f"daemon running as pid {pid}")


def check_daemon(paths: Paths) -> tuple[Check, DaemonFacts | None]:
    facts = ask_daemon(paths)
    ok, detail, fix = daemon_row(facts, paths)
    return Check("daemon", ok, detail, fix), facts


def check_clocks(facts: DaemonFacts | None, venue_url: str | None) -> list[Check]:
    """One row per configured venue endpoint (and --venue-url): the clock skew measured."""
    urls = configured_urls(facts.uses if facts else (), os.environ)
    if venue_url:
        urls[venue_url] = "--venue-url"
    if not urls:
        return [Check("clock skew", True, "not checked: no venue configured (no bot or key "
                      "on a venue, PLUTARC_BITMEX_URL unset); --venue-url URL measures one")]
    checks = []
    for url, venue in urls.items():
        reading = measure(venue, url)
        name = f"clock vs {venue}"
        if reading.skew_s is None:
            checks.append(Check(name, True, f"not measured: {url} {reading.problem}",
                                "check the network, or the venue's URL setting", warn=True))
            continue
        ok = abs(reading.skew_s) < MAX_SKEW_S
        checks.append(Check(name, ok, f"{reading.skew_s:+.2f} s (venue minus this host) "
                            f"against {url}", "" if ok else NTP_FIX))
    return checks


def check_venue_keys(facts: DaemonFacts | None, paths: Paths) -> list[Check]:
    """Per stored key on a ccxt venue: reachable, clock offset, key valid (the daemon asks)."""
    if facts is None or not facts.answered:
        return []
    from plutarc.cli.doctor_keys import key_rows

    return [Check(r.name, r.ok, r.detail, r.fix, r.warn) for r in key_rows(paths)]


def _status(check: Check) -> str:
    if not check.ok:
        return "FAIL"
    return "WARN" if check.warn else "ok"


def doctor(
    venue_url: str = typer.Option(None, "--venue-url", help="Another URL to measure clock skew "
                                  "against (the configured venues are always measured)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Check Python, directories, disk, keyring, the daemon, the clock against the venues and
    each stored ccxt venue key (reachable, clock offset, key valid)."""
    paths = resolve_paths()
    daemon, facts = check_daemon(paths)
    checks = [
        check_python(),
        check_dir("data dir", paths.data_dir),
        check_dir("config dir", paths.config_dir),
        check_dir("runtime dir", paths.runtime_dir),
        check_disk(paths.data_dir),
        check_keyring(),
        check_pid(paths),
        daemon,
        *check_clocks(facts, venue_url),
        *check_venue_keys(facts, paths),
    ]
    rows = [{"check": c.name, "status": _status(c), "detail": c.detail, "fix": c.fix}
            for c in checks]
    emit_rows(rows, ["check", "status", "detail", "fix"], as_json, title="Doctor")
    if not all(c.ok for c in checks):
        raise typer.Exit(1)
