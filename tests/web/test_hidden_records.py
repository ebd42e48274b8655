"""Issue 14, point 1: a reference to a record the person may not see is answered exactly as
one that does not exist — same status, same message — in forms (a post's photo consents) and
in paths (cases, absences, consents). Ids are sequential: any difference would let the
register be listed."""

from __future__ import annotations

import re

from engine.cases import services
from engine.people import absences
from engine.registers import consents
from tests.accounts import OWNER
from tests.conftest import START, school_application
from tests.web.conftest import audit_count, doc, field_error, instance_count

MOLDE_PUPIL = "Ola Molde-elev"
NOWHERE = 987654321  # no record has this id
TOKEN = re.compile(r'name="csrf_token"\s+value="[^"]+"')


def molde_account(eng) -> int:
    """moldevgs on Instagram, applied for by its principal (so the head of information
    approves), with laerar.molde as deputy and moderator."""
    services.start_process(
        eng,
        "account_application",
        "rektor.molde",
        school_application(account_name="moldevgs", deputy="laerar.molde"),
    )
    [decision] = services.list_human_tasks(eng, "infosjef", "account_application")
    services.complete_human_task(
        eng, decision["id"], "infosjef", {"decision": "approve", "moderators": ["laerar.molde"]}
    )
    return max(a["id"] for a in services.list_accounts(eng))


def molde_consent(eng, account_id: int) -> int:
    return consents.register_consent(
        eng,
        "komm1",
        {
            "person_name": MOLDE_PUPIL,
            "given_by": "self",
            "given_on": "2026-11-20",
            "account_id": account_id,
            "scope": "Bilete frå skulekvardagen i Molde, skuleåret 2026/27.",
            "storage": "Arkivsak 26/4321",
        },
    )


def _post(b, account_id: int, consent_id: int):
    return b.post(
        "/start/post_approval",
        {
            "account_id": str(account_id),
            "text": "Open dag på skulen: kom og sjå verkstadene våre!",
            "planned_at": "2026-11-25T10:00",
            "photo_1_label": "Elevar i verkstaden",
            "photo_1_people": "1",
            "photo_1_consents": str(consent_id),
        },
        page="/start/post_approval",
    )


def _same_page(body: str, consent_id: int) -> str:
    """The page with what must differ taken out: the form's token, and the number typed."""
    return TOKEN.sub("csrf", body).replace(f"«{consent_id}»", "«N»")


def _without(response, path: str) -> str:
    return TOKEN.sub("csrf", response.get_data(as_text=True)).replace(path, "P")


def test_a_consent_of_another_school_is_answered_as_one_that_does_not_exist(eng, login, account_id):
    hidden = molde_consent(eng, molde_account(eng))
    assert consents.get_consent(eng, "komm1", hidden)["person_name"] == MOLDE_PUPIL
    b = login(OWNER)  # laerar.alesund: Ålesund's account team, nothing of Molde's
    before = (instance_count(eng), audit_count(eng))

    seen, unseen = _post(b, account_id, hidden), _post(b, account_id, NOWHERE)

    assert seen.status_code == unseen.status_code == 422
    body = seen.get_data(as_text=True)
    assert MOLDE_PUPIL not in body and "Molde" not in field_error(doc(seen), "photo_1_consents")
    expected = f"«{hidden}» er ikkje eit samtykke i registeret."
    assert field_error(doc(seen), "photo_1_consents") == expected
    assert _same_page(body, hidden) == _same_page(unseen.get_data(as_text=True), NOWHERE)
    assert (instance_count(eng), audit_count(eng)) == before
    # The register's own page says the same: it does not exist for him.
    assert b.get(f"/consents/{hidden}").status_code == b.get(f"/consents/{NOWHERE}").status_code
    assert b.get(f"/consents/{hidden}").status_code == 404


def test_a_case_or_absence_one_may_not_see_is_404_as_a_missing_one(eng, login, account_id):
    case_id = services.list_accounts(eng)[0]["instance_id"]
    outsider = login("laerar.molde")
    for path in (f"/cases/{case_id}", f"/cases/{case_id}/history.json"):
        hidden = outsider.get(path)
        missing = outsider.get(path.replace(str(case_id), str(NOWHERE)))
        assert hidden.status_code == missing.status_code == 404, path
        # The same page but for the address itself (the language switch returns to it).
        assert _without(hidden, path) == _without(missing, path.replace(str(case_id), str(NOWHERE)))

    absence_id = absences.register_absence(
        eng, OWNER, OWNER, START.isoformat(), START.replace(day=27).isoformat(), "Kurs"
    )
    hidden = outsider.post(f"/absence/{absence_id}/cancel", {}, page="/absence/")
    missing = outsider.post(f"/absence/{NOWHERE}/cancel", {}, page="/absence/")
    assert hidden.status_code == missing.status_code == 404
    assert _without(hidden, f"/absence/{absence_id}/cancel") == _without(
        missing, f"/absence/{NOWHERE}/cancel"
    )
