"""JSON for requests and records on their way through Redis.

scrapy-redis pickles requests by default; unpickling what a shared server hands back
runs whatever code it was given. JSON cannot, so bytes (headers, bodies) are tagged
and base64-encoded instead. Used as scrapy-redis's SCHEDULER_SERIALIZER (a module with
`dumps` and `loads`).
"""

from __future__ import annotations

import base64
import json
from typing import Any

_BYTES = "__b64__"


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return {_BYTES: base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dict):
        return {str(k.decode("latin-1") if isinstance(k, bytes) else k): _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    if isinstance(value, set | frozenset):
        return [_encode(v) for v in sorted(value, key=repr)]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1 and _BYTES in value:
            return base64.b64decode(value[_BYTES])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def dumps(obj: Any) -> bytes:
    try:
        return json.dumps(_encode(obj), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except TypeError as exc:
        raise TypeError(f"cannot send through Redis as JSON: {exc}") from None


def loads(data: bytes | str) -> Any:
    return _decode(json.loads(data))
