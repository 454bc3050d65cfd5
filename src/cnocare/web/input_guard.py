"""Refuse hostile input at the door, before any route or model sees it, with a 422 naming the field.

- NUL characters anywhere (path: 400; query, JSON, form: 422): PostgreSQL cannot store them, no clinical
  text needs them.
- JSON: nesting deeper than ``json_max_depth`` or more than ``json_max_keys`` keys, found by a cheap scan
  *before* parsing (Python's parser recurses; a 100k-deep array would exhaust the stack); non-finite
  numbers (``NaN``, ``Infinity``, ``1e309``), which pydantic would accept as floats and a database stores
  as null or refuses; lone surrogates (``"\\ud800"``), which cannot be encoded for storage.
- Big bodies are scanned and parsed in a worker thread, so one hostile request never stalls the server.

The walk over parsed JSON is iterative, so no input depth can make the guard itself fail.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any
from urllib.parse import parse_qsl, unquote

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

THREAD_ABOVE_BYTES = 16_384
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_BRACKETS = re.compile(rb"[\[\]{}]")


class _NonFinite:
    def __init__(self, text: str) -> None:
        self.text = text


def _float(text: str) -> Any:
    value = float(text)
    return value if math.isfinite(value) else _NonFinite(text)


class Refusal(Exception):
    def __init__(self, field: str, value: str, message: str) -> None:
        super().__init__(message)
        self.field, self.value, self.message = field, value, message


def check_json(body: bytes, *, max_depth: int, max_keys: int) -> None:
    """Raise ``Refusal`` for the first hostile part of a JSON body; return quietly for anything else
    (including invalid JSON, which the app's own parser reports)."""
    skeleton = _STRING.sub(b'""', body)
    keys = skeleton.count(b":")
    if keys > max_keys:
        raise Refusal("(body)", f"({keys} keys)", f"the JSON body has {keys} keys; accepted: at most {max_keys}")
    depth = deepest = 0
    for bracket in _BRACKETS.findall(skeleton):
        depth += 1 if bracket in (b"[", b"{") else -1
        if depth > deepest:
            deepest = depth
            if deepest > max_depth:
                raise Refusal("(body)", f"(nested more than {max_depth} deep)",
                              f"the JSON body is nested deeper than {max_depth} levels; accepted: at most {max_depth}")
    try:
        parsed = json.loads(body, parse_constant=_NonFinite, parse_float=_float)
    except (ValueError, RecursionError):
        return
    _walk(parsed)


def _walk(root: Any) -> None:
    stack: list[tuple[Any, str]] = [(root, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, _NonFinite):
            raise Refusal(path or "(body)", value.text, f"{value.text} is not a finite number; accepted: a "
                          "number such as 4.2 (NaN, Infinity and numbers beyond ±1.8e308 are refused)")
        if isinstance(value, str):
            _check_text(value, path or "(body)")
        elif isinstance(value, dict):
            for key, item in reversed(list(value.items())):
                _check_text(key, (path + "." if path else "") + "(key)")
                stack.append((item, f"{path}.{key}" if path else str(key)))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{i}]") for i, item in reversed(list(enumerate(value))))


def _check_text(text: str, field: str) -> None:
    if "\x00" in text:
        raise Refusal(field.replace("\x00", ""), "(contains a NUL character)",
                      "NUL characters (\\u0000) are not accepted; remove them")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise Refusal(field, "(contains a lone surrogate)", "the text contains a lone UTF-16 surrogate (e.g. "
                      "\\ud800) that is not a character; accepted: valid Unicode text") from None


def check_query_and_form(scope: Scope, body: bytes) -> None:
    for key, value in parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True):
        if "\x00" in key or "\x00" in value:
            raise Refusal(f"query.{key.replace(chr(0), '')}", "(contains a NUL character)",
                          "NUL characters (\\u0000) are not accepted; remove them")
    if _content_type(scope) == b"application/x-www-form-urlencoded" and (b"\x00" in body or b"%00" in body):
        for key, value in parse_qsl(body.decode("latin-1"), keep_blank_values=True):
            if "\x00" in key or "\x00" in value:
                raise Refusal(key.replace("\x00", ""), "(contains a NUL character)",
                              "NUL characters (\\u0000) are not accepted; remove them")


def _content_type(scope: Scope) -> bytes:
    raw: bytes = dict(scope.get("headers", [])).get(b"content-type", b"")
    return raw.split(b";")[0].strip().lower()


def _is_json(scope: Scope) -> bool:
    kind = _content_type(scope)
    return kind == b"application/json" or kind.endswith(b"+json")


class InputGuardMiddleware:
    def __init__(self, app: ASGIApp, *, max_depth: int = 32, max_keys: int = 2_000) -> None:
        self.app = app
        self.max_depth, self.max_keys = max_depth, max_keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in unquote(scope.get("path", "")) or b"%00" in scope.get("raw_path", b""):
            await _answer(send, 400, {"detail": "Bad request: the address contains a NUL character"})
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        try:
            check_query_and_form(scope, body)
            if body and (_is_json(scope) or b"\x00" in body):
                if b"\x00" in body and not _is_json(scope) and _content_type(scope) != \
                        b"application/x-www-form-urlencoded":
                    raise Refusal("(body)", "(contains a NUL character)",
                                  "NUL characters (\\u0000) are not accepted; remove them")
                if _is_json(scope):
                    if len(body) > THREAD_ABOVE_BYTES:
                        await anyio.to_thread.run_sync(self._check, body)
                    else:
                        self._check(body)
        except Refusal as refused:
            await _answer(send, 422, {"detail": [{"field": refused.field, "value": refused.value,
                                                  "message": refused.message}]})
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _check(self, body: bytes) -> None:
        check_json(body, max_depth=self.max_depth, max_keys=self.max_keys)


async def _answer(send: Send, status: int, payload: Any) -> None:
    body = json.dumps(payload).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
