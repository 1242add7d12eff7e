"""An encrypted key file for hosts without an OS keyring: scrypt-derived key, AES-256-GCM.

The file is JSON: a header (format, version, scrypt parameters and salt), a fresh 12-byte
nonce per write, and the ciphertext of every stored credential. The header is bound to the
ciphertext as associated data, so changing a parameter is detected like a wrong passphrase.
The derived key stays in memory while unlocked; the passphrase itself is not kept.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from plutarc.errors import ConfigError

FORMAT = "plutarc-keys"
VERSION = 1
SCRYPT_N = 2**15  # ~50 ms and 32 MiB per unlock: paid once at daemon start
SCRYPT_R = 8
SCRYPT_P = 1
MAX_N = 2**20
MIN_PASSPHRASE = 8


class WrongPassphrase(ConfigError):
    """The key file did not decrypt with the passphrase given."""


class KeysLocked(ConfigError):
    """The key file is encrypted and no passphrase has been given yet."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: Any, what: str, path: Path) -> bytes:
    try:
        return base64.b64decode(str(text), validate=True)
    except ValueError:
        raise ConfigError(f"key file {path} is damaged: {what} is not base64") from None


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode())


class EncryptedKeyFile:
    """Credentials by label, sealed in one file; unlock once, then read and write freely."""

    def __init__(self, path: Path, scrypt_n: int = SCRYPT_N) -> None:
        self.path = path
        self._scrypt_n = scrypt_n
        self._header: dict[str, Any] | None = None
        self._key: bytes | None = None
        self._entries: dict[str, dict[str, str]] = {}

    @property
    def locked(self) -> bool:
        return self._key is None

    def unlock(self, passphrase: str) -> None:
        """Open the file with ``passphrase``, or adopt it for a file not written yet."""
        if not passphrase:
            raise ConfigError("the key file passphrase is empty")
        if not self.path.exists():
            if len(passphrase) < MIN_PASSPHRASE:
                raise ConfigError(f"a new key file passphrase needs at least {MIN_PASSPHRASE} "
                                  "characters")
            header = {"format": FORMAT, "version": VERSION, "kdf": {
                "name": "scrypt", "n": self._scrypt_n, "r": SCRYPT_R, "p": SCRYPT_P,
                "salt": _b64(secrets.token_bytes(16))}, "cipher": "aes-256-gcm"}
            self._open(header, passphrase, None, None)
            return
        try:
            doc = json.loads(self.path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(f"key file {self.path} cannot be read: {exc}") from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise ConfigError(f"{self.path} is not a plutarc key file")
        if doc.get("version") != VERSION:
            raise ConfigError(f"key file {self.path} has version {doc.get('version')!r}; this "
                              f"plutarc reads version {VERSION}: upgrade plutarc")
        header = {k: v for k, v in doc.items() if k not in ("nonce", "ciphertext")}
        self._open(header, passphrase, _unb64(doc.get("nonce"), "nonce", self.path),
                   _unb64(doc.get("ciphertext"), "ciphertext", self.path))

    def _open(self, header: dict[str, Any], passphrase: str, nonce: bytes | None,
              ciphertext: bytes | None) -> None:
        kdf = header.get("kdf")
        try:
            salt = _unb64(kdf["salt"], "salt", self.path)
            n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
            if n > MAX_N or r > 16 or p > 4:  # an edited header must not exhaust memory
                raise ValueError("scrypt cost out of range")
            key = _derive(passphrase, salt, n, r, p)
        except (KeyError, TypeError, ValueError):
            raise ConfigError(f"key file {self.path} is damaged: bad scrypt parameters") from None
        entries: dict[str, dict[str, str]] = {}
        if ciphertext is not None and nonce is not None:
            try:
                plain = AESGCM(key).decrypt(nonce, ciphertext, self._aad(header))
            except InvalidTag:
                raise WrongPassphrase(
                    f"wrong passphrase for the key file {self.path} (or the file was altered): "
                    "nothing was decrypted; check PLUTARC_KEYS_PASSPHRASE or the systemd "
                    "credential plutarc-keys-passphrase") from None
            entries = json.loads(plain)
        self._header, self._key, self._entries = header, key, entries

    def lock(self) -> None:
        self._header, self._key, self._entries = None, None, {}

    @staticmethod
    def _aad(header: dict[str, Any]) -> bytes:
        return json.dumps(header, sort_keys=True, separators=(",", ":")).encode()

    def _require_key(self) -> bytes:
        if self._key is None:
            raise KeysLocked(
                f"the key file {self.path} is locked: run 'plutarc keys unlock', or start the "
                "daemon with PLUTARC_KEYS_PASSPHRASE or the systemd credential "
                "plutarc-keys-passphrase")
        return self._key

    def labels(self) -> list[str]:
        self._require_key()
        return sorted(self._entries)

    def get(self, label: str) -> dict[str, str] | None:
        self._require_key()
        entry = self._entries.get(label)
        return None if entry is None else dict(entry)

    def put(self, label: str, parts: dict[str, str]) -> None:
        self._require_key()
        self._write({**self._entries, label: dict(parts)})

    def delete(self, label: str) -> None:
        self._require_key()
        self._write({k: v for k, v in self._entries.items() if k != label})

    def _write(self, entries: dict[str, dict[str, str]]) -> None:
        key, header = self._require_key(), self._header or {}
        nonce = secrets.token_bytes(12)
        sealed = AESGCM(key).encrypt(nonce, json.dumps(entries).encode(), self._aad(header))
        doc = {**header, "nonce": _b64(nonce), "ciphertext": _b64(sealed)}
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(json.dumps(doc, indent=1))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path)
        self._entries = entries
