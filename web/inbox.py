"""Mine oppgåver: the tasks a person may act on, and the task page where they act."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from engine.cases import queries, services
from engine.errors import FormInvalid
from engine.registers import listing, replies
from web.extensions import engine
from web.form_fields import form_title, initial_values, parse_submission
from web.forms_support import data_vocabulary, form_view
from web.i18n import lang
from web.process_texts import task_name

bp = Blueprint("inbox", __name__)


@bp.get("/")
@login_required
def index() -> str:
    """One page of 50, oldest first; `after`/`before` are the cursors of the pager's links."""
    process = request.args.get("process", "")
    page = services.inbox_page(
        engine(),
        current_user.username,
        process or None,
        after=request.args.get("after") or None,
        before=request.args.get("before") or None,
    )
    g.task_count = page.everything  # the header's count, without counting again
    return render_template(
        "inbox.html", page=page, tasks=page.tasks, processes=page.processes, process=process
    )


@bp.get("/tasks/<task_id>")
@login_required
def task(task_id: str) -> tuple[str, int]:
    return _task_page(task_id)


@bp.post("/tasks/<task_id>")
@login_required
def complete(task_id: str) -> Any:
    values = parse_submission(queries.task_form(engine(), task_id), request.form)
    try:
        result = services.complete_human_task(engine(), task_id, current_user.username, values)
    except FormInvalid as exc:
        return _task_page(task_id, values=values, error=exc)
    name = task_name(result["process_id"], result["element_id"], result["task"])
    flash(_("“%(task)s” is done.", task=name.text), "success")
    return redirect(url_for("cases.show", instance_id=result["instance_id"]))


def _task_page(
    task_id: str,
    values: dict[str, Any] | None = None,
    error: FormInvalid | None = None,
    delegate_error: str | None = None,
) -> tuple[str, int]:
    page = queries.task_page(engine(), task_id, current_user.username)
    if values is None:
        values = initial_values(
            page["form"],
            current_user.username,
            current_user.unit_id,
            engine().clock.now(),
            page["data"],
        )
    form = form_view(page["form"], values, error, unit=page["data"].get("unit"))
    others = [u for u in page["task"]["candidates"] if u != current_user.username]
    html = render_template(
        "task.html",
        page=page,
        form=form,
        form_title=form_title(page["form"], lang()),
        delegates=listing.users_named(engine(), others),
        delegate_error=delegate_error,
        vocabulary=data_vocabulary(page["forms"]),
        saved_replies=_saved_replies(page, values),
    )
    return html, 422 if error or delegate_error else 200


@bp.post("/tasks/<task_id>/claim")
@login_required
def claim(task_id: str) -> Response:
    services.claim_human_task(engine(), task_id, current_user.username)
    flash(_("The task is yours now. Other candidates no longer see it."), "success")
    return redirect(url_for("inbox.task", task_id=task_id))


@bp.post("/tasks/<task_id>/release")
@login_required
def release(task_id: str) -> Response:
    services.release_human_task(engine(), task_id, current_user.username)
    flash(_("The task is back with everyone who may do it."), "success")
    return redirect(url_for("inbox.index"))


@bp.post("/tasks/<task_id>/delegate")
@login_required
def delegate(task_id: str) -> Any:
    to = request.form.get("to", "").strip()
    try:
        services.delegate_human_task(engine(), task_id, current_user.username, to)
    except FormInvalid as exc:
        return _task_page(task_id, delegate_error=exc.messages(lang())["to"])
    flash(_("The task was handed to %(who)s.", who=to), "success")
    return redirect(url_for("inbox.index"))


def _saved_replies(page: dict[str, Any], values: dict[str, Any]) -> dict[str, Any] | None:
    """For a form that picks a saved reply: every active one as the sender gets it, and which
    is chosen now, so the moderator can copy the text to the platform."""
    field = next((spec.name for spec in page["form"].with_format("saved_reply")), None)
    if field is None or not page["may_act"]:
        return None
    texts = replies.texts_for_inquiry(engine(), page["data"], lang())
    return {"field": field, "texts": texts, "chosen": values.get(field)}
