"""``python -m plutarc``: the same as the ``plutarc`` command."""

from plutarc.cli.main import run

if __name__ == "__main__":
    run()
