"""Where plutarc keeps its data, config and runtime files (XDG, or PLUTARC_HOME for all)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Paths:
    data_dir: Path
    config_dir: Path
    runtime_dir: Path

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def database(self) -> Path:
        return self.data_dir / "plutarc.db"

    @property
    def backtests_db(self) -> Path:
        return self.data_dir / "backtests.db"

    @property
    def templates_dir(self) -> Path:
        return self.config_dir / "templates"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def socket(self) -> Path:
        return self.runtime_dir / "plutarc.sock"

    @property
    def pid_file(self) -> Path:
        return self.runtime_dir / "plutarc.pid"

    def ensure(self) -> Paths:
        """Create the directories, private to the user (0700)."""
        for directory in (self.data_dir, self.config_dir, self.runtime_dir):
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.chmod(directory, 0o700)
        return self


def resolve_paths(env: dict[str, str] | None = None) -> Paths:
    """PLUTARC_HOME overrides everything; otherwise follow the XDG base directories."""
    env = dict(os.environ) if env is None else env
    home = env.get("PLUTARC_HOME")
    if home:
        root = Path(home).expanduser().absolute()
        return Paths(root / "data", root / "config", root / "run")
    user_home = Path(env.get("HOME", str(Path.home())))
    data = Path(env.get("XDG_DATA_HOME") or user_home / ".local/share") / "plutarc"
    config = Path(env.get("XDG_CONFIG_HOME") or user_home / ".config") / "plutarc"
    runtime_base = env.get("XDG_RUNTIME_DIR")
    runtime = Path(runtime_base) / "plutarc" if runtime_base else data / "run"
    return Paths(data, config, runtime)
