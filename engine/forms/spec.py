"""One parsed form: what the web renders and what the engine validates, read from the form file
once (per deployed definition, engine/bpmn/definitions.py DefinitionCache.form).

Form files speak Nynorsk; a field may carry translations as
`"x-i18n": {"nb": {"title": …, "description": …, "labels": {value: label}}, "en": {…}}`.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from engine.errors import DefinitionInvalid
from engine.forms.schema import form_file_problems

# A text field this long or longer is prose (several lines: a text area); shorter ones, and
# those with a format or a list of choices, are one line (a subject, a name, an address).
MULTILINE_FROM = 300


def _frozen(mapping: Any) -> Mapping[str, Any]:
    """A read-only view: one spec is shared by every request that shows or checks the form."""
    return MappingProxyType(dict(mapping)) if isinstance(mapping, dict) else MappingProxyType({})


def _nothing() -> Mapping[str, Any]:
    return MappingProxyType({})


def _text(translations: Mapping[str, Any], fallback: str, lang: str, key: str) -> str:
    local = translations.get(lang)
    found = local.get(key) if isinstance(local, dict) else None
    return str(found or fallback or "")


@dataclass(frozen=True, kw_only=True)
class ValueSpec:
    """What one value may be: a field's own, or each item's of a field holding several."""

    kind: str | None = None  # the JSON type
    format: str | None = None  # username, unit, account, consent, saved_reply, email, …
    enum: tuple[Any, ...] | None = None
    labels: Mapping[str, str] = field(default_factory=_nothing)  # x-labels, in Nynorsk


@dataclass(frozen=True, kw_only=True)
class FieldSpec(ValueSpec):
    name: str
    required: bool = False
    title: str = ""
    description: str = ""  # how to fill the field in (a hint under its label)
    translations: Mapping[str, Any] = field(default_factory=_nothing)  # x-i18n
    items: ValueSpec | None = None
    default: Any = None
    x_default: str | None = None  # "actor", "actor_unit", "now" or "data:<name>"
    min_length: int | None = None
    max_length: int | None = None
    # `x-within` of a moment: how far before and after "now" it may lie (ISO durations).
    within: Mapping[str, str] = field(default_factory=_nothing)

    @property
    def multiline(self) -> bool:
        """Prose that may run over several lines; every other text is one line, so a line
        break in it (a forged "Bcc:" in a subject) is refused."""
        return (
            self.kind == "string"
            and self.format is None
            and self.enum is None
            and (self.max_length or 0) >= MULTILINE_FROM
        )

    @property
    def several(self) -> bool:
        return self.kind == "array"

    @property
    def each(self) -> ValueSpec:
        """The spec of each value chosen: the items' for an array, else the field's own."""
        return (self.items or ValueSpec()) if self.several else self

    def text(self, lang: str, key: str = "title") -> str:
        return _text(self.translations, getattr(self, key), lang, key)

    def value_labels(self, lang: str) -> dict[str, str]:
        local = self.translations.get(lang)
        translated = local.get("labels", {}) if isinstance(local, dict) else {}
        return dict(self.each.labels) | dict(translated)


@dataclass(frozen=True, kw_only=True)
class FormSpec:
    title: str = ""
    translations: Mapping[str, Any] = field(default_factory=_nothing)
    fields: Mapping[str, FieldSpec] = field(default_factory=_nothing)  # in the form's order
    revisable: bool = False  # x-revisable: a resubmission keeps values left empty
    checks: tuple[str, ...] = ()  # x-checks
    derives: tuple[str, ...] = ()  # x-derive
    # The file as written: what jsonschema checks a submission against.
    schema: Mapping[str, Any] = field(default_factory=_nothing, repr=False, compare=False)

    @property
    def required(self) -> frozenset[str]:
        return frozenset(name for name, f in self.fields.items() if f.required)

    def text(self, lang: str, key: str = "title") -> str:
        return _text(self.translations, self.title if key == "title" else "", lang, key)

    def with_format(self, fmt: str) -> list[FieldSpec]:
        """The fields whose own values have this format (not those of an array's items)."""
        return [f for f in self.fields.values() if f.format == fmt]


def _value(node: Mapping[str, Any]) -> dict[str, Any]:
    enum = node.get("enum")
    return {
        "kind": node.get("type") if isinstance(node.get("type"), str) else None,
        "format": node.get("format") if isinstance(node.get("format"), str) else None,
        "enum": tuple(enum) if isinstance(enum, list) else None,
        "labels": _frozen(node.get("x-labels")),
    }


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_form(schema: Mapping[str, Any]) -> FormSpec:
    """Read a form as it was deployed. Forms are checked against the meta-schema at deploy
    (load_form_file); this reads leniently, so versions deployed before that keep working."""
    schema = copy.deepcopy(dict(schema))  # the caller's dict may change; the spec must not
    required = set(schema.get("required") or [])
    fields: dict[str, FieldSpec] = {}
    for name, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, dict):
            continue
        items = prop.get("items")
        fields[name] = FieldSpec(
            name=name,
            required=name in required,
            title=str(prop.get("title") or ""),
            description=str(prop.get("description") or ""),
            translations=_frozen(prop.get("x-i18n")),
            items=ValueSpec(**_value(items)) if isinstance(items, dict) else None,
            default=prop.get("default"),
            x_default=str(prop["x-default"]) if "x-default" in prop else None,
            min_length=_count(prop.get("minLength")),
            max_length=_count(prop.get("maxLength")),
            within=_frozen(prop.get("x-within")),
            **_value(prop),
        )
    return FormSpec(
        title=str(schema.get("title") or ""),
        translations=_frozen(schema.get("x-i18n")),
        fields=MappingProxyType(fields),
        revisable=schema.get("x-revisable") is True,
        checks=tuple(schema.get("x-checks") or ()),
        derives=tuple(schema.get("x-derive") or ()),
        schema=MappingProxyType(schema),
    )


# A step without a form accepts no fields at all.
EMPTY_FORM = parse_form({"type": "object"})


@lru_cache(maxsize=512)
def load_form_file(content: bytes) -> FormSpec:
    """A form file as deploy accepts it: valid JSON that satisfies the form meta-schema
    (engine/forms/schema.py); else DefinitionInvalid with one readable reason per place."""
    problems = form_file_problems(content)
    if problems:
        raise DefinitionInvalid(list(problems))
    return parse_form(json.loads(content))
