"""The rule on a post's photos (G11: "Ikkje legg ut bilete utan samtykke frå personane som er med").

A post describes up to PHOTO_SLOTS photos as three fields each:
`photo_N_label` (which photo), `photo_N_people` (how many identifiable people are in it) and
`photo_N_consents` (the register's consents for them). The form renderer has no arrays of
objects, and a post rarely has more photos than that; a post with more is split. This module
reads those fields, checks them against the consent register (engine/registers/consents.py)
when a post is approved, and records which consents an approved post used, so that a later
withdrawal finds the post.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import OSLO, parse_moment
from engine.errors import NotFound, PermissionDenied
from engine.forms.values import as_id
from engine.registers.consents import Errors, access, list_consents
from engine.store.models import Consent, PostConsent, ProcessInstance

if TYPE_CHECKING:  # engine.forms imports this module, and bootstrap imports the forms
    from engine.bootstrap import Engine

PHOTO_SLOTS = 3


@dataclass
class Photo:
    slot: int
    label: str
    people: int  # the form says how many identifiable people; an integer by its schema
    consents: list[Any]

    @property
    def field(self) -> str:
        return f"photo_{self.slot}_consents"


def photos(data: Mapping[str, Any]) -> list[Photo]:
    """The photos a post describes (empty slots left out)."""
    found = []
    for slot in range(1, PHOTO_SLOTS + 1):
        photo = Photo(
            slot,
            str(data.get(f"photo_{slot}_label") or "").strip(),
            data.get(f"photo_{slot}_people") or 0,
            list(data.get(f"photo_{slot}_consents") or []),
        )
        if photo.label or photo.people or photo.consents:
            found.append(photo)
    return found


def selectable(eng: Engine, username: str) -> list[dict[str, Any]]:
    """The active consents a person may choose for a post's photos."""
    try:
        return list_consents(eng, username, include_withdrawn=False)
    except PermissionDenied:
        return []


def _consent_id(value: Any) -> int | None:
    return as_id(value)


def consent_visible(session: Session, username: str | None, value: Any) -> bool:
    """Whether `value` names a consent in the register that `username` may read (None: any
    consent). One they may not read is answered as one that does not exist, so a post's form
    never tells a teacher the name on another school's consent."""
    consent_id = _consent_id(value)
    consent = session.get(Consent, consent_id) if consent_id is not None else None
    if consent is None:
        return False
    if username is None:
        return True
    try:
        return access(session, username).sees(consent)
    except NotFound:  # a person no longer active sees nothing
        return False


def publication_day(data: Mapping[str, Any], now: datetime) -> date:
    """The day the consents must hold on: the planned publication, or today if that passed."""
    moment = now
    try:
        if data.get("planned_at"):
            moment = max(now, parse_moment(str(data["planned_at"])))
    except ValueError:
        pass
    return moment.astimezone(OSLO).date()


def _problem(consent: Consent, account_id: Any, day: date) -> tuple[str, dict[str, Any]] | None:
    """Why this consent does not cover a photo in a post on `account_id` published on `day`."""
    name = {"name": consent.person_name}
    if consent.withdrawn_at is not None:
        when = consent.withdrawn_at.astimezone(OSLO).strftime("%d.%m.%Y")
        return ("consent_withdrawn", name | {"when": when})
    if consent.account_id is not None and consent.account_id != account_id:
        return ("consent_other_account", name)
    if consent.valid_until is not None and consent.valid_until < day:
        return ("consent_expired", name | {"until": consent.valid_until.strftime("%d.%m.%Y")})
    if consent.under_15 and consent.given_by != "guardian":
        return ("consent_needs_guardian", name)
    return None


def photo_problems(session: Session, data: Mapping[str, Any], now: datetime) -> Errors:
    """G11: every identifiable person in a photo has a consent that is active, covers the
    post's account and holds on the publication day (a guardian's for those under 15).
    Errors per photo, on its consent field. `data` has passed the post's form, whose schema
    already refused counts that are no integer and consents not in the register."""
    errors: Errors = {}
    day = publication_day(data, now)
    for photo in photos(data):
        if not photo.label:
            errors[f"photo_{photo.slot}_label"] = ("photo_label_required", {})
            continue
        people = photo.people
        if people < 0:
            errors[f"photo_{photo.slot}_people"] = ("photo_people_count", {})
            continue
        if people == 0:  # nobody to recognise: consents named for it are not needed
            continue
        valid = 0
        for value in photo.consents:
            consent_id = _consent_id(value)
            consent = session.get(Consent, consent_id) if consent_id is not None else None
            if consent is None:  # never counts (the form's `consent` format names it)
                continue
            problem = _problem(consent, data.get("account_id"), day)
            if problem:
                code, params = problem
                errors[photo.field] = (code, params | {"photo": photo.label})
                break
            valid += 1
        if photo.field in errors:
            continue
        if valid < people:
            errors[photo.field] = (
                "photo_missing_consent",
                {"photo": photo.label, "people": people, "count": valid},
            )
    return errors


def record_post_consents(
    session: Session, instance: ProcessInstance, data: Mapping[str, Any], now: datetime
) -> list[dict[str, Any]]:
    """The approved post's consents per photo, for a later withdrawal to find (idempotent)."""
    recorded = []
    for photo in photos(data):
        if not photo.people:  # no identifiable people: the photo relies on no consent
            continue
        for value in photo.consents:
            consent_id = _consent_id(value)
            if consent_id is None:
                continue
            exists = session.scalar(
                select(PostConsent.id).where(
                    PostConsent.instance_id == instance.id,
                    PostConsent.consent_id == consent_id,
                    PostConsent.photo == photo.label,
                )
            )
            if exists is None:
                session.add(
                    PostConsent(
                        instance_id=instance.id,
                        consent_id=consent_id,
                        photo=photo.label,
                        recorded_at=now,
                    )
                )
                recorded.append({"consent_id": consent_id, "photo": photo.label})
    session.flush()
    return recorded
