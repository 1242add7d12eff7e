"""The encrypted key file: round trip, wrong passphrase, tampering, locked use, file hygiene."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest

from plutarc.errors import ConfigError
from plutarc.keys.filebox import EncryptedKeyFile, KeysLocked, WrongPassphrase

FAST_N = 2**12  # the format stores n; tests need not pay the production cost
PASS = "a long enough passphrase"
SECRET = "Zq8-file-box-secret-value-91"


def sealed(path: Path) -> EncryptedKeyFile:
    box = EncryptedKeyFile(path, scrypt_n=FAST_N)
    box.unlock(PASS)
    box.put("main", {"api_key": "KEYID", "secret": SECRET})
    return box


def test_round_trip_through_a_fresh_instance(tmp_path: Path) -> None:
    sealed(tmp_path / "keys.enc")
    box = EncryptedKeyFile(tmp_path / "keys.enc")
    assert box.locked
    box.unlock(PASS)
    assert box.get("main") == {"api_key": "KEYID", "secret": SECRET}
    assert box.labels() == ["main"]
    box.delete("main")
    reopened = EncryptedKeyFile(tmp_path / "keys.enc")
    reopened.unlock(PASS)
    assert reopened.labels() == []


def test_the_file_is_private_and_holds_no_readable_secret(tmp_path: Path) -> None:
    path = tmp_path / "keys.enc"
    sealed(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    raw = path.read_bytes()
    for form in (SECRET.encode(), base64.b64encode(SECRET.encode()), PASS.encode(),
                 SECRET.encode().hex().encode()):
        assert form not in raw
    doc = json.loads(raw)
    assert doc["kdf"]["name"] == "scrypt" and doc["cipher"] == "aes-256-gcm"
    assert not (tmp_path / "keys.enc.tmp").exists()


def test_every_write_uses_a_fresh_nonce(tmp_path: Path) -> None:
    box = sealed(tmp_path / "keys.enc")
    first = json.loads((tmp_path / "keys.enc").read_text())["nonce"]
    box.put("other", {"api_key": "K2", "secret": "s2-secret"})
    assert json.loads((tmp_path / "keys.enc").read_text())["nonce"] != first


def test_a_wrong_passphrase_is_a_clear_error_that_leaks_nothing(tmp_path: Path) -> None:
    sealed(tmp_path / "keys.enc")
    box = EncryptedKeyFile(tmp_path / "keys.enc")
    wrong = "not the passphrase at all"
    with pytest.raises(WrongPassphrase) as caught:
        box.unlock(wrong)
    message = str(caught.value)
    assert message.startswith(f"wrong passphrase for the key file {tmp_path / 'keys.enc'}")
    assert "PLUTARC_KEYS_PASSPHRASE" in message
    for leak in (wrong, PASS, SECRET):
        assert leak not in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert box.locked


@pytest.mark.parametrize("field", ["salt", "ciphertext", "nonce"])
def test_tampering_is_detected(tmp_path: Path, field: str) -> None:
    path = tmp_path / "keys.enc"
    sealed(path)
    doc = json.loads(path.read_text())
    target = doc["kdf"] if field == "salt" else doc
    raw = bytearray(base64.b64decode(target[field]))
    raw[0] ^= 1
    target[field] = base64.b64encode(bytes(raw)).decode()
    path.write_text(json.dumps(doc))
    with pytest.raises(WrongPassphrase, match="or the file was altered"):
        EncryptedKeyFile(path).unlock(PASS)


def test_a_header_asking_for_huge_scrypt_cost_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "keys.enc"
    sealed(path)
    doc = json.loads(path.read_text())
    doc["kdf"]["n"] = 2**30
    path.write_text(json.dumps(doc))
    with pytest.raises(ConfigError, match="damaged: bad scrypt parameters"):
        EncryptedKeyFile(path).unlock(PASS)


def test_other_files_and_versions_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "keys.enc"
    path.write_text('{"hello": 1}')
    with pytest.raises(ConfigError, match="is not a plutarc key file"):
        EncryptedKeyFile(path).unlock(PASS)
    path.write_text('{"format": "plutarc-keys", "version": 99}')
    with pytest.raises(ConfigError, match="version 99"):
        EncryptedKeyFile(path).unlock(PASS)
    path.write_text("not json")
    with pytest.raises(ConfigError, match="cannot be read"):
        EncryptedKeyFile(path).unlock(PASS)


def test_locked_use_and_weak_new_passphrases_are_refused(tmp_path: Path) -> None:
    box = EncryptedKeyFile(tmp_path / "keys.enc", scrypt_n=FAST_N)
    with pytest.raises(KeysLocked, match="is locked: run 'plutarc keys unlock'"):
        box.put("x", {"api_key": "k", "secret": "s"})
    with pytest.raises(ConfigError, match="at least 8 characters"):
        box.unlock("short")
    with pytest.raises(ConfigError, match="empty"):
        box.unlock("")
    assert not (tmp_path / "keys.enc").exists()
    box.unlock(PASS)
    box.lock()
    with pytest.raises(KeysLocked):
        box.get("x")
