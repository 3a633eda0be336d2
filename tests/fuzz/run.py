"""The fuzzing loop: mutated requests against a live server, each followed on the same connection by
a valid pipelined request, with every answer checked.

For every mutated request: an answer (no dropped connection), below 500, within `bound` seconds, in
the surface's own error shape when it is a 4xx, and no change to the database when it is a refusal
of a write; and the valid request pipelined behind it is answered 200, unless the first answer
closed the connection (`Connection: close`, as a malformed request's 400 must).
"""

from __future__ import annotations

import collections
import dataclasses
import json
import random
import re
import time
from collections.abc import Callable, Sequence
from typing import Any

from starlette.routing import BaseRoute

from tests.fuzz.mutate import Draft, fuzz
from tests.fuzz.routes import Operation, surface_of
from tests.fuzz.wire import Connection, Dropped, Response
from turnout.connections import REFUSALS

# Answers given before a request reaches a surface, by the HTTP layer: uvicorn's parser (malformed
# requests) and connections.py (heads over the cap, timeouts, too many connections) before the
# request's path has arrived; once it has, connections.py answers in the surface's shape.
FRAMING = {
    (400, b"Invalid HTTP request received."),
    *((status, wire.partition(b"\r\n\r\n")[2]) for status, wire in REFUSALS.items()),
}
WRITES = {b"POST", b"PUT", b"PATCH", b"DELETE"}


def v1_shape(body: Any) -> bool:
    """Cronofy: `{}` or `{"errors": {field: [{"key", "description"}]}}`, each with turnout's
    `turnout_error` member, `{"code", "problem", "fix"}` (and `limit` on a 429)."""
    if not isinstance(body, dict):
        return False
    explained = body.get("turnout_error")
    if not (isinstance(explained, dict) and {"code", "problem", "fix"} <= set(explained)):
        return False
    body = {k: v for k, v in body.items() if k != "turnout_error"}
    if body == {}:
        return True
    errors = body.get("errors") if isinstance(body, dict) else None
    return (
        isinstance(errors, dict)
        and set(body) == {"errors"}
        and all(
            isinstance(v, list) and all(set(e) == {"key", "description"} for e in v)
            for v in errors.values()
        )
    )


def webkasa_shape(body: Any) -> bool:
    return (
        isinstance(body, dict)
        and isinstance(body.get("error"), str)
        and isinstance(body.get("code"), str)
        and body["code"].isupper()
    )


def operability_shape(body: Any) -> bool:
    return isinstance(body, dict)


# Each registered surface's error shape, by name (surfaces/registry.py); '' is turnout's own routes.
# tests/test_fuzz.py fails if a registered surface has no entry here.
def nhub_shape(body: bytes) -> bool:
    """Notification Hubs: `<Error><Code>n</Code><Detail>…</Detail></Error>` (XML, not JSON)."""
    return (
        re.fullmatch(rb"<Error><Code>\d{3}</Code><Detail>[^<]*</Detail></Error>", body) is not None
    )


SHAPES: dict[str, Callable[[Any], bool]] = {
    "cronofy": v1_shape,
    "webkasa": webkasa_shape,
    "nhub": nhub_shape,  # given the raw body: see XML_SURFACES
    "": operability_shape,
}
XML_SURFACES = {"nhub"}


@dataclasses.dataclass
class Target:
    port: int
    key: str  # the tenant's write key
    values: dict[str, str]  # path parameters of objects that exist (reset() may renew them)
    fingerprint: Callable[[], Any]  # the tenant's rows, to see a refusal change nothing
    reset: Callable[[], None]  # put the objects back as they were (writes change them)
    probe: bytes  # a valid request to pipeline behind each mutated one
    routes: Sequence[BaseRoute]  # the app's own, to know which surface answers a path
    admin_key: str = ""  # the tenant's admin key, for the operations in `admin`
    admin: set[str] = dataclasses.field(default_factory=set)  # "METHOD /path" (see needs_admin)
    # What the database is doing (its other sessions, what each waits for), told with a finding
    # of a request left unanswered: the first question such a finding raises.
    activity: Callable[[], str] = lambda: ""


@dataclasses.dataclass
class Finding:
    operation: str
    kinds: list[str]
    request: bytes
    problem: str


@dataclasses.dataclass
class Report:
    requests: int = 0
    statuses: collections.Counter[int] = dataclasses.field(default_factory=collections.Counter)
    kinds: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    operations: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    # Operations fuzzed with the admin key that answered 2xx at least once, and how often.
    admin_successes: collections.Counter[str] = dataclasses.field(
        default_factory=collections.Counter
    )
    findings: list[Finding] = dataclasses.field(default_factory=list)
    slowest: float = 0.0
    # The last requests and their statuses, for findings that earlier requests may explain.
    recent: collections.deque[tuple[bytes, int]] = dataclasses.field(
        default_factory=lambda: collections.deque(maxlen=4)
    )


def draft_for(op: Operation, target: Target) -> Draft:
    from tests.fuzz.mutate import _ABSENT

    key = target.admin_key if f"{op.method} {op.path}" in target.admin else target.key
    headers = [(b"host", b"fuzz.example"), (b"authorization", f"Bearer {key}".encode())]
    body: Any = _ABSENT
    if op.example is not None:
        headers.append((b"content-type", b"application/json"))
        body = op.example
    return Draft(op.method.encode(), op.target(target.values), [], headers, body)


def needs_admin(operations: list[Operation], target: Target) -> set[str]:
    """The operations whose valid request the write key gets 403 for and the admin key does not:
    the admin routes, found by asking each route rather than listing them, so an admin route added
    later is fuzzed with the key it needs. Fuzzed with the write key, they would never get past
    their scope check (their 403 is still fuzzed: the credential mutations drop or spoil the key)."""
    found = set()
    for op in operations:
        name = f"{op.method} {op.path}"
        if _status(target, draft_for(op, target)) != 403:
            continue
        as_admin = dataclasses.replace(target, admin={name})
        if _status(target, draft_for(op, as_admin)) != 403:
            found.add(name)
    target.reset()  # the admin writes above may have deleted the objects in `values`
    return found


def _status(target: Target, draft: Draft) -> int:
    conn = Connection(target.port, timeout=10)
    try:
        conn.send(draft.request().encode())
        return conn.read().status
    finally:
        conn.close()


def check(routes: Sequence[BaseRoute], sent: Draft, answer: Response, bound: float) -> str | None:
    if answer.status >= 500:
        return f"{answer.status}: {answer.body[:200]!r}"
    if answer.seconds > bound:
        return f"answered in {answer.seconds:.2f} s (bound {bound} s)"
    if not 400 <= answer.status < 500 or (answer.status, answer.body) in FRAMING:
        return None
    if sent.method == b"HEAD":
        return None
    if (surface := surface_of(routes, sent.path)) in XML_SURFACES:
        if SHAPES[surface](answer.body):
            return None
        return f"{answer.status} not in {surface}'s error shape: {answer.body[:200]!r}"
    try:
        body = json.loads(answer.body)
    except ValueError:
        return f"{answer.status} not JSON: {answer.body[:120]!r}"
    surface = surface_of(routes, sent.path)
    if SHAPES[surface](body):
        return None
    return f"{answer.status} not in {surface or 'turnout'}'s error shape: {body!r:.200}"


def run(
    operations: list[Operation], target: Target, seconds: float, seed: int, bound: float = 3.0
) -> Report:
    rng = random.Random(seed)
    report = Report()
    end = time.monotonic() + seconds
    conn = Connection(target.port, timeout=bound + 5)
    rounds: list[Operation] = []  # every operation once per round, in a seeded order
    try:
        while time.monotonic() < end:
            if not rounds:
                rounds = rng.sample(operations, len(operations))
            op = rounds.pop()
            conn = _one(op, fuzz(rng, draft_for(op, target)), target, conn, report, bound)
            if report.requests % 200 == 0:
                target.reset()
    finally:
        conn.close()
    return report


def _one(
    op: Operation, draft: Draft, target: Target, conn: Connection, report: Report, bound: float
) -> Connection:
    """Send one mutated request and the probe behind it; returns the connection to go on with."""
    name = f"{op.method} {op.path}"
    request = draft.request()
    wire = request.encode()
    before = target.fingerprint() if draft.method in WRITES else None
    report.requests += 1
    report.operations[name] += 1
    report.kinds.update(draft.kinds)
    conn.send(wire + target.probe)
    try:
        answer = conn.read(head_request=draft.method == b"HEAD")
    except Dropped as exc:
        problem = f"dropped: {exc}{_unanswered(exc, conn, target)}\n{_earlier(report)}"
        report.findings.append(Finding(name, draft.kinds, wire, problem))
        conn.close()
        return Connection(target.port, conn.timeout)
    report.statuses[answer.status] += 1
    if name in target.admin and 200 <= answer.status < 300:
        report.admin_successes[name] += 1
    report.recent.append((wire, answer.status))
    report.slowest = max(report.slowest, answer.seconds)
    problem = check(target.routes, draft, answer, bound)
    if problem is None and before is not None and answer.status >= 400:
        after = target.fingerprint()
        if after != before:
            problem = f"{answer.status} refusal changed the database: {before} → {after}\n"
            problem += _earlier(report)
    if problem is None and not answer.closes and draft.version == b"HTTP/1.1":
        try:
            probe = conn.read()
            if probe.status != 200:
                problem = f"pipelined request answered {probe.status}: {probe.body[:120]!r}"
        except Dropped as exc:
            late = _unanswered(exc, conn, target)
            problem = f"pipelined request dropped: {exc}{late}\n{_earlier(report)}"
    if problem is not None:
        report.findings.append(Finding(name, draft.kinds, wire, problem))
    if problem is not None or answer.closes or draft.version != b"HTTP/1.1":
        conn.close()
        return Connection(target.port, conn.timeout)
    return conn


LATE_WAIT = 60.0  # how long an unanswered request is given, after the finding, to be answered


def _unanswered(exc: Dropped, conn: Connection, target: Target) -> str:
    """For a request not answered in time: what the database was doing then, and whether (and
    when) the answer came after all; else nothing."""
    if str(exc) != "no answer in time":
        return ""
    activity = target.activity()
    conn.sock.settimeout(LATE_WAIT)
    try:
        late = conn.read()
        after = f"answered {late.status} {late.seconds:.2f} s later"
    except Dropped as again:
        after = f"then, within {LATE_WAIT:g} s more: {again}"
    return f"; {after}\n  the database then:\n{activity}"


def _earlier(report: Report) -> str:
    return "\n".join(f"    after {status}: {w[:300]!r}" for w, status in report.recent)


def summary(report: Report) -> str:
    lines = [
        f"{report.requests} mutated requests (+ as many pipelined probes), "
        f"slowest answer {report.slowest:.2f} s, {len(report.findings)} findings",
        "statuses: " + ", ".join(f"{s}×{n}" for s, n in sorted(report.statuses.items())),
        "mutations: " + ", ".join(f"{k}×{n}" for k, n in report.kinds.most_common()),
    ]
    seen: set[str] = set()
    for f in report.findings:
        problem = f.problem.partition("\n")[0][:60]
        if problem not in seen:  # one example of each kind of problem
            seen.add(problem)
            lines.append(f"FINDING {f.operation} {f.kinds}: {f.problem}\n  {f.request[:600]!r}")
    return "\n".join(lines)
