"""Server-rendered pages: one Jinja2 environment over the package's templates, autoescaped."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from turnout.core.model import Event, Registration

# The pages load nothing from elsewhere: scripts and styles are files in the package, QR codes are
# inline SVG, so a door with a bad connection needs only turnout itself.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("turnout.web", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def when(instant: int | None, timezone: str = "UTC") -> str:
    if instant is None:
        return ""
    local = datetime.datetime.fromtimestamp(instant, ZoneInfo(timezone))
    return local.strftime("%Y-%m-%d %H:%M")


def attendee(registration: Registration, field: str) -> str:
    value = (registration.metadata or {}).get(field)
    return "" if value is None else str(value)


def seat_bar(event: Event) -> dict[str, Any]:
    """Seat bar figures: taken and capacity, with the share of the bar taken (unlimited: no bar)."""
    capacity = event.capacity
    share = 0 if not capacity else min(100, round(100 * event.seats_taken / capacity))
    return {"taken": event.seats_taken, "capacity": capacity, "share": share}


_env.filters["when"] = when
_env.globals["attendee"] = attendee
_env.globals["seat_bar"] = seat_bar


def page(request: Request, template: str, http_status: int = 200, **context: Any) -> HTMLResponse:
    session = getattr(request.state, "session", None)
    html = _env.get_template(template).render(
        session=session, person=session.person if session else None, **context
    )
    return HTMLResponse(html, http_status, headers=SECURITY_HEADERS)
