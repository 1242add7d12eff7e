"""The CLI tests use the daemon tests' real daemon on a short temporary home."""

from tests.daemon.conftest import home  # noqa: F401 - a fixture, used by name
