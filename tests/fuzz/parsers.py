"""Coverage-guided fuzzing (atheris, libFuzzer) of the parsers that read client bytes: JSON bodies
and every surface's body and query parsers, page tokens, dates, times and zones, and the
Notification Hubs surface's XML registration bodies, JSON installations and SAS tokens.

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
    from turnout.core import installations, localtime, times
    from turnout.core.errors import TurnoutError
    from turnout.core.hub_writes import Device
    from turnout.core.paging import PageKind, PageTokens
    from turnout.surfaces.cronofy import parse as cronofy
    from turnout.surfaces.nhub import parse as nhub
    from turnout.surfaces.nhub import sas
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


def _stored(installation: dict[str, object]) -> Device:
    body = json.dumps(installation)
    return Device(1, "installation", "fz", 1, "apns", "aa", body, 0, 0, None)


# Installations as a PUT can leave them: with templates, and with secondaryTiles, which is stored
# verbatim and so may be any JSON value (a patch of its members once raised TypeError, a 500).
STORED = (
    _stored({"installationId": "fz", "platform": "apns", "pushChannel": "aa"}),
    _stored(
        {
            "installationId": "fz",
            "platform": "apns",
            "pushChannel": "aa",
            "tags": ["a"],
            "templates": {"t": {"body": "{}", "tags": ["x"]}},
            "secondaryTiles": 5,
        }
    ),
)


def hub_bodies(data: bytes) -> None:
    """A registration's XML description, and an installation (PUT) or JSON Patch (PATCH) body, as
    the hub surface reads them: each returns or raises the surface's own 400 (DeviceInputError)."""
    with contextlib.suppress(TurnoutError):
        nhub.parse_description(data)
    try:
        body = json.loads(data)
    except ValueError:
        return
    with contextlib.suppress(TurnoutError):
        installations.canonical("fz", body)
    for stored in STORED:  # a patch is applied to a stored installation, as the PATCH route does
        with contextlib.suppress(TurnoutError):
            installations.patch("fz", body, None)(stored, False, 0)


def sas_tokens(fdp: atheris.FuzzedDataProvider) -> None:
    """An Authorization header through every check of a SAS token: each returns or raises
    TokenRefused (the surface's 401)."""
    header, path = fdp.ConsumeUnicode(300), fdp.ConsumeUnicode(60)
    try:
        token = sas.parse(header if fdp.ConsumeBool() else "SharedAccessSignature " + header)
        sas.check_expiry(token, 1_900_000_000)
        sas.check_audience(token, ["fuzz.example", "fuzz.example:8000"], path)
        sas.check_signature(token, ["k" * 44])
    except sas.TokenRefused:
        pass


def one_input(data: bytes) -> None:
    if not data:
        return
    target, rest = data[0] % 6, data[1:]  # the first byte picks what the rest feeds
    if target in RAW:
        RAW[target](rest)
    else:
        PROVIDED[target](atheris.FuzzedDataProvider(rest))


RAW = {0: bodies, 4: hub_bodies}
PROVIDED = {1: queries, 2: tokens, 3: dates, 5: sas_tokens}


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
    out.append(
        b"\x04<entry xmlns='http://www.w3.org/2005/Atom'><content type='application/xml'>"
        b"<GcmRegistrationDescription xmlns='http://schemas.microsoft.com/netservices/2010/10/"
        b"servicebus/connect'><Tags>a,b</Tags><GcmRegistrationId>x</GcmRegistrationId>"
        b"</GcmRegistrationDescription></content></entry>"
    )
    out.append(b'\x04[{"op": "add", "path": "/templates/t/tags", "value": "[\\"y\\"]"}]')
    out.append(b'\x04[{"op": "add", "path": "/secondaryTiles/s", "value": {"pushChannel": "x"}}]')
    out.append(
        b'\x04{"installationId": "fz", "platform": "gcm", "pushChannel": "x", "tags": ["a"]}'
    )
    out.append(b'\x04[{"op": "add", "path": "/tags", "value": "b"}]')
    out.append(b"\x05sr=http%3a%2f%2ffuzz.example%2fhub&sig=abc%3d&se=1999999999&skn=listen")
    return out


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
