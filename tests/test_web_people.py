"""The web app's people: accounts from the command line, sign-in, sessions, CSRF, roles, limits."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import base_settings
from tests.live import LiveServer, Tenant, make_tenant
from tests.web import Browsers, csrf_of, make_person, post_form

EVENT_FORM = {
    "title": "Gala",
    "start": "2030-05-01T18:00",
    "end": "2030-05-01T23:00",
    "timezone": "Europe/Paris",
    "capacity": "10",
}


@pytest.fixture
def browsers(server: LiveServer) -> Iterator[Browsers]:
    opened = Browsers(server)
    yield opened
    opened.close()


def turnout(server: LiveServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "TURNOUT_DATABASE_URL": server.settings.database_url,
        "TURNOUT_SECRET": server.settings.secret,
        "TURNOUT_PUBLIC_URL": server.url,
    }
    return subprocess.run(
        [sys.executable, "-m", "turnout", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_user_create_prints_a_link_that_sets_the_password_once(
    server: LiveServer, tenant: Tenant, browsers: Browsers
) -> None:
    email = f"Ann.{tenant.name}@Example.org"
    out = turnout(server, "user", "create", "--tenant", tenant.name, "--role", "staff", email)
    assert out.returncode == 0, out.stderr
    link = re.search(r"(http\S+/app/setup\?token=\S+)", out.stdout)
    assert link, out.stdout
    browser = browsers.new()
    page = browser.get(link.group(1))
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    assert token
    form = {"csrf": csrf_of(page.text), "token": token.group(1)}
    done = browser.post(
        f"{server.url}/app/setup",
        data={**form, "password": "a-long-password", "confirm": "a-long-password"},
    )
    assert done.status_code == 303
    again = browser.post(
        f"{server.url}/app/setup",
        data={**form, "password": "another-password", "confirm": "another-password"},
    )
    assert again.status_code == 400 and "has been used" in again.text
    signed_in = browsers.sign_in(email.lower(), "a-long-password")
    assert "staff" in signed_in.get("/app/").text
    listing = turnout(server, "user", "list", "--tenant", tenant.name)
    assert f"{email.lower()}\tstaff\tactive" in listing.stdout


def test_user_reset_ends_sessions_and_delete_removes_the_account(
    server: LiveServer, tenant: Tenant, browsers: Browsers
) -> None:
    email, password = make_person(server, tenant, "staff")
    client = browsers.sign_in(email, password)
    reset = turnout(server, "user", "reset", email)
    assert reset.returncode == 0 and "/app/setup?token=" in reset.stdout
    assert client.get("/app/").status_code == 303  # signed out: sent to the sign-in page
    with pytest.raises(AssertionError):
        browsers.sign_in(email, password)
    assert turnout(server, "user", "delete", email).returncode == 0
    assert turnout(server, "user", "delete", email).returncode == 1


def test_wrong_password_and_unknown_email_read_the_same(
    server: LiveServer, tenant: Tenant, browsers: Browsers
) -> None:
    email, _ = make_person(server, tenant, "owner")
    browser = browsers.new()
    token = csrf_of(browser.get("/app/signin").text)
    for who in (email, "nobody@nowhere.example"):
        answer = browser.post(
            "/app/signin", data={"csrf": token, "email": who, "password": "wrong-password"}
        )
        assert answer.status_code == 400
        assert "do not match an account" in answer.text
        assert "turnout_session" not in answer.cookies


def test_session_cookie_is_httponly_samesite_and_scoped_to_the_app(
    server: LiveServer, tenant: Tenant, browsers: Browsers
) -> None:
    email, password = make_person(server, tenant, "door")
    browser = browsers.new()
    token = csrf_of(browser.get("/app/signin").text)
    answer = browser.post("/app/signin", data={"csrf": token, "email": email, "password": password})
    cookie = answer.headers["set-cookie"].lower()
    assert "turnout_session=" in cookie
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/app" in cookie


def test_sign_in_form_without_its_token_is_refused(
    server: LiveServer, tenant: Tenant, browsers: Browsers
) -> None:
    email, password = make_person(server, tenant, "owner")
    browser = browsers.new()
    browser.get("/app/signin")
    answer = browser.post(
        "/app/signin", data={"csrf": "forged", "email": email, "password": password}
    )
    assert answer.status_code == 403
    assert "turnout_session" not in answer.cookies


def test_form_without_csrf_token_is_refused_and_changes_nothing(
    server: LiveServer, tenant: Tenant, browsers: Browsers
) -> None:
    client = browsers.signed_in_as(tenant, "staff")
    answer = client.post("/app/events", data={**EVENT_FORM, "id": "no_token"})
    assert answer.status_code == 403
    forged = client.post("/app/events", data={**EVENT_FORM, "id": "no_token", "csrf": "x" * 32})
    assert forged.status_code == 403
    assert tenant.http.get("/api/v1/events/no_token").status_code == 404


def test_form_from_another_site_is_refused(
    server: LiveServer, tenant: Tenant, browsers: Browsers
) -> None:
    client = browsers.signed_in_as(tenant, "staff")
    token = csrf_of(client.get("/app/events/new").text)
    answer = client.post(
        "/app/events",
        data={**EVENT_FORM, "id": "cross_site", "csrf": token},
        headers={"Origin": "https://evil.example"},
    )
    assert answer.status_code == 403
    assert tenant.http.get("/api/v1/events/cross_site").status_code == 404


def test_sign_out_everywhere_ends_every_session(
    server: LiveServer, tenant: Tenant, browsers: Browsers
) -> None:
    email, password = make_person(server, tenant, "staff")
    phone, laptop = browsers.sign_in(email, password), browsers.sign_in(email, password)
    assert post_form(laptop, "/app/signout-everywhere", {}).status_code == 303
    assert phone.get("/app/").status_code == 303
    assert laptop.get("/app/").status_code == 303


def test_sign_out_ends_only_this_session(
    server: LiveServer, tenant: Tenant, browsers: Browsers
) -> None:
    email, password = make_person(server, tenant, "staff")
    phone, laptop = browsers.sign_in(email, password), browsers.sign_in(email, password)
    assert post_form(laptop, "/app/signout", {}).status_code == 303
    assert laptop.get("/app/").status_code == 303
    assert phone.get("/app/").status_code == 200


@pytest.fixture
def limited_server(database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    # Windows of an hour instead of a minute: a test's attempts never straddle two windows.
    settings = base_settings(
        str(tmp_path), database_url, rate_limits=True, debug_rate_limit_minute_seconds=3600
    )
    with LiveServer(settings) as live:
        yield live


def test_sign_in_is_limited_per_account(limited_server: LiveServer) -> None:
    browsers = Browsers(limited_server)
    with make_tenant(limited_server) as tenant:
        email, password = make_person(limited_server, tenant, "owner")
        if time.time() % 3600 > 3540:  # the window would end mid-test
            time.sleep(3601 - time.time() % 3600)
        browser = browsers.new()
        token = csrf_of(browser.get("/app/signin").text)
        statuses = [
            browser.post(
                "/app/signin", data={"csrf": token, "email": email, "password": "wrong-password"}
            ).status_code
            for _ in range(10)
        ]
        assert statuses == [400] * 10
        refused = browser.post(
            "/app/signin", data={"csrf": token, "email": email, "password": password}
        )
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert "turnout_session" not in refused.cookies
        browsers.close()


def test_owners_add_reset_and_remove_people_on_the_people_page(
    server: LiveServer, tenant: Tenant, browsers: Browsers
) -> None:
    owner = browsers.signed_in_as(tenant, "owner")
    email = f"door.{tenant.name.replace('_', '-')}@example.org"
    added = post_form(owner, "/app/people", {"email": email, "role": "door"}, "/app/people")
    link = re.search(r'<code class="key">(http[^<]+)</code>', added.text)
    assert added.status_code == 200 and link
    page = browsers.new().get(link.group(1).replace("&amp;", "&"))
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    assert token
    again = post_form(owner, "/app/people", {"email": email, "role": "staff"}, "/app/people")
    assert again.status_code == 422 and "already has an account" in again.text
    removed = post_form(owner, f"/app/people/{email}", {"action": "remove"}, "/app/people")
    assert removed.status_code == 200 and email not in removed.text
    me = re.search(r"owner-[0-9a-f]+@[^ <]+", owner.get("/app/people").text)
    assert me
    refused = post_form(owner, f"/app/people/{me.group(0)}", {"action": "remove"}, "/app/people")
    assert refused.status_code == 422 and "cannot remove yourself" in refused.text


def test_sign_in_is_limited_per_address(limited_server: LiveServer) -> None:
    browsers = Browsers(limited_server)
    if time.time() % 3600 > 3540:  # the window would end mid-test
        time.sleep(3601 - time.time() % 3600)
    browser = browsers.new()
    token = csrf_of(browser.get("/app/signin").text)
    statuses = [
        browser.post(
            "/app/signin",
            data={"csrf": token, "email": f"guess{n}@example.org", "password": "wrong-password"},
        ).status_code
        for n in range(31)
    ]
    browsers.close()
    assert statuses == [400] * 30 + [429]
