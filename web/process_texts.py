"""Process content in the reader's language: names and instructions from the process folders'
texts (engine.texts.processes); where a text is missing, the diagram's own Nynorsk."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from engine.texts import titles
from engine.texts.processes import context_of
from web.extensions import engine
from web.i18n import lang


@dataclass(frozen=True)
class Shown:
    """A text for a page and the language it is in. In a template it renders itself, marked
    with its language where that is not the page's (WCAG 3.1.2: screen readers pronounce a
    Nynorsk name right on an English page); `.text` is the bare text, for attributes."""

    text: str
    lang: str

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)

    def __html__(self) -> str:
        if self.lang == lang():
            return str(escape(self.text))
        return str(Markup('<span lang="{}">{}</span>').format(self.lang, self.text))

    @property
    def paragraphs(self) -> list[str]:
        return self.text.split("\n\n")


def from_diagram(text: str | None) -> Shown:
    """Words written in a diagram, a form or a case's data: Nynorsk."""
    return Shown(text or "", "nn")


def _shown(translated: str | None, own: str | None) -> Shown:
    return Shown(translated, lang()) if translated else from_diagram(own)


def process_name(process_id: str, own: str | None) -> Shown:
    return _shown(engine().texts.text(process_id, "process", process_id, lang()), own)


def task_name(process_id: str, element_id: str | None, own: str | None) -> Shown:
    """A step by its element id; one stored by name only (older history) by its wording."""
    texts = engine().texts
    if element_id:
        return _shown(texts.text(process_id, "task", element_id, lang()), own)
    return _shown(texts.from_source(process_id, "task", own or "", lang()), own)


def element_name(process_id: str, element_id: str, kind: str | None, own: str | None) -> Shown:
    """Any element of a diagram by its id and kind (its tag: intermediateCatchEvent …)."""
    context = context_of(kind or "") or "task"
    return _shown(engine().texts.text(process_id, context, element_id, lang()), own)


def outcome(process_id: str, own: str | None) -> Shown:
    """A case's outcome: the name of the end event it reached."""
    return _shown(engine().texts.from_source(process_id, "event", own or "", lang()), own)


def instructions(process_id: str, element_id: str, own: str | None) -> Shown:
    """The documentation of a step (or, by the process id, of the process)."""
    return _shown(engine().texts.documentation(process_id, element_id, lang()), own)


def case_title(process_id: str | None, stored: str | None, facts: dict[str, Any] | None) -> Shown:
    """A case's title in the reader's language (its process's template filled with the case's
    facts); a case from before the facts were kept, in the Nynorsk it was stored in."""
    title = titles.case_title(engine().texts, process_id, stored or "", facts, lang())
    return Shown(title.text, title.lang)


TEMPLATE_GLOBALS = {
    "case_title": case_title,
    "process_name": process_name,
    "task_name": task_name,
    "element_name": element_name,
    "outcome_name": outcome,
    "instructions": instructions,
}
