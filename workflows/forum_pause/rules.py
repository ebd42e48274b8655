"""Pause i forumet (G2c): the rules its forms name, and the pause as the registry shows it.

The pause's service tasks (`forum_pause_state`) write when the forum closed and reopened into
the package's own table (models.ForumPause); what keeps an account busy (a pause asked for or
in force) is read from there and from the running cases about the account.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.bpmn.scripting import ServiceCall
from engine.clock import OSLO, parse_moment
from engine.errors import WorkflowFailed
from engine.extensions import Activity, Registry
from engine.forms.builtin import by_account_team, confirmed
from engine.forms.context import Errors, FormContext
from engine.store import audit
from engine.store.models import ProcessInstance
from workflows.forum_pause.models import ForumPause

PROCESS = "forum_pause"

# G2c: only the account's own people ask to close its forum for a while.
_pause_by_account_team = by_account_team("pause_not_account_team")


# G2c: a pause may start at most this long before it is asked for (the form took a while).
PAUSE_START_TOLERANCE = timedelta(hours=1)


# G2c: how a notice states the period: the dates as the county writes them, 1.7.2026 or
# 01.07.2026 (Norwegian time).
_NOTICE_DATE = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?!\d)")


def _pause_moments(data: dict[str, Any]) -> tuple[datetime, datetime]:
    return parse_moment(data["paused_from"]), parse_moment(data["paused_to"])


def _pause_period(data: dict[str, Any], ctx: FormContext) -> Errors:
    """G2c: a pause ends after it begins, and does not begin in the past."""
    starts, ends = _pause_moments(data)
    if ends <= starts:
        return {"paused_to": ("pause_end_before_start", {})}
    if ctx.now is not None and starts < ctx.now - PAUSE_START_TOLERANCE:
        return {"paused_from": ("pause_in_past", {})}
    return {}


def notice_date(moment: datetime) -> str:
    """A moment's date in Norway as a notice writes it (d.m.yyyy)."""
    local = moment.astimezone(OSLO)
    return f"{local.day}.{local.month}.{local.year}"


def _dates_in(text: str) -> set[tuple[int, int, int]]:
    return {(int(d), int(m), int(y)) for d, m, y in _NOTICE_DATE.findall(text)}


def _notice_states_period(data: dict[str, Any], ctx: FormContext) -> Errors:
    """G2c: a clear notice of how long the forum is closed. Each notice (Nynorsk and Bokmål)
    must name the first and the last day of the pause as dates, d.m.yyyy or dd.mm.yyyy, in
    Norwegian time: "frå 21.12.2026 til 4.1.2027"."""
    starts, ends = _pause_moments(data)
    if ends <= starts:
        return {}  # the period itself is wrong: that is the message to read first
    wanted = {(m.day, m.month, m.year) for m in (starts.astimezone(OSLO), ends.astimezone(OSLO))}
    params = {"from": notice_date(starts), "to": notice_date(ends)}
    return {
        name: ("notice_without_period", params)
        for name in ("notice_nn", "notice_nb")
        if not wanted <= _dates_in(str(data.get(name) or ""))
    }


def _forum_pause_state(
    session: Session, instance: ProcessInstance, call: ServiceCall, actor: str, now: datetime
) -> None:
    """The pause has begun (the forum is closed) or ended (it is open again)."""
    state = str(call.params["state"])
    pause = session.get(ForumPause, instance.id)
    if state == "begun":
        if pause is None:
            pause = ForumPause(instance_id=instance.id)
            session.add(pause)
        pause.account_id = int(call.data["account_id"])
        pause.paused_from, pause.paused_to = _pause_moments(call.data)
        pause.reopened_at = None
    elif state == "ended":
        if pause is not None and pause.reopened_at is None:
            pause.reopened_at = now
    else:
        raise WorkflowFailed(f"forum_pause_state must be 'begun' or 'ended', not {state!r}")
    audit.record(
        session,
        now,
        actor,
        f"forum_pause_{state}",
        instance_id=instance.id,
        detail={"account_id": call.data["account_id"]},
    )


def _pauses(session: Session, account_ids: list[int]) -> dict[int, list[Activity]]:
    """Each account's pause in force (until when), or a pause asked for that has not begun."""
    if not account_ids:
        return {}
    running = session.execute(
        select(ProcessInstance.id, ProcessInstance.account_id, ForumPause.paused_to)
        .outerjoin(
            ForumPause,
            (ForumPause.instance_id == ProcessInstance.id) & ForumPause.reopened_at.is_(None),
        )
        .where(
            ProcessInstance.process_id == PROCESS,
            ProcessInstance.status == "running",
            ProcessInstance.account_id.in_(account_ids),
        )
        .order_by(ProcessInstance.id)
    )
    found: dict[int, list[Activity]] = {}
    for instance_id, account_id, until in running:
        activity = (
            Activity("account_paused", {}, instance_id, until)
            if until is not None
            else Activity("account_pause_asked", {}, instance_id)
        )
        found.setdefault(account_id, []).append(activity)
    return found


def register(registry: Registry) -> None:
    registry.check("forum_pause_by_account_team", _pause_by_account_team)
    registry.check("g2c_pause_period", _pause_period)
    registry.check("g2c_notice_states_period", _notice_states_period)
    registry.check(
        "g2c_notice_published", confirmed("notice_published", "confirm_notice_published")
    )
    registry.check("g2c_forum_reopened", confirmed("forum_reopened", "confirm_forum_reopened"))
    registry.operator("forum_pause_state", _forum_pause_state)
    registry.activity(_pauses)
