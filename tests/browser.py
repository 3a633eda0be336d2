"""Helpers for the browser tests: Debian's Chromium under Playwright, seeded data, screenshots, axe.

Playwright's sync API keeps an event loop running in this thread, so anything that opens the store
(`LiveServer.run` uses asyncio.run) runs on a worker thread instead (`off_loop`).
"""

from __future__ import annotations

import concurrent.futures
import os
import secrets
import sqlite3
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import segno
from playwright.sync_api import Page

from tests.live import LiveServer, Tenant
from turnout.auth import keys
from turnout.core import events, hub_admin, registrations, times
from turnout.core.events import EventChanges
from turnout.core.hubs import KeySeal
from turnout.core.model import RegistrationStatus
from turnout.core.registrations import RegistrationChanges, takes_no_more_seats
from turnout.store.hubs import hub_store
from turnout.webhooks import manage
from turnout.webhooks.store import WebhookStore

T = TypeVar("T")
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
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
JSQR = Path(__file__).parent / "axe" / "node_modules" / "jsqr" / "dist" / "jsQR.js"
# Chromium on Linux has no BarcodeDetector (tried: `typeof BarcodeDetector` is "undefined", with or
# without --enable-experimental-web-platform-features). The camera test defines this one instead: it
# draws the video element's current frame, from the real (fake-device) camera stream, to a canvas
# and reads the QR code in it with jsQR. Everything after `detect` is door.js's own camera path.
QR_DETECTOR = """
window.BarcodeDetector = class {
  constructor(options) { this.formats = options.formats; }
  async detect(video) {
    if (!video.videoWidth) return [];
    const canvas = document.createElement("canvas");
    canvas.width = video.videoWidth; canvas.height = video.videoHeight;
    const context = canvas.getContext("2d");
    context.drawImage(video, 0, 0);
    const image = context.getImageData(0, 0, canvas.width, canvas.height);
    const found = jsQR(image.data, image.width, image.height);
    return found ? [{format: "qr_code", rawValue: found.data}] : [];
  }
};
"""
_pool = concurrent.futures.ThreadPoolExecutor(max_workers=2)


def off_loop(fn: Callable[..., T], *args: Any) -> T:
    return _pool.submit(fn, *args).result()


def make_event(server: LiveServer, tenant: Tenant, title: str, capacity: int | None = 50) -> str:
    event_id = "evt_" + secrets.token_hex(5)
    start = times.now() + 86400

    async def go(store: Any) -> None:
        changes = EventChanges(
            start_at=start,
            end_at=start + 3 * 3600,
            status="confirmed",
            capacity=capacity,
            title=title,
        )
        await events.put_event(store, tenant.id, event_id, changes)

    off_loop(server.run, go)
    return event_id


def make_party(
    server: LiveServer,
    tenant: Tenant,
    event_id: str,
    name: str,
    size: int = 1,
    status: RegistrationStatus = "accepted",
) -> str:
    registration_id = "reg_" + secrets.token_hex(5)
    email = name.lower().replace(" ", ".") + "@example.org"

    async def go(store: Any) -> None:
        await registrations.write_registration(
            store,
            tenant.id,
            event_id,
            registration_id,
            RegistrationChanges(
                status=status, guest_count=size - 1, metadata={"name": name, "email": email}
            ),
            include_drafts=True,
            cancel_rule=takes_no_more_seats,
        )

    off_loop(server.run, go)
    return registration_id


def make_hub(server: LiveServer, tenant: Tenant, name: str) -> None:
    """A hub with its two default rules, made as `turnout hub create` makes it."""

    async def go(store: Any) -> None:
        hubs = hub_store(store, KeySeal(server.settings.server_secret()), 3600)
        await hub_admin.create_hub(hubs, tenant.id, name, 1000, 30 * 86400, times.now())

    off_loop(server.run, go)


def make_endpoint(server: LiveServer, tenant: Tenant, url: str, description: str) -> str:
    """A webhook endpoint for every event type, made as POST /v1/webhook_endpoints makes it."""

    async def go(store: Any) -> str:
        body = {"url": url, "description": description}
        made, _ = await manage.create(
            WebhookStore(store), server.settings.server_secret(), tenant.id, body, False
        )
        return made.id

    return str(off_loop(server.run, go))


def make_key(server: LiveServer, tenant: Tenant, scopes: str, name: str) -> None:
    async def go(store: Any) -> None:
        secret = server.settings.server_secret()
        await keys.create_key(store, secret, tenant.id, scopes, name, times.now())

    off_loop(server.run, go)


def camera_video(path: Path, text: str, width: int = 640, height: int = 480) -> None:
    """A few frames of Y4M video (what Chromium's fake camera plays) showing `text` as segno's QR
    code, black on white, centred, with its quiet zone."""
    rows = list(segno.make_qr(text, error="m").matrix_iter(scale=1, border=4))
    scale = min(width, height) // len(rows)
    left, top = (width - len(rows) * scale) // 2, (height - len(rows) * scale) // 2
    luma = bytearray(b"\xff" * (width * height))
    for r, row in enumerate(rows):
        for c, dark in enumerate(row):
            if dark:
                for dy in range(scale):
                    start = (top + r * scale + dy) * width + left + c * scale
                    luma[start : start + scale] = b"\x00" * scale
    chroma = b"\x80" * (width // 2 * height // 2)  # no colour
    frame = b"FRAME\n" + bytes(luma) + chroma + chroma
    header = f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + frame * 3)


def screenshot(page: Page, backend: str, name: str) -> None:
    """Write a full-page screenshot for a person to look at (not committed)."""
    folder = Path(os.environ.get("TURNOUT_SCREENSHOTS") or f"var/screenshots/{backend}")
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2 A/AA violations on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
    ]


MILLION = 1_000_000
_ROWS = (
    "INSERT INTO registrations (event_pk, id, seq, status, guest_count, metadata, email_key,"
    " checked_in_count, version, created_at, updated_at)"
    " SELECT {pk}, 'r' || i, i, CASE WHEN i % 10 = 0 THEN 'declined' ELSE 'accepted' END, 0,"
    ' \'{{"name": "Person \' || i || \'", "email": "p\' || i || \'@example.org"}}\','
    " 'p' || i || '@example.org', 0, 1, {now}, {now} FROM {numbers}"
)
_COUNTERS = (
    "UPDATE events SET count_accepted = {accepted}, count_declined = {declined},"
    " seats_taken = {accepted}, next_seq = {next} WHERE pk = {pk}"
)


def seed_million(server: LiveServer, tenant: Tenant, event_id: str) -> None:
    """A million registrations (every tenth declined) written with SQL, and the counters to match."""

    async def go(store: Any) -> None:
        event = await events.find_event(store, tenant.id, event_id, include_drafts=True)
        values = {"pk": event.pk, "now": times.now(), "next": MILLION + 1}
        counters = _COUNTERS.format(
            accepted=MILLION - MILLION // 10, declined=MILLION // 10, **values
        )
        if store.dialect == "postgres":
            numbers = f"generate_series(1, {MILLION}) AS n(i)"
            async with store.pool.acquire() as conn, conn.transaction():
                await conn.execute(_ROWS.format(numbers=numbers, **values))
                await conn.execute(counters)
                await conn.execute("ANALYZE registrations")
            return
        numbers = f"(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {MILLION}) SELECT i FROM n)"
        db = sqlite3.connect(
            store.db.execute("PRAGMA database_list").fetchone()[2], isolation_level=None
        )
        try:
            db.execute("PRAGMA busy_timeout = 10000")
            db.execute("BEGIN IMMEDIATE")
            db.execute(_ROWS.format(numbers=numbers, **values))
            db.execute(counters)
            db.execute("COMMIT")
            db.execute("ANALYZE")
        finally:
            db.close()

    off_loop(server.run, go)


def median_ms(get: Callable[[], Any], rounds: int) -> float:
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        answer = get()
        timings.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, answer.text[:300]
    return statistics.median(timings)
