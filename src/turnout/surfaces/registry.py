"""Every surface turnout serves, one line each. app.py mounts them after its own routes (/healthz,
/readyz, /openapi.json, /docs), which therefore always win: first the fixed prefixes, in this
order, then the surfaces that claim paths by pattern, in this order."""

from __future__ import annotations

from turnout.services import Services
from turnout.surfaces.cronofy.surface import SURFACE as CRONOFY
from turnout.surfaces.surface import Surface, SurfaceMount
from turnout.surfaces.webkasa.surface import SURFACE as WEBKASA

SURFACES: list[Surface] = [
    CRONOFY,
    WEBKASA,
]


def in_mount_order(surfaces: list[Surface] = SURFACES) -> list[Surface]:
    return [s for s in surfaces if not s.by_pattern] + [s for s in surfaces if s.by_pattern]


def mounts(services: Services, surfaces: list[Surface] = SURFACES) -> list[SurfaceMount]:
    return [surface.mount(services) for surface in in_mount_order(surfaces)]
