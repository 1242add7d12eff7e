"""Request parameters as BitMEX reads them, and the shared table query (filter, time, paging).

Parameters may come in the query string, a JSON body or a form body, and are merged.
``filter`` is a JSON object (a list value means "any of"), ``count`` defaults to 100, rows
are oldest first unless ``reverse=true``, and ``start`` is an offset into the result.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from plutarc.errors import DataError
from plutarc.exchanges.bitmex.timestamps import iso_to_ms


class ParamError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def merge_params(query: dict[str, str], body: bytes, content_type: str) -> dict[str, Any]:
    params: dict[str, Any] = dict(query)
    if not body:
        return params
    if "json" in content_type:
        try:
            decoded = json.loads(body)
        except ValueError:
            raise ParamError("Request body is not valid JSON.") from None
        if not isinstance(decoded, dict):
            raise ParamError("Request body must be a JSON object.")
        params.update(decoded)
    else:
        params.update(parse_qsl(body.decode(errors="replace"), keep_blank_values=True))
    return params


def as_bool(value: Any, name: str, default: bool = False) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0", ""):
        return False
    raise ParamError(f"{name} must be true or false")


def as_json(value: Any, name: str) -> Any:
    if value is None or not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise ParamError(f"{name} is not valid JSON") from None


def as_int(value: Any, name: str, default: int | None = None) -> int | None:
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ParamError(f"{name} is invalid") from None
    if number != int(number):
        raise ParamError(f"{name} is invalid")
    return int(number)


def as_time_ms(value: Any, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return iso_to_ms(str(value))
    except DataError:
        raise ParamError(f"{name} is not a valid timestamp") from None


def paging(params: dict[str, Any], count_max: int) -> tuple[int, int, bool]:
    """(start, count, reverse) with BitMEX defaults; count above the maximum is refused."""
    count = as_int(params.get("count"), "count", 100)
    start = as_int(params.get("start"), "start", 0)
    if count is None or count < 1 or count > count_max:
        raise ParamError(f"count must be between 1 and {count_max}")
    if start is None or start < 0:
        raise ParamError("start is invalid")
    return start, count, as_bool(params.get("reverse"), "reverse")


def _matches(row: dict[str, Any], wanted: dict[str, Any],
             special: dict[str, Callable[[dict, Any], bool]]) -> bool:
    for key, value in wanted.items():
        if key in special:
            if not special[key](row, value):
                return False
        elif isinstance(value, list):
            if row.get(key) not in value:
                return False
        elif row.get(key) != value:
            return False
    return True


def table_query(
    rows: list[dict[str, Any]],
    params: dict[str, Any],
    count_max: int,
    *,
    special: dict[str, Callable[[dict, Any], bool]] | None = None,
    time_field: str = "timestamp",
) -> list[dict[str, Any]]:
    """Apply symbol, filter, startTime/endTime, reverse, start and count to ``rows``."""
    start, count, reverse = paging(params, count_max)
    wanted = as_json(params.get("filter"), "filter") or {}
    if not isinstance(wanted, dict):
        raise ParamError("filter must be a JSON object")
    symbol = params.get("symbol")
    t0 = as_time_ms(params.get("startTime"), "startTime")
    t1 = as_time_ms(params.get("endTime"), "endTime")
    special = special or {}
    picked = []
    for row in rows:
        if symbol and row.get("symbol") != symbol:
            continue
        if (t0 is not None or t1 is not None) and row.get(time_field):
            ts = iso_to_ms(row[time_field])
            if (t0 is not None and ts < t0) or (t1 is not None and ts > t1):
                continue
        if wanted and not _matches(row, wanted, special):
            continue
        picked.append(row)
    if reverse:
        picked.reverse()
    return picked[start:start + count]
