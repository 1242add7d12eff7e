"""Where key secrets live: the OS keyring, or the encrypted file on a host that has none."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Protocol

import keyring
import keyring.errors

from plutarc.errors import ConfigError
from plutarc.keys.filebox import EncryptedKeyFile

PASSPHRASE_ENV = "PLUTARC_KEYS_PASSPHRASE"
BACKEND_ENV = "PLUTARC_KEYS_BACKEND"  # "keyring" or "file" to override the choice
SYSTEMD_CREDENTIAL = "plutarc-keys-passphrase"
KEY_FILE_NAME = "keys.enc"


class SecretBackend(Protocol):
    name: str

    @property
    def locked(self) -> bool: ...

    @property
    def location(self) -> str: ...

    def get(self, label: str) -> dict[str, str] | None: ...

    def put(self, label: str, parts: dict[str, str]) -> None: ...

    def delete(self, label: str) -> None: ...


class KeyringBackend:
    """The OS keyring (Secret Service, macOS Keychain, ...), one entry per label."""

    name = "keyring"

    def __init__(self, namespace: str) -> None:
        # One service per plutarc home, so a demo home never sees or removes real keys.
        self.service = f"plutarc:{namespace}"

    @property
    def locked(self) -> bool:
        return False

    @property
    def location(self) -> str:
        return f"{type(keyring.get_keyring()).__module__} (service {self.service!r})"

    def _call(self, what: str, fn, *args: str):  # noqa: ANN001, ANN202
        try:
            return fn(self.service, *args)
        except keyring.errors.KeyringError as exc:
            raise ConfigError(f"the OS keyring refused to {what}: {type(exc).__name__}: "
                              f"{exc}") from None

    def get(self, label: str) -> dict[str, str] | None:
        text = self._call("read a key", keyring.get_password, label)
        return None if text is None else json.loads(text)

    def put(self, label: str, parts: dict[str, str]) -> None:
        self._call("store a key", keyring.set_password, label, json.dumps(parts))

    def delete(self, label: str) -> None:
        try:
            keyring.delete_password(self.service, label)
        except keyring.errors.PasswordDeleteError:
            pass  # already gone: removing is what was asked
        except keyring.errors.KeyringError as exc:
            raise ConfigError(f"the OS keyring refused to remove a key: {exc}") from None


class FileBackend:
    """The encrypted key file; locked until a passphrase is given."""

    name = "file"

    def __init__(self, box: EncryptedKeyFile) -> None:
        self.box = box

    @property
    def locked(self) -> bool:
        return self.box.locked

    @property
    def location(self) -> str:
        return str(self.box.path)

    def unlock(self, passphrase: str) -> None:
        self.box.unlock(passphrase)

    def get(self, label: str) -> dict[str, str] | None:
        return self.box.get(label)

    def put(self, label: str, parts: dict[str, str]) -> None:
        self.box.put(label, parts)

    def delete(self, label: str) -> None:
        self.box.delete(label)


def keyring_usable() -> bool:
    """False where keyring found no backend (headless hosts get its 'fail' or 'null' one)."""
    try:
        return keyring.get_keyring().priority > 0
    except Exception:  # a broken keyring configuration is as good as none
        return False


def passphrase_from_environment(env: dict[str, str] | None = None) -> str | None:
    """PLUTARC_KEYS_PASSPHRASE, else the systemd credential; removed from our environment."""
    environ = os.environ if env is None else env
    passphrase = environ.pop(PASSPHRASE_ENV, None)
    if passphrase:
        return passphrase
    directory = environ.get("CREDENTIALS_DIRECTORY")
    if directory:
        path = Path(directory) / SYSTEMD_CREDENTIAL
        if path.is_file():
            return path.read_text().rstrip("\r\n") or None
    return None


def choose_backend(data_dir: Path, env: dict[str, str] | None = None,
                   scrypt_n: int | None = None) -> SecretBackend:
    """The keyring when one works, else (or once a key file exists) the encrypted file."""
    environ = os.environ if env is None else env
    path = data_dir / KEY_FILE_NAME
    box = EncryptedKeyFile(path) if scrypt_n is None else EncryptedKeyFile(path, scrypt_n)
    forced = environ.get(BACKEND_ENV, "").strip().lower()
    if forced not in ("", "keyring", "file"):
        raise ConfigError(f"{BACKEND_ENV} must be 'keyring' or 'file', got {forced!r}")
    if forced == "keyring" or (not forced and not path.exists() and keyring_usable()):
        if not keyring_usable():
            raise ConfigError(f"{BACKEND_ENV}=keyring but no OS keyring backend is available")
        return KeyringBackend(str(data_dir))
    backend = FileBackend(box)
    passphrase = passphrase_from_environment(environ)
    if passphrase is not None:
        backend.unlock(passphrase)
    return backend
