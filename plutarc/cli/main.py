"""The ``plutarc`` command: one outer handler maps our errors to stable exit codes.

Exit codes: 0 ok, 1 runtime failure, 2 usage error, 3 daemon not running,
4 configuration error, 5 timeout. An error is one clear line on stderr (a traceback
only with ``--debug``).
"""

from __future__ import annotations

import functools
import math
import os
import sys
from collections.abc import Callable
from typing import Any

import typer

try:  # typer >= 0.20 vendors its own click; its exceptions are the ones raised
    from typer._click import exceptions as click
except ImportError:  # pragma: no cover - older typer uses click itself
    from click import exceptions as click

from plutarc import __version__
from plutarc.errors import PlutarcError
from plutarc.validation import MAX_INT

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_NO_DAEMON, EXIT_CONFIG, EXIT_TIMEOUT = 0, 1, 2, 3, 4, 5

app = typer.Typer(
    name="plutarc",
    help="plutarc: a self-hosted trading desk for systematic crypto traders.",
    rich_markup_mode="rich",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"plutarc {__version__}")
        raise typer.Exit(0)


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks on errors."),
) -> None:
    """plutarc: daemon, bots, templates, backtests, all from the terminal."""
    if debug:
        os.environ["PLUTARC_DEBUG"] = "1"


@functools.cache
def _command() -> Any:
    """The click command tree, built once per process; each group is imported when used."""
    from plutarc.cli.lazy_groups import lazy_root

    return lazy_root(app, _numbers_are_finite)


def _finite(original: Callable[..., Any] | None) -> Callable[..., Any]:
    """``original`` (a parameter callback, or none) after refusing a non-finite float or an
    integer beyond 64 bits: NaN passes every min/max check, so '--wait nan' would not wait."""
    def check(ctx: Any, param: Any, value: Any) -> Any:
        for item in value if isinstance(value, list | tuple) else (value,):
            if isinstance(item, float) and not math.isfinite(item):
                raise click.BadParameter(f"{item} is not a finite number", ctx=ctx, param=param)
            if isinstance(item, int) and not isinstance(item, bool) and abs(item) > MAX_INT:
                raise click.BadParameter("the number is too large", ctx=ctx, param=param)
        return value if original is None else original(ctx, param, value)

    check.plutarc_finite = True  # type: ignore[attr-defined]
    return check


def _numbers_are_finite(command: Any) -> None:
    """Every number option and argument of every command is finite (see ``_finite``)."""
    for param in command.params:
        if not getattr(param.callback, "plutarc_finite", False):
            param.callback = _finite(param.callback)
    for sub in getattr(command, "commands", {}).values():
        _numbers_are_finite(sub)


def _fail(message: str, code: int) -> int:
    print(f"plutarc: error: {message}", file=sys.stderr)
    return code


def run(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns (and exits with) the exit code."""
    command = _command()
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        result = command.main(args=argv, prog_name="plutarc", standalone_mode=False)
        # outside standalone mode click returns an Exit's code instead of raising it
        code = result if isinstance(result, int) else EXIT_OK
    except click.NoArgsIsHelpError as exc:
        print(exc.ctx.get_help() if exc.ctx else "")
        code = EXIT_OK
    except click.UsageError as exc:
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
        code = _fail(exc.format_message().replace("\n", " ") + hint, EXIT_USAGE)
    except typer.Exit as exc:  # typer >= 0.20 no longer has click.Exit
        code = exc.exit_code
    except typer.Abort:
        code = _fail("aborted", EXIT_FAILURE)
    except PlutarcError as exc:
        if debug:
            raise
        code = _fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        code = _fail("interrupted", EXIT_FAILURE)
    except Exception as exc:  # the one place that turns a bug into one line
        if debug:
            raise
        code = _fail(f"unexpected {type(exc).__name__}: {exc} (run with --debug for details)",
                     EXIT_FAILURE)
    if argv is None:
        sys.exit(code)
    return code


if __name__ == "__main__":
    run()
