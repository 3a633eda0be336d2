"""Notification hubs in tests: hubs made through the core, SAS tokens made as the SDKs make them."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import ipaddress
import re
import secrets
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.live import LiveServer, free_port
from turnout import connections
from turnout.app import build_app
from turnout.config import Settings
from turnout.core import hub_admin, times
from turnout.core.hubs import KeySeal, parse_rights
from turnout.store.hubs import hub_store

APPLE_TOKEN = "00fc13adff785122b4ad28809a3420982341241421348097878e577c991de8f0"


def apple_entry(token: str = APPLE_TOKEN, tags: str | None = None) -> str:
    tags_xml = f"<Tags>{tags}</Tags>" if tags is not None else ""
    return (
        '<?xml version="1.0" encoding="utf-8"?><entry xmlns="http://www.w3.org/2005/Atom">'
        '<content type="application/xml"><AppleRegistrationDescription '
        'xmlns:i="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns="http://schemas.microsoft.com/netservices/2010/10/servicebus/connect">'
        f"{tags_xml}<DeviceToken>{token}</DeviceToken></AppleRegistrationDescription></content></entry>"
    )


def sas_token(
    sr_url: str, key_name: str, key: str, lifetime: int = 3600, upper: bool = True
) -> str:
    sr = quote(sr_url.lower(), safe="")
    if not upper:
        sr = sr.replace("%3A", "%3a").replace("%2F", "%2f")
    se = str(int(time.time()) + lifetime)
    digest = hmac.new(key.encode(), f"{sr}\n{se}".encode(), hashlib.sha256).digest()
    sig = quote(base64.b64encode(digest).decode(), safe="")
    return f"SharedAccessSignature sr={sr}&sig={sig}&se={se}&skn={key_name}"


class HubClient:
    """A tenant's hub and its two default keys, with an httpx client per key."""

    def __init__(self, server: LiveServer, quota: int | None = None, ttl: int | None = None):
        self.server = server
        self.tenant = "t_" + secrets.token_hex(5)
        self.name = "hub" + secrets.token_hex(4)

        async def go(store: Any) -> Any:
            tenant = await store.create_tenant(self.tenant, times.now())
            hubs = hub_store(store, KeySeal(server.settings.server_secret()), 3600)
            hub, rules = await hub_admin.create_hub(
                hubs, tenant.id, self.name, quota, ttl, times.now()
            )
            return tenant.id, hub, rules

        self.tenant_id, self.hub, rules = server.run(go)
        (self.listen_name, self.listen_key), (self.full_name, self.full_key) = rules
        self.endpoint = server.url + "/"

    def auth(self, full: bool = True) -> str:
        name, key = (self.full_name, self.full_key) if full else (self.listen_name, self.listen_key)
        return sas_token(self.endpoint, name, key)

    def client(self, full: bool = True, versioned: bool = True) -> httpx.Client:
        """A client for the hub's paths; `versioned`: it adds api-version=2020-06 to every query
        (which replaces a query written into the URL, so raw-query tests turn it off)."""
        return httpx.Client(
            base_url=f"{self.server.url}/{self.name}",
            headers={"Authorization": self.auth(full)},
            params={"api-version": "2020-06"} if versioned else None,
            timeout=30,
        )

    def add_rule(self, name: str, rights: str, hub: str | None) -> str:
        async def go(store: Any) -> str:
            hubs = hub_store(store, KeySeal(self.server.settings.server_secret()), 3600)
            return await hub_admin.create_rule(
                hubs, self.tenant_id, hub, name, parse_rights(rights), times.now()
            )

        return str(self.server.run(go))


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A throwaway certificate for localhost and 127.0.0.1, and its key: (cert.pem, key.pem)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    san = x509.SubjectAlternativeName(
        [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(san, critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class TlsServer(LiveServer):
    """A live server over https on localhost, with `self_signed` certificate files."""

    def __init__(self, settings: Settings, cert: Path, key: Path) -> None:
        port = free_port()
        self.settings = settings.with_(
            host="127.0.0.1",
            port=port,
            public_url=f"https://localhost:{port}",
            tls_certfile=str(cert),
            tls_keyfile=str(key),
        )
        self.url = f"https://localhost:{port}"
        config = connections.config(  # as `turnout serve --certfile … --keyfile …` serves
            build_app(self.settings),
            self.settings,
            log_level="warning",
            access_log=False,
            ssl_certfile=str(cert),
            ssl_keyfile=str(key),
        )
        self._server = uvicorn.Server(config)
        listening = config.bind_socket()  # as connections.serve does: accepted by EagerLoop
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [listening]}, daemon=True
        )


def foreign_and_missing(
    server: LiveServer, method: str, path: str
) -> tuple[httpx.Response, httpx.Response]:
    """SEC-1 for one route of the surface: another tenant's full key on a hub that holds a
    registration and an installation with the path's IDs, and on a missing hub."""
    owner, intruder = HubClient(server), HubClient(server)
    with owner.client() as http:
        http.put("/registrations/r1", content=apple_entry(tags="t1"))
        http.put("/installations/i1", json={"platform": "apns", "pushChannel": "aa"})
    ids = {"registration_id": "r1", "installation_id": "i1", "tag": "t1"}
    concrete = re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1), "{hub}"), path)
    body = apple_entry() if method in ("POST", "PUT") else None
    with httpx.Client(timeout=30, headers={"Authorization": intruder.auth()}) as http:
        foreign = http.request(
            method, server.url + concrete.replace("{hub}", owner.name), content=body
        )
        missing = http.request(
            method, server.url + concrete.replace("{hub}", "no" + owner.name), content=body
        )
    return foreign, missing


def without_tracking(body: str) -> str:
    """An error body without its TrackingId and TimeStamp."""
    return re.sub(r"\.TrackingId:.*</Detail>", "</Detail>", body)
