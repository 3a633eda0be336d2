"""Registrations on the Notification Hubs surface, over real HTTP on SQLite and PostgreSQL
(spec notification-hubs §11 rows RT-*, REG-*, LIST-*, FILT-*, QUO-1)."""

from __future__ import annotations

import re

import pytest

from tests.live import LiveServer
from tests.nhub import APPLE_TOKEN, HubClient, apple_entry


@pytest.fixture
def hub(server: LiveServer) -> HubClient:
    return HubClient(server)


def test_create_registration_returns_entry(hub: HubClient) -> None:  # REG-1, REG-4
    with hub.client() as http:
        r = http.post("/registrations", content=apple_entry(tags="a,b"))
    assert r.status_code == 200, r.text
    assert r.headers["etag"] == 'W/"1"'
    assert r.headers["content-type"].startswith("application/atom+xml;type=entry")
    body = r.text
    assert "<AppleRegistrationDescription" in body and "<ETag>1</ETag>" in body
    assert APPLE_TOKEN.upper() in body and "<Tags>a,b</Tags>" in body
    assert not body.startswith("<?xml") and "><" in body and "> <" not in body
    assert r.headers["content-location"].startswith("https://")


def test_create_registration_id(hub: HubClient) -> None:  # RT-2
    with hub.client() as http:
        r = http.post("/registrationIDs")
    assert r.status_code == 201 and r.content == b""
    location = r.headers["location"]
    assert location.startswith("https://")
    assert re.search(rf"/{hub.name}/registrationids/\d+-\d+-1\?", location)
    assert "content-location" in r.headers


def test_put_versions_and_if_match(hub: HubClient) -> None:  # REG-5, REG-6, REG-7
    with hub.client() as http:
        assert (
            http.put("/registrations/123-234-1", content=apple_entry()).headers["etag"] == 'W/"1"'
        )
        assert (
            http.put("/registrations/123-234-1", content=apple_entry(tags="x")).headers["etag"]
            == 'W/"2"'
        )
        assert (
            http.put("/registrations/123-234-1", content=apple_entry(tags="x")).headers["etag"]
            == 'W/"2"'
        )
        for n, tag in enumerate(['"2"', 'W/"3"', "4", "*"], start=3):
            r = http.put(
                "/registrations/123-234-1",
                content=apple_entry(tags=f"v{n}"),
                headers={"If-Match": tag},
            )
            assert r.headers["etag"] == f'W/"{n}"', r.text
        stale = http.put(
            "/registrations/123-234-1", content=apple_entry(tags="z"), headers={"If-Match": '"1"'}
        )
        assert stale.status_code == 412
        same = http.put(
            "/registrations/123-234-1", content=apple_entry(tags="v6"), headers={"If-Match": '"1"'}
        )
        assert same.status_code == 200 and same.headers["etag"] == 'W/"6"'
        missing = http.put(
            "/registrations/nope-1", content=apple_entry(), headers={"If-Match": "*"}
        )
        assert missing.status_code == 404
        bad = http.put(
            "/registrations/123-234-1", content=apple_entry(), headers={"If-Match": '"1'}
        )
        assert bad.status_code == 400 and bad.headers["x-ms-error-code"] == "InvalidETag"


def test_deleted_id_is_gone(hub: HubClient) -> None:  # REG-8, REG-9
    with hub.client() as http:
        assert http.put("/registrations/bad.id!", content=apple_entry()).status_code == 410
        http.put("/registrations/r1", content=apple_entry())
        assert http.delete("/registrations/r1", headers={"If-Match": '"9"'}).status_code == 412
        deleted = http.delete("/registrations/r1")
        assert deleted.status_code == 200 and deleted.content == b""
        assert http.get("/registrations/r1").status_code == 404
        assert http.delete("/registrations/r1").status_code == 404
        assert http.put("/registrations/r1", content=apple_entry()).status_code == 410


def test_list_pages_with_tokens(hub: HubClient) -> None:  # LIST-1, LIST-3, LIST-6
    with hub.client() as http:
        ids = [
            http.post("/registrations", content=apple_entry(tags="t")).headers["etag"]
            for _ in range(3)
        ]
        assert len(ids) == 3
        seen, token, pages = [], None, 0
        while True:
            params = {"$top": "1", **({"continuationtoken": token} if token else {})}
            page = http.get("/registrations", params=params)
            assert page.status_code == 200, page.text
            pages += 1
            seen += re.findall(r"<RegistrationId>([^<]+)</RegistrationId>", page.text)
            token = page.headers.get("x-ms-continuationtoken")
            if token is None:
                break
            assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
        assert pages == 3 and len(set(seen)) == 3
        by_tag = http.get("/tags/t/registrations", params={"$top": "1"})
        bad = http.get(
            "/registrations", params={"continuationtoken": by_tag.headers["x-ms-continuationtoken"]}
        )
        assert (
            bad.status_code == 400 and bad.headers["x-ms-error-code"] == "InvalidContinuationToken"
        )
        third = http.get("/registrations", params={"$skip": "2", "$top": "1"})
        assert re.findall(r"<RegistrationId>([^<]+)</RegistrationId>", third.text) == seen[2:]
        assert http.get("/registrations", params={"$skip": "10001"}).status_code == 400
        assert http.get("/registrations", params={"$top": "-1"}).status_code == 400


def test_list_by_channel(hub: HubClient) -> None:  # FILT-1, FILT-3
    with hub.client() as http:
        http.post("/registrations", content=apple_entry())
        for f in (f"DeviceToken eq '{APPLE_TOKEN}'", f"ChannelUri eq '{APPLE_TOKEN.upper()}'"):
            r = http.get("/registrations", params={"$filter": f})
            assert r.status_code == 200 and r.text.count("<entry") == 1, (f, r.text)
        for f in ("Tags eq 'x'", "DeviceToken ne 'x'"):
            r = http.get("/registrations", params={"$filter": f})
            assert r.status_code == 400 and r.headers["x-ms-error-code"] == "UnsupportedQuery"


def test_routes_match_any_case(hub: HubClient) -> None:  # RT-1, RT-3
    with hub.client() as http:
        http.put("/registrations/abc", content=apple_entry())
        assert http.get(f"{hub.server.url}/{hub.name.upper()}/REGISTRATIONS/").status_code == 200
        assert http.post(f"{hub.server.url}/{hub.name}/registrationids/").status_code == 201
        r = http.patch("/registrations/x")
        assert r.status_code == 405 and "PUT" in r.headers["allow"]
        assert http.get("/nope").status_code == 404
        assert http.post("/messages").status_code == 501


def test_quota(server: LiveServer) -> None:  # QUO-1
    hub = HubClient(server, quota=2)
    with hub.client() as http:
        codes = [http.post("/registrations", content=apple_entry()).status_code for _ in range(3)]
        assert codes == [200, 200, 403]
        listed = re.findall(
            r"<RegistrationId>([^<]+)</RegistrationId>", http.get("/registrations").text
        )
        assert (
            http.put(f"/registrations/{listed[0]}", content=apple_entry(tags="o")).status_code
            == 200
        )
        assert http.delete(f"/registrations/{listed[0]}").status_code == 200
        again = http.post("/registrations", content=apple_entry())
        assert again.status_code == 200
        full = http.put("/installations/i1", json={"platform": "apns", "pushChannel": "aa"})
        assert full.status_code == 403 and full.headers["x-ms-error-code"] == "QuotaExceeded"


def test_validation(hub: HubClient) -> None:  # VAL-1, VAL-2
    with hub.client() as http:
        for tags in (
            ",".join(f"t{i}" for i in range(61)),
            "x" * 121,
            "a b",
            "$UserId:{a},$UserId:{b}",
        ):
            r = http.post("/registrations", content=apple_entry(tags=tags))
            assert r.status_code == 400 and r.headers["x-ms-error-code"] == "InvalidTag", tags
        ok = http.post("/registrations", content=apple_entry(tags=" a , b ,a"))
        assert "<Tags>a,b</Tags>" in ok.text
        for token in ("ABC", "zz"):
            assert http.post("/registrations", content=apple_entry(token=token)).status_code == 400
        foo = http.post("/registrations", content="<FooRegistrationDescription/>")
        assert foo.status_code == 400 and "resource description is invalid" in foo.text
