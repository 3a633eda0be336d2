"""The owner's pages for API keys, notification hubs and webhook endpoints: the same rules as
`turnout key|hub|webhook` and the /v1 extensions (the core decides), proved by using what the pages
make: a key against the API, a connection string against the hub surface, a delivery's row."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.builders import event_body, make_event, register
from tests.live import LiveServer, Tenant
from tests.nhub import sas_token
from tests.web import (
    Browsers,
    create_endpoint,
    create_hub,
    create_key,
    csrf_of,
    message_ids,
    post_form,
)
from turnout.webhooks.store import Claimed, WebhookStore

_CONNECTION = re.compile(r"Endpoint=[^;]+;SharedAccessKeyName=([^;]+);SharedAccessKey=([^<\s]+)")


@pytest.fixture
def owner(server: LiveServer, tenant: Tenant) -> Iterator[httpx.Client]:
    browsers = Browsers(server)
    yield browsers.signed_in_as(tenant, "owner")
    browsers.close()


def api(tenant: Tenant, key: str) -> httpx.Client:
    return tenant.client(key)


# API keys


def test_a_key_made_on_the_page_works_with_its_scopes_only(
    owner: httpx.Client, tenant: Tenant
) -> None:
    key = create_key(owner, "read", name="Reporting")
    listed = owner.get("/app/keys").text
    assert key[:15] in listed and "Reporting" in listed and key not in listed  # shown once
    with api(tenant, key) as client:
        assert client.get("/api/v1/events").status_code == 200
        made = client.post("/v1/bookable_events", json=event_body("by_a_read_key"))
        assert made.status_code == 403


def test_scopes_expiry_and_label_are_checked_as_the_api_checks_them(owner: httpx.Client) -> None:
    for fields, message in (
        ({}, "Choose at least one scope."),
        ({"scope_write": "on", "expires": "2001-01-01"}, "The expiry is a future date"),
        ({"scope_write": "on", "expires": "soon"}, "The expiry is a future date"),
        ({"scope_write": "on", "name": "x" * 201}, "at most 200 characters"),
        ({"scope_admin": "on"}, "Choose at least one scope."),  # not offered on the page
    ):
        answer = post_form(owner, "/app/keys", fields, "/app/keys")
        assert answer.status_code == 422 and message in answer.text, fields
        assert "tk_" not in answer.text.split("<tbody>")[0]
    key = create_key(owner, "events:read", "registrations:read", expires="2099-12-31")
    row = owner.get("/app/keys").text.split(key[:15])[1].split("</tr>")[0]
    assert "events:read registrations:read" in row and "2099-12-31 00:00" in row


def test_revoking_asks_first_then_the_key_stops_working(
    owner: httpx.Client, tenant: Tenant
) -> None:
    key = create_key(owner)
    prefix = key[:15]
    asked = post_form(owner, f"/app/keys/{prefix}/revoke", {}, "/app/keys")
    assert asked.status_code == 200 and f"Revoke key {prefix}?" in asked.text
    with api(tenant, key) as client:
        assert client.get("/api/v1/events").status_code == 200  # asking changed nothing
        done = post_form(owner, f"/app/keys/{prefix}/revoke", {"confirm": "yes"}, "/app/keys")
        assert done.status_code == 200 and f"Key {prefix} is revoked." in done.text
        assert client.get("/api/v1/events").status_code == 401
    again = post_form(owner, f"/app/keys/{prefix}/revoke", {"confirm": "yes"}, "/app/keys")
    assert "It was already revoked." in again.text
    rotated = post_form(owner, f"/app/keys/{prefix}/rotate", {"grace": "3600"}, "/app/keys")
    assert rotated.status_code == 422 and "is revoked; create a new one" in rotated.text


def test_rotating_gives_a_new_key_and_the_old_one_a_grace_period(
    owner: httpx.Client, tenant: Tenant
) -> None:
    old = create_key(owner, "read", name="Rotated")
    for grace, old_works in (("86400", True), ("0", False)):
        answer = post_form(owner, f"/app/keys/{old[:15]}/rotate", {"grace": grace}, "/app/keys")
        assert answer.status_code == 200, answer.text
        new = re.search(r'id="new-key">(tk_\w+)<', answer.text)
        assert new and new.group(1) != old
        with api(tenant, new.group(1)) as client:
            assert client.get("/api/v1/events").status_code == 200
            made = client.post("/v1/bookable_events", json=event_body("rotated"))
            assert made.status_code == 403  # still read only
        with api(tenant, old) as client:
            assert (client.get("/api/v1/events").status_code == 200) is old_works
        old = new.group(1)
    refused = post_form(owner, f"/app/keys/{old[:15]}/rotate", {"grace": "1y"}, "/app/keys")
    assert refused.status_code == 422


def test_a_malformed_key_prefix_is_a_404(owner: httpx.Client) -> None:
    for prefix in ("nope", "tk_" + "x" * 40, "tk_AAAAAAAAAAAA"):
        answer = post_form(owner, f"/app/keys/{prefix}/revoke", {"confirm": "yes"}, "/app/keys")
        assert answer.status_code == 404, prefix


# Notification hubs


def _strings(html: str) -> dict[str, str]:
    return dict(_CONNECTION.findall(html))


def _hub_answers(server: LiveServer, hub: str, rule: str, key: str) -> int:
    """What the hub surface says to a sender holding that rule's key."""
    auth = sas_token(server.url + "/", rule, key)
    with httpx.Client(base_url=server.url, timeout=30) as client:
        answer = client.get(
            f"/{hub}/registrations",
            params={"api-version": "2020-06"},
            headers={"Authorization": auth},
        )
    return answer.status_code


def test_a_new_hub_shows_both_connection_strings_once_and_they_work(
    owner: httpx.Client, server: LiveServer
) -> None:
    hub = "web-" + secrets.token_hex(4)
    made = create_hub(owner, hub, quota="100", ttl_days="30")
    assert made.status_code == 200
    strings = _strings(made.text)
    assert set(strings) == {f"{hub}-listen", f"{hub}-full"}
    assert _hub_answers(server, hub, f"{hub}-full", strings[f"{hub}-full"]) == 200
    page = owner.get(f"/app/hubs/{hub}").text
    assert set(_strings(page)) == {f"{hub}-listen"}  # full rights only when asked
    listing = owner.get("/app/hubs").text.split(f">{hub}</a>")[1].split("</tr>")[0]
    assert "<td>100</td>" in listing and "30 days" in listing
    shown = post_form(owner, f"/app/hubs/{hub}/rules/{hub}-full/show", {}, f"/app/hubs/{hub}")
    assert _strings(shown.text)[f"{hub}-full"] == strings[f"{hub}-full"]


def test_hub_settings_are_checked_by_the_core(owner: httpx.Client) -> None:
    hub = "set-" + secrets.token_hex(4)
    create_hub(owner, hub)
    path = f"/app/hubs/{hub}"
    saved = post_form(owner, path, {"quota": "5", "ttl_days": "2", "rate": "10"}, path)
    assert saved.status_code == 200 and 'value="5"' in saved.text and 'value="10"' in saved.text
    for fields in ({"quota": "-1"}, {"quota": "many"}, {"ttl_days": "0"}, {"rate": "0"}):
        refused = post_form(owner, path, fields, path)
        assert refused.status_code == 422 and "whole number" in refused.text, fields
    unlimited = post_form(owner, path, {"quota": "", "ttl_days": "", "rate": ""}, path)
    assert 'name="quota" inputmode="numeric" value=""' in unlimited.text
    for name, message in (("bad name!", "is not valid"), (hub, "exists"), ("health", "reserved")):
        answer = create_hub(owner, name)
        assert answer.status_code == 422 and message in answer.text, name


def test_rules_are_made_rotated_and_deleted_from_a_hubs_page(
    owner: httpx.Client, server: LiveServer
) -> None:
    hub, other = "rules-" + secrets.token_hex(4), "other-" + secrets.token_hex(4)
    create_hub(owner, hub)
    create_hub(owner, other)
    path = f"/app/hubs/{hub}"
    assert post_form(owner, path + "/rules", {"name": "no-rights"}, path).status_code == 422
    sender, everywhere = "send-" + secrets.token_hex(3), "all-" + secrets.token_hex(3)
    made = post_form(owner, path + "/rules", {"name": sender, "right_manage": "on"}, path)
    key = _strings(made.text)[sender]
    assert _hub_answers(server, hub, sender, key) == 200
    assert _hub_answers(server, other, sender, key) == 401  # this hub only
    wide = {"name": everywhere, "right_manage": "on", "covers": "every"}
    wide_key = _strings(post_form(owner, path + "/rules", wide, path).text)[everywhere]
    assert _hub_answers(server, other, everywhere, wide_key) == 200
    assert everywhere in owner.get(f"/app/hubs/{other}").text
    taken = post_form(owner, path + "/rules", {"name": sender, "right_listen": "on"}, path)
    assert taken.status_code == 422
    rotated = post_form(owner, f"{path}/rules/{sender}/rotate", {}, path)
    new_key = _strings(rotated.text)[sender]
    assert new_key != key
    assert _hub_answers(server, hub, sender, new_key) == 200
    assert _hub_answers(server, hub, sender, key) == 200  # overlap until the next rotation
    # A rule for another hub is not reachable under this one.
    assert post_form(owner, f"/app/hubs/{other}/rules/{sender}/show", {}, path).status_code == 404
    asked = post_form(owner, f"{path}/rules/{sender}/delete", {}, path)
    assert f"Delete rule {sender}?" in asked.text
    assert _hub_answers(server, hub, sender, new_key) == 200
    post_form(owner, f"{path}/rules/{sender}/delete", {"confirm": "yes"}, path)
    assert _hub_answers(server, hub, sender, new_key) == 401


def test_deleting_a_hub_asks_first(owner: httpx.Client, server: LiveServer) -> None:
    hub = "gone-" + secrets.token_hex(4)
    full = _strings(create_hub(owner, hub).text)[f"{hub}-full"]
    path = f"/app/hubs/{hub}"
    asked = post_form(owner, path + "/delete", {}, path)
    assert asked.status_code == 200 and f"Delete hub {hub}?" in asked.text
    assert owner.get(path).status_code == 200
    done = post_form(owner, path + "/delete", {"confirm": "yes"}, path)
    assert done.status_code == 303 and done.headers["location"] == "/app/hubs"
    assert owner.get(path).status_code == 404
    assert _hub_answers(server, hub, f"{hub}-full", full) in (401, 404)


# Webhook endpoints


def _deliveries(server: LiveServer, tenant: Tenant, endpoint_id: str) -> list[Any]:
    async def go(store: Any) -> list[Any]:
        ws = WebhookStore(store)
        endpoint = await ws.get_endpoint(tenant.id, endpoint_id)
        assert endpoint is not None
        return await ws.deliveries(endpoint.pk, 0, 1000)

    return list(server.run(go))


def _fail(server: LiveServer, row: Any) -> None:
    """Give a delivery up as the dispatcher does after its last attempt (a 500 from the receiver)."""

    async def go(store: Any) -> None:
        claimed = Claimed(row.pk, 0, "", "", row.attempts)  # the claim the row is on
        await WebhookStore(store).failed(claimed, 500, "the receiver answered 500", None)

    server.run(go)


def test_an_endpoint_made_on_the_page_shows_its_secret_once(owner: httpx.Client) -> None:
    endpoint_id, secret = create_endpoint(owner, description="CRM sync")
    assert secret.startswith("whsec_")
    listing = owner.get("/app/webhooks").text
    assert endpoint_id in listing and "CRM sync" in listing
    assert secret not in owner.get(f"/app/webhooks/{endpoint_id}").text
    rotated = post_form(
        owner, f"/app/webhooks/{endpoint_id}/rotate", {}, f"/app/webhooks/{endpoint_id}"
    )
    new = re.search(r'id="secret">(whsec_[^<]+)<', rotated.text)
    assert new and new.group(1) != secret and "also signs for a day" in rotated.text
    signed = post_form(
        owner,
        "/app/webhooks",
        {"url": "https://example.org/h", "all_types": "on", "signing": "v1a"},
        "/app/webhooks",
    )
    assert 'id="secret">whsk_' in signed.text and "whpk_" in signed.text


def test_endpoint_fields_are_checked_as_the_api_checks_them(owner: httpx.Client) -> None:
    for fields, message in (
        ({"url": "http://example.org/h", "all_types": "on"}, "absolute https URL"),
        ({"url": "not a url", "all_types": "on"}, "absolute https URL"),
        ({"url": "https://u:p@example.org/", "all_types": "on"}, "user name or password"),
        ({"url": "https://example.org/h"}, "non-empty list of types"),
        ({"url": "https://example.org/" + "x" * 3000, "all_types": "on"}, "at most"),
        ({"url": "https://example.org/h", "all_types": "on", "signing": "v2"}, "signing must"),
        ({"url": "https://example.org/h", "all_types": "on", "description": "d" * 501}, "500"),
    ):
        answer = post_form(owner, "/app/webhooks", fields, "/app/webhooks")
        assert answer.status_code == 422 and message in answer.text, fields
    endpoint_id, _ = create_endpoint(owner)
    path = f"/app/webhooks/{endpoint_id}"
    edited = post_form(
        owner,
        path,
        {
            "url": "https://example.org/new",
            "description": "Only check-ins",
            "type_registration.checked_in": "on",
        },
        path,
    )
    assert edited.status_code == 200 and "Saved." in edited.text
    listing = owner.get("/app/webhooks").text.split(endpoint_id)[1].split("</tr>")[0]
    assert "example.org/new" in listing and "registration.checked_in" in listing
    refused = post_form(owner, path, {"url": "ftp://example.org/"}, path)
    assert refused.status_code == 422 and "example.org/new" in owner.get(path).text


def test_deliveries_are_listed_paged_redelivered_and_replayed(
    owner: httpx.Client, server: LiveServer, tenant: Tenant
) -> None:
    endpoint_id, _ = create_endpoint(owner)
    path = f"/app/webhooks/{endpoint_id}"
    for n in range(30):  # events and registrations: more than a page of deliveries
        make_event(tenant.http, f"hooked_{endpoint_id}_{n}")
        assert register(tenant.http, f"hooked_{endpoint_id}_{n}", "r1").status_code == 200
    disabled = post_form(owner, path + "/enabled", {"enabled": "no"}, path)
    assert "Disabled: nothing is sent." in disabled.text  # the dispatcher leaves it alone now
    rows = _deliveries(server, tenant, endpoint_id)
    assert len(rows) > 50
    first, second = message_ids(owner, endpoint_id), []
    cursor = re.search(r"\?cursor=(\d+)", owner.get(path).text)
    assert cursor and len(first) == 50
    second = message_ids(owner, endpoint_id, f"?cursor={cursor.group(1)}")
    assert first + second == [r.message_id for r in rows]
    assert owner.get(path + "?cursor=abc").status_code == 422
    _fail(server, rows[0])
    page = owner.get(path).text
    row = page.split(rows[0].message_id)[1].split("</tr>")[0]
    assert "failed" in row and "500" in row and "the receiver answered 500" in row
    again = post_form(owner, f"{path}/deliveries/{rows[0].message_id}/redeliver", {}, path)
    assert "is queued to be sent again" in again.text
    redone = _deliveries(server, tenant, endpoint_id)[0]
    assert (redone.state, redone.attempts) == ("pending", 0)
    missing = post_form(owner, f"{path}/deliveries/msg_nope/redeliver", {}, path)
    assert missing.status_code == 404
    for row_ in rows[1:]:
        _fail(server, row_)
    replayed = post_form(owner, path + "/replay", {"since": "2000-01-01T00:00"}, path)
    assert f"{len(rows)} message(s) made since 2000-01-01 00:00 UTC" in replayed.text
    assert {r.state for r in _deliveries(server, tenant, endpoint_id)} == {"pending"}
    assert post_form(owner, path + "/replay", {"since": "yesterday"}, path).status_code == 422
    enabled = post_form(owner, path + "/enabled", {"enabled": "yes"}, path)
    assert "<dt>State</dt><dd>enabled" in enabled.text


def test_deleting_an_endpoint_asks_first(owner: httpx.Client) -> None:
    endpoint_id, _ = create_endpoint(owner)
    path = f"/app/webhooks/{endpoint_id}"
    asked = post_form(owner, path + "/delete", {}, path)
    assert f"Delete endpoint {endpoint_id}?" in asked.text
    assert owner.get(path).status_code == 200
    done = post_form(owner, path + "/delete", {"confirm": "yes"}, path)
    assert done.status_code == 303
    assert owner.get(path).status_code == 404
    assert endpoint_id not in owner.get("/app/webhooks").text


def test_odd_paths_and_forms_on_the_owners_pages_never_get_a_5xx(owner: httpx.Client) -> None:
    hub = "odd-" + secrets.token_hex(4)
    create_hub(owner, hub)
    endpoint_id, _ = create_endpoint(owner)
    odd = ["%00", "%F0%9F%92%A9", "x" * 500, "a%2Fb"]
    token = csrf_of(owner.get("/app/keys").text)
    for part in odd:
        for path in (
            f"/app/hubs/{part}",
            f"/app/webhooks/{part}",
            f"/app/webhooks/{part}?cursor=1",
        ):
            assert owner.get(path).status_code < 500, path
        for path in (
            f"/app/keys/{part}/revoke",
            f"/app/hubs/{part}/delete",
            f"/app/hubs/{hub}/rules/{part}/show",
            f"/app/webhooks/{part}/rotate",
            f"/app/webhooks/{endpoint_id}/deliveries/{part}/redeliver",
        ):
            answer = owner.post(path, data={"csrf": token, "confirm": "yes"})
            assert 400 <= answer.status_code < 500, (path, answer.status_code)
    big = "9" * 30
    forms = [
        ("/app/keys", {"scope_read": "on", "name": "\x00" * 10, "expires": "99999-01-01"}),
        ("/app/keys", {"scope_read": "on", "expires": "2030-02-30"}),
        ("/app/hubs", {"name": "nul\x00name", "quota": big, "ttl_days": "-3"}),
        ("/app/hubs", {"name": "é" * 70, "quota": "1e3"}),
        (f"/app/hubs/{hub}", {"quota": big, "ttl_days": big, "rate": big}),
        (f"/app/hubs/{hub}/rules", {"name": "\x00", "right_listen": "on"}),
        (f"/app/hubs/{hub}/rules", {"name": "r" * 300, "right_send": "on"}),
        ("/app/webhooks", {"url": "https://\x00/", "all_types": "on"}),
        ("/app/webhooks", {"url": "https://[::1/", "all_types": "on"}),
        ("/app/webhooks", {"url": "https://example.org:99999/", "all_types": "on"}),
        (f"/app/webhooks/{endpoint_id}", {"url": "https://example.org/", "type_nope": "on"}),
        (f"/app/webhooks/{endpoint_id}/replay", {"since": "99999-01-01T00:00"}),
        (f"/app/webhooks/{endpoint_id}/replay", {"since": "2030-02-30T25:61"}),
    ]
    for path, data in forms:
        answer = owner.post(path, data={"csrf": token, **data})
        assert 400 <= answer.status_code < 500, (path, data, answer.status_code)


def test_a_ttl_set_in_seconds_by_the_api_survives_saving_the_hubs_form(
    owner: httpx.Client, tenant: Tenant
) -> None:
    hub = "ttl-" + secrets.token_hex(4)
    create_hub(owner, hub)
    with api(tenant, tenant.key_with("admin")) as admin:
        changed = admin.post(f"/v1/hubs/{hub}", json={"registration_ttl_seconds": 3600})
        assert changed.status_code == 200, changed.text
        path = f"/app/hubs/{hub}"
        page = owner.get(path).text
        assert "expire 3600 seconds after" in page
        shown = re.search(r'name="ttl_shown" value="(\d*)"', page)
        assert shown and shown.group(1) == "0"
        saved = post_form(owner, path, {"quota": "7", "ttl_days": "0", "ttl_shown": "0"}, path)
        assert saved.status_code == 200, saved.text
        read = admin.get(f"/v1/hubs/{hub}").json()["hub"]
        assert (read["registration_quota"], read["registration_ttl_seconds"]) == (7, 3600)
        post_form(owner, path, {"quota": "7", "ttl_days": "2", "ttl_shown": "0"}, path)
        assert admin.get(f"/v1/hubs/{hub}").json()["hub"]["registration_ttl_seconds"] == 2 * 86400
