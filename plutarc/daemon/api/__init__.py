"""The daemon API: versioned JSON over HTTP and a WebSocket event stream on a Unix socket."""

from plutarc.daemon.api.protocol import API_HEADER, PROTOCOL_VERSION

__all__ = ["API_HEADER", "PROTOCOL_VERSION"]
