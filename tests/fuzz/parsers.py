"""Coverage-guided fuzzing (atheris, libFuzzer) of the parsers that read client bytes: JSON bodies
and every surface's body and query parsers, page tokens, dates, times and zones.

The contract under test: each parser returns, or raises the core's own error (a 4xx for the
surface) — never anything else, which would be a 500. Run as a program (libFuzzer's flags apply):

    .venv/bin/python -m tests.fuzz.parsers CORPUS_DIR -max_total_time=60

tests/test_fuzz_parsers.py runs it with a bounded budget in `make test`, a long one in `make soak`.
A crash prints the input and writes it to `crash-*`; each one becomes a regression test.
"""

from __future__ import annotations

import contextlib
import json
import sys

import atheris

with atheris.instrument_imports(include=["turnout"]):
    from turnout.core import localtime, times
    from turnout.core.errors import TurnoutError
    from turnout.core.paging import PageKind, PageTokens
    from turnout.surfaces.cronofy import parse as cronofy
    from turnout.surfaces.webkasa import parse as webkasa

TOKENS = PageTokens(b"fuzz" * 8)
CURRENT = {
    "start_date": "2030-05-01",
    "start_time": "18:00",
    "end_date": "2030-05-03",
    "end_time": "20:00",
    "timezone": "Europe/Paris",
}


def bodies(data: bytes) -> None:
    """Bytes through every surface's body reader: the whole decode against the declaration, and
    when that fails, the shared decoder and the field-by-field re-check."""
    for parse in (
        cronofy.event_upsert,
        cronofy.registration_upsert,
        cronofy.availability_ids,
        lambda raw: webkasa.check_in_count(raw, "application/json"),
        lambda raw: webkasa.registration_fields(raw, None, creating=True),
        lambda raw: webkasa.registration_fields(raw, None, creating=False),
        lambda raw: webkasa.event_fields(raw, None, creating=True),
        _patched_schedule,
    ):
        with contextlib.suppress(TurnoutError):
            parse(data)


def _patched_schedule(raw: bytes) -> None:
    given = webkasa.event_fields(raw, None, creating=False)
    if given.schedule:
        webkasa.merged_schedule(given.schedule, CURRENT)


def queries(fdp: atheris.FuzzedDataProvider) -> None:
    query = {
        fdp.ConsumeUnicodeNoSurrogates(12): fdp.ConsumeUnicodeNoSurrogates(40) for _ in range(3)
    }
    for name in ("limit", "offset", "include_counts", "status", "start_date", "end_date", "date"):
        if fdp.ConsumeBool():
            query[name] = fdp.ConsumeUnicodeNoSurrogates(40)
    for read in (webkasa.event_query, webkasa.registration_query, webkasa.counted):
        with contextlib.suppress(TurnoutError):
            read(query)


def tokens(fdp: atheris.FuzzedDataProvider) -> None:
    text = fdp.ConsumeUnicode(200)
    for kind in PageKind:
        TOKENS.decode(text, kind, 1, 1)


def dates(fdp: atheris.FuzzedDataProvider) -> None:
    parts = [fdp.ConsumeUnicode(30) for _ in range(5)]
    with contextlib.suppress(TurnoutError):
        localtime.schedule(*parts[:4], parts[4])
    for text, parse in ((parts[0], times.parse_rfc3339), (parts[1], localtime.zone)):
        with contextlib.suppress(ValueError):
            parse(text)


def one_input(data: bytes) -> None:
    if not data:
        return
    target, rest = data[0] % 4, data[1:]
    if target == 0:
        bodies(rest)
        return
    fdp = atheris.FuzzedDataProvider(rest)
    (queries, tokens, dates)[target - 1](fdp)


def seeds() -> list[bytes]:
    """A starting corpus: valid inputs of each target, so mutation starts from structure."""
    from turnout import openapi
    from turnout.config import Settings

    document = openapi.document(Settings(secret="s" * 32))
    out = []
    for ops in document["paths"].values():
        for op in ops.values():
            example = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            if "example" in example:
                out.append(b"\x00" + json.dumps(example["example"]).encode())
    out.append(b"\x01" + b"limit\x0010\x00offset\x005")
    out.append(b"\x03" + b"2030-05-01T18:00:00ZEurope/Paris")
    return out


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
