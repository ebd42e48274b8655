"""Template helpers: local times, waiting times, names of processes, statuses and events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, g
from flask_babel import format_timedelta
from flask_login import current_user

from engine.cases import queries, services
from engine.delivery import notifications
from engine.extensions import Activity
from engine.texts import render
from web import process_texts
from web.extensions import engine
from web.form_fields import local_input_value
from web.forms_support import present_data, warning_texts
from web.i18n import lang
from web.moments import when
from web.overview import may_see_overview
from web.process_texts import from_diagram
from web.vocabulary import event_label, role_label, status_label, unit_kind_label


def since(moment: datetime | str | None) -> str:
    """How long ago, from the engine's clock (so tests with a fixed clock read the same)."""
    if moment is None:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return format_timedelta(engine().clock.now() - moment, granularity="minute")


def is_overdue(due: datetime | str | None) -> bool:
    if due is None:
        return False
    if isinstance(due, str):
        due = datetime.fromisoformat(due)
    return due < engine().clock.now()


def engine_text(code: str, params: dict[str, Any] | None = None) -> str:
    """An engine message (a code and its parameters) in the reader's language."""
    return render(code, params, lang())


def stuck_text(process_id: str, reason: dict[str, Any]) -> str:
    """Why a case is stuck (engine.cases.reading), its steps named in the reader's language."""
    names = ", ".join(
        f"«{process_texts.element_name(process_id, e['id'], e['type'], e['name']).text}»"
        for e in reason["elements"]
    )
    return engine_text(reason["code"], {"elements": names})


def activity_text(activity: Activity) -> str:
    """What keeps an account busy, in the reader's language; its end as a local time."""
    params = dict(activity.params)
    if activity.until is not None:
        params["until"] = when(activity.until)
    return engine_text(activity.code, params)


def _task_count() -> int:
    """The open tasks the person may act on: one count query (the inbox has counted them)."""
    counted = g.get("task_count")
    if counted is not None:
        return int(counted)
    return services.count_human_tasks(engine(), current_user.username)


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        when=when,
        since=since,
        status_label=status_label,
        event_label=event_label,
        role_label=role_label,
        unit_kind_label=unit_kind_label,
        warning_texts=warning_texts,
        from_diagram=from_diagram,
        local_input=local_input_value,
    )
    app.jinja_env.globals.update(
        is_overdue=is_overdue,
        present_data=present_data,
        engine_text=engine_text,
        stuck_text=stuck_text,
        activity_text=activity_text,
        may_see_overview=may_see_overview,
    )
    app.jinja_env.globals.update(process_texts.TEMPLATE_GLOBALS)

    @app.context_processor
    def navigation() -> dict[str, Any]:
        if not current_user.is_authenticated:
            return {"task_count": 0, "unread_count": 0, "notices": []}
        return {
            "task_count": _task_count(),
            "unread_count": notifications.unread_count(engine(), current_user.username),
            "notices": queries.notices(engine(), current_user.username),  # banners, every page
        }
