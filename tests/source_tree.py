"""Parsing our own source in tests.

CPython 3.11.7 can fail ``ast.parse`` with "AST constructor recursion depth mismatch" when
the garbage collector runs finalizers (Python code) in the middle of building the tree; a
suite that has left sockets and event loops behind makes that likely. The collector is
paused while one file's tree is built."""

from __future__ import annotations

import ast
import gc


def parse_source(text: str, filename: str = "<unknown>") -> ast.Module:
    enabled = gc.isenabled()
    gc.disable()
    try:
        return ast.parse(text, filename)
    finally:
        if enabled:
            gc.enable()
