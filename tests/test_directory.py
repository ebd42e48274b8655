"""Administering units: a closed unit keeps its history but takes no new people or cases."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.bootstrap import Engine
from engine.cases import services
from engine.errors import FormInvalid, PermissionDenied
from engine.people import directory
from engine.registers import listing
from engine.store.models import AuditEvent
from tests.conftest import central_application

PERSON = {"full_name": "Ny Person", "email": "ny@mrfylke.no", "roles": [], "active": True}


def _close(eng: Engine, unit: str) -> None:
    directory.set_unit_active(eng, "admin", unit, False)


def test_a_unit_with_active_people_cannot_close(eng: Engine) -> None:
    with pytest.raises(FormInvalid) as refused:
        _close(eng, "samferdsel")
    assert refused.value.messages("en")["unit"] == (
        "The unit has 2 active users. Move them to another unit first."
    )
    assert "samferdsel" in {u["id"] for u in listing.units(eng)}


def test_a_closed_unit_takes_no_new_people_or_cases(eng: Engine) -> None:
    for username in ("tilsett1", "tilsett2"):
        person = listing.user(eng, username) | {"unit_id": "opplaering"}
        directory.update_user(eng, "admin", username, person)
    _close(eng, "samferdsel")

    assert "samferdsel" not in {u["id"] for u in listing.units(eng)}
    assert "samferdsel" in {u["id"] for u in listing.units(eng, include_inactive=True)}
    with pytest.raises(FormInvalid) as refused:
        directory.create_user(
            eng, "admin", PERSON | {"username": "ny", "unit_id": "samferdsel"}, "eit langt passord"
        )
    assert set(refused.value.errors) == {"unit_id"}
    with pytest.raises(FormInvalid) as refused:
        services.start_process(
            eng, "account_application", "admin", central_application(unit="samferdsel")
        )
    assert refused.value.errors["unit"][0] == "unknown_unit"

    directory.set_unit_active(eng, "admin", "samferdsel", True)
    assert "samferdsel" in {u["id"] for u in listing.units(eng)}
    with eng.reading() as session:
        kinds = list(session.scalars(select(AuditEvent.kind).order_by(AuditEvent.seq)))
    assert kinds[-2:] == ["unit_closed", "unit_reopened"]


def test_only_admins_close_units(eng: Engine) -> None:
    with pytest.raises(PermissionDenied):
        directory.set_unit_active(eng, "infosjef", "molde_vgs", False)


def test_an_admin_who_is_also_auditor_changes_nothing(eng: Engine) -> None:
    services.set_user_roles(eng, "admin", ["admin", "auditor"], "admin")
    with pytest.raises(PermissionDenied) as refused:
        directory.set_unit_active(eng, "admin", "molde_vgs", True)
    assert refused.value.code == "read_only"
