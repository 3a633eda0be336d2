"""What core/installations.canonical answers for known installation bodies (a PUT body or a
patched installation): the canonical installation, or the one refusal the surface sends (its
x-ms-error-code and message), for every rule the declaration (InstallationPut) and the steps after
its conversion say. The hand-written checks these replaced agreed on every row and on thousands of
generated bodies (tests/test_installations_oracle.py, removed with them)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from turnout.core import installations
from turnout.core.devices import DeviceInputError
from turnout.core.hub_writes import Device
from turnout.surfaces.nhub import records

BAD = "InvalidRequestBody"
APNS = {"platform": "apns", "pushChannel": "tok"}
CANONICAL = {"installationId": "inst-1", "pushChannel": "tok", "platform": "apns"}
BROWSER = {"endpoint": "https://push.example/1", "p256dh": "key", "auth": "secret"}
PLATFORMS = "platform must be one of apns, wns, mpns, gcm, fcmv1, adm, baidu, browser, xiaomi."
STRING_CHANNEL = "pushChannel is a string of 1-2048 printable characters."
BROWSER_CHANNEL = "a browser pushChannel has endpoint, p256dh and auth."
TAG_CHARS = "was supplied. Valid tag characters are alphanumeric, _, @, -, ., : and #."


def answer(body: Any) -> Any:
    try:
        return installations.canonical("inst-1", body)
    except DeviceInputError as exc:
        return (exc.reason, str(exc))


ACCEPTED: list[tuple[Any, dict[str, Any]]] = [
    # The path's ID wins; read-only and unknown keys are ignored; platform in any case.
    (
        {"installationId": 5, "platform": "APNS", "pushChannel": "tok", "expirationTime": "x"},
        CANONICAL,
    ),
    # A string channel is kept as sent (padding included); 2048 characters is the most.
    (
        {"platform": "gcm", "pushChannel": " tok\n"},
        {"installationId": "inst-1", "pushChannel": " tok\n", "platform": "gcm"},
    ),
    (
        {"platform": "wns", "pushChannel": "c" * 2048},
        {"installationId": "inst-1", "pushChannel": "c" * 2048, "platform": "wns"},
    ),
    # A browser channel keeps its three keys, in order.
    (
        {"platform": "browser", "pushChannel": {"auth": "secret", "x": 1, **BROWSER}},
        {"installationId": "inst-1", "pushChannel": BROWSER, "platform": "browser"},
    ),
    # Empty (falsy) tags and templates, and null userId, pushVariables, secondaryTiles: absent.
    (
        {**APNS, "tags": "", "templates": 0, "userId": None, "pushVariables": None},
        CANONICAL,
    ),
    # Tags are trimmed, deduplicated, blanks dropped; one $UserId special tag is fine.
    (
        {**APNS, "tags": [" a ", "a", "", " ", "$UserId:{u1}"]},
        {**CANONICAL, "tags": ["a", "$UserId:{u1}"]},
    ),
    (
        {**APNS, "tags": [" "]},
        {**CANONICAL, "tags": []},
    ),
    # Templates: an object or a JSON string; unknown parts dropped; expiry kept as text.
    (
        {
            **APNS,
            "userId": "user@example.org",
            "pushVariables": {"a": "1"},
            "templates": {
                "t1": {"body": "b", "headers": {"h": "v"}, "tags": ["x"], "other": 1},
                "t" * 200: json.dumps({"body": "b", "expiry": 5}),
                "t3": {"body": "b", "expiry": None},
            },
            "secondaryTiles": {"tile": {"pushChannel": "x"}},
        },
        {
            "installationId": "inst-1",
            "pushChannel": "tok",
            "platform": "apns",
            "userId": "user@example.org",
            "pushVariables": {"a": "1"},
            "templates": {
                "t1": {"body": "b", "headers": {"h": "v"}, "tags": ["x"]},
                "t" * 200: {"body": "b", "expiry": "5"},
                "t3": {"body": "b", "expiry": "None"},
            },
            "secondaryTiles": {"tile": {"pushChannel": "x"}},
        },
    ),
]

REFUSED: list[tuple[Any, tuple[str, str]]] = [
    ([APNS], (BAD, "An installation is a JSON object.")),
    ("x", (BAD, "An installation is a JSON object.")),
    ({"pushChannel": "tok"}, (BAD, PLATFORMS)),
    ({"platform": "ios", "pushChannel": "tok"}, (BAD, PLATFORMS)),
    ({"platform": 1, "pushChannel": "tok"}, (BAD, PLATFORMS)),
    ({"platform": "apns"}, (BAD, STRING_CHANNEL)),
    ({"platform": "apns", "pushChannel": "   "}, (BAD, STRING_CHANNEL)),
    ({"platform": "apns", "pushChannel": "t\x00k"}, (BAD, STRING_CHANNEL)),
    ({"platform": "apns", "pushChannel": "c" * 2049}, (BAD, STRING_CHANNEL)),
    ({"platform": "apns", "pushChannel": BROWSER}, (BAD, STRING_CHANNEL)),
    ({"platform": "browser", "pushChannel": "tok"}, (BAD, BROWSER_CHANNEL)),
    ({"platform": "browser", "pushChannel": {**BROWSER, "auth": ""}}, (BAD, BROWSER_CHANNEL)),
    ({"platform": "browser", "pushChannel": {**BROWSER, "auth": "a\n"}}, (BAD, BROWSER_CHANNEL)),
    (
        {"platform": "browser", "pushChannel": {"endpoint": "e", "p256dh": "k"}},
        (BAD, BROWSER_CHANNEL),
    ),
    ({**APNS, "tags": "a"}, ("InvalidTag", "tags must be a list of strings.")),
    ({**APNS, "tags": ["a", 1]}, ("InvalidTag", "tags must be a list of strings.")),
    ({**APNS, "tags": ["a b"]}, ("InvalidTag", f"An invalid tag(s) 'a b' {TAG_CHARS}")),
    (
        {**APNS, "tags": [f"t{i}" for i in range(61)]},
        ("InvalidTag", "A registration can have at most 60 tags."),
    ),
    ({**APNS, "userId": "u 1"}, (BAD, "userId is not valid.")),
    ({**APNS, "userId": ""}, (BAD, "userId is not valid.")),
    ({**APNS, "userId": 5}, (BAD, "userId is not valid.")),
    ({**APNS, "pushVariables": {"a": 1}}, (BAD, "pushVariables must be an object of strings.")),
    ({**APNS, "pushVariables": []}, (BAD, "pushVariables must be an object of strings.")),
    ({**APNS, "templates": ["t"]}, (BAD, "templates must be an object.")),
    ({**APNS, "templates": {"t": "{"}}, (BAD, "template 't' is not a JSON object.")),
    ({**APNS, "templates": {"t": "[]"}}, (BAD, "template 't' needs a string body.")),
    ({**APNS, "templates": {"t": {}}}, (BAD, "template 't' needs a string body.")),
    ({**APNS, "templates": {"t": {"body": 1}}}, (BAD, "template 't' needs a string body.")),
    (
        {**APNS, "templates": {"n" * 201: {"body": "b"}}},
        (BAD, f"template {'n' * 201!r} needs a string body."),
    ),
    (
        {**APNS, "templates": {"t": {"body": "b", "headers": None}}},
        (BAD, "template headers must be an object of strings."),
    ),
    (
        {**APNS, "templates": {"t": {"body": "b", "tags": "x"}}},
        (BAD, "template tags must be a list of strings."),
    ),
    (
        {**APNS, "templates": {"t": {"body": "b", "tags": [" x"]}}},
        ("InvalidTag", f"An invalid tag(s) ' x' {TAG_CHARS}"),
    ),
    # One refusal, the first in the declared order, whatever order the body has.
    ({"userId": 5, "tags": 5, "platform": "no", "pushChannel": 1}, (BAD, PLATFORMS)),
    (
        {"userId": "u 1", **APNS, "tags": ["a b"]},
        ("InvalidTag", f"An invalid tag(s) 'a b' {TAG_CHARS}"),
    ),
    (
        {"templates": {"a": {"body": "b"}, "b": {}}, **APNS, "pushVariables": 1},
        (BAD, "pushVariables must be an object of strings."),
    ),
    (
        {**APNS, "templates": {"a": {"body": "b", "tags": ["x y"]}, "b": {}}},
        ("InvalidTag", f"An invalid tag(s) 'x y' {TAG_CHARS}"),
    ),
]


@pytest.mark.parametrize(("body", "installation"), ACCEPTED)
def test_accepted(body: Any, installation: dict[str, Any]) -> None:
    got = answer(body)
    assert got == installation
    assert list(got) == list(installation)  # the stored JSON keeps the service's key order


@pytest.mark.parametrize(("body", "refusal"), REFUSED)
def test_refused(body: Any, refusal: tuple[str, str]) -> None:
    assert answer(body) == refusal


def stored(installation: dict[str, Any]) -> Device:
    body = json.dumps(installations.canonical("inst-1", installation))
    return Device(1, "installation", "inst-1", 1, "Apple", "TOK", body, 0, 0, None)


@pytest.mark.parametrize(
    ("operation", "refusal"),
    [
        ({"op": "add", "path": "/userId", "value": "u 1"}, (BAD, "userId is not valid.")),
        ({"op": "replace", "path": "/pushChannel", "value": ""}, (BAD, STRING_CHANNEL)),
        (
            {"op": "add", "path": "/templates/t", "value": "{"},
            (
                "InvalidPatch",
                "The value for /templates/t is a string but not the JSON it must hold.",
            ),
        ),
        (
            {"op": "add", "path": "/templates/t", "value": {"body": 1}},
            (BAD, "template 't' needs a string body."),
        ),
        (
            {"op": "add", "path": "/tags", "value": ["a b"]},
            ("InvalidTag", f"An invalid tag(s) 'a b' {TAG_CHARS}"),
        ),
    ],
)
def test_a_patched_installation_is_checked_by_the_same_rules(
    operation: dict[str, Any], refusal: tuple[str, str]
) -> None:
    decide = installations.patch("inst-1", [operation], None)
    with pytest.raises(DeviceInputError) as refused:
        decide(stored(APNS), False, 0)
    assert (refused.value.reason, str(refused.value)) == refusal


def test_a_valid_patch_is_stored_canonical() -> None:
    operations = [
        {"op": "add", "path": "/tags", "value": " b "},
        {"op": "add", "path": "/userId", "value": "u1"},
    ]
    write = installations.patch("inst-1", operations, None)(stored(APNS), False, 0)
    assert write is not None
    assert json.loads(write.body) == {
        **APNS,
        "installationId": "inst-1",
        "tags": ["b"],
        "userId": "u1",
    }


def test_the_document_describes_the_declaration_the_core_checks() -> None:
    assert records.PUT_INSTALLATION.body is installations.InstallationPut
