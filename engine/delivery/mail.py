"""E-mail: composing a notification in the recipient's language (the texts are in engine.texts)
and sending it by SMTP, or to a folder of .eml files when no SMTP server is configured (the
embedded default)."""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from functools import cache
from typing import Any

from engine import texts
from engine.clock import OSLO
from engine.config import MailSettings
from engine.delivery import notifications


def compose(
    template: str,
    payload: dict[str, Any],
    key: str,
    to_name: str,
    to_address: str,
    settings: MailSettings,
    base_url: str,
    now: datetime,
    lang: str = texts.DEFAULT_LANGUAGE,
    processes: texts.ProcessTexts | None = None,
) -> EmailMessage:
    """The e-mail for one notification, in the recipient's language `lang`.

    The body names the case and the step, never what was written in it (G10): the link leads
    to the content. `processes` gives the texts of the process that sent it."""
    task_id = payload.get("task_id")
    path = f"/tasks/{task_id}" if task_id else f"/cases/{payload['instance_id']}"
    due = payload.get("due_at")
    task = notifications.task_name(payload, lang, processes)
    values = {
        "title": notifications.case_title(payload, lang, processes)
        or texts.email_part("confidential_title", lang=lang),
        "task": task or texts.email_part("task", lang=lang),
        "due": texts.email_part("due", _local(due), lang) if due else "",
        "link": base_url + path,
    }
    subject, body = texts.email(template, values, lang, processes)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.sender
    message["To"] = formataddr((to_name, to_address))
    message["Date"] = format_datetime(now)
    # The same notification always has the same Message-ID, so a mail program shows a
    # resend (after a crash between the server's OK and our commit) as one message.
    message["Message-ID"] = f"<{message_id(key)}@someflyt>"
    message.set_content(body + "\n\n-- \n" + texts.email_part("signature", lang=lang) + "\n")
    return message


def message_id(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _local(iso: str) -> dict[str, str]:
    moment = datetime.fromisoformat(iso).astimezone(OSLO)
    return {"date": moment.strftime("%d.%m.%Y"), "time": moment.strftime("%H:%M")}


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
