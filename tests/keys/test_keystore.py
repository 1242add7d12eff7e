"""KeyStore over the OS keyring and the encrypted file; credentials that never print."""

from __future__ import annotations

import copy
import logging
import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from plutarc.clock import ManualClock
from plutarc.daemon.errors import AlreadyExists, NotFound
from plutarc.daemon.store import DaemonStore
from plutarc.errors import ConfigError, UsageError
from plutarc.exchanges.bitmex import Credentials as BitmexCredentials
from plutarc.keys import Credentials, KeyStore
from plutarc.keys.backends import (
    FileBackend,
    KeyringBackend,
    choose_backend,
    keyring_usable,
)
from plutarc.keys.filebox import KeysLocked, WrongPassphrase
from plutarc.keys.table import KeyTable
from plutarc.logs import RedactingFilter
from tests.keys.conftest import MemoryKeyring

PASS = "headless host passphrase"
SECRET = "kS-3cr3t-value-for-keystore-tests"
FAST_N = 2**12


@pytest.fixture
def store(tmp_path: Path) -> Iterator[DaemonStore]:
    db = DaemonStore.open(tmp_path / "plutarc.db")
    yield db
    db.close()


def keystore(tmp_path: Path, store: DaemonStore, env: dict[str, str] | None = None) -> KeyStore:
    backend = choose_backend(tmp_path, env if env is not None else {}, scrypt_n=FAST_N)
    return KeyStore(backend, KeyTable(store.db), ManualClock(1_700_000_000_000))


def test_without_a_keyring_keys_go_to_the_encrypted_file(tmp_path: Path,
                                                         store: DaemonStore) -> None:
    keys = keystore(tmp_path, store, {"PLUTARC_KEYS_PASSPHRASE": PASS})
    assert isinstance(keys.backend, FileBackend) and not keys.status().locked
    info = keys.add("bmx", "BitMEX", True, "LAqUlngMIQkIUjXMUreyu3qn", SECRET, None, "alice")
    assert (info.venue, info.testnet, info.key_hint, info.backend) == ("bitmex", True, "LAqU…",
                                                                        "file")
    creds = keys.get("bmx")
    assert (creds.api_key, creds.secret, creds.passphrase) == ("LAqUlngMIQkIUjXMUreyu3qn",
                                                               SECRET, None)
    assert keys.info("bmx").last_used_ms == 1_700_000_000_000
    # a restarted daemon reads the same file with the same passphrase
    again = keystore(tmp_path, store, {"PLUTARC_KEYS_PASSPHRASE": PASS})
    assert again.get("bmx").secret == SECRET
    assert keys.remove("bmx").label == "bmx"
    with pytest.raises(NotFound, match="no API key labelled 'bmx'"):
        keys.get("bmx")


def test_with_a_keyring_keys_go_there_namespaced_per_home(
        tmp_path: Path, store: DaemonStore, memory_keyring: MemoryKeyring) -> None:
    assert keyring_usable()
    keys = keystore(tmp_path, store)
    assert isinstance(keys.backend, KeyringBackend)
    keys.add("okx-main", "okx", False, "okx-key-id-1234", SECRET, "okx-pass-phrase", "alice")
    [(service, user)] = memory_keyring.entries
    assert service == f"plutarc:{tmp_path}" and user == "okx-main"
    creds = keys.get("okx-main")
    assert creds.passphrase == "okx-pass-phrase" and creds.secret == SECRET
    keys.remove("okx-main")
    assert memory_keyring.entries == {}
    assert not (tmp_path / "keys.enc").exists()


def test_a_missing_secret_is_reported_not_guessed(tmp_path: Path, store: DaemonStore,
                                                  memory_keyring: MemoryKeyring) -> None:
    keys = keystore(tmp_path, store)
    keys.add("gone", "bitmex", False, "KEYID-0000000001", SECRET, None, "alice")
    memory_keyring.entries.clear()  # someone emptied the keyring behind our back
    with pytest.raises(ConfigError, match="listed but its secret is missing"):
        keys.get("gone")


def test_key_shapes_and_labels_are_checked(tmp_path: Path, store: DaemonStore) -> None:
    keys = keystore(tmp_path, store, {"PLUTARC_KEYS_PASSPHRASE": PASS})
    with pytest.raises(UsageError, match="okx keys have three parts"):
        keys.add("o", "okx", False, "okx-key-id", SECRET, None, "a")
    with pytest.raises(UsageError, match="bitmex keys have no passphrase"):
        keys.add("b", "bitmex", False, "bitmex-key", SECRET, "extra", "a")
    with pytest.raises(UsageError, match="no API keys are kept for venue 'ftx'; known venues: "
                                         "binance, bitget, bitmex"):
        keys.add("f", "ftx", False, "k", SECRET, None, "a")
    with pytest.raises(UsageError, match="key label 'Not OK' must be"):
        keys.add("Not OK", "bitmex", False, "k", SECRET, None, "a")
    with pytest.raises(UsageError, match="needs both its key id and its secret"):
        keys.add("e", "bitmex", False, "k", "  ", None, "a")
    keys.add("twice", "bitmex", False, "bitmex-key-1", SECRET, None, "a")
    with pytest.raises(AlreadyExists, match="remove it first"):
        keys.add("twice", "bitmex", False, "bitmex-key-2", SECRET, None, "a")


def test_a_locked_file_says_how_to_unlock(tmp_path: Path, store: DaemonStore) -> None:
    keys = keystore(tmp_path, store)
    assert keys.status().locked
    with pytest.raises(KeysLocked, match="plutarc keys unlock"):
        keys.add("x", "bitmex", False, "KEYID", SECRET, None, "a")
    keys.unlock(PASS)
    keys.add("x", "bitmex", False, "KEYID-000000001", SECRET, None, "a")
    relocked = keystore(tmp_path, store)
    with pytest.raises(WrongPassphrase):
        relocked.unlock("a wrong passphrase")
    with pytest.raises(KeysLocked):
        relocked.get("x")


def test_passphrase_sources(tmp_path: Path, store: DaemonStore,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    creds_dir = tmp_path / "creds"
    creds_dir.mkdir()
    (creds_dir / "plutarc-keys-passphrase").write_text(PASS + "\n")
    keys = keystore(tmp_path, store, {"CREDENTIALS_DIRECTORY": str(creds_dir)})
    assert not keys.status().locked
    keys.add("sd", "bitmex", False, "KEYID-000000001", SECRET, None, "a")
    # the environment variable is read once and removed, so no child process inherits it
    monkeypatch.setenv("PLUTARC_KEYS_PASSPHRASE", PASS)
    backend = choose_backend(tmp_path, scrypt_n=FAST_N)
    assert not backend.locked and "PLUTARC_KEYS_PASSPHRASE" not in os.environ


def test_backend_choice_can_be_forced(tmp_path: Path, store: DaemonStore,
                                      memory_keyring: MemoryKeyring) -> None:
    assert isinstance(choose_backend(tmp_path, {"PLUTARC_KEYS_BACKEND": "file"}), FileBackend)
    with pytest.raises(ConfigError, match="must be 'keyring' or 'file'"):
        choose_backend(tmp_path, {"PLUTARC_KEYS_BACKEND": "vault"})
    # once a key file exists it stays the store, keyring or not
    keys = keystore(tmp_path, store, {"PLUTARC_KEYS_BACKEND": "file",
                                      "PLUTARC_KEYS_PASSPHRASE": PASS})
    keys.add("f", "bitmex", False, "KEYID-000000001", SECRET, None, "a")
    assert isinstance(choose_backend(tmp_path, {}), FileBackend)


def test_the_fail_backend_named_in_the_environment_means_no_keyring() -> None:
    code = ("from plutarc.keys.backends import keyring_usable; "
            "print(keyring_usable())")
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.strip() == "False"


def test_credentials_never_show_their_secret() -> None:
    creds = Credentials("main", "okx", False, "okx-key-id-123456", SECRET, "the-passphrase")
    for text in (repr(creds), str(creds), f"{creds}", repr([creds])):
        assert SECRET not in text and "the-passphrase" not in text
        assert "okx-key-id" not in text and "okx-…" in text
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(creds)
    with pytest.raises(TypeError):
        copy.deepcopy(creds)
    record = logging.LogRecord("plutarc", logging.INFO, __file__, 1,
                               "signing with %s", (SECRET,), None)
    RedactingFilter().filter(record)
    assert SECRET not in record.getMessage()


def test_bitmex_credentials_sign_like_the_adapter_expects() -> None:
    creds = Credentials("b", "bitmex", True, "LAqUlngMIQkIUjXMUreyu3qn", SECRET)
    ours = creds.bitmex()
    direct = BitmexCredentials("LAqUlngMIQkIUjXMUreyu3qn", SECRET)
    assert ours.sign("GET", "/api/v1/user/margin", 1_700_000_000) == direct.sign(
        "GET", "/api/v1/user/margin", 1_700_000_000)
