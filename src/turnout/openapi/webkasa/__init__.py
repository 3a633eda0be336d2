"""The /api/v1 (Webkasa dialect) part of the document: its path items, schemas and API-key scheme."""

# Hand-written data mirroring surfaces/webkasa (routes.py for paths, methods and scopes, parse.py for
# request bodies and query strings, render.py for responses, errors.py and guard.py for error bodies
# and headers). tests/test_openapi.py checks the paths and methods against the live route table and
# validates render.py's and errors.py's output against these schemas.

from turnout.openapi.webkasa.components import api_key_scheme, schemas
from turnout.openapi.webkasa.operations import paths

__all__ = ["api_key_scheme", "paths", "schemas"]
