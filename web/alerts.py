"""Varsel: the notifications a person has had, in the app (the same ones go out by e-mail)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engine.delivery import notifications
from web.extensions import engine

bp = Blueprint("alerts", __name__, url_prefix="/notifications")


def describe(item: dict[str, Any]) -> dict[str, str]:
    """A sentence and a link for one notification, in the reader's language."""
    payload = item["payload"]
    title = payload.get("title") or _("a confidential case")
    task = payload.get("task") or ""
    texts = {
        "task_ready": _("“%(task)s” waits for you in “%(title)s”.", task=task, title=title),
        "task_delegated": _("“%(task)s” in “%(title)s” was handed to you.", task=task, title=title),
        "account_application_reminder": _(
            "Reminder: the application “%(title)s” has waited three days for a decision.",
            title=title,
        ),
        "account_application_approved": _("The application “%(title)s” was approved.", title=title),
        "account_application_rejected": _("The application “%(title)s” was rejected.", title=title),
        "inquiry_reply_reminder": _(
            "Reminder: “%(task)s” in “%(title)s” must be answered within 24 hours of receipt.",
            task=task,
            title=title,
        ),
        "task_reassigned_to_deputy": _(
            "The deadline passed: “%(task)s” in “%(title)s” went to the account’s deputy.",
            task=task,
            title=title,
        ),
        "task_assigned_for_absence": _(
            "“%(task)s” in “%(title)s” was given to you because the account owner is away.",
            task=task,
            title=title,
        ),
        "crisis_started": _(
            "Crisis: “%(title)s”. Your account is on hold; only management speaks about it.",
            title=title,
        ),
        "crisis_ended": _(
            "The crisis “%(title)s” is over; held work on the accounts may go on.", title=title
        ),
        "reputation_crisis": _(
            "Crisis: the comms section escalated “%(title)s”; management leads the communication.",
            title=title,
        ),
        "ask_comms_answered": _(
            "The communications section answered your question “%(title)s”.", title=title
        ),
        "ask_comms_overdue": _(
            "Overdue: the question “%(title)s” has waited more than a working day for an answer.",
            title=title,
        ),
        "forum_pause_approved": _(
            "The forum pause “%(title)s” was approved; you will hear when to publish the notice.",
            title=title,
        ),
        "forum_pause_rejected": _("The forum pause “%(title)s” was rejected.", title=title),
        "forum_pause_lapsed": _(
            "The forum pause “%(title)s” was not decided before it would have ended.", title=title
        ),
        "forum_pause_publish": _(
            "The pause “%(title)s” begins: publish the notice and close the forum.", title=title
        ),
        "forum_pause_reopen": _(
            "The pause “%(title)s” is over: reopen the forum and remove the notice.", title=title
        ),
        "account_closure_rejected": _(
            "The closure “%(title)s” was rejected; the account stays.", title=title
        ),
        "account_closure_overdue": _(
            "Reminder: confirm that the account in “%(title)s” is closed on the platform.",
            title=title,
        ),
        "account_closure_closed": _(
            "“%(title)s”: the account is closed in the registry and its connector tokens revoked.",
            title=title,
        ),
    }
    if payload.get("task_id"):
        link = url_for("inbox.task", task_id=payload["task_id"])
    else:
        link = url_for("cases.show", instance_id=payload["instance_id"])
    text = texts.get(item["template"], _("Something happened in “%(title)s”.", title=title))
    return {"text": text, "link": link}


@bp.get("/")
@login_required
def index() -> str:
    items = notifications.for_user(engine(), current_user.username)
    shown = [item | describe(item) for item in items]
    # Reading the page marks everything read (a GET that changes only the reader's own badge).
    notifications.mark_read(engine(), current_user.username)
    return render_template("notifications.html", items=shown)
