"""The Textual terminal UI: a thin client of the daemon API (build it with ``app.make_app``)."""

__all__: list[str] = []
