"""The plutarc daemon: store, API server, bot runtime and process management."""

__all__: list[str] = []
