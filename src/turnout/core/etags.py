"""Entity tags and the preconditions that compare them (RFC 9110 §8.8.3, §13.1.1–13.1.2).

An ETag names the state of one resource — any msgspec Struct the core keeps: an event (its fields
and its counters), a registration — not the bytes of one response: both surfaces send the same tag for the same state, every process
computes it the same way, and any change to the state changes it. Tags are strong, so If-Match can
use them.
"""

from __future__ import annotations

import dataclasses
import hashlib

import msgspec

from turnout.core.errors import PreconditionFailed, PreconditionRequired

_encoder = msgspec.msgpack.Encoder()


def of(resource: msgspec.Struct) -> str:
    digest = hashlib.blake2b(_encoder.encode(resource), digest_size=12).hexdigest()
    return f'"{digest}"'


@dataclasses.dataclass(frozen=True)
class Precondition:
    """A write's If-Match / If-None-Match, and whether the tenant requires one of them.

    None means the header was absent; "*" in a set means any current representation.
    """

    if_match: frozenset[str] | None = None
    if_none_match: frozenset[str] | None = None
    required: bool = False

    @property
    def given(self) -> bool:
        return self.if_match is not None or self.if_none_match is not None

    def require(self) -> None:
        """428 when the tenant requires a precondition and the request has none (RFC 6585 §3)."""
        if self.required and not self.given:
            raise PreconditionRequired(
                "send If-Match with the resource's ETag, or If-None-Match: *"
            )

    def check(self, current: msgspec.Struct | None) -> None:
        """412 unless the headers hold for `current` (None: the resource does not exist).

        Callers skip this for a write that would change nothing: a retried write that was already
        applied is not a conflict (reliability.md OCC-3).
        """
        tag = None if current is None else of(current)
        if self.if_match is not None and (
            tag is None or ("*" not in self.if_match and tag not in self.if_match)
        ):
            raise PreconditionFailed("the resource has changed: its ETag no longer matches")
        if self.if_none_match is not None and (
            tag is not None and ("*" in self.if_none_match or tag in self.if_none_match)
        ):
            raise PreconditionFailed("the resource already exists")


def parse_tags(header: str | None) -> frozenset[str] | None:
    """The entity tags of an If-Match / If-None-Match value: `*`, or a list of quoted tags.

    Weak tags (W/"...") are kept with their prefix, so the strong comparison never matches them.
    Raises ValueError on anything else.
    """
    if header is None:
        return None
    text = header.strip()
    if text == "*":
        return frozenset({"*"})
    tags = []
    for part in text.split(","):
        tag = part.strip()
        bare = tag.removeprefix("W/")
        if len(bare) < 2 or not (bare.startswith('"') and bare.endswith('"')) or '"' in bare[1:-1]:
            raise ValueError(f"not an entity tag: {tag!r}")
        tags.append(tag)
    return frozenset(tags)
