"""E-mail: the text of each notification (Nynorsk, as the county writes) and sending it by SMTP,
or to a folder of .eml files when no SMTP server is configured (the embedded default)."""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from engine.config import MailSettings

OSLO = ZoneInfo("Europe/Oslo")

# template -> (subject, body). Placeholders: {title}, {task}, {due}, {link}. The body names the
# case and the step, never what was written in it (G10): the link leads to the content.
TEXTS: dict[str, tuple[str, str]] = {
    "task_ready": (
        "Oppgåve til deg: {task}",
        "Ei oppgåve ventar på deg i SoMe-flyt: «{task}» i saka «{title}».{due}\n\n"
        "Opne oppgåva: {link}",
    ),
    "task_delegated": (
        "Oppgåve gitt vidare til deg: {task}",
        "Oppgåva «{task}» i saka «{title}» er gitt vidare til deg.{due}\n\nOpne oppgåva: {link}",
    ),
    "account_application_reminder": (
        "Påminning: søknad ventar på avgjerd",
        "Søknaden «{title}» har venta i tre dagar på avgjerd.\n\nOpne saka: {link}",
    ),
    "account_application_approved": (
        "Søknaden er godkjend",
        "Søknaden «{title}» er godkjend, og kontoen er ført i kontoregisteret. Du står der som "
        "søkjar eller som stedfortredar for eigaren (A4).\n\nOpne saka: {link}",
    ),
    "account_application_rejected": (
        "Søknaden er avslått",
        "Søknaden «{title}» er avslått. Grunngjevinga står i saka.\n\nOpne saka: {link}",
    ),
    "inquiry_reply_reminder": (
        "Påminning: svarfristen nærmar seg ({task})",
        "Førespurnaden «{title}» skal ha svar innan eitt døgn etter at han kom inn (G2a).{due}\n\n"
        "Opne oppgåva: {link}",
    ),
    "task_reassigned_to_deputy": (
        "Svarfristen er ute: oppgåva går til stedfortredaren ({task})",
        "Oppgåva «{task}» i saka «{title}» vart ikkje gjort innan fristen og er no gitt til "
        "stedfortredaren for kontoen (G2b).{due}\n\nOpne oppgåva: {link}",
    ),
    "task_assigned_for_absence": (
        "Oppgåve til deg som stedfortredar: {task}",
        "Oppgåva «{task}» i saka «{title}» er gitt til deg fordi eigaren av kontoen er borte "
        "(G2b).{due}\n\nOpne oppgåva: {link}",
    ),
    "crisis_started": (
        "Krise: berre leiinga uttaler seg",
        "Leiinga har sett i verk krisekommunikasjon: «{title}». Kontoen du styrer, står på vent: "
        "ikkje publiser, og ikkje svar om saka i sosiale medium. Leiinga informerer "
        "offentlegheita (E6).\n\nOpne saka: {link}",
    ),
    "crisis_ended": (
        "Krisa er over",
        "Krisa «{title}» er over. Arbeidet på kontoane som stod på vent, kan halde fram."
        "\n\nOpne saka: {link}",
    ),
    "reputation_crisis": (
        "Krise: informasjonsseksjonen har eskalert ei omdømmesak",
        "Informasjonsseksjonen har vurdert «{title}» som ei krise. Leiinga leier "
        "krisekommunikasjonen (E1–E3).\n\nOpne saka: {link}",
    ),
    "ask_comms_answered": (
        "Informasjonsseksjonen har svart deg",
        "Informasjonsseksjonen har svart på spørsmålet ditt «{title}» (E9). Les svaret, og lukk "
        "saka eller still eit oppfølgingsspørsmål: {link}",
    ),
    "ask_comms_overdue": (
        "Fristen er ute: spørsmål til informasjonsseksjonen ventar på svar",
        "Spørsmålet «{title}» skulle ha hatt svar innan ein arbeidsdag (E4, E9), men ventar "
        "framleis. Svar på det, eller avtal kven som gjer det.\n\nOpne saka: {link}",
    ),
    "forum_pause_approved": (
        "Pausen i forumet er godkjend",
        "Pausen «{title}» er godkjend. Når pausen byrjar, får de ei oppgåve om å publisere "
        "varselet; når ho er over, ei om å opne forumet att (G2c).\n\nOpne saka: {link}",
    ),
    "forum_pause_rejected": (
        "Pausen i forumet er avslått",
        "Pausen «{title}» er avslått. Grunngjevinga står i saka.\n\nOpne saka: {link}",
    ),
    "forum_pause_lapsed": (
        "Pausen i forumet vart ikkje avgjord",
        "Pausen «{title}» vart ikkje avgjord før ho skulle vere over, og saka er avslutta.\n\n"
        "Opne saka: {link}",
    ),
    "forum_pause_publish": (
        "Pausen byrjar: publiser varselet ({task})",
        "Pausen «{title}» byrjar no. Publiser det godkjende varselet på forumet, steng forumet "
        "og stadfest det i SoMe-flyt (G2c).{due}\n\nOpne oppgåva: {link}",
    ),
    "forum_pause_reopen": (
        "Pausen er over: opne forumet att ({task})",
        "Pausen «{title}» er over. Opne forumet att, fjern varselet og stadfest det i "
        "SoMe-flyt (G2c).{due}\n\nOpne oppgåva: {link}",
    ),
    # account closure (A1), workflows/account_closure: move to its texts with the new system
    "account_closure_rejected": (
        "Avviklinga av kontoen er avslått",
        "Avviklinga «{title}» er avslått, og kontoen held fram. Grunngjevinga står i saka.\n\n"
        "Opne saka: {link}",
    ),
    "account_closure_overdue": (
        "Påminning: stadfest at kontoen er avvikla",
        "Avviklinga «{title}» vart godkjend for 14 dagar sidan, men ingen har stadfest at "
        "kontoen er lagd ned eller overlaten på plattforma. Gjer det, og stadfest det i "
        "SoMe-flyt (A1).\n\nOpne saka: {link}",
    ),
    "account_closure_closed": (
        "Kontoen er avvikla",
        "«{title}»: kontoen er avvikla på plattforma og står som nedlagd i kontoregisteret. "
        "Koplingsnøklane er trekte tilbake, og nye førespurnader og innlegg på kontoen blir "
        "avviste (A1).\n\nOpne saka: {link}",
    ),
}
FALLBACK = ("Melding frå SoMe-flyt", "Det har skjedd noko i saka «{title}».\n\nOpne saka: {link}")
CONFIDENTIAL_TITLE = "(teiepliktig sak: opne lenkja)"


def compose(
    template: str,
    payload: dict[str, Any],
    key: str,
    to_name: str,
    to_address: str,
    settings: MailSettings,
    base_url: str,
    now: datetime,
) -> EmailMessage:
    subject, body = TEXTS.get(template, FALLBACK)
    task_id = payload.get("task_id")
    path = f"/tasks/{task_id}" if task_id else f"/cases/{payload['instance_id']}"
    link = base_url + path
    due = payload.get("due_at")
    values = {
        "title": payload.get("title") or CONFIDENTIAL_TITLE,
        "task": payload.get("task") or "oppgåve",
        "due": f" Frist: {_local(due)}." if due else "",
        "link": link,
    }
    message = EmailMessage()
    message["Subject"] = subject.format(**values)
    message["From"] = settings.sender
    message["To"] = formataddr((to_name, to_address))
    message["Date"] = format_datetime(now)
    # The same notification always has the same Message-ID, so a mail program shows a
    # resend (after a crash between the server's OK and our commit) as one message.
    message["Message-ID"] = f"<{message_id(key)}@someflyt>"
    message.set_content(
        body.format(**values) + "\n\n-- \nSoMe-flyt, Møre og Romsdal fylkeskommune\n"
    )
    return message


def message_id(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _local(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(OSLO).strftime("%d.%m.%Y kl. %H:%M")


def send(message: EmailMessage, settings: MailSettings) -> None:
    """Hand the message over; raises OSError/smtplib.SMTPException when it was not accepted."""
    if not settings.host:
        _write_to_folder(message, settings)
        return
    if settings.security == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout_seconds, context=_tls()
        )
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds)
    with client:
        if settings.security == "starttls":
            client.starttls(context=_tls())
        if settings.user:
            client.login(settings.user, settings.password)
        client.send_message(message)


@cache
def _tls() -> ssl.SSLContext:
    """Loading the CA store costs ~50 ms: once per worker, and only where TLS is used."""
    return ssl.create_default_context()


def _write_to_folder(message: EmailMessage, settings: MailSettings) -> None:
    """The embedded sink: one file per notification, named by its id (a resend overwrites)."""
    assert settings.folder is not None
    settings.folder.mkdir(parents=True, exist_ok=True)
    name = message["Message-ID"].strip("<>").split("@")[0]
    temporary = settings.folder / f".{name}.tmp"
    temporary.write_bytes(bytes(message))
    temporary.replace(settings.folder / f"{name}.eml")
