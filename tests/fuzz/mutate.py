"""Structure-aware mutations of a valid request, down to the bytes.

A `Draft` is a valid request kept in parts (method, path, query, headers, JSON body); each mutator
changes one part — a JSON value replaced by a hostile one, a field dropped, a string made invalid
UTF-8, the body truncated or duplicated, a path segment or query value replaced, a header doubled,
dropped or filled with junk, the method or the content type swapped, the body sent chunked — and
`fuzz` stacks one to three of them. Numbers sit at and just past every limit the surfaces declare.
"""

from __future__ import annotations

import dataclasses
import json
import random
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from tests.fuzz.wire import Request
from turnout.core import limits

_ABSENT = object()


def limit_values() -> list[Any]:
    """At and one past every limit the core declares (core/limits.py), both as numbers and as
    string lengths: a limit added there is fuzzed by construction."""
    declared = {
        value
        for name, value in vars(limits).items()
        if name.isupper() and isinstance(value, int) and not isinstance(value, bool)
    }
    numbers = sorted({n for v in declared for n in (v - 1, v, v + 1)})
    texts = ["x" * n for n in numbers if 0 <= n <= 70_000]
    return [*numbers, *texts]


# Value tables, kept dense: a line per value would only make them longer to read.
# fmt: off
NUMBERS: list[Any] = [
    0, 1, -1, 2, 9, 10, 11, 64, 65, 99, 100, 101, 255, 256, 999, 1000, 1001, 2000, 2001, 9999,
    10000, 65535, 65536, 2**31 - 1, 2**31, -(2**31), 2**53 + 1, 2**63 - 1, 2**63, 2**64,
    -(2**63) - 1, 10**30, 1.5, -0.0, 1e308, 0.001, 25.005, 1e-7,
]
STRINGS: list[Any] = [
    "", " ", "a", "a" * 64, "a" * 65, "a" * 255, "a" * 256, "a" * 2000, "a" * 2001, "a" * 70000,
    "\x00", "a\x00b", "\ud800", "é", "😀" * 10, "\u202e", "١٢:٣٠", "9999-12-31", "0000-01-01",
    "2030-02-30", "24:00", "23:59", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z",
    "2030-01-01T00:00:00+24:00", "2030-01-01T00:00:00z", "NaN", "Infinity", "null", "true",
    "localtime", "Factory", "../../etc/passwd", "Europe/Paris", "UTC", "PENDING", "published",
    "draft", "cancelled", "accepted", "removed", "<x>", "%00", "a@b", "@", "a@@b",
]
OTHERS: list[Any] = [
    None, True, False, [], {}, [1] * 10001, {"a": 1}, [[[]]],
]
HOSTILE = NUMBERS + STRINGS + OTHERS + limit_values()
BAD_UTF8 = [
    b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf", b"\x80",
]
SEGMENTS = [
    "", "%00", "%ff", "%2e%2e", "..", ".", "%2F", "a%2Fb", "a" * 64, "a" * 65, "a" * 5000, "é",
    "%C3%A9", ";", "%3F", "%23", "%", "%zz", "a b", "\t", "*", "-", "_", "evt_", "0",
]
QUERY_VALUES = [
    "", "0", "-1", "1", "100", "101", "1000000", "1e3", "9" * 30, "true", "false", "maybe", "%ff",
    "%zz", "%00", "a" * 5000, "2030-01-01", "9999-12-31", "x,y", "CHECKED_IN", "pending", "33%1F",
    "%1C1", "%0B5", "1%0A", "%20%201", "%E2%80%831", "%C2%A01",
]
METHODS = [
    b"GET", b"POST", b"PUT", b"PATCH", b"DELETE", b"OPTIONS", b"HEAD", b"TRACE", b"FOO", b"get",
]
CONTENT_TYPES = [
    b"text/plain", b"application/json; charset=latin-1", b"application/x-www-form-urlencoded",
    b"multipart/form-data; boundary=x", b"application/json;;;", b"", b"\xff", b"application/xml",
]
# fmt: on
QUERY_VALUES += [str(v) for v in limit_values() if isinstance(v, int)]


@dataclasses.dataclass
class Draft:
    method: bytes
    path: str  # already percent-encoded
    query: list[tuple[str, str]]
    headers: list[tuple[bytes, bytes]]
    json_body: Any = _ABSENT
    raw_body: bytes | None = None  # set by byte-level mutations; wins over json_body
    chunked: bool = False
    version: bytes = b"HTTP/1.1"
    kinds: list[str] = dataclasses.field(default_factory=list)  # what was mutated, for reports

    def body(self) -> bytes:
        if self.raw_body is not None:
            return self.raw_body
        if self.json_body is _ABSENT:
            return b""
        return json.dumps(self.json_body, ensure_ascii=False).encode("utf-8", "surrogatepass")

    def request(self) -> Request:
        target = self.path.encode("utf-8", "surrogatepass")
        if self.query:
            target += b"?" + "&".join(f"{k}={v}" for k, v in self.query).encode()
        body = self.body()
        headers = list(self.headers)
        if self.chunked:
            headers.append((b"transfer-encoding", b"chunked"))
            body = (
                b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in _pieces(body) if p) + b"0\r\n\r\n"
            )
        return Request(
            self.method, target, headers, body, self.version, content_length=not self.chunked
        )


def _pieces(body: bytes) -> list[bytes]:
    return [body[i : i + 7] for i in range(0, len(body), 7)]


Mutator = Callable[[random.Random, Draft], None]


def _json_paths(value: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    paths = [here] if here else []
    if isinstance(value, dict):
        for k, v in value.items():
            paths += _json_paths(v, (*here, k))
    elif isinstance(value, list) and value:
        paths += _json_paths(value[0], (*here, 0))
    return paths


def _set(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _set(copy[path[0]], path[1:], new)
    return copy


def json_value(rng: random.Random, d: Draft) -> None:
    if not isinstance(d.json_body, dict | list):
        d.json_body = {}
    paths = _json_paths(d.json_body)
    if paths:
        d.json_body = _set(d.json_body, rng.choice(paths), rng.choice(HOSTILE))
    else:
        d.json_body = {rng.choice(["id", "status", "x"]): rng.choice(HOSTILE)}


def json_drop(rng: random.Random, d: Draft) -> None:
    if isinstance(d.json_body, dict) and d.json_body:
        body = dict(d.json_body)
        body.pop(rng.choice(list(body)))
        d.json_body = body


def json_extra(rng: random.Random, d: Draft) -> None:
    if isinstance(d.json_body, dict):
        name = rng.choice(["tenant_id", "etag", "created_at", "seats_taken", "\x00", "", "a" * 300])
        d.json_body = {**d.json_body, name: rng.choice(HOSTILE)}


def json_whole(rng: random.Random, d: Draft) -> None:
    d.json_body = rng.choice([[], "x", 1, None, [d.json_body], {"a": {"b": {"c": [None]}}}])


def bad_utf8(rng: random.Random, d: Draft) -> None:
    body = d.body()
    quote_at = [i for i, c in enumerate(body) if c == ord('"')]
    at = rng.choice(quote_at) + 1 if quote_at else rng.randrange(len(body) + 1)
    d.raw_body = body[:at] + rng.choice(BAD_UTF8) + body[at:]


def truncate(rng: random.Random, d: Draft) -> None:
    body = d.body()
    d.raw_body = body[: rng.randrange(len(body) + 1)]


def duplicate(rng: random.Random, d: Draft) -> None:
    body = d.body()
    if rng.random() < 0.5 and body.startswith(b"{") and len(body) > 2:
        first = body[1 : body.find(b",") if b"," in body else -1]
        d.raw_body = b"{" + first + b"," + body[1:]  # a key given twice
    else:
        d.raw_body = body + body


def bytes_flip(rng: random.Random, d: Draft) -> None:
    body = bytearray(d.body() or b"{}")
    for _ in range(rng.randint(1, 4)):
        body[rng.randrange(len(body))] = rng.randrange(256)
    d.raw_body = bytes(body)


def encoding(rng: random.Random, d: Draft) -> None:
    text = d.body().decode("utf-8", "replace")
    d.raw_body = rng.choice(
        [
            b"\xef\xbb\xbf" + text.encode(),
            text.encode("utf-16"),
            text.encode("utf-32"),
            text.encode("latin-1", "replace"),
            b" \t\r\n" + text.encode() + b" \x0b",
            text.encode() + b"garbage",
            b"[" * 100_000 + b"]" * 100_000,
            b'{"a":' * 20_000 + b"1" + b"}" * 20_000,
            b'{"capacity": 1e999999}',
            b'{"capacity": -0, "x": 1E+2}',
        ]
    )


def path_segment(rng: random.Random, d: Draft) -> None:
    parts = d.path.split("/")
    at = rng.randrange(2, len(parts)) if len(parts) > 2 else len(parts) - 1
    parts[at] = rng.choice(SEGMENTS)
    d.path = "/".join(parts)


def path_shape(rng: random.Random, d: Draft) -> None:
    d.path = rng.choice(
        [
            d.path + "/",
            d.path.replace("/", "//", 1),
            d.path.upper(),
            d.path + "/x",
            "/" + d.path,
            d.path + "%00",
            d.path.rsplit("/", 1)[0],
            d.path + "/..",
            quote(d.path, safe=""),
        ]
    )


def query(rng: random.Random, d: Draft) -> None:
    name = rng.choice(
        [
            "page_token",
            "limit",
            "offset",
            "include_counts",
            "status",
            "start_date",
            "end_date",
            "date",
            "reading",
            "bearer_token",
            "tzid",
            "",
            "%ff",
            "a" * 300,
        ]
    )
    for _ in range(rng.choice([1, 1, 2, 50])):
        d.query.append((name, rng.choice(QUERY_VALUES)))


def header_auth(rng: random.Random, d: Draft) -> None:
    auth = [v for k, v in d.headers if k == b"authorization"]
    key = auth[0] if auth else b"Bearer x"
    d.headers = [h for h in d.headers if h[0] != b"authorization"]
    choice = rng.randrange(7)
    if choice == 0:
        d.headers += [(b"authorization", key), (b"authorization", key)]
    elif choice == 1:
        d.headers += [(b"Authorization", key), (b"x-api-key", b"tk_x_y")]
    elif choice == 2:
        d.headers += [(b"authorization", key + rng.choice(BAD_UTF8))]
    elif choice == 3:
        d.headers += [
            (b"authorization", rng.choice([b"Bearer", b"Basic eA==", b"bearer  ", key.lower()]))
        ]
    elif choice == 4:
        d.headers += [(b"x-api-key", key.removeprefix(b"Bearer ")), (b"x-api-key", b"k")]
    elif choice == 5:
        d.headers += [(b"authorization", key[:-1])]
    # 6: no credential at all


def header_junk(rng: random.Random, d: Draft) -> None:
    name = rng.choice(
        [
            b"idempotency-key",
            b"if-match",
            b"if-none-match",
            b"content-type",
            b"host",
            b"accept",
            b"accept-encoding",
            b"expect",
            b"content-encoding",
            b"x-forwarded-for",
            b"cookie",
        ]
    )
    value = rng.choice(
        [
            b"",
            b"*",
            b'"x"',
            b'W/"x", "y"',
            b"\xff\xfe",
            b"a" * 300,
            b"100-continue",
            b"gzip",
            b"a\tb",
            b'"' * 50,
            b"\x7f",
            b"," * 100,
            b"x" * 20000,
        ]
    )
    d.headers.append((name, value))
    if rng.random() < 0.3:
        d.headers.append((name, value))


def header_framing(rng: random.Random, d: Draft) -> None:
    d.headers.append(
        rng.choice(
            [
                (b"bad name", b"x"),
                (b"x\x00y", b"1"),
                (b"x-a", b"b\x00c"),
                (b"", b"x"),
                (b"content-length", b"-1"),
                (b"content-length", b"1, 2"),
                (b"transfer-encoding", b"x"),
                (b"x-many", b"a" * 70_000),
            ]
        )
    )


def header_many(rng: random.Random, d: Draft) -> None:
    d.headers += [(f"x-h{i}".encode(), b"v") for i in range(rng.choice([100, 1000, 3000]))]


def method(rng: random.Random, d: Draft) -> None:
    d.method = rng.choice(METHODS)


def content_type(rng: random.Random, d: Draft) -> None:
    d.headers = [h for h in d.headers if h[0] != b"content-type"]
    if rng.random() < 0.8:
        d.headers.append((b"content-type", rng.choice(CONTENT_TYPES)))


def chunked(rng: random.Random, d: Draft) -> None:
    d.chunked = True


def version(rng: random.Random, d: Draft) -> None:
    d.version = rng.choice([b"HTTP/1.0", b"HTTP/1.1"])


BODY: list[Mutator] = [
    json_value,
    json_value,
    json_value,
    json_drop,
    json_extra,
    json_whole,
    bad_utf8,
    bad_utf8,
    truncate,
    duplicate,
    bytes_flip,
    encoding,
    chunked,
]
ANY: list[Mutator] = [
    path_segment,
    path_shape,
    query,
    query,
    header_auth,
    header_junk,
    header_framing,
    header_many,
    method,
    content_type,
    version,
]


def fuzz(rng: random.Random, d: Draft) -> Draft:
    """One to three mutations, favouring the body when the operation takes one."""
    pool = BODY + ANY if d.json_body is not _ABSENT else ANY
    for _ in range(rng.choice([1, 1, 2, 3])):
        mutator = rng.choice(pool)
        mutator(rng, d)
        d.kinds.append(mutator.__name__)
    return d
