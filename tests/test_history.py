"""The status history: a row for every status and check-in count a registration takes, no more."""

from __future__ import annotations

from typing import Any

from tests.builders import make_event, register
from tests.live import Tenant


def history(tenant: Tenant, event_id: str, registration_id: str) -> list[tuple[str, int]]:
    sql = (
        "SELECT h.status, h.checked_in_count FROM registration_history h"
        " JOIN registrations r ON r.pk = h.registration_pk JOIN events e ON e.pk = r.event_pk"
        " WHERE e.tenant_id = {t} AND e.id = {e} AND r.id = {r} ORDER BY h.pk"
    )

    async def read(store: Any) -> list[tuple[str, int]]:
        if store.dialect == "sqlite":
            rows = store.reader.execute(
                sql.format(t="?", e="?", r="?"), (tenant.id, event_id, registration_id)
            )
            return [tuple(row) for row in rows]
        rows = await store.pool.fetch(
            sql.format(t="$1", e="$2", r="$3"), tenant.id, event_id, registration_id
        )
        return [tuple(row) for row in rows]

    return list(tenant.server.run(read))


def test_history_follows_status_and_check_in_but_not_other_edits(tenant: Tenant) -> None:
    make_event(tenant.http, "be_1")
    register(tenant.http, "be_1", "r1", "accepted", guest_count=1)
    register(tenant.http, "be_1", "r1", "accepted", metadata={"note": "edit only"})  # no new row
    register(tenant.http, "be_1", "r1", "tentative")
    url = "/api/v1/events/be_1/registrations/r1/check-in"
    assert tenant.http.post(url, json={"count": 1}).status_code == 200
    assert tenant.http.post(url, json={"count": 2}).status_code == 200
    assert tenant.http.post(url, json={"count": 2}).status_code == 200  # a repeat: no new row
    assert tenant.http.delete("/v1/bookable_events/be_1/registrations/r1").status_code == 200
    assert history(tenant, "be_1", "r1") == [
        ("accepted", 0),
        ("tentative", 0),
        ("accepted", 1),
        ("accepted", 2),
        ("removed", 2),
    ]
