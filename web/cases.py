"""Mine saker / Saker, and the case page: status, timeline, diagram and history exports."""

from __future__ import annotations

import csv
import io
import json

from flask import Blueprint, Response, render_template, request
from flask_login import current_user, login_required

from engine.cases import queries
from web.bad_input import row_id
from web.extensions import engine
from web.forms_support import data_vocabulary
from web.i18n import lang
from web.vendor import diagram_viewer_installed

bp = Blueprint("cases", __name__, url_prefix="/cases")
STATUSES = ("running", "completed", "failed")


@bp.get("/")
@login_required
def index() -> str:
    everything = bool(request.args.get("all")) and current_user.has_any(*queries.SEES_ALL_CASES)
    text = request.args.get("q", "")[:200]
    status = request.args.get("status", "")
    status = status if status in STATUSES else ""
    account = request.args.get("account", type=row_id)
    cases = queries.list_cases(
        engine(),
        current_user.username,
        everything=everything,
        text=text,
        status=status,
        account_id=account,
    )
    return render_template(
        "cases.html",
        cases=cases,
        everything=everything,
        q=text,
        status=status,
        statuses=STATUSES,
        account=account,
    )


@bp.get("/<int:instance_id>")
@login_required
def show(instance_id: int) -> str:
    case = queries.case_page(engine(), instance_id, current_user.username)
    return render_template(
        "case.html",
        case=case,
        vocabulary=data_vocabulary(case["forms"]),
        viewer_installed=diagram_viewer_installed(),
    )


@bp.get("/<int:instance_id>/diagram.bpmn")
@login_required
def diagram(instance_id: int) -> Response:
    xml = queries.case_diagram(engine(), instance_id, current_user.username, lang())
    return Response(xml, mimetype="application/xml")


@bp.get("/<int:instance_id>/history.json")
@login_required
def history_json(instance_id: int) -> Response:
    case = queries.case_page(engine(), instance_id, current_user.username)
    body = json.dumps(_export(case), ensure_ascii=False, indent=2)
    return _download(body, "application/json; charset=utf-8", f"sak-{instance_id}-historikk.json")


@bp.get("/<int:instance_id>/history.csv")
@login_required
def history_csv(instance_id: int) -> Response:
    case = queries.case_page(engine(), instance_id, current_user.username)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["seq", "at", "actor", "kind", "task_id", "detail"])
    for event in case["history"]:
        writer.writerow(
            [
                event["seq"],
                event["at"],
                event["actor"],
                event["kind"],
                event["task_id"] or "",
                json.dumps(event["detail"], ensure_ascii=False, sort_keys=True),
            ]
        )
    return _download(out.getvalue(), "text/csv; charset=utf-8", f"sak-{instance_id}-historikk.csv")


def _export(case: dict) -> dict:
    keys = ("id", "process_id", "version", "title", "business_key", "status", "outcome")
    exported = {key: case[key] for key in keys}
    exported |= {
        "started_by": case["started_by"],
        "started_at": case["started_at"],
        "ended_at": case["ended_at"],
        "history": case["history"],
    }
    return exported


def _download(body: str, content_type: str, filename: str) -> Response:
    response = Response(body, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
