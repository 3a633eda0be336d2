"""The route records of the Notification Hubs surface (routes.py's ROUTES carries them), for the
OpenAPI document: registrations are Atom XML, documented by example (spec notification-hubs §5);
installations are JSON (core/installations.py, shapes.py). The surface checks its own rights, in its own order (§2.4)."""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import UNSET, Meta, Struct, UnsetType

from turnout.core.hub_lists import MAX_SKIP
from turnout.core.installations import InstallationPut
from turnout.surfaces.nhub.errors import HubProblem
from turnout.surfaces.nhub.shapes import Installation, InstallationPatchOperation
from turnout.surfaces.operation import Operation

TAG = "Notification Hubs (Azure-compatible)"
XML = "application/xml; charset=utf-8"
ENTRY = "application/atom+xml;type=entry;charset=utf-8"
FEED = "application/atom+xml;type=feed;charset=utf-8"
RIGHTS = " Needs a SAS token of a rule with the {} right (docs/NOTIFICATION_HUBS.md)."

_ATOM = 'xmlns="http://www.w3.org/2005/Atom"'
_SB = (
    'xmlns="http://schemas.microsoft.com/netservices/2010/10/servicebus/connect" '
    'xmlns:i="http://www.w3.org/2001/XMLSchema-instance"'
)
CREATE_EXAMPLE = (
    f'<?xml version="1.0" encoding="utf-8"?><entry {_ATOM}><content type="application/xml">'
    f"<AppleRegistrationDescription {_SB}><Tags>likes_football,user:42</Tags>"
    "<DeviceToken>00FC13ADFF785122B4AD28809A3420982341241421348097878E577C991DE8F0</DeviceToken>"
    "</AppleRegistrationDescription></content></entry>"
)
_ID = "5316240457393540101-1920433447398212335-1"
_URL = f"https://push.example.org/myhub/registrations/{_ID}?api-version=2020-06"
ENTRY_EXAMPLE = (
    f'<entry a:etag="W/&quot;1&quot;" {_ATOM} '
    'xmlns:a="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata">'
    f'<id>{_URL}</id><title type="text">{_ID}</title><published>2025-03-01T10:00:00Z</published>'
    f'<updated>2025-03-01T10:00:00Z</updated><link rel="self" href="{_URL}"/>'
    f'<content type="application/xml"><AppleRegistrationDescription {_SB}><ETag>1</ETag>'
    "<ExpirationTime>9999-12-31T23:59:59.9999999Z</ExpirationTime>"
    f"<RegistrationId>{_ID}</RegistrationId><Tags>likes_football,user:42</Tags>"
    "<DeviceToken>00FC13ADFF785122B4AD28809A3420982341241421348097878E577C991DE8F0</DeviceToken>"
    "</AppleRegistrationDescription></content></entry>"
)
FEED_EXAMPLE = (
    f'<feed {_ATOM}><title type="text">Registrations</title>'
    "<id>https://push.example.org/myhub/registrations?api-version=2020-06</id>"
    "<updated>2025-03-01T10:00:05Z</updated>"
    '<link rel="self" href="https://push.example.org/myhub/registrations?api-version=2020-06"/>'
    "</feed>"
)

Hub = Annotated[str, Meta(description="The hub's name (case-insensitive).")]
RegistrationId = Annotated[str, Meta(description="The registration's ID.")]
InstallationId = Annotated[str, Meta(description="The installation's ID, chosen by the client.")]


# Query names Python cannot spell, as the SDKs send them.
QUERY_NAMES = {"api_version": "api-version", "top": "$top", "skip": "$skip", "filter": "$filter"}


class Version(Struct, rename=QUERY_NAMES):
    api_version: (
        Annotated[
            str,
            Meta(
                description="Any value or none; from 2020-06 on, a missing right is 403 (401 before) "
                "and throttling 429 (409 before).",
                examples=["2020-06"],
            ),
        ]
        | UnsetType
    ) = UNSET


class Listing(Version, rename=QUERY_NAMES):
    top: Annotated[int, Meta(ge=0, description="Page size: default and at most 100.")] | (
        UnsetType
    ) = UNSET
    skip: Annotated[int, Meta(ge=0, le=MAX_SKIP, description="Rows to skip.")] | UnsetType = UNSET
    continuationtoken: (
        Annotated[str, Meta(description="X-MS-ContinuationToken of the previous page.")] | UnsetType
    ) = UNSET


class ChannelListing(Listing, rename=QUERY_NAMES):
    filter: (
        Annotated[
            str,
            Meta(
                description="List by channel (Listen right): e.g. DeviceToken eq '00FC…'. Without "
                "it, every registration (Manage right)."
            ),
        ]
        | UnsetType
    ) = UNSET


_BAD_BODY = HubProblem(400, "InvalidRequestBody", "The request body is not valid.")
_NO_REGISTRATION = HubProblem(
    404, "RegistrationNotFound", "No registration exists at this location."
)
_NO_INSTALLATION = HubProblem(404, "InstallationNotFound", "Installation not found.")
_STALE = HubProblem(
    412,
    "PreconditionFailed",
    "Precondition failed. The current version of the registration does not have specified ETag.",
)
_GONE = HubProblem(
    410, "RegistrationGone", "Cannot use specified location. Use a different registration ID."
)
_QUOTA = HubProblem(
    403, "QuotaExceeded", "Quota exceeded; too many registrations in this notification hub."
)


def _op(id: str, summary: str, description: str, right: str, **more: Any) -> Operation:
    return Operation(
        id=id, summary=summary, description=description + RIGHTS.format(right), tag=TAG, **more
    )


def _registration(**more: Any) -> dict[str, Any]:
    return {"path": {"hub": Hub, "registration_id": RegistrationId}, "query": Version, **more}


CREATE_REGISTRATION_ID = _op(
    "nhCreateRegistrationId",
    "Make a registration ID",
    "A new registration ID, answered in Location (…/registrationids/{id}) and Content-Location "
    "(…/registrations/{id}); nothing is stored until the registration is PUT.",
    "Listen",
    status=201,
    path={"hub": Hub},
    query=Version,
    location=True,
)
CREATE_REGISTRATION = _op(
    "nhCreateRegistration",
    "Create a registration",
    "An Atom entry holding one of the 18 registration descriptions (spec §5.3); the answer is "
    "the stored entry with its ETag.",
    "Listen",
    path={"hub": Hub},
    query=Version,
    request_media="application/atom+xml;type=entry;charset=utf-8",
    request_example_text=CREATE_EXAMPLE,
    media=ENTRY,
    example_text=ENTRY_EXAMPLE,
    etag=True,
    errors=(_BAD_BODY, _QUOTA),
)
LIST_REGISTRATIONS = _op(
    "nhListRegistrations",
    "List registrations",
    "Every live registration of the hub, or with $filter those of one channel; pages of $top "
    "with X-MS-ContinuationToken, or $skip.",
    "Manage (Listen with $filter)",
    path={"hub": Hub},
    query=ChannelListing,
    media=FEED,
    example_text=FEED_EXAMPLE,
    errors=(HubProblem(400, "InvalidQuery", "The query is not valid."),),
)
PUT_REGISTRATION = _op(
    "nhPutRegistration",
    "Create or update a registration",
    "Without If-Match, create or replace; with If-Match, update only that version (412 "
    "otherwise). A PUT that changes nothing keeps the version.",
    "Listen",
    **_registration(
        request_media="application/atom+xml;type=entry;charset=utf-8",
        request_example_text=CREATE_EXAMPLE,
        media=ENTRY,
        example_text=ENTRY_EXAMPLE,
        etag=True,
        preconditions=True,
        errors=(_BAD_BODY, _STALE, _GONE, _QUOTA),
    ),
)
GET_REGISTRATION = _op(
    "nhGetRegistration",
    "Read a registration",
    "The registration's entry, with its ETag.",
    "Listen",
    **_registration(media=ENTRY, example_text=ENTRY_EXAMPLE, etag=True, errors=(_NO_REGISTRATION,)),
)
DELETE_REGISTRATION = _op(
    "nhDeleteRegistration",
    "Delete a registration",
    "Absent If-Match means *. The ID stays unusable for a while (a tombstone: 410 on reuse).",
    "Listen",
    **_registration(preconditions=True, errors=(_NO_REGISTRATION, _STALE)),
)
LIST_BY_TAG = _op(
    "nhListRegistrationsByTag",
    "List registrations by tag",
    "The live registrations carrying the tag (exact, case-sensitive), paged as the full list.",
    "Manage",
    path={"hub": Hub, "tag": Annotated[str, Meta(description="The tag (spec §6's grammar).")]},
    query=Listing,
    media=FEED,
    example_text=FEED_EXAMPLE,
    errors=(HubProblem(400, "InvalidTag", "The tag is not valid."),),
)


def _installation(**more: Any) -> dict[str, Any]:
    return {"path": {"hub": Hub, "installation_id": InstallationId}, "query": Version, **more}


PUT_INSTALLATION = _op(
    "nhPutInstallation",
    "Create or replace an installation",
    "The installation as JSON; answered with an empty 200 and Content-Location.",
    "Listen",
    **_installation(
        body=InstallationPut,
        example={"installationId": "inst-1", "platform": "apns", "pushChannel": "00FC13AD"},
        errors=(_BAD_BODY, _QUOTA),
    ),
)
PATCH_INSTALLATION = _op(
    "nhPatchInstallation",
    "Change an installation",
    "A JSON-Patch array (add, remove, replace) applied to the stored installation.",
    "Listen",
    **_installation(
        body=list[InstallationPatchOperation],
        example=[{"op": "add", "path": "/tags", "value": "likes_football"}],
        request_media="application/json-patch+json",
        errors=(_BAD_BODY, _NO_INSTALLATION),
    ),
)
GET_INSTALLATION = _op(
    "nhGetInstallation",
    "Read an installation",
    "The installation, with pushChannelExpired and expirationTime.",
    "Listen",
    **_installation(ok=Installation, errors=(_NO_INSTALLATION,)),
)
DELETE_INSTALLATION = _op(
    "nhDeleteInstallation",
    "Delete an installation",
    "204 whether or not it existed.",
    "Listen",
    **_installation(status=204),
)
