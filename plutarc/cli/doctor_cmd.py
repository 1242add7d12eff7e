"""``plutarc doctor``: check what commonly breaks a deployment and say how to fix each."""

from __future__ import annotations

import os
import shutil
import stat
import sys
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path

import typer

from plutarc.cli.output import emit_rows
from plutarc.paths import Paths, resolve_paths


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


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


def check_clock(url: str | None) -> Check:
    if not url:
        return Check("clock skew", True, "not checked: pass --venue-url to compare with a venue")
    import urllib.request

    try:
        sent = time.time()
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=3) as resp:
            date = resp.headers.get("Date")
        received = time.time()
    except Exception as exc:  # unreachable is a finding, not a crash
        return Check("clock skew", True, f"venue unreachable ({exc.__class__.__name__})")
    if not date:
        return Check("clock skew", True, "venue sent no Date header")
    skew = parsedate_to_datetime(date).timestamp() - (sent + received) / 2
    ok = abs(skew) < 2.0
    return Check("clock skew", ok, f"{skew:+.2f} s against {url}",
                 "" if ok else "enable NTP (timedatectl set-ntp true): signatures expire")


def doctor(
    venue_url: str = typer.Option(None, "--venue-url", help="A venue URL to measure clock skew."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Check the Python version, directories, disk, keyring, pid file and clock."""
    paths = resolve_paths()
    checks = [
        check_python(),
        check_dir("data dir", paths.data_dir),
        check_dir("config dir", paths.config_dir),
        check_dir("runtime dir", paths.runtime_dir),
        check_disk(paths.data_dir),
        check_keyring(),
        check_pid(paths),
        check_clock(venue_url),
    ]
    rows = [{"check": c.name, "status": "ok" if c.ok else "FAIL", "detail": c.detail, "fix": c.fix}
            for c in checks]
    emit_rows(rows, ["check", "status", "detail", "fix"], as_json, title="Doctor")
    if not all(c.ok for c in checks):
        raise typer.Exit(1)
