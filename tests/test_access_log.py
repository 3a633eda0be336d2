"""The access log as `turnout serve` writes it to stderr, by default: one line per request in the
documented shape (accesslog.py), the path escaped onto one line, never the query string."""

from __future__ import annotations

import re
from pathlib import Path

from tests.live import make_tenant
from tests.processes import ServerProcess

LINE = re.compile(r"(GET|POST) (\S+) (\d{3}) \d+\.\dms tenant=(\S+)")


def test_serve_writes_one_line_per_request_without_query_strings(tmp_path: Path) -> None:
    server = ServerProcess(f"sqlite:///{tmp_path}/t.db", str(tmp_path), TURNOUT_ACCESS_LOG="on")
    with server, make_tenant(server) as tenant:
        paths = [f"/v1/bookable_events/e{i}?bearer_token=leak{i}" for i in range(20)]
        for path in paths:
            assert tenant.http.get(path).status_code == 404
        assert tenant.http.get("/v1/bookable_events/a%09b%5Cc").status_code == 404
        assert tenant.http.post("/v1/availability", content=b"{").status_code == 422
        anonymous = tenant.http.get("/v1/bookable_events", headers={"Authorization": ""})
        assert anonymous.status_code == 401
    lines = [m.groups() for m in map(LINE.fullmatch, server.log().splitlines()) if m]
    ours = [line for line in lines if line[1].startswith("/v1/")]
    assert ours == [
        *[("GET", f"/v1/bookable_events/e{i}", "404", tenant.name) for i in range(20)],
        ("GET", r"/v1/bookable_events/a\tb\\c", "404", tenant.name),
        ("POST", "/v1/availability", "422", tenant.name),
        ("GET", "/v1/bookable_events", "401", "-"),
    ]
    assert "leak" not in server.log()
