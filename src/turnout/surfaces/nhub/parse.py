"""Reading registration bodies (spec notification-hubs §5.4–5.5): lenient in what they look like,
strict about what XML may do. defusedxml refuses DTDs, entity declarations and external references."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from turnout.core.devices import HEADER_LISTS, Description, DeviceInputError, Headers, describe

_XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
MAX_DEPTH = 32


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _unparseable() -> DeviceInputError:
    return DeviceInputError("InvalidRequestBody", "Failed to parse the request body.")


def parse_description(body: bytes) -> Description:
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ET.ParseError, DefusedXmlException, ValueError):
        raise _unparseable() from None
    if _depth(root) > MAX_DEPTH:
        raise _unparseable()
    element = _description_element(root)
    type_name = _local(element.tag)
    if type_name == "RegistrationDescription" and element.get(_XSI_TYPE):
        type_name = element.get(_XSI_TYPE, "").rsplit(":", 1)[-1]
    fields: dict[str, str | Headers] = {}
    for child in element:
        name = _local(child.tag)
        if name in HEADER_LISTS:
            fields[name] = _headers(child)
        elif len(child) == 0 and (child.text or "") != "":
            fields[name] = child.text or ""
    return describe(type_name, fields)


def _depth(element: ET.Element) -> int:
    deepest, stack = 0, [(element, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth <= MAX_DEPTH:
            stack.extend((child, depth + 1) for child in node)
    return deepest


def _description_element(root: ET.Element) -> ET.Element:
    """The description: the one element child of an Atom entry's content, or the root itself."""
    if _local(root.tag) != "entry":
        return root
    for child in root:
        if _local(child.tag) == "content":
            elements = list(child)
            if len(elements) == 1:
                return elements[0]
    raise DeviceInputError("InvalidDescription", "The specified resource description is invalid.")


def _headers(element: ET.Element) -> Headers:
    pairs = []
    for header in element:
        values = {_local(part.tag): (part.text or "") for part in header}
        pairs.append((values.get("Header", ""), values.get("Value", "")))
    return tuple(pairs)
