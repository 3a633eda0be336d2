"""E2, E3, E6, E8 reads and paging: C20–C26."""

from __future__ import annotations

from typing import Any

import pytest

from tests.builders import event_body, make_event, register
from tests.cronofy_errors import cronofy_body
from tests.live import Tenant
from turnout.core.events import EventChanges, put_event


def fill(tenant: Tenant, event_id: str, n: int) -> None:
    make_event(tenant.http, event_id)
    for i in range(n):
        assert register(tenant.http, event_id, f"r{i:03d}").status_code == 200


def test_unknown_event_is_404(tenant: Tenant) -> None:  # C20
    r = tenant.http.get("/v1/bookable_events/nope")
    assert (r.status_code, cronofy_body(r)) == (404, {})


def test_draft_event_is_hidden_until_published(tenant: Tenant) -> None:  # C20
    changes = EventChanges(
        start_at=1_900_000_000, end_at=1_900_003_600, status="draft", title="Draft"
    )
    tenant.server.run(lambda store: put_event(store, tenant.id, "drafty", changes))
    assert tenant.http.get("/v1/bookable_events/drafty").status_code == 404
    assert register(tenant.http, "drafty", "r1").status_code == 404
    # /v1 cannot publish it either (docs/API.md): its upsert answers as its reads do.
    upsert = tenant.http.post("/v1/bookable_events", json=event_body("drafty"))
    assert (upsert.status_code, cronofy_body(upsert)) == (404, {})
    published = tenant.http.patch("/api/v1/events/drafty", json={"status": "published"})
    assert published.status_code == 200, published.text
    assert tenant.http.get("/v1/bookable_events/drafty").status_code == 200


def test_fifty_registrations_fit_one_page(tenant: Tenant) -> None:  # C21
    fill(tenant, "be_1", 50)
    reg = tenant.http.get("/v1/bookable_events/be_1").json()["registration"]
    assert len(reg["registrations"]) == 50
    assert "pages" not in reg


def test_fifty_one_registrations_make_two_pages(tenant: Tenant) -> None:  # C21 C22
    fill(tenant, "be_1", 51)
    first = tenant.http.get("/v1/bookable_events/be_1", headers={"Host": "evil.example"}).json()
    pages = first["registration"]["pages"]
    assert (pages["current"], pages["total"]) == (1, 2)
    assert pages["next_page"].startswith(
        tenant.server.settings.base_url + "/v1/bookable_events/be_1/"
    )
    second = tenant.http.get(pages["next_page"]).json()
    assert set(second) == set(first)
    assert second["registration"]["pages"] == {"current": 2, "total": 2}
    ids = [
        r["registration_id"] for p in (first, second) for r in p["registration"]["registrations"]
    ]
    assert ids == [f"r{i:03d}" for i in range(51)]


def tamper(url: str) -> str:
    last = url[-1]
    return url[:-1] + ("A" if last != "A" else "B")


def test_forged_or_moved_tokens_are_404(tenant: Tenant, other_tenant: Tenant) -> None:  # C23
    fill(tenant, "be_1", 51)
    make_event(tenant.http, "be_2")
    next_page = tenant.http.get("/v1/bookable_events/be_1").json()["registration"]["pages"][
        "next_page"
    ]
    token = next_page.rsplit("/", 1)[1]
    assert tenant.http.get(tamper(next_page)).status_code == 404
    assert (
        tenant.http.get(f"/v1/bookable_events/be_2/registrations/pages/{token}").status_code == 404
    )
    make_event(other_tenant.http, "be_1")
    r = other_tenant.http.get(f"/v1/bookable_events/be_1/registrations/pages/{token}")
    assert (r.status_code, cronofy_body(r)) == (404, {})
    assert (
        tenant.http.get("/v1/bookable_events/be_1/registrations/pages/garbage!").status_code == 404
    )
    list_token = f"/v1/bookable_events/be_1/registrations?page_token={token}"
    assert tenant.http.get(list_token).status_code == 404  # another kind of token


@pytest.mark.parametrize("n", [0, 1, 120])
def test_registration_list_always_has_pages(tenant: Tenant, n: int) -> None:  # C24
    fill(tenant, "be_1", n)
    seen: list[str] = []
    url: str | None = "/v1/bookable_events/be_1/registrations"
    while url:
        body: dict[str, Any] = tenant.http.get(url).json()
        pages = body["pages"]
        assert (pages["current"] < pages["total"]) == ("next_page" in pages)
        seen += [r["registration_id"] for r in body["registrations"]]
        url = pages.get("next_page")
    assert seen == [f"r{i:03d}" for i in range(n)]


def test_event_list_shows_confirmed_and_cancelled_not_drafts(tenant: Tenant) -> None:  # C25
    make_event(tenant.http, "a")
    make_event(tenant.http, "b", status="cancelled")
    draft = EventChanges(start_at=1_900_000_000, end_at=1_900_003_600, status="draft")
    tenant.server.run(lambda store: put_event(store, tenant.id, "c", draft))
    body = tenant.http.get("/v1/bookable_events").json()
    assert [e["bookable_event_id"] for e in body["bookable_events"]] == ["a", "b"]
    assert "registrations" not in body["bookable_events"][0]["registration"]
    assert body["pages"] == {"current": 1, "total": 1}


def test_event_list_pages_cover_every_event(tenant: Tenant) -> None:  # C25
    for i in range(120):
        tenant.http.post("/v1/bookable_events", json=event_body(f"e{i:03d}"))
    seen: list[str] = []
    url: str | None = "/v1/bookable_events"
    while url:
        body = tenant.http.get(url).json()
        seen += [e["bookable_event_id"] for e in body["bookable_events"]]
        assert (body["pages"]["current"] < body["pages"]["total"]) == ("next_page" in body["pages"])
        url = body["pages"].get("next_page")
    assert seen == [f"e{i:03d}" for i in range(120)]


def test_get_with_json_body_and_unknown_query_is_fine(tenant: Tenant) -> None:  # C26
    make_event(tenant.http, "be_1")
    r = tenant.http.request("GET", "/v1/bookable_events/be_1?foo=bar&bookable_event_id=x", json={})
    assert r.status_code == 200
    assert r.json()["bookable_event_id"] == "be_1"


def test_event_fields_show_current_state_on_later_pages(tenant: Tenant) -> None:
    fill(tenant, "be_1", 51)
    next_page = tenant.http.get("/v1/bookable_events/be_1").json()["registration"]["pages"][
        "next_page"
    ]
    register(tenant.http, "be_1", "late")
    second = tenant.http.get(next_page).json()
    assert second["registration"]["registered_count"] == 52


def test_event_list_total_counts_the_pages(tenant: Tenant) -> None:
    for i in range(120):
        tenant.http.post("/v1/bookable_events", json=event_body(f"e{i:03d}"))
    assert tenant.http.get("/v1/bookable_events").json()["pages"]["total"] == 3


def test_pages_show_rows_changed_behind_the_rendered_rows(tenant: Tenant) -> None:
    """/v1 keeps each row's rendered JSON by version and reads only the rows it lacks: rows changed
    through /api/v1 (which renders no /v1 page) between two reads must show their new state, in
    place, beside the unchanged rows the first read rendered."""
    fill(tenant, "be_1", 8)
    before = tenant.http.get("/v1/bookable_events/be_1").json()["registration"]["registrations"]
    for changed in ("r002", "r005"):
        r = tenant.http.post(f"/api/v1/events/be_1/registrations/{changed}/check-in", json={})
        assert r.status_code == 200, r.text
    for url, rows_of in (
        ("/v1/bookable_events/be_1", lambda body: body["registration"]["registrations"]),
        ("/v1/bookable_events/be_1/registrations", lambda body: body["registrations"]),
    ):
        after = rows_of(tenant.http.get(url).json())
        assert [r["registration_id"] for r in after] == [f"r{i:03d}" for i in range(8)]
        checked = [r["registration_id"] for r in after if r["checked_in_count"] == 1]
        assert checked == ["r002", "r005"]
        assert [a for a in after if a["registration_id"] not in checked] == [
            b for b in before if b["registration_id"] not in checked
        ]
