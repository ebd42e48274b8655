"""Varsel: the notifications a person has had, in the app (the same ones go out by e-mail)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, url_for
from flask_login import current_user, login_required

from engine import texts
from engine.delivery import notifications
from web.extensions import engine
from web.i18n import lang

bp = Blueprint("alerts", __name__, url_prefix="/notifications")


def describe(item: dict[str, Any]) -> dict[str, str]:
    """A sentence and a link for one notification, in the reader's language (engine.texts has
    the sentences, a process's own in its folder)."""
    payload = item["payload"]
    processes = engine().texts
    values = {
        "title": notifications.case_title(payload, lang(), processes)
        or texts.confidential_title(lang()),
        "task": notifications.task_name(payload, lang(), processes) or "",
    }
    if payload.get("task_id"):
        link = url_for("inbox.task", task_id=payload["task_id"])
    else:
        link = url_for("cases.show", instance_id=payload["instance_id"])
    return {"text": texts.alert(item["template"], values, lang(), processes), "link": link}


@bp.get("/")
@login_required
def index() -> str:
    items = notifications.for_user(engine(), current_user.username)
    shown = [item | describe(item) for item in items]
    # Reading the page marks everything read (a GET that changes only the reader's own badge).
    notifications.mark_read(engine(), current_user.username)
    return render_template("notifications.html", items=shown)
