"""A case's title in the reader's language.

A process names its cases by the diagram's `titleTemplate` ("{account_name} på {platform} –
{unit_name}"), filled from the case's data. The Nynorsk title is stored on the case
(`process_instance.title`: search, audit and the archive use it), and beside it the values of
the template's placeholders (`title_facts`). In another language the process folder's own
template (`msgctxt "title"`, `msgid "<process_id>"` in texts/<lang>.po) is filled with those
facts. A case whose data does not name it yet is named by its process (its facts are `{}`):
the process's name in the reader's language. A case from before the facts were kept (None), or
a process without a translated template, keeps its stored Nynorsk title.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

from engine.texts.catalogue import DEFAULT_LANGUAGE, language
from engine.texts.processes import TITLE, ProcessTexts

MAX_LENGTH = 300  # process_instance.title's column


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def placeholders(template: str) -> list[str]:
    return [field for _, field, _, _ in string.Formatter().parse(template) if field]


def render_template(template: str | None, data: dict[str, Any]) -> str | None:
    """Fill "{field}" placeholders from process data; only plain names, nothing evaluated."""
    if not template:
        return None
    names = placeholders(template)
    if any(not name.isidentifier() for name in names):
        return template
    if names and not any(data.get(name) for name in names):
        return None  # nothing to fill in yet: the caller keeps the process's own name
    filled = {k: v for k, v in data.items() if k in names and v is not None}
    return template.format_map(_Blank(filled))[:MAX_LENGTH]


def title_facts(template: str | None, data: dict[str, Any]) -> dict[str, Any] | None:
    """What a title needs in any language: the value of each of the template's placeholders
    (a missing one empty; a text no longer than a title can show)."""
    names = placeholders(template) if template else []
    if not names or any(not name.isidentifier() for name in names):
        return None
    return {name: _fact(data.get(name)) for name in names}


def _fact(value: Any) -> Any:
    if value is None:
        return ""
    return value[:MAX_LENGTH] if isinstance(value, str) else value


@dataclass(frozen=True)
class Title:
    """A case's title and the language it is in (the stored one is Nynorsk)."""

    text: str
    lang: str

    def __str__(self) -> str:
        return self.text


def case_title(
    processes: ProcessTexts | None,
    process_id: str | None,
    stored: str,
    facts: dict[str, Any] | None,
    lang: str,
) -> Title:
    """The title of a case of `process_id` in `lang`: the folder's template for `lang` filled
    with the case's facts (with none, `{}`, the process's name); else (Nynorsk, no facts kept,
    no template, or one that needs a fact the case did not keep) the stored Nynorsk title."""
    lang = language(lang)
    own = Title(stored, DEFAULT_LANGUAGE)
    if lang == DEFAULT_LANGUAGE or facts is None or not process_id or processes is None:
        return own
    if not facts:
        name = processes.name(process_id, "process", process_id, lang)
        return Title(name, lang) if name else own
    template = processes.text(process_id, TITLE, process_id, lang)
    if not template or not set(placeholders(template)) <= facts.keys():
        return own
    rendered = render_template(template, facts)
    return Title(rendered, lang) if rendered else own
