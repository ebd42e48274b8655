"""Process content in the reader's language: every process folder's texts/<lang>.po.

A folder workflows/<id>/ holds texts/nn.po, nb.po and en.po. Each entry is keyed by the BPMN
element it belongs to, never by its wording, so renaming a step in a modeler breaks nothing:

    msgctxt "task"           msgid "decide"         the name of the element `decide`
    msgctxt "documentation"  msgid "decide"         its instructions (bpmn:documentation)
    msgctxt "email-subject"  msgid "<template>"     a notification only this process sends
                                                    (also "email-body" and "alert")
    msgctxt "title"          msgid "<process_id>"   the template of its cases' titles, with
                                                    the {placeholders} of the diagram's
                                                    titleTemplate (engine.texts.titles)

The contexts of names follow the kind of element (see `context_of`). The Nynorsk text is the
diagram's own, so on a Nynorsk page the diagram speaks; nn.po is the translators' source and
carries the process's notification texts. A missing text falls back to the diagram's name.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

from engine.texts.catalogue import DEFAULT_LANGUAGE, Key, language, read

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
TEMPLATE_CONTEXTS = ("email-subject", "email-body", "alert")
DOCUMENTATION = "documentation"
TITLE = "title"  # a process's title template, keyed by the process id
_CONTEXTS = {"process": "process", "participant": "pool", "lane": "lane", "sequenceFlow": "flow"}


def context_of(kind: str) -> str | None:
    """The msgctxt of the name of a BPMN element of `kind` (its tag without namespace)."""
    if kind in _CONTEXTS:
        return _CONTEXTS[kind]
    if kind.endswith(("Task", "task")) or kind in ("subProcess", "callActivity"):
        return "task"
    if kind.endswith("Event"):
        return "event"
    if kind.endswith("Gateway"):
        return "gateway"
    return None


class ProcessTexts:
    """The texts of every process folder under one workflows folder, found by looking."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._folder: dict[str, Path] = {}  # process id -> its folder
        self._template: dict[str, Path] = {}  # notification template -> the folder that has it
        for source in sorted(root.glob(f"*/texts/{DEFAULT_LANGUAGE}.po")):
            folder = source.parent.parent
            for context, key in read(source):
                if context == "process":
                    self._folder[key] = folder
                elif context in TEMPLATE_CONTEXTS:
                    self._template[key] = folder

    @staticmethod
    def catalogue_path(folder: Path, lang: str) -> Path:
        return folder / "texts" / f"{lang}.po"

    def _entries(self, folder: Path | None, lang: str) -> dict[Key, str]:
        return read(self.catalogue_path(folder, language(lang))) if folder else {}

    def text(self, process_id: str, context: str, key: str, lang: str) -> str | None:
        """The translation, or None where the diagram's own (Nynorsk) text is to be shown."""
        if language(lang) == DEFAULT_LANGUAGE:
            return None
        return self._entries(self._folder.get(process_id), lang).get((context, key))

    def name(self, process_id: str, kind: str, element_id: str, lang: str) -> str | None:
        context = context_of(kind)
        return self.text(process_id, context, element_id, lang) if context else None

    def documentation(self, process_id: str, element_id: str, lang: str) -> str | None:
        return self.text(process_id, DOCUMENTATION, element_id, lang)

    def from_source(self, process_id: str, context: str, own: str, lang: str) -> str | None:
        """A name stored as the diagram worded it (a case's outcome, a step in its history),
        translated: the element is the one whose Nynorsk text it is."""
        source = self._entries(self._folder.get(process_id), DEFAULT_LANGUAGE)
        key = next((k for (c, k), text in source.items() if c == context and text == own), None)
        return self.text(process_id, context, key, lang) if key else None

    def template(self, context: str, template: str, lang: str) -> str | None:
        """A notification text of the process that sends it (Nynorsk where `lang` lacks it)."""
        folder = self._template.get(template)
        return self._entries(folder, lang).get((context, template)) or self._entries(
            folder, DEFAULT_LANGUAGE
        ).get((context, template))

    def templates(self) -> set[str]:
        return set(self._template)

    def diagram(self, process_id: str, xml: str, lang: str) -> str:
        """The BPMN file with its labels in `lang`, for the case page's diagram viewer."""
        if language(lang) == DEFAULT_LANGUAGE or process_id not in self._folder:
            return xml
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        root = etree.fromstring(xml.encode("utf-8"), parser)
        for element in root.iter(f"{{{BPMN_NS}}}*"):
            element_id, kind = element.get("id"), etree.QName(element).localname
            if element.get("name") and element_id:
                translated = self.name(process_id, kind, element_id, lang)
                if translated:
                    element.set("name", translated)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode("utf-8")


@cache
def load(root: Path) -> ProcessTexts:
    """Read once per workflows folder and process: the catalogues change with a release."""
    return ProcessTexts(root.resolve())
