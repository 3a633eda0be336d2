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
