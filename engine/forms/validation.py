"""Server-side form validation: a form's JSON Schema, then named policy checks.

A form file is a JSON Schema (type object) beside the diagrams, read once into a FormSpec
(engine/forms/spec.py). Its standard keywords (required, type, enum, minLength, maxLength,
minItems, uniqueItems, items, format) and `x-minWords` are checked by the `jsonschema` library
(engine/forms/schema.py); around that, this module applies our own keywords: `x-default` fills
an empty field ("actor", "actor_unit", "now", or "data:<name>": a value the process already
holds, such as the saved reply the routing table prescribes), `x-revisable` (a resubmission
keeps earlier values for fields left empty; decision forms must not set it), then `x-checks`
(cross-field policy rules below) and `x-derive` (facts the server adds to the data, such as
warnings for the approver). Only fields the form declares are accepted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.cases.visibility import may_view_case
from engine.clock import parse_moment
from engine.errors import FormInvalid
from engine.forms.schema import Errors, field_errors
from engine.forms.spec import FieldSpec, FormSpec, parse_form
from engine.people.lanes import resolve_rule, unit_and_descendants
from engine.registers import consents, replies
from engine.registers.crisis import crisis_holding
from engine.store.models import Account, Unit, User


@dataclass
class FormContext:
    session: Session
    actor: User
    data: dict[str, Any]  # the process data so far (empty at start)
    now: datetime | None = None  # for `"x-default": "now"` (when an inquiry came in), x-derive
    # Set when a platform connector submits the form with a token of this account: the token,
    # not a person, is then the authority to register inquiries on it (engine/connectors.py).
    connector_account_id: int | None = None
    _account_counts: dict[tuple[str, str], int] = field(default_factory=dict)


def validate(
    form: FormSpec | Mapping[str, Any], submitted: dict[str, Any], ctx: FormContext
) -> dict[str, Any]:
    """Return the cleaned data (with defaults and derived facts) or raise FormInvalid.
    `form` is a deployed form's spec, or a schema written in code (read on the spot)."""
    spec = form if isinstance(form, FormSpec) else parse_form(form)
    if not isinstance(submitted, dict):
        raise FormInvalid({"_form": ("type", {"expected": "object"})})
    previous = ctx.data if spec.revisable else {}
    cleaned = _with_defaults(spec.fields, submitted, ctx, previous)
    errors: Errors = {name: ("unknown_field", {}) for name in cleaned if name not in spec.fields}
    # Empty answers count as not given, so `required` (and nothing else) speaks for them.
    given = {k: v for k, v in cleaned.items() if k in spec.fields and not _is_empty(v)}
    for name, error in field_errors(spec.schema, given, ctx.session).items():
        errors.setdefault(name, error)
    if not errors:
        for check in spec.checks:
            for name, error in CHECKS[check](cleaned, ctx).items():
                errors.setdefault(name, error)
    if errors:
        raise FormInvalid(errors)
    for derive in spec.derives:
        cleaned.update(DERIVES[derive](cleaned, ctx))
    return cleaned


def _is_empty(value: Any) -> bool:
    return (
        value is None
        or (isinstance(value, str | list) and len(value) == 0)
        or (isinstance(value, str) and not value.strip())
    )


def _with_defaults(
    fields: Mapping[str, FieldSpec],
    submitted: dict[str, Any],
    ctx: FormContext,
    previous: dict[str, Any],
) -> dict[str, Any]:
    cleaned = {k: v.strip() if isinstance(v, str) else v for k, v in submitted.items()}
    for name, spec in fields.items():
        if not _is_empty(cleaned.get(name)):
            continue
        default = spec.x_default or ""
        if name in previous:  # a revision keeps what was entered before
            cleaned[name] = previous[name]
        elif default == "actor":
            cleaned[name] = ctx.actor.username
        elif default == "actor_unit":
            cleaned[name] = ctx.actor.unit_id
        elif default.startswith("data:"):  # e.g. the route's template
            known = ctx.data.get(default.removeprefix("data:"))
            if not _is_empty(known):
                cleaned[name] = known
        elif default == "now" and ctx.now is not None:
            cleaned[name] = ctx.now.isoformat()
        elif spec.default is not None:
            cleaned[name] = spec.default
    return cleaned


# --- policy checks (x-checks) -------------------------------------------------------------------


def _unit_within_applicant(data: dict[str, Any], ctx: FormContext) -> Errors:
    """An applicant applies for their own unit (or one below it); admins for any."""
    if "admin" in ctx.actor.role_names:
        return {}
    applicant = ctx.session.get(User, ctx.data.get("applicant", ctx.actor.username))
    if data["unit"] not in unit_and_descendants(ctx.session, applicant.unit_id):
        return {"unit": ("unit_not_yours", {})}
    return {}


def _deputy_not_owner(data: dict[str, Any], ctx: FormContext) -> Errors:
    if data.get("deputy") == data.get("owner"):
        return {"deputy": ("deputy_is_owner", {})}
    return {}


def _active_accounts(ctx: FormContext, unit: str, platform: str) -> int:
    """Active accounts of a unit on a platform; asked by a check and a warning, counted once."""
    key = (unit, platform)
    if key not in ctx._account_counts:
        ctx._account_counts[key] = (
            ctx.session.scalar(
                select(func.count(Account.id)).where(
                    Account.unit_id == unit,
                    Account.platform == platform,
                    Account.status == "active",
                )
            )
            or 0
        )
    return ctx._account_counts[key]


def _second_account_justified(data: dict[str, Any], ctx: FormContext) -> Errors:
    """A1: one official account per unit and platform, unless justified."""
    if _active_accounts(ctx, data["unit"], data["platform"]) and _is_empty(
        data.get("justification")
    ):
        return {"justification": ("justification_required", {"platform": data["platform"]})}
    return {}


def _comment_unless_approved(data: dict[str, Any], ctx: FormContext) -> Errors:
    """A decision that says no (reject, revise, or a crisis declined) says why."""
    if data.get("decision") in ("reject", "revise", "decline") and _is_empty(data.get("comment")):
        return {"comment": ("comment_required", {})}
    return {}


def _handler_in_comms(data: dict[str, Any], ctx: FormContext) -> Errors:
    """G9: a response is coordinated by a named handler of the communications section."""
    if data.get("action") != "respond":
        return {}
    if _is_empty(data.get("handler")):
        return {"handler": ("required", {})}
    if data["handler"] not in resolve_rule("role:comms", ctx.session):
        return {"handler": ("handler_not_comms", {"value": data["handler"]})}
    if data["handler"] == ctx.data.get("applicant"):  # nobody handles what they raised
        return {"handler": ("handler_raised_it", {"value": data["handler"]})}
    return {}


def _crisis_accounts_chosen(data: dict[str, Any], ctx: FormContext) -> Errors:
    """E6: a crisis covers every official account, or the ones chosen."""
    if data.get("decision") == "decline" or data.get("all_accounts"):
        return {}
    if not data.get("crisis_accounts"):
        return {"crisis_accounts": ("crisis_accounts_required", {})}
    return {}


def _not_held_by_crisis(data: dict[str, Any], ctx: FormContext) -> Errors:
    """E6: while a crisis holds the account, its ordinary work waits (a form-wide error): a
    reply is not sent, a post not approved. Sending a post back stays possible."""
    if data.get("decision") not in (None, "approve"):
        return {}
    crisis = crisis_holding(ctx.session, data.get("account_id", ctx.data.get("account_id")))
    if crisis is not None:
        return {"crisis": ("held_by_crisis", {"title": crisis.title})}
    return {}


def _moderators_from_school(data: dict[str, Any], ctx: FormContext) -> Errors:
    """A5: at a school, approval names at least one moderator, all from that school."""
    unit = ctx.session.get(Unit, ctx.data.get("unit"))
    moderators = data.get("moderators") or []
    if unit is None or unit.kind != "school":
        return {"moderators": ("moderators_only_school", {})} if moderators else {}
    if data.get("decision") != "approve":
        return {}
    if not moderators:
        return {"moderators": ("moderators_required", {})}
    for username in moderators:
        user = ctx.session.get(User, username)
        if user is None or user.unit_id != unit.id:
            return {"moderators": ("moderator_other_unit", {"value": username, "unit": unit.name})}
    return {}


def _by_account_team(refusal: str) -> Callable[[dict[str, Any], FormContext], Errors]:
    """A check that the case's account (`account_id`) is one the starter works on: its owner,
    deputy or a moderator, or a connector holding a token of that very account. `refusal` is
    the message code that says what only the team may do."""

    def check(data: dict[str, Any], ctx: FormContext) -> Errors:
        if ctx.connector_account_id is not None:
            if ctx.connector_account_id != data["account_id"]:
                return {"account_id": ("token_other_account", {})}
            return {}
        team = resolve_rule(f"account_team:{data['account_id']}", ctx.session)
        if ctx.actor.username not in team:
            return {"account_id": (refusal, {})}
        return {}

    return check


# An inquiry on an official account is registered by its team (or the account's connector).
_inquiry_by_account_team = _by_account_team("not_account_team")
# G2c: only the account's own people ask to close its forum for a while.
_pause_by_account_team = _by_account_team("pause_not_account_team")
# G11: a post on an official account is drafted by its owner, deputy or a moderator.
_post_by_account_team = _by_account_team("post_not_account_team")

# G2c: a pause may start at most this long before it is asked for (the form took a while).
PAUSE_START_TOLERANCE = timedelta(hours=1)
# G2c: how a notice states the period: the dates as the county writes them, 1.7.2026 or
# 01.07.2026 (Norwegian time).
_NOTICE_DATE = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?!\d)")
OSLO = ZoneInfo("Europe/Oslo")


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


def _confirmed(field: str, refusal: str) -> Callable[[dict[str, Any], FormContext], Errors]:
    """A step that is done only when the person ticks that it is (the notice is up)."""

    def check(data: dict[str, Any], ctx: FormContext) -> Errors:
        return {} if data.get(field) is True else {field: (refusal, {})}

    return check


def _neutral_reply_text(data: dict[str, Any], ctx: FormContext) -> Errors:
    """G4: a neutral comment may be closed without reply; a reply needs its text."""
    if data.get("answer") == "reply" and _is_empty(data.get("reply_text")):
        return {"reply_text": ("reply_text_required", {})}
    if data.get("answer") == "close" and not _is_empty(data.get("reply_text")):
        return {"reply_text": ("reply_text_when_closing", {})}
    return {}


def _reply_fits_route(data: dict[str, Any], ctx: FormContext) -> Errors:
    """The routing table (inquiry_routing.dmn) says, per category, which saved reply must be
    used (`reply_template`), whether the moderator may write on substance (`free_text`: not for
    political (G8) or confidential (G10) inquiries) and whether a tone is chosen (G6). Where
    free text is allowed, a chosen saved reply may be the whole answer (G3's thanks, E5)."""
    errors: Errors = {}
    wanted = ctx.data.get("reply_template")
    if wanted and data.get("template") not in (None, "", wanted):
        errors["template"] = ("reply_template_fixed", {"template": wanted})
    if ctx.data.get("free_text"):
        if _is_empty(data.get("reply_text")) and _is_empty(data.get("template")):
            errors["reply_text"] = ("reply_text_required", {})
    elif not _is_empty(data.get("reply_text")):
        errors["reply_text"] = ("reply_no_substance", {"template": wanted or ""})
    if ctx.data.get("tone_required") and _is_empty(data.get("tone")):
        errors["tone"] = ("required", {})
    return errors


def _case_visible_to_actor(data: dict[str, Any], ctx: FormContext) -> Errors:
    """A case referred to (the inquiry a question is about) must be one the person may open
    themselves; an unknown number gets the same answer, so nothing is revealed."""
    case_id = data.get("case_id")
    if _is_empty(case_id) or (
        isinstance(case_id, int) and may_view_case(ctx.session, ctx.actor, case_id)
    ):
        return {}
    return {"case_id": ("case_not_visible", {"value": case_id})}


def _follow_up_question_when_asked(data: dict[str, Any], ctx: FormContext) -> Errors:
    """E9: a follow-up question needs its text; closing sends none (so none is lost unread)."""
    if data.get("decision") == "follow_up" and _is_empty(data.get("follow_up_question")):
        return {"follow_up_question": ("follow_up_question_required", {})}
    if data.get("decision") == "close" and not _is_empty(data.get("follow_up_question")):
        return {"follow_up_question": ("follow_up_question_when_closing", {})}
    return {}


def _moment(ctx: FormContext) -> datetime:
    if ctx.now is None:  # every service passes the clock's moment; this is a programming error
        raise ValueError("this check needs FormContext.now")
    return ctx.now


def _photo_consents(data: dict[str, Any], ctx: FormContext) -> Errors:
    """G11: no photo of people without their consent. A draft (or its revision, which keeps
    what it does not change) cannot be sent for approval with a photo lacking one."""
    if data.get("action") == "withdraw":  # a withdrawn post publishes nothing
        return {}
    return consents.photo_problems(ctx.session, ctx.data | data, _moment(ctx))


def _photo_consents_at_approval(data: dict[str, Any], ctx: FormContext) -> Errors:
    """G11 again when the post is approved: a consent withdrawn (or run out) since the draft
    blocks the approval. Returning the post for changes is always possible."""
    if data.get("decision") != "approve":
        return {}
    return consents.photo_problems(ctx.session, ctx.data, _moment(ctx))


def _comment_when_returned(data: dict[str, Any], ctx: FormContext) -> Errors:
    if data.get("decision") == "revise" and _is_empty(data.get("comment")):
        return {"comment": ("post_comment_required", {})}
    return {}


CHECKS: dict[str, Callable[[dict[str, Any], FormContext], Errors]] = {
    "unit_within_applicant": _unit_within_applicant,
    "deputy_not_owner": _deputy_not_owner,
    "a1_second_account_justified": _second_account_justified,
    "comment_unless_approved": _comment_unless_approved,
    "a5_moderators_from_school": _moderators_from_school,
    "inquiry_by_account_team": _inquiry_by_account_team,
    "g4_neutral_reply_text": _neutral_reply_text,
    "inquiry_reply_fits_route": _reply_fits_route,
    "handler_in_comms": _handler_in_comms,
    "crisis_accounts_chosen": _crisis_accounts_chosen,
    "not_held_by_crisis": _not_held_by_crisis,
    "case_visible_to_actor": _case_visible_to_actor,
    "follow_up_question_when_asked": _follow_up_question_when_asked,
    "forum_pause_by_account_team": _pause_by_account_team,
    "g2c_pause_period": _pause_period,
    "g2c_notice_states_period": _notice_states_period,
    "g2c_notice_published": _confirmed("notice_published", "confirm_notice_published"),
    "g2c_forum_reopened": _confirmed("forum_reopened", "confirm_forum_reopened"),
    "post_by_account_team": _post_by_account_team,
    "g11_photo_consents": _photo_consents,
    "g11_photo_consents_at_approval": _photo_consents_at_approval,
    "comment_when_returned": _comment_when_returned,
}


# --- derived facts (x-derive) ------------------------------------------------------------------


def _unit_facts(data: dict[str, Any], ctx: FormContext) -> dict[str, Any]:
    """The unit decides routing (A2): the server, not the applicant, says what kind it is."""
    unit = ctx.session.get(Unit, data["unit"])
    return {"unit_kind": unit.kind, "unit_name": unit.name}


def _approver_warnings(data: dict[str, Any], ctx: FormContext) -> dict[str, Any]:
    """A1 and E8 warnings for the approver, as message codes the UI renders per language."""
    warnings = []
    count = _active_accounts(ctx, data["unit"], data["platform"])
    if count:
        warnings.append(
            {
                "code": "warning_second_account",
                "params": {"count": count, "platform": data["platform"]},
            }
        )
    if _looks_personal(ctx.session, data.get("mailbox", "")):
        warnings.append(
            {"code": "warning_personal_mailbox", "params": {"mailbox": data["mailbox"]}}
        )
    return {"warnings": warnings}


def _looks_personal(session: Session, mailbox: str) -> bool:
    """E8: a person's own address, or one whose local part is a user's name."""
    mailbox = mailbox.lower()
    local = mailbox.partition("@")[0]
    return bool(
        session.scalar(
            select(func.count(User.username)).where(
                (func.lower(User.email) == mailbox) | (func.lower(User.username) == local)
            )
        )
    )


def _account_facts(data: dict[str, Any], ctx: FormContext) -> dict[str, Any]:
    """The account's name and platform as the registry has them, for titles and lists."""
    if data.get("account_id") is None:  # a reputation matter may concern no account
        return {}
    account = ctx.session.get(Account, data["account_id"])
    return {"account_name": account.account_name, "platform": account.platform}


def _account_unit_facts(data: dict[str, Any], ctx: FormContext) -> dict[str, Any]:
    """The account's facts and its unit's, so the routing table names the approver (A2's rule:
    a school's principal, else the head of information); the requester does not choose."""
    account = ctx.session.get(Account, data["account_id"])
    unit = ctx.session.get(Unit, account.unit_id)
    return _account_facts(data, ctx) | {
        "unit": unit.id,
        "unit_kind": unit.kind,
        "unit_name": unit.name,
    }


def _reply_template(data: dict[str, Any], ctx: FormContext) -> dict[str, Any]:
    """The saved reply the route prescribes, when the form left it out. (Today's reply form
    says this with `x-default`; kept for instances pinned to the version that derived it.)"""
    if _is_empty(data.get("template")) and ctx.data.get("reply_template"):
        return {"template": ctx.data["reply_template"]}
    return {}


def _saved_reply_text(data: dict[str, Any], ctx: FormContext) -> dict[str, Any]:
    """The saved reply's text as sent: in the sender's written standard with the placeholders
    filled, recorded with the answer because the template may be edited later."""
    if _is_empty(data.get("template")):
        return {}
    facts = ctx.data | data
    text = replies.render_for_inquiry(ctx.session, data["template"], facts)
    return {"template_text": text} if text is not None else {}


def _declared_by_management(data: dict[str, Any], ctx: FormContext) -> dict[str, Any]:
    """A crisis management declares needs no confirmation; a proposed one does (E6)."""
    return {"proposed": False}


def _asked_at(data: dict[str, Any], ctx: FormContext) -> dict[str, Any]:
    """When a question was put to the comms section, by the server's clock (not the form):
    the answer is due a working day later (E4, E9). A form that closes the case asks nothing."""
    if data.get("decision") == "close" or ctx.now is None:
        return {}
    return {"asked_at": ctx.now.isoformat()}


def _post_summary(data: dict[str, Any], ctx: FormContext) -> dict[str, Any]:
    """The post's first words, for its case title."""
    text = " ".join(str(data.get("text") or ctx.data.get("text") or "").split())
    return {"summary": text if len(text) <= 60 else text[:59].rstrip() + "…"}


DERIVES: dict[str, Callable[[dict[str, Any], FormContext], dict[str, Any]]] = {
    "unit_facts": _unit_facts,
    "approver_warnings": _approver_warnings,
    "account_facts": _account_facts,
    "account_unit_facts": _account_unit_facts,
    "reply_template": _reply_template,
    "declared_by_management": _declared_by_management,
    "saved_reply_text": _saved_reply_text,
    "asked_at": _asked_at,
    "post_summary": _post_summary,
}
