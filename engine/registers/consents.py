"""The consent register (G11: "Ikkje legg ut bilete utan samtykke frå personane som er med").

A consent says that a person may be shown in photos on the county's official accounts: who
(name; whether under 15), who consented (the person, or a guardian when the person is under
15), when, what it covers (one account or all of them, the purposes and period in words, an
optional last day) and where the signed consent is kept. Nothing else about the person is
stored: the register holds what the rule needs and points to the paper.

Who may do what (decided for issue 6):

- Register: the comms section and admins for any account or for all accounts; the owner,
  deputy and moderators of an account for that account.
- Withdraw: everyone who may register for some account (comms, admins, any account team). A
  person withdrawing their consent may tell whichever moderator they know, and recording it
  must never wait for the right person: a withdrawal only ever protects.
- Read: the comms section, admins and auditors everything; an account team the consents for
  its accounts and those for all accounts. Auditors change nothing.

A consent is never deleted. Withdrawing it records who, when and why, and publishes the event
`consent_withdrawn` once for every approved post that used it; the photo process package
subscribes and starts the removal (a task for the account's team, due in 24 hours). Posts not
yet approved cannot be approved with it any more (the approval checks the register again).
Every change is audited. The rule on a post's photos is engine/registers/consent_photos.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from engine.clock import OSLO
from engine.errors import FormInvalid, NotFound, PermissionDenied
from engine.forms.values import as_id
from engine.people.lanes import get_user, is_read_only
from engine.store import audit
from engine.store.models import Account, AccountModerator, Consent, PostConsent, ProcessInstance

if TYPE_CHECKING:  # engine.forms imports this (through consent_photos), bootstrap the forms
    from engine.bootstrap import Engine

WITHDRAWN = "consent_withdrawn"  # the event a withdrawal publishes, once per post
GIVEN_BY = ("self", "guardian")
EVERYTHING = frozenset({"comms", "admin"})
MAX_NAME = 200
MAX_SCOPE = 2000
MAX_STORAGE = 300
MAX_REASON = 2000
FIELDS = (
    "person_name",
    "under_15",
    "given_by",
    "guardian_name",
    "given_on",
    "account_id",
    "scope",
    "valid_until",
    "storage",
)

Errors = dict[str, tuple[str, dict[str, Any]]]


# --- who may do what ---------------------------------------------------------------------------


def team_accounts(session: Session, username: str) -> set[int]:
    """The active accounts this person owns, stands in for or moderates."""
    owned = session.scalars(
        select(Account.id).where(
            Account.status == "active",
            or_(Account.owner == username, Account.deputy == username),
        )
    )
    moderated = session.scalars(
        select(AccountModerator.account_id)
        .join(Account, Account.id == AccountModerator.account_id)
        .where(Account.status == "active", AccountModerator.username == username)
    )
    return set(owned) | set(moderated)


@dataclass(frozen=True)
class Access:
    """What one person may do with the register."""

    read_all: bool  # every consent (comms, admins, auditors)
    accounts: frozenset[int]  # the accounts whose consents they read and register
    may_change: bool  # register and withdraw (not auditors)

    @property
    def may_read(self) -> bool:
        return self.read_all or bool(self.accounts)

    def may_register_for(self, account_id: int | None) -> bool:
        if not self.may_change:
            return False
        if self.read_all:
            return True
        return account_id is not None and account_id in self.accounts

    def sees(self, consent: Consent) -> bool:
        return self.read_all or consent.account_id is None or consent.account_id in self.accounts


def access(session: Session, username: str) -> Access:
    user = get_user(session, username)
    accounts = frozenset(team_accounts(session, username))
    if is_read_only(user):
        return Access(read_all=True, accounts=accounts, may_change=False)
    everything = bool(user.role_names & EVERYTHING)
    return Access(read_all=everything, accounts=accounts, may_change=everything or bool(accounts))


def access_for(eng: Engine, username: str) -> Access:
    with eng.reading() as session:
        return access(session, username)


def _reader(session: Session, username: str) -> Access:
    found = access(session, username)
    if not found.may_read:
        raise PermissionDenied(
            "Samtykkeregisteret er for teama på kontoane, kommunikasjonsseksjonen, "
            "administratorar og revisorar.",
            "consents_not_allowed",
        )
    return found


def _changer(session: Session, username: str) -> Access:
    found = _reader(session, username)
    if not found.may_change:
        raise PermissionDenied("Revisorar kan lese alt, men ikkje endre noko.", "read_only")
    return found


# --- reading -----------------------------------------------------------------------------------


def is_active(consent: Consent) -> bool:
    return consent.withdrawn_at is None


def as_dict(consent: Consent, account_name: str | None = None) -> dict[str, Any]:
    return {
        "id": consent.id,
        "person_name": consent.person_name,
        "under_15": consent.under_15,
        "given_by": consent.given_by,
        "guardian_name": consent.guardian_name,
        "given_on": consent.given_on,
        "account_id": consent.account_id,
        "account_name": account_name,
        "scope": consent.scope,
        "valid_until": consent.valid_until,
        "storage": consent.storage,
        "recorded_by": consent.recorded_by,
        "recorded_at": consent.recorded_at,
        "withdrawn_at": consent.withdrawn_at,
        "withdrawn_by": consent.withdrawn_by,
        "withdrawal_reason": consent.withdrawal_reason,
        "active": is_active(consent),
    }


def _visible(query: Any, found: Access) -> Any:
    if found.read_all:
        return query
    return query.where(
        or_(Consent.account_id.is_(None), Consent.account_id.in_(sorted(found.accounts)))
    )


def list_consents(
    eng: Engine, username: str, *, name: str = "", include_withdrawn: bool = True
) -> list[dict[str, Any]]:
    """The consents this person may read, by name; `name` searches part of it."""
    with eng.reading() as session:
        found = _reader(session, username)
        query = select(Consent, Account.account_name).outerjoin(
            Account, Account.id == Consent.account_id
        )
        query = _visible(query, found)
        if name.strip():
            pattern = f"%{name.strip().lower()}%"
            query = query.where(func.lower(Consent.person_name).like(pattern))
        if not include_withdrawn:
            query = query.where(Consent.withdrawn_at.is_(None))
        uses = dict(
            session.execute(
                select(
                    PostConsent.consent_id, func.count(func.distinct(PostConsent.instance_id))
                ).group_by(PostConsent.consent_id)
            ).all()
        )
        rows = session.execute(query.order_by(Consent.person_name, Consent.id))
        return [
            as_dict(consent, account_name) | {"posts": uses.get(consent.id, 0)}
            for consent, account_name in rows
        ]


def get_consent(eng: Engine, username: str, consent_id: int) -> dict[str, Any]:
    """One consent, the posts that used it and the removal cases its withdrawal started."""
    with eng.reading() as session:
        found = _reader(session, username)
        consent = session.get(Consent, consent_id)
        if consent is None or not found.sees(consent):
            raise NotFound(f"Ukjend samtykke: {consent_id}", "unknown_consent")
        account = session.get(Account, consent.account_id) if consent.account_id else None
        posts = session.execute(
            select(PostConsent, ProcessInstance)
            .join(ProcessInstance, ProcessInstance.id == PostConsent.instance_id)
            .where(PostConsent.consent_id == consent_id)
            .order_by(PostConsent.instance_id, PostConsent.photo)
        ).all()
        removals = session.scalars(
            select(ProcessInstance)
            .where(ProcessInstance.parent_id.in_({link.instance_id for link, _ in posts}))
            .order_by(ProcessInstance.id)
        ).all()
        return as_dict(consent, account.account_name if account else None) | {
            "posts": [_case(post) | {"photo": link.photo} for link, post in posts],
            "removals": [_case(r) | {"post_id": r.parent_id} for r in removals],
            "may_withdraw": found.may_change and is_active(consent),
        }


def _case(instance: ProcessInstance) -> dict[str, Any]:
    """A case the consent page links to: its title (and the facts to say it in the reader's
    language), and how far it has come."""
    return {
        "instance_id": instance.id,
        "title": instance.title,
        "title_facts": instance.title_facts,
        "process_id": instance.process_id,
        "status": instance.status,
        "outcome": instance.outcome,
    }


# --- registering and withdrawing ---------------------------------------------------------------


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    return date.fromisoformat(text)


def clean_fields(session: Session, fields: Mapping[str, Any], today: date) -> dict[str, Any]:
    """The register form's fields, trimmed and checked; every problem is reported at once."""
    text = {
        name: str(fields.get(name) or "").strip()
        for name in ("person_name", "given_by", "guardian_name", "scope", "storage")
    }
    under_15 = fields.get("under_15") in (True, "on", "true", "1", 1)
    errors: Errors = {}
    for name, limit in (
        ("person_name", MAX_NAME),
        ("scope", MAX_SCOPE),
        ("storage", MAX_STORAGE),
    ):
        if not text[name]:
            errors[name] = ("required", {})
        elif len(text[name]) > limit:
            errors[name] = ("max_length", {"limit": limit})
    if text["given_by"] not in GIVEN_BY:
        errors["given_by"] = ("enum", {"choices": ", ".join(GIVEN_BY)})
    elif under_15 and text["given_by"] != "guardian":
        errors["given_by"] = ("consent_guardian_required", {})
    if text["given_by"] == "guardian" and not text["guardian_name"]:
        errors["guardian_name"] = ("consent_guardian_name", {})
    elif len(text["guardian_name"]) > MAX_NAME:
        errors["guardian_name"] = ("max_length", {"limit": MAX_NAME})
    dates: dict[str, date | None] = {}
    for name in ("given_on", "valid_until"):
        try:
            dates[name] = _date(fields.get(name))
        except ValueError:
            errors[name] = ("consent_date", {"value": str(fields.get(name))})
            dates[name] = None
    if dates["given_on"] is None and "given_on" not in errors:
        errors["given_on"] = ("required", {})
    elif dates["given_on"] is not None and dates["given_on"] > today:
        errors["given_on"] = ("consent_given_in_future", {})
    if dates["valid_until"] and dates["given_on"] and dates["valid_until"] < dates["given_on"]:
        errors["valid_until"] = ("consent_valid_until_before", {})
    account_id = fields.get("account_id")
    if account_id in (None, ""):
        account_id = None
    else:
        account_id = as_id(account_id)
        account = session.get(Account, account_id) if account_id is not None else None
        if account is None or account.status != "active":
            errors["account_id"] = ("unknown_account_value", {"value": fields.get("account_id")})
    if errors:
        raise FormInvalid(errors)
    return {
        "person_name": text["person_name"],
        "under_15": under_15,
        "given_by": text["given_by"],
        "guardian_name": text["guardian_name"] or None,
        "given_on": dates["given_on"],
        "account_id": account_id,
        "scope": text["scope"],
        "valid_until": dates["valid_until"],
        "storage": text["storage"],
    }


def _audited(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in fields.items()}


def register_consent(eng: Engine, username: str, fields: Mapping[str, Any]) -> int:
    now = eng.clock.now()
    with eng.transaction() as session:
        found = _changer(session, username)
        cleaned = clean_fields(session, fields, now.astimezone(OSLO).date())
        if not found.may_register_for(cleaned["account_id"]):
            raise FormInvalid({"account_id": ("consent_account_not_yours", {})})
        consent = Consent(recorded_by=username, recorded_at=now, **cleaned)
        session.add(consent)
        session.flush()
        audit.record(
            session,
            now,
            username,
            "consent_registered",
            detail={"consent_id": consent.id} | _audited(cleaned),
        )
        return consent.id


def withdraw_consent(eng: Engine, username: str, consent_id: int, reason: str) -> list[int]:
    """Withdraw a consent and start a removal case for every post that used it; returns the
    new cases. One transaction: the withdrawal and its removal tasks stand or fall together."""
    now = eng.clock.now()
    reason = (reason or "").strip()
    with eng.transaction() as session:
        found = _changer(session, username)
        consent = session.scalar(select(Consent).where(Consent.id == consent_id).with_for_update())
        if consent is None or not found.sees(consent):
            raise NotFound(f"Ukjend samtykke: {consent_id}", "unknown_consent")
        if not is_active(consent):
            raise FormInvalid({"reason": ("consent_already_withdrawn", {})})
        if not reason:
            raise FormInvalid({"reason": ("required", {})})
        if len(reason) > MAX_REASON:
            raise FormInvalid({"reason": ("max_length", {"limit": MAX_REASON})})
        consent.withdrawn_at, consent.withdrawn_by = now, username
        consent.withdrawal_reason = reason
        photos_by_post: dict[int, list[str]] = {}
        for link in session.scalars(
            select(PostConsent)
            .where(PostConsent.consent_id == consent_id)
            .order_by(PostConsent.instance_id, PostConsent.photo)
        ):
            photos_by_post.setdefault(link.instance_id, []).append(link.photo)
        started = []
        for post_id, photos in photos_by_post.items():
            post = session.get_one(ProcessInstance, post_id)  # the link's foreign key: it exists
            data = {
                "account_id": post.account_id,
                "post_id": post_id,
                "post_title": post.title,
                "photos": ", ".join(photos),
                "consent_id": consent_id,
                "person_name": consent.person_name,
            }
            started += eng.registry.publish(eng, session, username, WITHDRAWN, data)
        audit.record(
            session,
            now,
            username,
            "consent_withdrawn",
            detail={
                "consent_id": consent_id,
                "reason": reason,
                "posts": sorted(photos_by_post),
                "removal_cases": started,
            },
        )
        return started
