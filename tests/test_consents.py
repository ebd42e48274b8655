"""The consent register (G11): who may register, read and withdraw; what a consent must say;
nothing is ever deleted, and every change is audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.errors import FormInvalid, NotFound, PermissionDenied
from engine.registers import consent_photos, consents
from engine.store.models import AuditEvent
from tests.accounts import DEPUTY, MODERATOR, OWNER, approved_school_account

FIELDS = {
    "person_name": "Kari Nordmann",
    "under_15": False,
    "given_by": "self",
    "given_on": "2026-11-20",
    "scope": "Bilete frå skulekvardagen, skuleåret 2026/27.",
    "storage": "Arkivsak 26/1234",
}


def events(eng, kind: str) -> list[dict]:
    with eng.transaction() as session:
        query = select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.seq)
        return [e.detail for e in session.scalars(query)]


def test_an_accounts_team_registers_consents_for_its_account_only(eng, account_id):
    kari = consents.register_consent(eng, DEPUTY, FIELDS | {"account_id": account_id})
    [event] = events(eng, "consent_registered")
    assert event == {
        "consent_id": kari,
        "person_name": "Kari Nordmann",
        "under_15": False,
        "given_by": "self",
        "guardian_name": None,
        "given_on": "2026-11-20",
        "account_id": account_id,
        "scope": FIELDS["scope"],
        "valid_until": None,
        "storage": "Arkivsak 26/1234",
    }
    other = approved_school_account(eng, platform="facebook", account_name="Ålesund vgs FB")
    molde_teacher = "laerar.molde"
    with pytest.raises(PermissionDenied):  # not on any account: no register at all
        consents.register_consent(eng, molde_teacher, FIELDS | {"account_id": account_id})
    for account in (None, -1):  # all accounts: the comms section's; an unknown one: refused
        with pytest.raises(FormInvalid):
            consents.register_consent(eng, DEPUTY, FIELDS | {"account_id": account})
    consents.register_consent(eng, OWNER, FIELDS | {"account_id": other})  # owner of both
    everywhere = consents.register_consent(eng, "komm1", FIELDS | {"account_id": None})
    assert consents.get_consent(eng, MODERATOR, everywhere)["account_name"] is None


def test_what_a_consent_must_say(eng, clock, account_id):
    with pytest.raises(FormInvalid) as error:
        consents.register_consent(
            eng,
            "komm1",
            {"given_by": "someone", "given_on": "2026-13-01", "valid_until": "2026-01-01"},
        )
    assert {field: code for field, (code, _) in error.value.errors.items()} == {
        "person_name": "required",
        "scope": "required",
        "storage": "required",
        "given_by": "enum",
        "given_on": "consent_date",
    }
    tomorrow = (clock.now() + timedelta(days=1)).date().isoformat()
    with pytest.raises(FormInvalid) as error:
        consents.register_consent(eng, "komm1", FIELDS | {"given_on": tomorrow})
    assert error.value.errors == {"given_on": ("consent_given_in_future", {})}
    with pytest.raises(FormInvalid) as error:
        consents.register_consent(eng, "komm1", FIELDS | {"valid_until": "2026-11-01"})
    assert error.value.errors == {"valid_until": ("consent_valid_until_before", {})}
    with pytest.raises(FormInvalid) as error:  # under 15: a guardian, by name
        consents.register_consent(eng, "komm1", FIELDS | {"under_15": "on"})
    assert error.value.errors == {"given_by": ("consent_guardian_required", {})}


def test_who_reads_what_and_the_search_by_name(eng, account_id):
    other = approved_school_account(eng, platform="facebook", account_name="Ålesund vgs FB")
    consents.register_consent(eng, "komm1", FIELDS | {"account_id": account_id})
    consents.register_consent(eng, "komm1", FIELDS | {"person_name": "Ola Hansen"})
    hidden = consents.register_consent(
        eng, "komm1", FIELDS | {"person_name": "Per Elev", "account_id": other}
    )
    # The comms section and auditors read everything; the principal moderates both accounts.
    names = [c["person_name"] for c in consents.list_consents(eng, "komm2")]
    assert names == ["Kari Nordmann", "Ola Hansen", "Per Elev"]
    assert [c["person_name"] for c in consents.list_consents(eng, "revisor")] == names
    assert [c["person_name"] for c in consents.list_consents(eng, MODERATOR)] == names  # both
    assert [c["person_name"] for c in consents.list_consents(eng, "komm1", name="HANS")] == [
        "Ola Hansen"
    ]
    with pytest.raises(PermissionDenied) as refused:
        consents.list_consents(eng, "tilsett1")
    assert refused.value.code == "consents_not_allowed"
    with pytest.raises(PermissionDenied):  # auditors read, never change
        consents.register_consent(eng, "revisor", FIELDS)
    assert consents.get_consent(eng, "revisor", hidden)["person_name"] == "Per Elev"


def test_a_team_sees_its_accounts_consents_and_those_for_all_accounts(eng, account_id):
    other = approved_school_account(
        eng, platform="facebook", account_name="Ålesund vgs FB", deputy="laerar.kristiansund"
    )
    consents.register_consent(eng, "komm1", FIELDS | {"account_id": account_id})
    consents.register_consent(eng, "komm1", FIELDS | {"person_name": "Ola Hansen"})
    elsewhere = consents.register_consent(
        eng, "komm1", FIELDS | {"person_name": "Per Elev", "account_id": other}
    )
    seen = [c["person_name"] for c in consents.list_consents(eng, DEPUTY)]
    assert seen == ["Kari Nordmann", "Ola Hansen"]
    with pytest.raises(NotFound):
        consents.get_consent(eng, DEPUTY, elsewhere)
    with pytest.raises(NotFound):
        consents.withdraw_consent(eng, DEPUTY, elsewhere, "Feil konto.")


def test_withdrawing_is_audited_needs_a_reason_and_deletes_nothing(eng, clock, account_id):
    kari = consents.register_consent(eng, "komm1", FIELDS | {"account_id": account_id})
    with pytest.raises(FormInvalid) as error:
        consents.withdraw_consent(eng, MODERATOR, kari, "  ")
    assert error.value.errors == {"reason": ("required", {})}
    with pytest.raises(PermissionDenied):
        consents.withdraw_consent(eng, "revisor", kari, "Revisoren vil.")
    clock.advance(timedelta(days=3))
    assert consents.withdraw_consent(eng, MODERATOR, kari, "Kari ringde skulen.") == []
    listed = consents.list_consents(eng, "komm1")
    assert [(c["id"], c["active"], c["withdrawn_by"]) for c in listed] == [(kari, False, MODERATOR)]
    assert consents.list_consents(eng, "komm1", include_withdrawn=False) == []
    assert consent_photos.selectable(eng, DEPUTY) == []
    shown = consents.get_consent(eng, "komm1", kari)
    assert (shown["withdrawn_at"], shown["withdrawal_reason"]) == (
        clock.now(),
        "Kari ringde skulen.",
    )
    assert shown["may_withdraw"] is False
    assert events(eng, "consent_withdrawn") == [
        {"consent_id": kari, "reason": "Kari ringde skulen.", "posts": [], "removal_cases": []}
    ]
