"""The CLI skeleton, paths and settings."""

import subprocess
import sys

import pytest

from plutarc import __version__
from plutarc.cli.main import run
from plutarc.config import load_settings
from plutarc.errors import ConfigError
from plutarc.paths import resolve_paths


def test_help_lists_the_groups(capsys):
    assert run(["--help"]) == 0
    out = capsys.readouterr().out
    for group in ("daemon", "bot", "template", "components", "backtest", "data", "doctor"):
        assert group in out


def test_bad_flag_is_a_usage_error_on_one_line():
    proc = subprocess.run([sys.executable, "-m", "plutarc", "--bad-flag"], capture_output=True,
                          text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "No such option: --bad-flag" in proc.stderr and "Traceback" not in proc.stderr


def test_version(capsys):
    assert run(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"plutarc {__version__}"


def test_plutarc_home_overrides_xdg(tmp_path):
    paths = resolve_paths({"PLUTARC_HOME": str(tmp_path), "XDG_DATA_HOME": "/elsewhere"})
    assert paths.data_dir == tmp_path / "data" and paths.socket.parent == tmp_path / "run"
    xdg = resolve_paths({"HOME": "/home/u", "XDG_RUNTIME_DIR": "/run/user/1"})
    assert str(xdg.config_file) == "/home/u/.config/plutarc/config.toml"
    assert str(xdg.socket) == "/run/user/1/plutarc/plutarc.sock"


def test_settings_validation_names_the_key(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text("[backtest]\nstarting_cahs = 5\n")
    with pytest.raises(ConfigError, match="unknown key 'backtest.starting_cahs'; did you mean "
                                          "'starting_cash'"):
        load_settings(cfg)
    cfg.write_text("[backtest]\nfee_taker = 0.5\n")
    with pytest.raises(ConfigError, match="backtest.fee_taker"):
        load_settings(cfg)
    cfg.write_text("[daemon\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(cfg)
    assert load_settings(tmp_path / "absent.toml").backtest.starting_cash == 10_000


def test_doctor_json(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PLUTARC_HOME", str(tmp_path))
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "plutarc.pid").write_text("999999\n")
    assert run(["doctor", "--json"]) == 1
    out = capsys.readouterr().out
    assert "stale pid file" in out and "rm " in out
