"""Form files as JSON Schema (Draft 2020-12), checked by the `jsonschema` library.

Three things live here: the meta-schema a form file must satisfy to be deployed (the Draft
2020-12 meta-schema plus the shapes of our `x-` keywords), the validator class that checks a
submission against a form (standard keywords, `x-minWords`, and a format checker for our
formats, several of which look in the database), and the mapping of the library's errors to
the message codes of the engine catalogue (engine.texts). Defaults, `x-checks` and
`x-derive` are applied around the validation by engine/forms/validation.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import lru_cache, partial
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators
from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator
from sqlalchemy.orm import Session

from engine.clock import MomentOutOfRange, parse_moment
from engine.forms.context import Errors
from engine.forms.values import as_id
from engine.registers import consent_photos, replies
from engine.store.models import Account, Unit, User

# The JSON types a form field may have: what the web renderer and parse_submission can read.
FIELD_TYPES = ("array", "boolean", "integer", "object", "string")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# --- formats --------------------------------------------------------------------------------


def _is_web_address(value: str) -> bool:
    """A link people can follow: http(s), a host, no spaces (e.g. a published reply, G2)."""
    parts = urlsplit(value)
    return (
        parts.scheme in ("http", "https")
        and bool(parts.netloc)
        and not any(c.isspace() for c in value)
    )


def _is_moment(value: str) -> bool:
    try:
        parse_moment(value)
    except ValueError:
        return False
    return True


# A format's test: (session, the username of who submits, or None, the value) -> bool. Who
# submits matters for references to records only some may see (a consent of another school):
# one they may not see is answered exactly as one that does not exist.
FormatTest = Callable[[Session, str | None, Any], bool]


def _text_format(test: Callable[[Session, str], bool]) -> FormatTest:
    """A format of text values; other values pass it, since `type` is what refuses them."""
    return lambda session, _who, value: not isinstance(value, str) or test(session, value)


def _active_user(session: Session, value: str) -> bool:
    user = session.get(User, value)
    return user is not None and user.active


def _active_unit(session: Session, value: str) -> bool:
    unit = session.get(Unit, value)
    return unit is not None and unit.active


def _active_account(session: Session, _who: str | None, value: Any) -> bool:
    """Accounts are named by their id: anything but an integer (an id's) names none."""
    if isinstance(value, str) or as_id(value) is None:
        return False
    account = session.get(Account, value)
    return account is not None and account.status == "active"


def _visible_consent(session: Session, who: str | None, value: Any) -> bool:
    return not isinstance(value, str) or consent_photos.consent_visible(session, who, value)


class Format(NamedTuple):
    check: FormatTest
    code: str  # the message code of a value that breaks it
    names_value: bool  # whether the message quotes the value


FORMATS: dict[str, Format] = {
    "email": Format(_text_format(lambda _s, v: bool(_EMAIL.match(v))), "email", False),
    "uri": Format(_text_format(lambda _s, v: _is_web_address(v)), "uri", True),
    "date-time": Format(_text_format(lambda _s, v: _is_moment(v)), "date_time", True),
    "username": Format(_text_format(_active_user), "unknown_user", True),
    "unit": Format(_text_format(_active_unit), "unknown_unit", True),
    "account": Format(_active_account, "unknown_account_value", True),
    "saved_reply": Format(_text_format(replies.is_selectable), "saved_reply_inactive", True),
    "consent": Format(_visible_consent, "unknown_consent_value", True),
}


def format_checker(session: Session, who: str | None = None) -> FormatChecker:
    """Our formats, bound to the session of one validation and who submits (built per
    validation: a handful of dictionary entries, so cheaper than sharing one checker across
    threads)."""
    checker = FormatChecker(formats=())
    for name, fmt in FORMATS.items():
        checker.checks(name)(partial(fmt.check, session, who))
    return checker


# --- the validator of submissions ------------------------------------------------------------


def _min_words(
    validator: Validator, limit: int, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    """`x-minWords`: a full sentence, not a word or two (A3, A4)."""
    if validator.is_type(instance, "string") and len(instance.split()) < limit:
        yield ValidationError(f"{instance!r} has fewer than {limit} words")


# JSON Schema counts 1.0 as an integer; the forms' integers are ids and counts, so 1.0 is not.
_TYPES = Draft202012Validator.TYPE_CHECKER.redefine(
    "integer", lambda _checker, value: isinstance(value, int) and not isinstance(value, bool)
)
# no-untyped-call: types-jsonschema leaves validators.extend unannotated; it returns a class.
FormValidator: type[Validator] = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator, validators={"x-minWords": _min_words}, type_checker=_TYPES
)


_LIMITS = {
    "minLength": "min_length",
    "maxLength": "max_length",
    "x-minWords": "min_words",
    "minItems": "min_items",
}


def _code(error: ValidationError) -> tuple[str, dict[str, Any]] | None:
    """The message code and params for one failed keyword. None for a keyword that has no
    message: the meta-schema refuses those at deploy, so only a form deployed before it was
    checked could hold one, and the engine did not check that keyword then either."""
    keyword, value = error.validator, error.validator_value
    if keyword == "type":
        return ("type", {"expected": value})
    if keyword == "enum":
        assert isinstance(value, Iterable)  # an enum error carries the schema's enum array
        return ("enum", {"choices": ", ".join(map(str, value))})
    if keyword == "format" and value == "date-time" and _out_of_range(error.instance):
        return ("date_time_range", {"value": error.instance})
    if keyword == "format" and value in FORMATS:
        fmt = FORMATS[value]
        return (fmt.code, {"value": error.instance} if fmt.names_value else {})
    if keyword in _LIMITS:
        return (_LIMITS[keyword], {"limit": value})
    if keyword == "uniqueItems":
        return ("unique_items", {})
    return None


# Which of a field's errors it reports: the first in this order, as the form reads best (a
# wrong type before a wrong length); an array's own rules before those of its items.
def _out_of_range(value: Any) -> bool:
    try:
        parse_moment(value)
    except MomentOutOfRange:
        return True
    except (TypeError, ValueError):
        return False
    return False


_ORDER: tuple[str, ...] = ("type", "enum", "minLength", "maxLength", "x-minWords", "format")
_ORDER += ("minItems", "uniqueItems", "items")


def _rank(error: ValidationError) -> tuple[int, tuple[Any, ...], int]:
    def position(keyword: str) -> int:
        return _ORDER.index(keyword) if keyword in _ORDER else len(_ORDER)

    schema_path = list(error.relative_schema_path)  # properties, field, keyword, ...
    outer = str(schema_path[2]) if len(schema_path) > 2 else str(error.validator)
    # Then the first item in error, and that item's first rule.
    return position(outer), tuple(error.absolute_path)[1:], position(str(error.validator))


def field_errors(
    schema: Mapping[str, Any],
    values: Mapping[str, Any],
    session: Session,
    who: str | None = None,
) -> Errors:
    """Check the non-empty `values` of a form submitted by `who`; at most one error per
    field, on the field (an item of an array reports on its array). A validator is built per
    call (microseconds: jsonschema compiles nothing), since its format checker holds this
    call's session."""
    checking = FormValidator(dict(schema), format_checker=format_checker(session, who))
    errors: Errors = {}
    by_field: dict[str, list[ValidationError]] = {}
    for error in checking.iter_errors(dict(values)):
        if not error.absolute_path:
            if error.validator == "required":
                required = error.validator_value
                assert isinstance(required, Iterable)  # a required error carries the names
                for name in required:
                    if name not in values:
                        errors.setdefault(name, ("required", {}))
            continue
        by_field.setdefault(str(error.absolute_path[0]), []).append(error)
    for name, found in by_field.items():
        mapped = (_code(error) for error in sorted(found, key=_rank))
        first = next((m for m in mapped if m is not None), None)
        if first is not None:
            errors.setdefault(name, _closed_account(session, first))
    return errors


def _closed_account(session: Session, error: tuple[str, dict[str, Any]]) -> tuple[str, Any]:
    """An account that exists but is closed (A1) is said to be closed, not unknown."""
    code, params = error
    value = params.get("value")
    if code != "unknown_account_value" or isinstance(value, str) or as_id(value) is None:
        return error
    account = session.get(Account, value)
    if account is None:
        return error
    return (
        "account_closed_value",
        {"account_name": account.account_name, "platform": account.platform},
    )


# --- the meta-schema of form files ------------------------------------------------------------

_COUNT = {"type": "integer", "minimum": 0}
_TEXT = {"type": "string"}
_NAMES = {"type": "array", "items": {"type": "string"}, "uniqueItems": True}
_DURATION = {"type": "string", "pattern": r"^P(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?$"}
# What one value may say of itself: a field's own, or each item's of an array field.
_VALUE = {
    "type": {"enum": list(FIELD_TYPES)},
    "format": {"enum": sorted(FORMATS)},
    "enum": {"type": "array", "minItems": 1},
    "minLength": _COUNT,
    "maxLength": _COUNT,
    "x-minWords": _COUNT,
    "x-labels": {"$ref": "#/$defs/labels"},  # how enum values read, in Nynorsk
    "title": _TEXT,
    "description": _TEXT,
    "$comment": _TEXT,
}

FORM_META_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "urn:someflyt:form-file",
    "title": "A SoMe-flyt form file",
    "description": "A JSON Schema (Draft 2020-12) of type object with the keywords the engine "
    "can check and name in a message, and our x- keywords.",
    "allOf": [{"$ref": Draft202012Validator.META_SCHEMA["$id"]}],
    "type": "object",
    "required": ["type"],
    "properties": {
        "$schema": {"const": Draft202012Validator.META_SCHEMA["$id"]},
        "$comment": _TEXT,
        "title": _TEXT,
        "description": _TEXT,
        "type": {"const": "object"},
        "required": _NAMES,
        "properties": {"type": "object", "additionalProperties": {"$ref": "#/$defs/field"}},
        "x-checks": _NAMES,  # named policy checks a process package registers
        "x-derive": _NAMES,  # named derived facts, likewise
        "x-revisable": {"type": "boolean"},  # a resubmission keeps values left empty
        "x-i18n": {"$ref": "#/$defs/i18n"},
    },
    # A keyword the engine does not know would be ignored without a word: refuse it instead.
    "additionalProperties": False,
    "$defs": {
        "labels": {"type": "object", "additionalProperties": _TEXT},
        # {language: {title, description, labels}}; which languages, deploy checks by name.
        "i18n": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "properties": {
                    "title": _TEXT,
                    "description": _TEXT,
                    "labels": {"$ref": "#/$defs/labels"},
                },
                "additionalProperties": False,
            },
        },
        "value": {"type": "object", "properties": _VALUE, "additionalProperties": False},
        "field": {
            "type": "object",
            "properties": _VALUE
            | {
                "items": {"$ref": "#/$defs/value"},
                "minItems": _COUNT,
                "uniqueItems": {"type": "boolean"},
                "default": {"type": ["string", "boolean", "integer", "array"]},
                # Fills an empty field: the person, their unit, the moment, or process data.
                "x-default": {"type": "string", "pattern": r"^(actor|actor_unit|now|data:\w+)$"},
                # A moment's distance from now: at most `past` before it, `future` after it.
                "x-within": {
                    "type": "object",
                    "properties": {"past": _DURATION, "future": _DURATION},
                    "minProperties": 1,
                    "additionalProperties": False,
                },
                "x-i18n": {"$ref": "#/$defs/i18n"},
            },
            "additionalProperties": False,
        },
    },
}
_FORM_FILES = Draft202012Validator(FORM_META_SCHEMA)
_LONGEST_REASON = 200


def _where(path: Iterable[Any]) -> str:
    """Where in a form file: `field 'comment' (type)`, `x-checks`, or `the form`."""
    parts = [str(p) for p in path]
    if len(parts) >= 2 and parts[0] == "properties":
        rest = "/".join(parts[2:])
        return f"field {parts[1]!r}" + (f" ({rest})" if rest else "")
    return "/".join(parts) or "the form"


@lru_cache(maxsize=512)
def form_file_problems(content: bytes) -> tuple[str, ...]:
    """Why a form file cannot be deployed, one reason per place in it (none: it can). Cached
    by content, since every deploy checks every form once per step that uses it."""
    try:
        schema = json.loads(content)
    except ValueError as exc:
        return (f"not valid JSON ({exc})",)
    by_place: dict[tuple[Any, ...], list[ValidationError]] = {}
    for error in _FORM_FILES.iter_errors(schema):
        by_place.setdefault(tuple(error.absolute_path), []).append(error)
    problems = []
    for place, found in by_place.items():
        # Our rules say what a form may be ("not one of the field types"); the general
        # meta-schema's (under allOf) only what any schema may be ("not valid under any").
        ours = [e for e in found if e.schema_path and e.schema_path[0] != "allOf"]
        error = best_match(ours or found)
        reason = error.message
        if len(reason) > _LONGEST_REASON:
            reason = reason[: _LONGEST_REASON - 1] + "…"
        problems.append(f"{_where(place)}: {reason}")
    return tuple(problems)
