"""Wire details of the Notification Hubs surface (spec notification-hubs §11 rows REG-2, REG-3,
REG-10, LIST-2..5, FILT-1, FILT-2, VAL-2, QUO-1), over real HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.live import LiveServer
from tests.nhub import APPLE_TOKEN, HubClient, apple_entry

CONNECT = 'xmlns="http://schemas.microsoft.com/netservices/2010/10/servicebus/connect"'
XSI = 'xmlns:i="http://www.w3.org/2001/XMLSchema-instance"'


@pytest.fixture
def hub(server: LiveServer) -> HubClient:
    return HubClient(server)


def ids(response: httpx.Response) -> list[str]:
    return re.findall(r"<RegistrationId>([^<]+)</RegistrationId>", response.text)


def bare(kind: str, members: str) -> str:
    return f"<{kind} {CONNECT} {XSI}>{members}</{kind}>"


def test_polymorphic_root(hub: HubClient) -> None:  # REG-2
    body = (
        f'<?xml version="1.0"?><entry xmlns="http://www.w3.org/2005/Atom"><content type="application/xml">'
        f'<RegistrationDescription i:type="AppleRegistrationDescription" {CONNECT} {XSI}>'
        f"<DeviceToken>{APPLE_TOKEN}</DeviceToken></RegistrationDescription></content></entry>"
    )
    with hub.client() as http:
        r = http.post("/registrations", content=body, headers={"Content-Type": ""})
    assert r.status_code == 200, r.text
    assert "<AppleRegistrationDescription " in r.text


def test_members_in_any_order_come_back_in_datacontract_order(hub: HubClient) -> None:  # REG-3
    body = bare(
        "AppleTemplateRegistrationDescription",
        f"<TemplateName>t</TemplateName><DeviceToken>{APPLE_TOKEN}</DeviceToken><Expiry>x</Expiry>"
        "<BodyTemplate><![CDATA[{}]]></BodyTemplate><Tags>b,a</Tags>",
    )
    with hub.client() as http:
        r = http.post("/registrations", content=body)
    assert r.status_code == 200, r.text
    names = re.findall(r"<(\w+)>", r.text.split("<AppleTemplateRegistrationDescription", 1)[1])
    assert names[:8] == [
        "ETag",
        "ExpirationTime",
        "RegistrationId",
        "Tags",
        "DeviceToken",
        "BodyTemplate",
        "Expiry",
        "TemplateName",
    ]


def test_templates_aliases_and_type_changes(hub: HubClient) -> None:  # REG-10
    template = "<toast>]]> & $(x)</toast>"
    windows = bare(
        "WindowsTemplateRegistrationDescription",
        "<ChannelUri>https://db5.notify.windows.com/?token=AwYAAAB%2b&amp;x=1</ChannelUri>"
        f"<BodyTemplate><![CDATA[{template.replace(']]>', ']]]]><![CDATA[>')}]]></BodyTemplate>"
        "<WnsHeaders><WnsHeader><Header>X-WNS-Type</Header><Value>wns/toast</Value></WnsHeader></WnsHeaders>",
    )
    with hub.client() as http:
        made = http.put("/registrations/w-1", content=windows)
        assert made.status_code == 200, made.text
        got = http.get("/registrations/w-1").text
        assert re.search(r"<BodyTemplate>(.*)</BodyTemplate>", got).group(1) == (  # type: ignore[union-attr]
            "<![CDATA[<toast>]]]]><![CDATA[> & $(x)</toast>]]>"
        )
        fcm = http.post(
            "/registrations",
            content=bare("FcmRegistrationDescription", "<FcmRegistrationId>f1</FcmRegistrationId>"),
        )
        assert "<GcmRegistrationDescription " in fcm.text and "<GcmRegistrationId>f1<" in fcm.text
        http.put(
            "/registrations/t-1",
            content=bare(
                "FcmV1RegistrationDescription", "<FcmV1RegistrationId>x</FcmV1RegistrationId>"
            ),
        )
        changed = http.put("/registrations/t-1", content=apple_entry())
        assert (
            "<AppleRegistrationDescription " in changed.text and changed.headers["etag"] == 'W/"2"'
        )


@pytest.mark.parametrize(
    ("kind", "members"),
    [
        ("AppleTemplateRegistrationDescription", f"<DeviceToken>{APPLE_TOKEN}</DeviceToken>"),
        (
            "WindowsTemplateRegistrationDescription",
            "<ChannelUri>https://x.example/</ChannelUri><BodyTemplate>b</BodyTemplate>"
            "<WnsHeaders><WnsHeader><Header>X-Other</Header><Value>v</Value></WnsHeader></WnsHeaders>",
        ),
        (
            "AppleRegistrationDescription",
            f"<DeviceToken>{APPLE_TOKEN}</DeviceToken><PushVariables>nope</PushVariables>",
        ),
        (
            "AppleRegistrationDescription",
            f'<DeviceToken>{APPLE_TOKEN}</DeviceToken><PushVariables>{{"a":1}}</PushVariables>',
        ),
        ("WindowsRegistrationDescription", "<ChannelUri>not a uri</ChannelUri>"),
    ],
)
def test_invalid_descriptions(hub: HubClient, kind: str, members: str) -> None:  # VAL-2
    with hub.client() as http:
        assert http.post("/registrations", content=bare(kind, members)).status_code == 400


def test_top_forms_and_limits(hub: HubClient) -> None:  # LIST-2
    with hub.client(versioned=False) as http:
        for _ in range(3):
            http.post("/registrations", content=apple_entry())
        plain = http.get("/registrations?$top=1")
        encoded = http.get("/registrations?%24top=1")
        assert ids(plain) == ids(encoded) and len(ids(plain)) == 1
        assert len(ids(http.get("/registrations", params={"$top": "500"}))) == 3
        assert len(ids(http.get("/registrations", params={"$top": "0"}))) == 3


def test_token_forms_and_tampering(server: LiveServer) -> None:  # LIST-3
    a, b = HubClient(server), HubClient(server)
    with a.client(versioned=False) as http, b.client() as other:
        for _ in range(3):
            http.post("/registrations", content=apple_entry())
        other.post("/registrations", content=apple_entry())
        token = http.get("/registrations", params={"$top": "1"}).headers["x-ms-continuationtoken"]
        first = ids(http.get("/registrations", params={"$top": "1", "ContinuationToken": token}))
        twice = http.get(
            f"/registrations?$top=1&continuationtoken={quote(quote(token, safe=''), safe='')}"
        )
        assert ids(twice) == first and len(first) == 1
        flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
        for bad, client in ((flipped, http), (token, other)):
            r = client.get("/registrations", params={"continuationtoken": bad})
            assert (
                r.status_code == 400 and r.headers["x-ms-error-code"] == "InvalidContinuationToken"
            )
        assert (
            http.get(
                "/registrations", params={"continuationtoken": token, "$skip": "1"}
            ).status_code
            == 400
        )


def test_tags_with_special_characters(hub: HubClient) -> None:  # LIST-4
    with hub.client() as http:
        empty = http.get("/tags/none/registrations")
        assert empty.status_code == 200 and "<entry" not in empty.text
        assert "x-ms-continuationtoken" not in empty.headers
        made = http.post(
            "/registrations", content=apple_entry(tags="a#b,$InstallationId:{abc},user:42,x@y.z")
        )
        assert made.status_code == 200, made.text
        for path in (
            "/tags/a%23b/registrations",
            "/tags/$InstallationId:%7Babc%7D/registrations",
            "/tags/user:42/registrations",
            "/tags/x@y.z/registrations",
        ):
            assert len(ids(http.get(path))) == 1, path


def test_paging_while_creating(hub: HubClient) -> None:  # LIST-5
    with hub.client() as http:
        start = [ids(http.post("/registrations", content=apple_entry()))[0] for _ in range(5)]
        seen: list[str] = []
        token = None
        while True:
            params: dict[str, Any] = {
                "$top": "2",
                **({"continuationtoken": token} if token else {}),
            }
            page = http.get("/registrations", params=params)
            seen += ids(page)
            http.post("/registrations", content=apple_entry())
            token = page.headers.get("x-ms-continuationtoken")
            if token is None:
                break
        assert len(seen) == len(set(seen)) and set(start) <= set(seen)


def test_channel_filters(hub: HubClient) -> None:  # FILT-1, FILT-2
    uri = "https://db5.notify.windows.com/?token=AwYAAAB%2b&x=1"
    with hub.client() as http:
        http.put(
            "/registrations/w",
            content=bare(
                "WindowsRegistrationDescription",
                f"<ChannelUri>{uri.replace('&', '&amp;')}</ChannelUri>",
            ),
        )
        http.put(
            "/registrations/b",
            content=bare(
                "BrowserRegistrationDescription",
                "<Endpoint>https://push.example/e?a=1</Endpoint><P256DH>p</P256DH><Auth>q</Auth>",
            ),
        )
        http.put(
            "/registrations/d",
            content=bare(
                "BaiduRegistrationDescription",
                "<BaiduUserId>u</BaiduUserId><BaiduChannelId>123</BaiduChannelId>",
            ),
        )
        http.put(
            "/registrations/q",
            content=bare(
                "GcmRegistrationDescription", "<GcmRegistrationId>it''s'</GcmRegistrationId>"
            ),
        )
        filters = {
            f"ChannelUri eq '{quote(uri, safe='')}'": ["w"],
            f"Endpoint eq '{quote('https://push.example/e?a=1', safe='')}' and P256DH eq 'p' and Auth eq 'q'": [
                "b"
            ],
            "Endpoint eq 'https://push.example/e?a=1' and P256DH eq 'wrong' and Auth eq 'q'": [],
            "BaiduChannelId eq 123' and BaiduUserId eq 'u'": ["d"],
            "GcmRegistrationId eq 'it''''s'''": ["q"],
        }
        for text, expected in filters.items():
            r = http.get("/registrations", params={"$filter": text})
            assert r.status_code == 200 and ids(r) == expected, (text, r.text)


def test_quota_lowered_below_count(server: LiveServer) -> None:  # QUO-1
    hub = HubClient(server, quota=3)
    with hub.client() as http:
        for _ in range(2):
            assert http.post("/registrations", content=apple_entry()).status_code == 200

        async def lower(store: Any) -> None:
            from turnout.core.hubs import KeySeal
            from turnout.store.hubs import hub_store

            hubs = hub_store(store, KeySeal(server.settings.server_secret()), 3600)
            await hubs.update_hub(hub.tenant_id, hub.name, 0, None)

        server.run(lower)
        assert len(ids(http.get("/registrations"))) == 2
        refused = http.post("/registrations", content=apple_entry())
        assert refused.status_code == 403 and refused.headers["x-ms-error-code"] == "QuotaExceeded"
        assert "retry-after" not in refused.headers


def test_path_id_wins_and_read_only_members_are_ignored(server: LiveServer) -> None:  # REG-9, VAL-3
    hub = HubClient(server, ttl=86400)
    body = bare(
        "AppleRegistrationDescription",
        "<RegistrationId>other-id</RegistrationId><ETag>77</ETag>"
        "<ExpirationTime>2001-01-01T00:00:00Z</ExpirationTime>"
        f"<DeviceToken>{APPLE_TOKEN}</DeviceToken>",
    )
    with hub.client() as http:
        made = http.put("/registrations/path-id", content=body)
        assert made.status_code == 200 and ids(made) == ["path-id"]
        assert made.headers["etag"] == 'W/"1"'
        assert "2001-01-01" not in made.text and "9999-12-31" not in made.text
        assert http.get("/registrations/other-id").status_code == 404
