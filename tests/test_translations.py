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

from engine import texts
from engine.config import PROJECT_ROOT

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
