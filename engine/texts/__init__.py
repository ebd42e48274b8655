"""Every text a person reads from the engine, in Nynorsk, Bokmål and English.

The engine raises a message code with parameters; the web and the mail composer turn it into a
sentence here. The texts live in gettext catalogues: the engine's own in
engine/texts/locale/<lang>/LC_MESSAGES/engine.po (messages by code, e-mails and in-app
notifications by template), a process's own in its folder (workflows/<id>/texts/<lang>.po,
see engine.texts.processes). Placeholders are {name}, filled by str.format.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.packages import package_folders
from engine.texts.catalogue import DEFAULT_LANGUAGE, LANGUAGES, language, read
from engine.texts.processes import ProcessTexts

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "ProcessTexts",
    "alert",
    "email",
    "language",
    "render",
    "templates",
    "translate",
]

LOCALE = Path(__file__).resolve().parent / "locale"
MESSAGE_CONTEXT = "message"  # a process folder's own message codes (its checks' refusals)
HISTORY_CONTEXT = "history"  # the names of the audit events a process package records
DATA_CONTEXT = "data"  # the names of facts a process package adds to its cases' data
FALLBACK = "*"  # the template key of the text for a notification nobody wrote one for


def catalogue_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "engine.po"


def _engine_text(context: str | None, key: str, lang: str) -> str | None:
    # A text missing in the reader's language is said in Nynorsk (the tests forbid both).
    for candidate in dict.fromkeys((language(lang), DEFAULT_LANGUAGE)):
        text = read(catalogue_path(candidate)).get((context, key))
        if text:
            return text
    return None


def _installed_packages() -> list[Path]:
    """The texts of the installed process packages: their rules raise codes whose texts they
    carry themselves (msgctxt "message")."""
    return [folder / "texts" for folder in package_folders() if (folder / "texts").is_dir()]


def package_text(context: str, key: str, lang: str) -> str | None:
    """A text an installed process package carries for something of its own that is not an
    element of its diagram: a refusal of its checks ("message"), an event it records in a
    case's history ("history")."""
    for candidate in dict.fromkeys((language(lang), DEFAULT_LANGUAGE)):
        for folder in _installed_packages():
            text = read(folder / f"{candidate}.po").get((context, key))
            if text:
                return text
    return None


def package_texts(context: str, lang: str) -> dict[str, str]:
    """Every installed package's texts of one context, by key, in `lang` (Nynorsk where one
    is missing)."""
    found: dict[str, str] = {}
    for candidate in (DEFAULT_LANGUAGE, language(lang)):
        for folder in _installed_packages():
            found |= {
                key: text
                for (ctx, key), text in read(folder / f"{candidate}.po").items()
                if ctx == context
            }
    return found


def translate(code: str, params: dict[str, Any] | None = None, lang: str = DEFAULT_LANGUAGE) -> str:
    """The message `code` in `lang`, the engine's or an installed process package's; an
    unknown code is a KeyError (a bug, not a user's)."""
    text = _engine_text(None, code, lang) or package_text(MESSAGE_CONTEXT, code, lang)
    if text is None:
        raise KeyError(code)
    return text.format(**(params or {}))


render = translate  # the name the engine's callers have always used


def _template_text(
    context: str, template: str, lang: str, processes: ProcessTexts | None
) -> str | None:
    """A process's own text for its notification first, then the engine's general one."""
    own = processes.template(context, template, lang) if processes else None
    return own or _engine_text(context, template, lang)


def email(
    template: str,
    params: dict[str, Any],
    lang: str = DEFAULT_LANGUAGE,
    processes: ProcessTexts | None = None,
) -> tuple[str, str]:
    """(subject, body) of the e-mail for a notification `template`."""
    subject = _template_text("email-subject", template, lang, processes)
    body = _template_text("email-body", template, lang, processes)
    if subject is None or body is None:
        subject = _template_text("email-subject", FALLBACK, lang, None) or ""
        body = _template_text("email-body", FALLBACK, lang, None) or ""
    return subject.format(**params), body.format(**params)


def email_part(key: str, params: dict[str, Any] | None = None, lang: str = DEFAULT_LANGUAGE) -> str:
    """A piece every e-mail shares: the due line, the signature, a confidential case's title."""
    return (_engine_text("email", key, lang) or "").format(**(params or {}))


def alert(
    template: str,
    params: dict[str, Any],
    lang: str = DEFAULT_LANGUAGE,
    processes: ProcessTexts | None = None,
) -> str:
    """The in-app sentence for a notification `template`."""
    text = _template_text("alert", template, lang, processes)
    return (text or _engine_text("alert", FALLBACK, lang) or "").format(**params)


def confidential_title(lang: str = DEFAULT_LANGUAGE) -> str:
    """What an in-app notification calls a case it may not name (G10)."""
    return _engine_text("alert", "confidential_title", lang) or ""


def templates(processes: ProcessTexts | None = None) -> set[str]:
    """Every notification template that has an e-mail text (the deploy check's list)."""
    own = {
        key
        for (context, key) in read(catalogue_path(DEFAULT_LANGUAGE))
        if context == "email-subject" and key != FALLBACK
    }
    return own | (processes.templates() if processes else set())
