"""Writing Atom entries and feeds (spec notification-hubs §5.1–5.3): compact, unprefixed, in
DataContract order, as the real service does — the SDKs parse them by position and by name."""

from __future__ import annotations

import time
from collections.abc import Sequence

from turnout.core.devices import HEADER_LISTS, Description
from turnout.core.hub_writes import Device

ATOM = "http://www.w3.org/2005/Atom"
METADATA = "http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"
CONNECT = "http://schemas.microsoft.com/netservices/2010/10/servicebus/connect"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NEVER = "9999-12-31T23:59:59.9999999Z"


def escape(text: str, attribute: bool = False) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;") if attribute else text


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def instant(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def description_xml(device: Device, description: Description) -> str:
    expires = NEVER if device.expires_at is None else instant(device.expires_at)
    parts = [
        f"<ETag>{device.version}</ETag>",
        f"<ExpirationTime>{expires}</ExpirationTime>",
        f"<RegistrationId>{escape(device.id)}</RegistrationId>",
    ]
    if description.tags:
        parts.append(f"<Tags>{escape(','.join(description.tags))}</Tags>")
    if description.push_variables is not None:
        parts.append(f"<PushVariables>{escape(description.push_variables)}</PushVariables>")
    for name, value in description.members:
        if isinstance(value, str):
            text = cdata(value) if name == "BodyTemplate" else escape(value)
            parts.append(f"<{name}>{text}</{name}>")
        else:
            item = HEADER_LISTS[name]
            headers = "".join(
                f"<{item}><Header>{escape(h)}</Header><Value>{escape(v)}</Value></{item}>"
                for h, v in value
            )
            parts.append(f"<{name}>{headers}</{name}>")
    kind = description.type_name
    return f'<{kind} xmlns="{CONNECT}" xmlns:i="{XSI}">{"".join(parts)}</{kind}>'


def entry(device: Device, url: str, in_feed: bool = False) -> str:
    description = Description.from_json(device.body)
    etag = f"W/&quot;{device.version}&quot;"
    namespace = "" if in_feed else f' xmlns="{ATOM}"'
    link = escape(url, attribute=True)
    return (
        f'<entry a:etag="{etag}"{namespace} xmlns:a="{METADATA}">'
        f'<id>{escape(url)}</id><title type="text">{escape(device.id)}</title>'
        f"<published>{instant(device.created_at)}</published>"
        f"<updated>{instant(device.updated_at)}</updated>"
        f'<link rel="self" href="{link}"/>'
        f'<content type="application/xml">{description_xml(device, description)}</content></entry>'
    )


def feed(devices: Sequence[Device], url: str, entry_url: EntryUrl, now: int) -> str:
    entries = "".join(entry(d, entry_url(d.id), in_feed=True) for d in devices)
    return (
        f'<feed xmlns="{ATOM}"><title type="text">Registrations</title>'
        f"<id>{escape(url)}</id><updated>{instant(now)}</updated>"
        f'<link rel="self" href="{escape(url, attribute=True)}"/>{entries}</feed>'
    )


from collections.abc import Callable  # noqa: E402

EntryUrl = Callable[[str], str]
