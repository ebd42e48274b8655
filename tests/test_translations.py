"""Every UI string is translated to Nynorsk and Bokmål, and every form field to Bokmål and
English (the form files themselves speak Nynorsk)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

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
