"""``plutarc tui`` options: bad combinations are usage errors (exit 2) before anything runs."""

from __future__ import annotations

import pytest

from plutarc.cli.main import EXIT_USAGE, run


@pytest.mark.parametrize(("argv", "says"), [
    (["tui", "--ssh", "me@box", "--socket", "/tmp/x.sock"], "exclude each other"),
    (["tui", "--remote-socket", "/run/plutarc.sock"], "only makes sense with --ssh"),
    (["tui", "--ssh", "-oProxyCommand=evil"], "needs a destination"),
    (["tui", "--", "-p", "2222"], "only make sense with --ssh"),
    (["tui", "--ssh", "me@box", "--", "-p", "22", "otherhost"], "must be options"),
])
def test_option_mistakes_exit_2_with_one_clear_line(argv: list[str], says: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert run(argv) == EXIT_USAGE
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1
