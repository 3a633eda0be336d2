"""A body's declaration (a msgspec Struct) is its validation: decode whole first; only when that fails,
re-check field by field to report every error at once (litestar's `_collect_errors` pattern — msgspec
stops at the first error by design).

The re-check converts each declared field alone against its annotated type; for a field that fails, it
walks the type (msgspec.inspect) to say which rule the value broke: a `Problem` (missing, null, wrong
type, a Literal's choices, pattern, min/max_length, ge/le, a dict key's rule, a list item). A surface's
`Words` table turns each problem into its vendor code and message."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import msgspec
from msgspec import UNSET, inspect
from starlette.requests import Request

from turnout.core.errors import FieldError, ValidationFailed
from turnout.surfaces.decoding import decode_object, refuse_unknown
from turnout.surfaces.http import read_body

S = TypeVar("S", bound=msgspec.Struct)


class _Failed:
    """A field that did not pass its declaration: post-decode steps skip it (it is reported)."""

    def __repr__(self) -> str:
        return "FAILED"


FAILED: Any = _Failed()


@dataclass(frozen=True)
class Problem:
    """One broken rule. `field` is where it is reported (dotted); `where` names the declaration for
    the surface's table: `metadata.*` for any value of a dict, `registration.capacity` nested."""

    field: str
    where: str
    kind: str  # missing null type choice pattern min_length max_length ge gt le lt key_… item
    bound: Any = None


# A table entry: (code, message); the message may name {field} and {bound}.
Say = tuple[str, str]
# where → kind → Say, "*" standing for any kind. A `where` may be qualified with the Struct's name (or
# a base's: `EventChange.status`) where two bodies of a surface word the same field differently; the
# entry "*" → kind is the surface's default.
Words = Mapping[str, Mapping[str, Say]]


class Body(Generic[S]):
    """A declared body and how its surface words a refusal. `closed` refuses fields the Struct does
    not declare, other than `ignored` (naming the right field for a known slip, `instead`)."""

    def __init__(
        self,
        kind: type[S],
        words: Words,
        *,
        closed: bool = False,
        ignored: tuple[str, ...] = (),
        instead: Mapping[str, str] | None = None,
    ) -> None:
        self.kind, self.words = kind, words
        self.closed, self.ignored, self.instead = closed, ignored, instead or {}
        self._decode = msgspec.json.Decoder(kind).decode
        self._fields = msgspec.structs.fields(kind)
        self._rank = {f.encode_name: i for i, f in enumerate(self._fields)}
        # Table qualifiers: this Struct's name, then its bases' (not msgspec.Struct's).
        self._names = [c.__name__ for c in kind.__mro__[:-1] if issubclass(c, msgspec.Struct)]

    def decode(self, raw: bytes, content_type: str | None = None) -> tuple[S, list[FieldError]]:
        """The body, and its field errors (none when it decoded whole). A field in error holds
        FAILED; post-decode steps add their errors to the list and end with `fail`."""
        try:
            body = self._decode(raw)
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
            pass  # RecursionError: nesting past msgspec's depth, refused as malformed below
        else:
            if b"\\u0000" not in raw:  # NUL is refused by the shared decoder, with its message
                return body, []
        return self.check(decode_object(raw, empty_is={}, content_type=content_type))

    def check(self, body: dict[str, Any]) -> tuple[S, list[FieldError]]:
        """Every field of `body` against its declaration, every error collected."""
        if self.closed:
            refuse_unknown(body, self._rank, self.ignored, self.instead)
        values: dict[str, Any] = {}
        errors: list[FieldError] = []
        for f in self._fields:
            if f.encode_name not in body:
                if f.required:
                    values[f.name] = FAILED
                    errors.append(self.say(Problem(f.encode_name, f.encode_name, "missing")))
                continue
            value = body[f.encode_name]
            try:
                values[f.name] = msgspec.convert(value, f.type)
            except msgspec.ValidationError:
                values[f.name] = FAILED
                found = problems(value, inspect.type_info(f.type), f.encode_name, f.encode_name)
                errors += [self.say(p) for p in found or [Problem(f.encode_name, "", "type")]]
        return self.kind(**values), errors

    def say(self, problem: Problem) -> FieldError:
        qualified = [f"{n}.{problem.where}" for n in self._names]
        for name in (*qualified, problem.where, "*"):
            entry = self.words.get(name, {})
            said = entry.get(problem.kind) or entry.get("*")
            if said:
                code, message = said
                return FieldError(
                    problem.field, code, message.format(field=problem.field, bound=problem.bound)
                )
        return FieldError(problem.field, "invalid", f"{problem.field} is not valid")

    def fail(self, errors: list[FieldError], after: list[FieldError] | None = None) -> None:
        """Raise `errors` in the order the fields are declared (a step's error on a field next to
        the field's other errors), then `after` (cross-field rules), if there are any."""
        if errors or after:
            raise ValidationFailed(self.ordered(errors) + (after or []))

    def ordered(self, errors: list[FieldError]) -> list[FieldError]:
        """`errors` in the order their fields are declared (stable within a field)."""
        rank = self._rank
        return sorted(errors, key=lambda e: rank.get(e.field.split(".")[0], len(rank)))


async def read(request: Request, declared: Body[S], limit: int) -> tuple[S, list[FieldError]]:
    """The request's body (at most `limit` bytes) against its declaration, as `Body.decode`."""
    raw = await read_body(request, limit)
    return declared.decode(raw, request.headers.get("content-type"))


def failed(value: Any) -> bool:
    """Whether `value` did not pass its declaration."""
    return value is FAILED


def given(body: msgspec.Struct) -> dict[str, Any]:
    """The fields of `body` that were given (or have a default) and passed, by name."""
    return {
        name: value
        for name in body.__struct_fields__
        if (value := getattr(body, name)) is not UNSET and value is not FAILED
    }


def problems(value: Any, t: inspect.Type, at: str, where: str) -> list[Problem]:
    """What `value` breaks of type `t`: one problem for a scalar, each one for a dict or Struct."""
    t = _bare(t)
    if isinstance(t, inspect.UnionType):
        member = _member(value, tuple(_bare(m) for m in t.types))
        if member is None:
            return [Problem(at, where, "null" if value is None else "type")]
        t = member
    elif not _accepts(value, t):
        return [Problem(at, where, "null" if value is None else "type")]
    if isinstance(t, inspect.LiteralType):
        choices = ", ".join(str(v) for v in t.values)
        return [] if value in t.values else [Problem(at, where, "choice", choices)]
    if isinstance(t, inspect.StrType):
        return _lengths(value, t, at, where)
    if isinstance(t, inspect.IntType | inspect.FloatType):
        return _bounds(value, t, at, where)
    if isinstance(t, inspect.DictType):
        return _dict(value, t, at, where)
    if isinstance(t, inspect.ListType):
        found = _lengths(value, t, at, where)
        # An item's problem is the list's: it is reported on the list, once, for the first item.
        bad = [i for i, item in enumerate(value) if problems(item, t.item_type, at, where + ".*")]
        if bad and not found:
            found.append(Problem(at, where, "item", bad[0]))
        return found
    if isinstance(t, inspect.StructType):
        return _struct(value, t, at, where)
    return []


def _struct(value: dict[str, Any], t: inspect.StructType, at: str, where: str) -> list[Problem]:
    found: list[Problem] = []
    for f in t.fields:
        path, declared = f"{at}.{f.encode_name}", f"{where}.{f.encode_name}"
        if f.encode_name in value:
            found += problems(value[f.encode_name], f.type, path, declared)
        elif f.required:
            found.append(Problem(path, declared, "missing"))
    return found


def _dict(value: dict[Any, Any], t: inspect.DictType, at: str, where: str) -> list[Problem]:
    found = _lengths(value, t, at, where)
    for key, item in value.items():
        # A key's problem is the dict's: it is reported on the dict, as `key_<kind>`.
        key_problems = problems(key, t.key_type, at, where)
        found += [Problem(at, where, "key_" + p.kind, p.bound) for p in key_problems]
        if not key_problems:
            found += problems(item, t.value_type, f"{at}.{key}", f"{where}.*")
    return found


def _lengths(value: Any, t: Any, at: str, where: str) -> list[Problem]:
    pattern = getattr(t, "pattern", None)
    if pattern is not None and not re.search(pattern, value):
        return [Problem(at, where, "pattern", pattern)]
    if t.min_length is not None and len(value) < t.min_length:
        return [Problem(at, where, "min_length", t.min_length)]
    if t.max_length is not None and len(value) > t.max_length:
        return [Problem(at, where, "max_length", t.max_length)]
    return []


def _bounds(
    value: float, t: inspect.IntType | inspect.FloatType, at: str, where: str
) -> list[Problem]:
    if t.ge is not None and value < t.ge:
        return [Problem(at, where, "ge", t.ge)]
    if t.gt is not None and value <= t.gt:
        return [Problem(at, where, "gt", t.gt)]
    if t.le is not None and value > t.le:
        return [Problem(at, where, "le", t.le)]
    if t.lt is not None and value >= t.lt:
        return [Problem(at, where, "lt", t.lt)]
    return []


# Which JSON values each type takes, as msgspec chooses a union's member: an integer goes to an
# int member before a float one, and a boolean is never a number.
_TAKES: tuple[tuple[type[inspect.Type], tuple[type, ...]], ...] = (
    (inspect.NoneType, (type(None),)),
    (inspect.BoolType, (bool,)),
    (inspect.IntType, (int,)),
    (inspect.FloatType, (int, float)),
    (inspect.StrType, (str,)),
    (inspect.DictType, (dict,)),
    (inspect.StructType, (dict,)),
    (inspect.ListType, (list,)),
)


def _bare(t: inspect.Type) -> inspect.Type:
    """`t` without the Metadata wrapper a description puts around it: the rules are inside."""
    return t.type if isinstance(t, inspect.Metadata) else t


def _accepts(value: Any, t: inspect.Type) -> bool:
    if isinstance(t, inspect.AnyType):
        return True
    if isinstance(t, inspect.LiteralType):
        return any(type(v) is type(value) for v in t.values)
    if isinstance(value, bool) and not isinstance(t, inspect.BoolType):
        return False
    return any(isinstance(t, kind) and isinstance(value, py) for kind, py in _TAKES)


def _member(value: Any, members: tuple[inspect.Type, ...]) -> inspect.Type | None:
    for kind, _ in _TAKES:
        for member in members:
            if isinstance(member, kind) and _accepts(value, member):
                return member
    return next((m for m in members if _accepts(value, m)), None)  # Literal, Any
