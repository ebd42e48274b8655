"""Every text a person reads exists in Nynorsk, Bokmål and English: the UI strings (English
msgids, translated to nn and nb), the engine's messages, e-mails and notifications, and every
form field (the form files themselves speak Nynorsk)."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from lxml import etree

from engine import texts
from engine.bpmn.validation import BPMN_NS, SPIFF_NS
from engine.config import PROJECT_ROOT
from engine.texts import DATA_CONTEXT, HISTORY_CONTEXT, LANGUAGES, MESSAGE_CONTEXT, translate
from engine.texts.processes import TEMPLATE_CONTEXTS, TITLE, ProcessTexts, context_of

CATALOGUES = PROJECT_ROOT / "web" / "translations"
METHODS = [("web/**.py", "python"), ("web/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}


def _source_ids() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        PROJECT_ROOT, METHODS, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("lang", ["nn", "nb"])
def test_every_ui_string_is_translated(lang: str) -> None:
    with (CATALOGUES / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle, locale=lang)
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalogue
        if m.id
        and not m.fuzzy
        and (all(m.string) if isinstance(m.string, tuple) else bool(m.string))
    }
    missing = sorted(_source_ids() - translated)
    assert not missing, f"untranslated in {lang} (run pybabel extract/update): {missing}"


@pytest.mark.parametrize("form", sorted((PROJECT_ROOT / "workflows").glob("*/forms/*.json")))
def test_every_form_field_has_bokmal_and_english_labels(form: Path) -> None:
    schema = json.loads(form.read_text())
    missing = [
        f"{name}:{lang}"
        for name, prop in {"(form)": schema, **schema["properties"]}.items()
        for lang in ("nb", "en")
        if not prop.get("x-i18n", {}).get(lang, {}).get("title")
    ]
    assert not missing, f"{form.name}: no translated title for {missing}"


def _catalogue(path: Path) -> dict[tuple[str | None, str], str]:
    """Every entry of a .po file, translated or not (an empty one is what we look for)."""
    with path.open("rb") as handle:
        return {
            (m.context, m.id): "" if m.fuzzy else m.string
            for m in read_po(handle)
            if isinstance(m.id, str) and m.id
        }


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def assert_complete(catalogues: dict[str, dict[tuple[str | None, str], str]], where: str) -> None:
    """Each key in one language's catalogue has a text in all three, with the same {names}."""
    keys = set().union(*(catalogue.keys() for catalogue in catalogues.values()))
    missing = sorted(
        f"{lang}: {key}"
        for key in keys
        for lang in texts.LANGUAGES
        if not catalogues[lang].get(key)
    )
    assert not missing, f"{where}: missing translations: {missing}"
    differing = sorted(
        f"{lang}: {key}"
        for key in keys
        for lang in texts.LANGUAGES
        if _placeholders(catalogues[lang][key]) != _placeholders(catalogues["nn"][key])
    )
    assert not differing, f"{where}: placeholders differ from the Nynorsk: {differing}"


def test_every_engine_text_is_in_nynorsk_bokmal_and_english() -> None:
    assert_complete(
        {lang: _catalogue(texts.catalogue_path(lang)) for lang in texts.LANGUAGES}, "engine"
    )


def test_an_engine_text_missing_in_one_language_fails_the_check(tmp_path: Path) -> None:
    full = {lang: _catalogue(texts.catalogue_path(lang)) for lang in texts.LANGUAGES}
    full["en"] = full["en"] | {(None, "required"): ""}
    with pytest.raises(AssertionError, match=r"en: \(None, 'required'\)"):
        assert_complete(full, "engine")


def test_every_message_code_the_engine_knew_still_renders_in_each_language() -> None:
    for lang in texts.LANGUAGES:
        assert texts.translate("required", lang=lang)
        assert "5" in texts.translate("min_length", {"limit": 5}, lang)
        subject, body = texts.email("task_ready", _MAIL_VALUES, lang)
        assert "Vurder" in subject and "https://x/tasks/1" in body
        assert texts.email("no_such_template", _MAIL_VALUES, lang)[1]  # the general text


_MAIL_VALUES = {"title": "Sak", "task": "Vurder", "due": "", "link": "https://x/tasks/1"}


# --- the process folders' own texts -----------------------------------------------------------

PROCESS_FOLDERS = sorted(bpmn.parent for bpmn in (PROJECT_ROOT / "workflows").glob("*/*.bpmn"))
NOT_SHOWN = {"message", "signal", "error", "escalation"}  # names the engine matches, not people


def _title_templates(folder: Path) -> dict[str, str]:
    """The titleTemplate of each process in the folder's diagrams, by process id."""
    return {
        process.get("id"): prop.get("value")
        for bpmn in folder.glob("*.bpmn")
        for process in etree.parse(str(bpmn)).getroot().iter(f"{{{BPMN_NS}}}process")
        for prop in process.iterfind(f"{{{BPMN_NS}}}extensionElements//{{{SPIFF_NS}}}property")
        if prop.get("name") == "titleTemplate"
    }


def _diagram_texts(folder: Path) -> dict[tuple[str | None, str], str]:
    """What the folder's catalogues must hold: every name and instruction its diagrams show,
    and the template of its cases' titles."""
    wanted: dict[tuple[str | None, str], str] = {
        (TITLE, process_id): template for process_id, template in _title_templates(folder).items()
    }
    for bpmn in folder.glob("*.bpmn"):
        for element in etree.parse(str(bpmn)).getroot().iter(f"{{{BPMN_NS}}}*"):
            kind = etree.QName(element).localname
            if kind == "documentation":
                wanted[("documentation", element.getparent().get("id"))] = element.text.strip()
            elif element.get("name") and kind not in NOT_SHOWN:
                context = context_of(kind)
                assert context, f"{bpmn.name}: no msgctxt for a named {kind}"
                wanted[(context, element.get("id"))] = element.get("name")
    return wanted


def _process_catalogues(folder: Path) -> dict[str, dict[tuple[str | None, str], str]]:
    return {lang: _catalogue(ProcessTexts.catalogue_path(folder, lang)) for lang in texts.LANGUAGES}


@pytest.mark.parametrize("folder", PROCESS_FOLDERS, ids=lambda folder: folder.name)
def test_every_process_text_is_in_nynorsk_bokmal_and_english(folder: Path) -> None:
    for lang in texts.LANGUAGES:
        assert ProcessTexts.catalogue_path(folder, lang).is_file(), f"{folder.name}: no {lang}.po"
    assert_complete(_process_catalogues(folder), folder.name)


@pytest.mark.parametrize("folder", PROCESS_FOLDERS, ids=lambda folder: folder.name)
def test_every_name_and_instruction_of_a_diagram_has_its_texts(folder: Path) -> None:
    """Keyed by element id; the Nynorsk is the diagram's own wording, so a renamed step shows
    here until its translations are renamed too."""
    source = _process_catalogues(folder)["nn"]
    wanted = _diagram_texts(folder)
    missing = sorted(str(key) for key in wanted.keys() - source.keys())
    assert not missing, f"{folder.name}/texts: no entry for {missing}"
    differing = sorted(str(key) for key in wanted if source[key] != wanted[key])
    assert not differing, f"{folder.name}/texts/nn.po: not the diagram's wording: {differing}"
    # Notifications and the refusals of the package's own checks are keyed by code, not element.
    kept = {
        key
        for key in source
        if key[0] not in (*TEMPLATE_CONTEXTS, MESSAGE_CONTEXT, HISTORY_CONTEXT, DATA_CONTEXT)
    }
    stale = sorted(str(key) for key in kept - wanted.keys())
    assert not stale, f"{folder.name}/texts: entries for no element of the diagram: {stale}"


def test_every_notification_a_process_sends_has_its_texts() -> None:
    processes = ProcessTexts(PROJECT_ROOT / "workflows")
    known = texts.templates(processes)
    used = set()
    for folder in PROCESS_FOLDERS:
        for bpmn in folder.glob("*.bpmn"):
            root = etree.parse(str(bpmn)).getroot()
            used |= {
                p.get("value").strip('"')
                for p in root.iter(f"{{{SPIFF_NS}}}parameter")
                if p.get("id") == "template"
            }
            used |= {
                p.get("value")
                for p in root.iter(f"{{{SPIFF_NS}}}property")
                if p.get("name") == "readyTemplate"
            }
    assert used, "found no notification in the diagrams"
    assert not used - known, f"no e-mail text for {sorted(used - known)}"
    for template in used:
        for lang in texts.LANGUAGES:
            assert texts.alert(template, _MAIL_VALUES, lang, processes)
            assert all(texts.email(template, _MAIL_VALUES, lang, processes))


def test_a_process_package_carries_the_messages_of_its_own_checks() -> None:
    """A refusal only account_closure's rules raise is said from its folder, in each language."""
    assert (
        (PROJECT_ROOT / "workflows/account_closure/texts/en.po")
        .read_text()
        .count('msgctxt "message"')
    )
    said = {lang: translate("closure_not_allowed", lang=lang) for lang in LANGUAGES}
    assert said["nn"].startswith("Berre eigaren av kontoen")
    assert said["nb"].startswith("Bare eieren av kontoen")
    assert said["en"].startswith("Only the account's owner")


def test_a_process_package_names_the_events_it_records_in_a_case_history() -> None:
    """The history shows "Account closed in the registry", not the event's code."""
    said = {lang: texts.package_text(HISTORY_CONTEXT, "account_closed", lang) for lang in LANGUAGES}
    assert said == {
        "nn": "Kontoen er avvikla i kontoregisteret",
        "nb": "Kontoen er avviklet i kontoregisteret",
        "en": "Account closed in the registry",
    }


def assert_titles(
    catalogues: dict[str, dict[tuple[str | None, str], str]], templates: dict[str, str], where: str
) -> None:
    """Each process's title template is there in every language, with the diagram's {names}."""
    for process_id, template in templates.items():
        for lang in texts.LANGUAGES:
            own = catalogues[lang].get((TITLE, process_id))
            assert own, f"{where}/texts/{lang}.po: no title template for {process_id}"
            assert _placeholders(own) == _placeholders(template), (
                f"{where}/texts/{lang}.po: the title of {process_id} says {own!r}, "
                f"not the placeholders of the diagram's {template!r}"
            )


@pytest.mark.parametrize("folder", PROCESS_FOLDERS, ids=lambda folder: folder.name)
def test_every_case_title_is_translated_with_the_diagrams_placeholders(folder: Path) -> None:
    catalogues = _process_catalogues(folder)
    assert_titles(catalogues, _title_templates(folder), folder.name)
    nynorsk = {key: text for key, text in catalogues["nn"].items() if key[0] == TITLE}
    assert nynorsk == {(TITLE, k): v for k, v in _title_templates(folder).items()}


def test_a_missing_or_mismatched_title_template_fails_the_check() -> None:
    folder = PROJECT_ROOT / "workflows" / "account_application"
    templates = _title_templates(folder)
    assert templates == {"account_application": "{account_name} på {platform} – {unit_name}"}
    full = _process_catalogues(folder)
    key = (TITLE, "account_application")
    missing = full | {"nb": {k: v for k, v in full["nb"].items() if k != key}}
    with pytest.raises(AssertionError, match=r"nb\.po: no title template"):
        assert_titles(missing, templates, folder.name)
    with pytest.raises(AssertionError, match="en: "):  # the whole catalogue's check, too
        assert_complete(full | {"en": full["en"] | {key: ""}}, folder.name)
    renamed = full | {"en": full["en"] | {key: "{account} on {platform} – {unit_name}"}}
    with pytest.raises(AssertionError, match=r"en\.po: the title of account_application"):
        assert_titles(renamed, templates, folder.name)
