"""The /v1 (Cronofy dialect) part of the document: its path items and component schemas."""

# Hand-written data mirroring surfaces/cronofy (routes.py for paths and methods, parse.py for request
# bodies, render.py for responses, errors.py for error bodies). Limits come from the constants those
# modules use, so they cannot drift; tests/test_openapi.py checks the paths and methods against the
# live route table.

from turnout.openapi.cronofy.components import schemas
from turnout.openapi.cronofy.operations import paths

__all__ = ["paths", "schemas"]
