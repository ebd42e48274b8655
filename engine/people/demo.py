"""Demo people for `someflyt init --demo`. Password `demo` for all: for trying the product only."""

from __future__ import annotations

from functools import cache

from sqlalchemy.orm import Session

from engine.people.passwords import hash_password
from engine.store.models import Unit, User, UserRole

DEMO_PASSWORD = "demo"

UNITS = [
    ("sentraladministrasjonen", "Sentraladministrasjonen", "administration", None),
    ("samferdsel", "Samferdsel", "department", "sentraladministrasjonen"),
    ("opplaering", "Opplæring", "department", "sentraladministrasjonen"),
    ("alesund_vgs", "Ålesund vidaregåande skule", "school", None),
    ("molde_vgs", "Molde vidaregåande skule", "school", None),
    ("kristiansund_vgs", "Kristiansund vidaregåande skule", "school", None),
]

# username, full name, unit, roles
USERS = [
    ("admin", "Adm Inistrator", "sentraladministrasjonen", ["admin"]),
    ("infosjef", "Ingrid Infosjef", "sentraladministrasjonen", ["head_of_information", "comms"]),
    ("komm1", "Kari Kommunikasjon", "sentraladministrasjonen", ["comms"]),
    ("komm2", "Knut Kommunikasjon", "sentraladministrasjonen", ["comms"]),
    ("fylkesdirektor", "Frida Fylkesdirektør", "sentraladministrasjonen", ["management"]),
    ("politisk", "Per Politisk", "sentraladministrasjonen", ["political"]),
    ("revisor", "Randi Revisor", "sentraladministrasjonen", ["auditor"]),
    ("tilsett1", "Tor Tilsett", "samferdsel", []),
    ("tilsett2", "Tone Tilsett", "samferdsel", []),
    ("rektor.alesund", "Rolf Rektor", "alesund_vgs", ["principal"]),
    ("laerar.alesund", "Lise Lærar", "alesund_vgs", []),
    ("laerar2.alesund", "Lars Lærar", "alesund_vgs", []),
    ("rektor.molde", "Marit Rektor", "molde_vgs", ["principal"]),
    ("laerar.molde", "Mona Lærar", "molde_vgs", []),
    ("rektor.kristiansund", "Kjell Rektor", "kristiansund_vgs", ["principal"]),
    ("laerar.kristiansund", "Kristin Lærar", "kristiansund_vgs", []),
]


# A valid application by laerar.alesund for Ålesund vidaregåande skule: the README's example,
# the tests' and the benchmark's starting point.
SAMPLE_SCHOOL_APPLICATION: dict[str, object] = {
    "platform": "instagram",
    "account_name": "alesundvgs",
    "objective": "Vise fram kvardagen på skulen til nye elevar og foreldre.",
    "capacity": "To lærarar brukar ein time i veka kvar på å svare på spørsmål.",
    "deputy": "laerar2.alesund",
    "mailbox": "instagram@alesund.vgs.no",
}


@cache
def _demo_hash() -> str:
    # One hash serves every demo user: same password, and hashing is slow on purpose.
    return hash_password(DEMO_PASSWORD)


def load_demo(session: Session) -> int:
    """Insert the demo units and users that are missing; returns how many users were added."""
    for unit_id, name, kind, parent in UNITS:
        if session.get(Unit, unit_id) is None:
            session.add(Unit(id=unit_id, name=name, kind=kind, parent_id=parent))
    session.flush()
    added = 0
    for username, full_name, unit, roles in USERS:
        if session.get(User, username) is not None:
            continue
        email = f"{username}@mrfylke.no"
        user = User(
            username=username,
            full_name=full_name,
            email=email,
            unit_id=unit,
            password_hash=_demo_hash(),
            active=True,
        )
        user.roles = [UserRole(role=role) for role in roles]
        session.add(user)
        added += 1
    return added
