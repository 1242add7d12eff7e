"""Every environment variable and plutarc command that a message, doc or doctor names exists.

Doctor once told users to set PLUTARC_KEYFILE_PASSPHRASE while plutarc reads
PLUTARC_KEYS_PASSPHRASE; advice that names something that does not exist is worse than none.
"""

from __future__ import annotations

import ast
import fnmatch
import re
from pathlib import Path
from typing import Any

from plutarc.cli.main import _command
from tests.source_tree import parse_source

ROOT = Path(__file__).resolve().parents[2]
ENV_NAME = re.compile(r"\bPLUTARC_[A-Z][A-Z0-9_]*[A-Z0-9]\b")
# A command is named in quotes or backticks: 'plutarc bot clear NAME', `plutarc keys unlock`.
COMMAND = re.compile(r"""['"`]plutarc ((?:[a-z][a-z-]*)(?: [a-z][a-z-]*)?)""")
READERS = {"get", "pop", "getenv", "setdefault"}


def _sources() -> list[Path]:
    return sorted((ROOT / "plutarc").rglob("*.py"))


def _message_strings() -> list[tuple[str, str]]:
    """String literals that read as prose (they contain a space), with their file."""
    out = []
    for path in _sources():
        for node in ast.walk(parse_source(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and " " in node.value:
                out.append((str(path.relative_to(ROOT)), node.value))
    return out


def _documents() -> list[tuple[str, str]]:
    files = [ROOT / "README.md", *(ROOT / "docs").rglob("*.md"), *(ROOT / "configs").rglob("*")]
    return [(str(f.relative_to(ROOT)), f.read_text()) for f in files if f.is_file()]


def _env_names_read() -> set[str]:
    """PLUTARC_* names the code reads: os.environ.get/pop/[...], os.getenv, or via a constant."""
    read: set[str] = set()
    constants: dict[str, str] = {}
    used_names: set[str] = set()
    for path in _sources():
        for node in ast.walk(parse_source(path.read_text())):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                for target in node.targets:
                    if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                        constants[target.id] = node.value.value
            args: list[ast.expr] = []
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name)
                    and getattr(node.func, "attr", getattr(node.func, "id", "")) in READERS):
                args = node.args[:1]
            elif isinstance(node, ast.Subscript):
                args = [node.slice]
            for arg in args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    read.add(arg.value)
                elif isinstance(arg, ast.JoinedStr):  # f"PLUTARC_{venue}_URL": a family
                    read.add("".join(v.value if isinstance(v, ast.Constant) else "*"
                                     for v in arg.values))
                elif isinstance(arg, ast.Name):
                    used_names.add(arg.id)
    read |= {value for name, value in constants.items() if name in used_names}
    # A family must name something of its own: PLUTARC_{a}_{b} would pass any name.
    return {name for name in read if name.startswith("PLUTARC_")
            and name.removeprefix("PLUTARC_").replace("*", "").strip("_")}


def test_every_environment_variable_named_to_the_user_is_read_by_plutarc():
    read = _env_names_read()
    assert "PLUTARC_KEYS_PASSPHRASE" in read  # the checker itself finds what it should
    named = {(where, name) for where, text in _message_strings() + _documents()
             for name in ENV_NAME.findall(text)}
    unknown = sorted((name, where) for where, name in named
                     if not any(fnmatch.fnmatchcase(name, pattern) for pattern in read))
    assert not unknown, f"named but never read: {unknown}"


def _command_exists(group: Any, words: list[str]) -> bool:
    """Typer vendors its own click, so groups are recognised by their ``commands`` table."""
    command = group.commands.get(words[0]) if words else None
    if command is None:
        return False
    if hasattr(command, "commands") and len(words) > 1:
        return words[1] in command.commands
    return True


def test_every_plutarc_command_named_in_a_message_or_doc_exists():
    root = _command().load_all()  # every group, as 'plutarc --help' loads them
    named = {(where, match) for where, text in _message_strings() + _documents()
             for match in COMMAND.findall(text)}
    assert ("plutarc/cli/keys_cmd.py", "keys unlock") in named or any(
        m == "keys unlock" for _, m in named)
    missing = sorted((match, where) for where, match in named
                     if not _command_exists(root, match.split()))
    assert not missing, f"commands named but missing: {missing}"


def test_the_systemd_credential_doctor_names_is_the_one_plutarc_loads():
    from plutarc.cli import doctor_cmd
    from plutarc.keys.backends import PASSPHRASE_ENV, SYSTEMD_CREDENTIAL

    source = Path(doctor_cmd.__file__).read_text()
    assert PASSPHRASE_ENV in source and SYSTEMD_CREDENTIAL in source
    unit = (ROOT / "configs" / "systemd" / "plutarc.service").read_text()
    assert SYSTEMD_CREDENTIAL in unit
