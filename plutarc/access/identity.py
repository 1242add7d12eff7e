"""Who is calling: the daemon's own Unix user (owner), a named token, or nobody we know."""

from __future__ import annotations

import pwd
import socket
import struct
from dataclasses import dataclass

from aiohttp import web

from plutarc.access.roles import Permission, Role, allows
from plutarc.access.tokens import TokenStore
from plutarc.errors import Unauthenticated

TOKEN_ENV = "PLUTARC_TOKEN"


@dataclass(frozen=True)
class Identity:
    name: str  # the Unix user name, or "token:NAME"; this is the audit log's ``who``
    role: Role
    via: str  # "unix" or "token"

    def can(self, permission: Permission) -> bool:
        return allows(self.role, permission)


def peer_uid(request: web.Request) -> int | None:
    """The uid of the process on the other end of a Unix socket, from the kernel."""
    sock = request.transport.get_extra_info("socket") if request.transport else None
    if sock is None or sock.family != socket.AF_UNIX or not hasattr(socket, "SO_PEERCRED"):
        return None
    try:
        creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    except OSError:
        return None
    _pid, uid, _gid = struct.unpack("3i", creds)
    return uid


def user_name(uid: int | None) -> str:
    if uid is None:
        return "unknown"
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _bearer(header: str) -> str:
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("authentication failed: the Authorization header must be "
                              "'Bearer <token>'")
    return token.strip()


def authenticate(request: web.Request, tokens: TokenStore, daemon_uid: int,
                 now_ms: int) -> Identity:
    """A token, when sent, decides the role (even for the owner); else the peer's uid."""
    header = request.headers.get("Authorization")
    if header is not None:
        found = tokens.verify(_bearer(header), now_ms)
        if found is None:
            raise Unauthenticated("authentication failed: the token sent is unknown or revoked"
                                  ", or it has expired (an admin issues one with 'plutarc "
                                  "access grant NAME --role ROLE')")
        name, role = found
        return Identity(f"token:{name}", role, "token")
    uid = peer_uid(request)
    if uid is not None and uid == daemon_uid:
        return Identity(user_name(uid), Role.OWNER, "unix")
    caller = "a caller on a non-Unix socket" if uid is None else f"{user_name(uid)} (uid {uid})"
    raise Unauthenticated(
        f"authentication required: {caller} is not the user running the daemon "
        f"({user_name(daemon_uid)}); send a token as 'Authorization: Bearer <token>' (the CLI "
        f"and TUI read it from {TOKEN_ENV}); an admin issues one with "
        "'plutarc access grant NAME --role viewer|trader|risk|admin'"
    )
