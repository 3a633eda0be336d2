"""Retries on schedule, with the dispatcher's clock under the test's control, on both databases."""

from __future__ import annotations

import time
from typing import Any

from tests.receiver import Receiver
from tests.test_webhook_outbox import SECRET, on_store, own_database_url, put_event
from turnout.core.ports import Store
from turnout.webhooks import manage
from turnout.webhooks.dispatcher import JITTER, MAX_ATTEMPTS, RETRY_AFTER, Dispatcher, retry_at
from turnout.webhooks.guard import AllowList
from turnout.webhooks.store import WebhookStore

LOCAL = AllowList.parse("127.0.0.0/8")
__all__ = ["own_database_url"]  # the fixture


class Clock:
    def __init__(self) -> None:
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now


async def endpoint_for(ws: WebhookStore, tenant_id: int, receiver: Receiver) -> Any:
    body = {"url": receiver.url, "event_types": ["event.created"]}
    endpoint, shown = await manage.create(ws, SECRET, tenant_id, body, allow_http=True)
    receiver.secret = shown["secret"]
    return endpoint


async def state(ws: WebhookStore, endpoint_pk: int) -> tuple[Any, ...]:
    (row,) = await ws.read(
        "SELECT state, attempts, next_attempt_at, last_status, last_error FROM webhook_deliveries"
        " WHERE endpoint_pk = ?",
        endpoint_pk,
    )
    return tuple(row)


def test_schedule_spans_about_three_days() -> None:
    low = sum(retry_at(0, n, lambda: 0.0) or 0 for n in range(1, MAX_ATTEMPTS))
    high = sum(retry_at(0, n, lambda: 1.0) or 0 for n in range(1, MAX_ATTEMPTS))
    assert 2.3 * 86400 < low < high < 3.6 * 86400
    assert retry_at(0, MAX_ATTEMPTS) is None


def test_failing_receiver_is_retried_on_schedule_then_disabled(own_database_url: str) -> None:
    async def work(store: Store, ws: WebhookStore, tenant_id: int) -> None:
        with Receiver(mode="fail") as receiver:
            endpoint = await endpoint_for(ws, tenant_id, receiver)
            await put_event(store, tenant_id)
            clock = Clock()
            dispatcher = Dispatcher(ws, SECRET, LOCAL, 60, clock)
            try:
                for attempt in range(1, MAX_ATTEMPTS + 1):
                    assert await dispatcher.dispatch_once() == 1
                    assert await dispatcher.dispatch_once() == 0  # not due yet
                    status, attempts, next_at, last_status, error = await state(ws, endpoint.pk)
                    assert (attempts, last_status) == (attempt, 500)
                    assert error.startswith("HTTP 500")
                    if attempt < MAX_ATTEMPTS:
                        wait = next_at - clock.now
                        expected = RETRY_AFTER[attempt - 1]
                        assert expected * (1 - JITTER) - 1 <= wait <= expected * (1 + JITTER) + 1
                        clock.now = next_at
                assert status == "failed"
                assert len(receiver.received) == MAX_ATTEMPTS
                assert {r["id"] for r in receiver.received} == {receiver.received[0]["id"]}
                assert receiver.bad_signatures == 0
                (found,) = await ws.list_endpoints(tenant_id)
                assert not found.enabled and "failing" in (found.disabled_reason or "")
            finally:
                await dispatcher.close()

    on_store(own_database_url, work)


def test_hanging_receiver_times_out_and_is_retried(own_database_url: str) -> None:
    async def work(store: Store, ws: WebhookStore, tenant_id: int) -> None:
        with Receiver(mode="hang") as receiver:
            endpoint = await endpoint_for(ws, tenant_id, receiver)
            await put_event(store, tenant_id)
            clock = Clock()
            dispatcher = Dispatcher(ws, SECRET, LOCAL, 60, clock, total_timeout=0.5)
            try:
                assert await dispatcher.dispatch_once() == 1
                _, attempts, next_at, last_status, error = await state(ws, endpoint.pk)
                assert (attempts, last_status, error) == (1, None, "no answer within 0.5 s")
                receiver.mode = "ok"
                clock.now = next_at
                assert await dispatcher.dispatch_once() == 1
                assert (await state(ws, endpoint.pk))[:2] == ("delivered", 2)
            finally:
                await dispatcher.close()

    on_store(own_database_url, work)


def test_gone_disables_the_endpoint(own_database_url: str) -> None:
    async def work(store: Store, ws: WebhookStore, tenant_id: int) -> None:
        with Receiver(mode="gone") as receiver:
            endpoint = await endpoint_for(ws, tenant_id, receiver)
            await put_event(store, tenant_id)
            dispatcher = Dispatcher(ws, SECRET, LOCAL, 60, Clock())
            try:
                assert await dispatcher.dispatch_once() == 1
                assert (await state(ws, endpoint.pk))[:2] == ("failed", 1)
                (found,) = await ws.list_endpoints(tenant_id)
                assert (found.enabled, found.disabled_reason) == (False, "answered 410 Gone")
            finally:
                await dispatcher.close()

    on_store(own_database_url, work)


def test_rotation_signs_with_both_secrets(own_database_url: str) -> None:
    async def work(store: Store, ws: WebhookStore, tenant_id: int) -> None:
        with Receiver() as receiver:
            endpoint = await endpoint_for(ws, tenant_id, receiver)
            old = receiver.secret
            _, shown = await manage.rotate(ws, SECRET, tenant_id, endpoint.id)
            await put_event(store, tenant_id)
            dispatcher = Dispatcher(ws, SECRET, LOCAL, 60, Clock())
            try:
                assert await dispatcher.dispatch_once() == 1
            finally:
                await dispatcher.close()
            for secret in (old, shown["secret"]):  # a receiver with either secret verifies it
                receiver.secret = secret
                receiver.take(*receiver_last(receiver))
            assert receiver.bad_signatures == 0

    on_store(own_database_url, work)


def receiver_last(receiver: Receiver) -> tuple[dict[str, str], bytes]:
    return receiver.raw[-1]
