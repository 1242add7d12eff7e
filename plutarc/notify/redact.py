"""A channel URL's shareable form (scheme and host, nothing secret) and scrubbing text of it.

Apprise URLs put tokens anywhere: ``tgram://BOTTOKEN/CHAT``, ``discord://ID/TOKEN``,
``pover://USER@TOKEN``, ``mailtos://user:pass@host``. Only a part that looks like a host
name (a dot, ``localhost`` or an IP address) is shown; everything else becomes ``***``.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import unquote, urlsplit

MIN_PART = 3  # shorter URL pieces ("1", "to") are too common to scrub from text


def _looks_like_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    return "." in host and bool(re.fullmatch(r"[A-Za-z0-9.-]+", host))


def scheme_of(url: str) -> str:
    head, sep, _ = url.partition("://")
    return head.lower() if sep and re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", head) else ""


def redact_url(url: str) -> str:
    """``json://127.0.0.1:8099`` for ``json://user:pw@127.0.0.1:8099/hook?token=x``;
    ``tgram://***`` for a Telegram URL whose "host" is the bot token."""
    scheme = scheme_of(url)
    if not scheme:
        return "***"
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port
    except ValueError:
        return f"{scheme}://***"
    if not host or not _looks_like_host(host):
        return f"{scheme}://***"
    return f"{scheme}://{host}" + (f":{port}" if port else "")


def secret_pieces(url: str) -> list[str]:
    """Every piece of ``url`` that may be secret, longest first (the whole URL included)."""
    pieces = {url, unquote(url)}
    rest = url.partition("://")[2]
    for piece in re.split(r"[/@:?&=#,;]", rest):
        for form in (piece, unquote(piece)):
            if len(form) >= MIN_PART:
                pieces.add(form)
    return sorted(pieces, key=len, reverse=True)


def scrub(text: str, url: str) -> str:
    """``text`` with every piece of ``url`` but its shareable host replaced by ``***``."""
    keep = redact_url(url).partition("://")[2]
    host = keep.split(":")[0]
    for piece in secret_pieces(url):
        if piece and piece != host and piece not in ("http", "https", scheme_of(url)):
            text = text.replace(piece, "***")
    return text
