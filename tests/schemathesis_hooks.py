"""schemathesis hooks for tests/test_contract.py (tests/schemathesis.toml loads them): each scenario
of the stateful phase runs as a tenant of its own.

Hypothesis makes new scenarios by replaying the start of earlier ones. Against one tenant, a
replayed step meets what every scenario since has left behind — the event id it upserts now holds
registrations, its Idempotency-Key now stands for another body, a root that created something now
answers 409 — so it answers otherwise, the scenario draws differently, Hypothesis raises
FlakyStrategyDefinition, and schemathesis ends the stateful phase there, as a success. Runs so ended
after 21 to 773 of 1,000 scenarios. In a fresh tenant a replay meets what the first run met.

test_contract.py makes the tenants, one admin key each, and names the file that lists them in
TURNOUT_FUZZ_SCENARIO_KEYS; a scenario takes the next key (they are reused, in turn, if the run
makes more scenarios than keys). Only a request that carries the run's key (TURNOUT_FUZZ_KEY) is
changed: ignored_auth's requests without it, or with a wrong one, go as they are. The other
phases keep the run's tenant.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any

import schemathesis
from schemathesis.generation.meta import TestPhase
from schemathesis.generation.stateful.state_machine import RecordingStateMachine

RUN_KEY = os.environ.get("TURNOUT_FUZZ_KEY", "")
_listed = os.environ.get("TURNOUT_FUZZ_SCENARIO_KEYS")
_keys = itertools.cycle(Path(_listed).read_text().split() if _listed else [RUN_KEY])
_scenario = {"key": RUN_KEY}
_start = RecordingStateMachine.__init__


def _new_scenario(machine: RecordingStateMachine) -> None:
    """Hypothesis makes a state machine per scenario (replays and shrinks included)."""
    _scenario["key"] = next(_keys)
    _start(machine)


RecordingStateMachine.__init__ = _new_scenario  # type: ignore[method-assign]


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    if case.meta is None or case.meta.phase.name != TestPhase.STATEFUL or not case.headers:
        return
    key = _scenario["key"]
    if case.headers.get("Authorization") == f"Bearer {RUN_KEY}":
        case.headers["Authorization"] = f"Bearer {key}"
    if case.headers.get("X-API-Key") == RUN_KEY:
        case.headers["X-API-Key"] = key
