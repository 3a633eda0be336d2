"""core/installations.canonical, now a conversion against InstallationPut plus explicit steps,
against the hand-written checks it replaces (kept in tests/oracle/ only for this comparison): the
same installation (keys in order), or the same refusal (class, x-ms-error-code, message), for
generated PUT bodies and patched installations."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.oracle import old_installations
from turnout.core import installations
from turnout.core.devices import DeviceInputError

TAGS = ["a", " a ", "b", "", " ", "bad tag", "$InstallationId:{i1}", "$UserId:{u}", "$userid:{v}"]
TAGS += ["t" * 120, "t" * 121, "x\ty", "é"]
TEXT = [
    "",
    " ",
    "x",
    " x ",
    "x\n",
    "\tx",
    "x\x00y",
    "x\x7f",
    "a" * 2048,
    "a" * 2049,
    " " + "a" * 2047,
]
TEXT += ["u1", "u 1", "user@x.org", "u=1", "é", "\x1c", "12", "{}", '{"body": "b"}', "APNS"]
SCALARS: list[Any] = [None, True, False, 0, 1, -1, 0.0, 1.5, 2**70, "", [], {}, *TEXT]
CHANNELS: list[Any] = [
    {"endpoint": "https://e", "p256dh": "k", "auth": "a"},
    {"endpoint": "https://e", "p256dh": "k", "auth": "a", "extra": 1},
    {"endpoint": "https://e", "p256dh": "", "auth": "a"},
    {"endpoint": "https://e", "p256dh": "k\n", "auth": "a"},
    {"endpoint": "https://e", "p256dh": "k"},
    {"endpoint": 1, "p256dh": "k", "auth": "a"},
]
PLATFORM = st.sampled_from(
    [*installations.PLATFORMS, "APNS", "Browser", "FcmV1", "nope", "", None, 1]
)
TEMPLATE_PARTS = st.fixed_dictionaries(
    {},
    optional={
        "body": st.sampled_from(["b", "", 1, None, ["b"]]),
        "headers": st.sampled_from([{}, {"h": "v"}, {"h": 1}, None, "x", '{"h": "v"}']),
        "tags": st.lists(st.sampled_from(TAGS), max_size=3) | st.sampled_from([None, "a", [1]]),
        "expiry": st.sampled_from(["2030-01-01", 1, None, True, 1.5, [1], {"a": 1}]),
        "other": st.just(1),
    },
)
GOOD_TAGS = st.lists(st.sampled_from(["a", " b ", "$UserId:{u}", "c"]), max_size=3)
GOOD_TEMPLATE = st.fixed_dictionaries(
    {"body": st.just("b")},
    optional={"headers": st.just({"h": "v"}), "tags": GOOD_TAGS, "expiry": st.just("2030")},
)
TEMPLATE = (
    GOOD_TEMPLATE
    | GOOD_TEMPLATE.map(json.dumps)
    | TEMPLATE_PARTS
    | TEMPLATE_PARTS.map(json.dumps)
    | st.sampled_from(["{", "[]", "1", 5])
)
NAMES = ["t1", "t'2", "", "n" * 200, "n" * 201]
TEMPLATE_NAME = st.sampled_from(NAMES)
JSON = st.recursive(
    st.sampled_from(SCALARS),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["a", "b"]), inner),
    max_leaves=6,
)
FIELDS = {
    "platform": PLATFORM | JSON,
    "pushChannel": st.sampled_from([*TEXT, *CHANNELS]) | JSON,
    "tags": GOOD_TAGS
    | st.lists(st.sampled_from(TAGS), max_size=4)
    | st.lists(JSON, max_size=2)
    | JSON,
    "userId": st.sampled_from(["u1", "user@x.org"]) | st.sampled_from(TEXT) | JSON,
    "pushVariables": st.just({"a": "1"})
    | st.dictionaries(st.sampled_from(["a", "b"]), st.sampled_from(TEXT) | JSON)
    | JSON,
    "templates": st.dictionaries(TEMPLATE_NAME, GOOD_TEMPLATE, max_size=2)
    | st.dictionaries(TEMPLATE_NAME, TEMPLATE, max_size=3)
    | JSON,
    "secondaryTiles": JSON,
    "installationId": JSON,
    "expirationTime": JSON,
}
# Mostly valid platforms and channels, so the later fields' rules are reached.
LIKELY = st.sampled_from(
    [("apns", "tok"), ("WNS", " tok "), ("gcm", "t"), ("browser", CHANNELS[0])]
)
REST = st.fixed_dictionaries(
    {}, optional={k: v for k, v in FIELDS.items() if k not in ("platform", "pushChannel")}
)
LIKELY_BODY = st.tuples(LIKELY, REST).map(
    lambda pair: {"platform": pair[0][0], "pushChannel": pair[0][1], **pair[1]}
)
BODIES = st.integers(0, 3).flatmap(
    lambda n: st.fixed_dictionaries({}, optional=FIELDS) if n == 0 else LIKELY_BODY
)


def answer(check: Any, body: Any) -> Any:
    try:
        return json.dumps(check("inst-1", copy.deepcopy(body)))
    except DeviceInputError as exc:
        return ("refused", exc.reason, str(exc))


def agree(body: Any) -> None:
    ours = answer(installations.canonical, body)
    theirs = answer(old_installations.canonical, body)
    assert ours == theirs, (body, ours, theirs)


def test_every_edge_value_in_every_field_agrees() -> None:
    base: dict[str, Any] = {"platform": "apns", "pushChannel": "tok"}
    browser: dict[str, Any] = {"platform": "browser", "pushChannel": CHANNELS[0]}
    templates = [
        {"t": {"body": "b", part: v}} for part in ("headers", "tags", "expiry") for v in SCALARS
    ]
    for start in (base, browser, {}):
        for key in FIELDS:
            agree({k: v for k, v in start.items() if k != key})
            for value in [*SCALARS, *CHANNELS, [TAGS], TAGS, *templates]:
                agree({**start, key: value})
    for name in NAMES:
        for template in ({"body": "b"}, '{"body": "b"}', "{", {"body": 1}):
            agree({**base, "templates": {name: template}})
            agree({**base, "tags": ["bad tag"], "templates": {name: template}})
    for scalar in SCALARS:
        agree(scalar)


@settings(max_examples=4000, deadline=None, suppress_health_check=list(HealthCheck))
@given(BODIES)
def test_generated_bodies_agree(body: dict[str, Any]) -> None:
    agree(body)


PATHS = ["/pushChannel", "/userId", "/user", "/tags", "/tags/a", "/tags/bad tag", "/templates/t1"]
PATHS += ["/templates/t1/body", "/templates/t1/headers", "/templates/t1/tags"]
PATHS += ["/templates/t1/expiry", "/secondaryTiles/x"]
OPERATION = st.fixed_dictionaries(
    {
        "op": st.sampled_from(["add", "replace", "remove"]),
        "path": st.sampled_from(PATHS),
    },
    optional={"value": JSON | TEMPLATE | st.sampled_from(TEXT)},
)


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(OPERATION, max_size=4))
def test_patched_installations_agree(operations: list[dict[str, Any]]) -> None:
    """A PATCH result: the stored installation with the operations applied, then checked."""
    stored = installations.canonical(
        "inst-1",
        {
            "platform": "apns",
            "pushChannel": "tok",
            "tags": ["a"],
            "templates": {"t1": {"body": "b", "headers": {"h": "v"}}},
        },
    )
    patched = copy.deepcopy(stored)
    try:
        for operation in operations:
            installations.apply_operation(patched, operation)
    except (DeviceInputError, ValueError, AttributeError, TypeError):
        return  # refused (or failing) before the check, the same for old and new
    agree(patched)
