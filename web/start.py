"""Start ny sak: the processes a person may start, each with its start form."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engine.cases import queries, services
from engine.errors import FormInvalid
from web.extensions import engine
from web.form_fields import form_title, initial_values, parse_submission, preselected
from web.forms_support import form_view
from web.i18n import lang

bp = Blueprint("start", __name__, url_prefix="/start")


@bp.get("/")
@login_required
def index() -> str:
    if current_user.read_only:
        abort(403)
    processes = queries.startable_processes(engine(), current_user.username)
    # The link says what the person does ("Meld frå om ei mogleg omdømmesak"): the form title.
    actions = {p.process_id: form_title(p.form, lang()) for p in processes}
    return render_template("start_list.html", processes=processes, actions=actions)


@bp.get("/<process_id>")
@login_required
def form(process_id: str) -> tuple[str, int]:
    return _form_page(process_id)


@bp.post("/<process_id>")
@login_required
def submit(process_id: str) -> Any:
    if current_user.read_only:
        abort(403)
    process = queries.startable_process(engine(), current_user.username, process_id)
    values = parse_submission(process.form, request.form)
    try:
        instance_id = services.start_process(engine(), process_id, current_user.username, values)
    except FormInvalid as exc:
        return _form_page(process_id, values, exc)
    flash(_("The case was started. You can follow it here."), "success")
    return redirect(url_for("cases.show", instance_id=instance_id))


def _form_page(
    process_id: str, values: dict[str, Any] | None = None, error: FormInvalid | None = None
) -> tuple[str, int]:
    if current_user.read_only:
        abort(403)
    process = queries.startable_process(engine(), current_user.username, process_id)
    if values is None:
        values = initial_values(
            process.form, current_user.username, current_user.unit_id, engine().clock.now()
        ) | preselected(process.form, request.args)
    page_form = form_view(process.form, values, error)
    html = render_template(
        "start_form.html",
        process=process,
        form=page_form,
        form_title=form_title(process.form, lang()),
    )
    return html, 422 if error else 200
