"""Builders for the web app's tests: people of a tenant, and HTTP clients signed in as them."""

from __future__ import annotations

import re
import secrets
from typing import Any

import httpx

from tests.live import LiveServer, Tenant
from turnout.auth import people
from turnout.core import times

_CSRF = re.compile(r'name="csrf" value="([^"]*)"')


def make_person(server: LiveServer, tenant: Tenant, role: str) -> tuple[str, str]:
    """A person of `tenant` with `role` and a password; returns (email, password)."""
    email = f"{role}-{secrets.token_hex(4)}@{tenant.name.replace('_', '-')}.example"
    password = "pw-" + secrets.token_hex(8)
    secret = server.settings.server_secret()

    async def go(store: Any) -> None:
        token = await people.create_person(store, secret, tenant.id, email, role, times.now())
        assert await people.set_password(store, secret, token, password, times.now())

    server.run(go)
    return email, password


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def post_form(
    client: httpx.Client, path: str, data: dict[str, str], page: str = "/app/"
) -> httpx.Response:
    """Post `data` with the CSRF token shown on `page`, as the page's own form would."""
    token = csrf_of(client.get(page).text)
    return client.post(path, data={"csrf": token, **data})


class Browsers:
    """HTTP clients standing in for browsers, all closed when the test ends."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.opened: list[httpx.Client] = []

    def new(self, base_url: str | None = None) -> httpx.Client:
        client = httpx.Client(base_url=base_url or self.server.url, timeout=30)
        self.opened.append(client)
        return client

    def sign_in(self, email: str, password: str) -> httpx.Client:
        """A client holding a session of the person, as a browser would after the sign-in form."""
        client = self.new()
        form = client.get("/app/signin")
        data = {"csrf": csrf_of(form.text), "email": email, "password": password, "next": "/app/"}
        answer = client.post("/app/signin", data=data)
        assert answer.status_code == 303, answer.text
        return client

    def signed_in_as(self, tenant: Tenant, role: str) -> httpx.Client:
        return self.sign_in(*make_person(self.server, tenant, role))

    def close(self) -> None:
        for client in self.opened:
            client.close()


# The owner's pages: keys, hubs and webhook endpoints made as a person would, through the forms.

_NEW_KEY = re.compile(r'id="new-key">(tk_\w+)<')
_SECRET = re.compile(r'id="secret">(wh\w+_[A-Za-z0-9+/=]+)<')
_ENDPOINT_ID = re.compile(r"<dt>Id</dt><dd><code>(we_\w+)</code>")
_MESSAGE = re.compile(r"<code[^>]*>(msg_\w+)</code>")
UNREACHABLE_HOOK = "https://127.0.0.1:9/hook"  # the dispatcher refuses loopback: fails at once


def create_key(client: httpx.Client, *scopes: str, **fields: str) -> str:
    """A key made on the keys page (scope `write` unless given); returns the key shown once."""
    ticked = {f"scope_{s}": "on" for s in scopes or ("write",)}
    answer = post_form(client, "/app/keys", {**ticked, **fields}, "/app/keys")
    assert answer.status_code == 200, answer.text
    found = _NEW_KEY.search(answer.text)
    assert found, "the page did not show the new key"
    return found.group(1)


def create_hub(client: httpx.Client, name: str, **fields: str) -> httpx.Response:
    return post_form(client, "/app/hubs", {"name": name, **fields}, "/app/hubs")


def create_endpoint(
    client: httpx.Client, url: str = UNREACHABLE_HOOK, **fields: str
) -> tuple[str, str]:
    """An endpoint made on the webhooks page (every event type); returns its id and its secret."""
    data = {"url": url, "all_types": "on", "signing": "v1", **fields}
    answer = post_form(client, "/app/webhooks", data, "/app/webhooks")
    assert answer.status_code == 200, answer.text
    endpoint, secret = _ENDPOINT_ID.search(answer.text), _SECRET.search(answer.text)
    assert endpoint and secret, "the page did not show the endpoint and its secret"
    return endpoint.group(1), secret.group(1)


def message_ids(client: httpx.Client, endpoint_id: str, query: str = "") -> list[str]:
    """The message ids on a page of the endpoint's deliveries."""
    return _MESSAGE.findall(client.get(f"/app/webhooks/{endpoint_id}{query}").text)
