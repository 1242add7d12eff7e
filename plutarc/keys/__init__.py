"""Venue API keys: kept in the OS keyring or an encrypted file, never in plain text."""

from plutarc.keys.credentials import Credentials, key_hint
from plutarc.keys.store import KeyStore, KeystoreStatus, active_keystore
from plutarc.keys.table import KeyInfo

__all__ = [
    "Credentials",
    "KeyInfo",
    "KeyStore",
    "KeystoreStatus",
    "active_keystore",
    "key_hint",
]
