"""The pages people read: `GET /`, and `/docs`, Scalar's interactive reference over the one OpenAPI
document, served from the package (no other host is ever asked for anything), with a curl example
for every operation and each repeated paragraph said once. The browser test drives Debian's
Chromium through Playwright."""

from __future__ import annotations

import importlib.util
import json
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

from tests.conftest import base_settings
from tests.live import LiveServer
from turnout import openapi
from turnout.config import Settings
from turnout.openapi import HTTP_METHODS, page

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return openapi.document(Settings(secret="x" * 32))


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, item[method])
        for path, item in document["paths"].items()
        for method in HTTP_METHODS
        if method in item
    ]


def _header_texts(document: dict[str, Any]) -> Counter[str]:
    return Counter(
        header["description"]
        for _, _, op in _operations(document)
        for response in op["responses"].values()
        for header in response.get("headers", {}).values()
    )


def test_the_reference_says_each_repeated_header_paragraph_once(document: dict[str, Any]) -> None:
    repeated = [t for t, n in _header_texts(document).items() if n >= page.REPEATED]
    assert repeated, "the document repeats no paragraph: this test would prove nothing"
    reference = page.said_once(document)
    intro = reference["info"]["description"]
    for text in repeated:
        assert intro.count(text) == 1
        assert text not in json.dumps(reference["paths"])
    assert all(
        n < page.REPEATED or t.startswith("See *") for t, n in _header_texts(reference).items()
    )


def test_the_reference_is_the_same_document_otherwise(document: dict[str, Any]) -> None:
    reference = page.said_once(document)
    assert reference["components"] == document["components"]
    assert [(m, p, o["operationId"]) for m, p, o in _operations(reference)] == [
        (m, p, o["operationId"]) for m, p, o in _operations(document)
    ]
    assert len(json.dumps(reference)) < 0.7 * len(json.dumps(document))  # 535 kB to 344 kB today


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("docs")
    settings = base_settings(str(folder), f"sqlite:///{folder}/docs.db")
    with LiveServer(settings) as live:
        yield live


def test_home_page_links_the_docs_and_health(server: LiveServer) -> None:
    answer = httpx.get(server.url + "/")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    for link in ("/docs", "/healthz", "/readyz", "/openapi.json"):
        assert f'href="{link}"' in answer.text
    web_app = importlib.util.find_spec("turnout.web") is not None  # the web app, once merged
    assert ('href="/app/"' in answer.text) == web_app


def test_docs_load_nothing_from_another_host(server: LiveServer) -> None:
    html = httpx.get(server.url + "/docs").text
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "/docs/scalar-api-reference.js" in sources
    assert all(source.startswith("/") and not source.startswith("//") for source in sources)
    bundle = httpx.get(server.url + "/docs/scalar-api-reference.js")
    assert bundle.status_code == 200, "run make install: it fetches the pinned bundle"
    assert bundle.headers["content-type"].startswith("text/javascript")
    reference = httpx.get(server.url + "/docs/openapi.json").json()
    assert (
        reference["paths"].keys() == httpx.get(server.url + "/openapi.json").json()["paths"].keys()
    )


def _anchor(tag: str, method: str, path: str) -> str:
    return f"#tag/{re.sub(r'[^a-z0-9]+', '-', tag.lower()).strip('-')}/{method.upper()}{path}"


def _one_operation_per_tag(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    firsts: dict[str, tuple[str, str, dict[str, Any]]] = {}
    for method, path, op in _operations(document):
        firsts.setdefault(op["tags"][0], (method, path, op))
    return list(firsts.values())


def test_browser_shows_the_reference_with_curl_examples(server: LiveServer) -> None:
    """Opens /docs at one operation of each tag (Scalar renders an operation's section when the
    page opens at it) and finds that operation's curl example; nothing is asked of another host."""
    document = httpx.get(server.url + "/openapi.json").json()
    sampled = _one_operation_per_tag(document)
    assert len(sampled) >= 6
    outside: list[str] = []
    missing: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1280, "height": 900})
            tab.on(
                "request",
                lambda r: (
                    None if r.url.startswith((server.url, "data:")) else outside.append(r.url)
                ),
            )
            for method, path, op in sampled:
                tab.goto("about:blank")
                tab.goto(server.url + "/docs" + _anchor(op["tags"][0], method, path))
                tab.wait_for_selector(f"text={op['summary']}", timeout=60_000)
                assert tab.locator("text=Ask AI").count() == 0  # its chat calls another host
                url = server.url + path.split("{")[0]  # a path parameter may come quoted
                try:
                    tab.wait_for_function(
                        "url => [...document.querySelectorAll('pre, code')].some(e =>"
                        " e.innerText.startsWith('curl') && e.innerText.includes(url))",
                        arg=url,
                        timeout=20_000,
                    )
                except PlaywrightTimeout:
                    missing.append(f"{method} {path}")
        finally:
            browser.close()
    assert missing == []
    assert outside == []


def test_v1_documents_its_own_error_keys_never_webkasas_codes(document: dict[str, Any]) -> None:
    for method, path, op in _operations(document):
        if not path.startswith("/v1/"):
            continue
        for status, response in op["responses"].items():
            assert not re.match(r"[A-Z_]{5,}\b", response["description"]), (method, path, status)
