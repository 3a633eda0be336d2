"""A query string's declaration (the Struct an operation's record names as `query`) is its reading:
the handler converts the query mapping through it, so the OpenAPI parameters and what the server
takes cannot part.

The conversion is msgspec's lenient one (text to int or bool; `true/false/1/0` in any case for a
bool), after one step every surface shares: a number or a boolean is trimmed, and a number is ASCII
digits with an optional minus (not "٣", "5.0" or "1e2", which msgspec alone would take). The
constraints are the Struct's `Meta` (from core/limits.py). When the conversion fails, each field is
re-checked alone and every problem is worded by the surface's `Words` table (surfaces/fields.py),
all at once. What no type says (clamping, a status's lenient reading) stays an explicit step in the
handler's surface, after the read."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Generic

import msgspec
from msgspec import UnsetType, inspect

from turnout.core.errors import FieldError, ValidationFailed
from turnout.surfaces.fields import FAILED, Body, Problem, S, Words, problems

_WHOLE = re.compile(r"-?[0-9]+")
_UNSET = type(inspect.type_info(UnsetType))  # msgspec.inspect's UnsetType, which its stubs omit


def _refuse(errors: list[FieldError]) -> Exception:
    return ValidationFailed(errors)


class Query(Generic[S]):
    """A query Struct and how its surface words and raises a refusal. `refuse` turns the field
    errors (in declared order) into the surface's exception; `blank_is_absent` reads `?x=` as no
    x (the Notification Hubs service does)."""

    def __init__(
        self,
        kind: type[S],
        words: Words,
        *,
        refuse: Callable[[list[FieldError]], Exception] = _refuse,
        blank_is_absent: bool = False,
    ) -> None:
        self.kind, self.refuse, self.blank_is_absent = kind, refuse, blank_is_absent
        self._body = Body(kind, words)  # its `say` looks the words up, its order ranks the errors
        self._fields = msgspec.structs.fields(kind)
        self._types = {f.encode_name: given_type(inspect.type_info(f.type)) for f in self._fields}
        self._scalar = {name: _scalar(t) for name, t in self._types.items()}

    def read(self, params: Mapping[str, str]) -> S:
        """The query as its Struct, or the surface's refusal naming every field in error."""
        query, errors = self.decode(params)
        if errors:
            raise self.refuse(errors)
        return query

    def decode(self, params: Mapping[str, str]) -> tuple[S, list[FieldError]]:
        """The query and its field errors (in declared order; none when it converted whole), a
        field in error holding FAILED, so a surface's later steps can add theirs. Unknown
        parameters are ignored, as every surface did."""
        given: dict[str, Any] = {}
        bad: list[Problem] = []
        for name, scalar in self._scalar.items():
            if name not in params:
                continue
            text = params[name]
            if self.blank_is_absent and not text.strip():
                continue
            if scalar is not None:
                text = text.strip()  # str.strip: what a form field's padding is
                if scalar is int and not _WHOLE.fullmatch(text):
                    bad.append(Problem(name, name, "type"))
                    continue
            given[name] = text
        if not bad:
            try:
                return msgspec.convert(given, self.kind, strict=False), []
            except msgspec.ValidationError:
                pass
        values: dict[str, Any] = {}
        errors = [self._body.say(p) for p in bad]
        for f in self._fields:
            if f.encode_name in given:
                values[f.name], found = self._field(f, given[f.encode_name])
                errors += found
            elif any(p.field == f.encode_name for p in bad):
                values[f.name] = FAILED
        return self.kind(**values), self.ordered(errors)

    def ordered(self, errors: list[FieldError]) -> list[FieldError]:
        """`errors` in the order the Struct declares their fields (a handler's later steps')."""
        return self._body.ordered(errors)

    def _field(self, f: msgspec.structs.FieldInfo, text: str) -> tuple[Any, list[FieldError]]:
        """One given field alone against its declaration: its value, or FAILED and its errors."""
        try:
            return msgspec.convert(text, f.type, strict=False), []
        except msgspec.ValidationError:
            pass
        name, scalar = f.encode_name, self._scalar[f.encode_name]
        value: Any = text
        if scalar is not None:
            try:
                value = msgspec.convert(text, scalar, strict=False)
            except msgspec.ValidationError:
                return FAILED, [self._body.say(Problem(name, name, "type"))]
        found = problems(value, self._types[name], name, name) or [Problem(name, name, "type")]
        return FAILED, [self._body.say(p) for p in found]


def given_type(t: inspect.Type) -> inspect.Type:
    """The type a given value must have: a field's own, without UNSET (a given value is set) and
    without the Metadata wrapper a description puts around it."""
    if isinstance(t, inspect.Metadata):
        return given_type(t.type)
    if isinstance(t, inspect.UnionType):
        members = [given_type(m) for m in t.types if not isinstance(m, _UNSET)]
        return members[0] if len(members) == 1 else inspect.UnionType(tuple(members))
    return t


def _scalar(t: inspect.Type) -> type | None:
    """int or bool when the field converts text to one; else None (text, taken as it is)."""
    if isinstance(t, inspect.BoolType):
        return bool
    if isinstance(t, inspect.IntType):
        return int
    return None
