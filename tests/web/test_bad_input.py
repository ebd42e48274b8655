"""Issue 14, point 6: bad input gets a 4xx with a message, never a 500, and stores nothing.

Ids above 2⁶³ in paths and fields, moments in year 9999 or 0001 or far from now, a lone
surrogate and JSON nested 5,000 deep on the API, CR/LF in one-line fields, NUL anywhere.
"""

from __future__ import annotations

import json

import pytest

from engine.cases import services
from engine.errors import FormInvalid
from engine.registers import connectors
from tests.accounts import OWNER
from tests.connector_support import counts, payload
from tests.web.conftest import audit_count, doc, field_error, instance_count

HUGE = (2**31, 2**63, 2**64, 10**30)
URL = "/api/v1/inquiries"
QUESTION = {
    "subject": "Kommentar om skuleskyss",
    "topic": "mrfk_view",
    "question": "Ein forelder spør meg på Facebook kva fylket meiner om nye skyssreglar.\n"
    "Bør eg svare sjølv?",
}


def stored(eng) -> tuple[int, int]:
    return instance_count(eng), audit_count(eng)


def refused(response, status: int = 422) -> str:
    """A refusal page in HTML with the status, and no trace of a stack."""
    body = response.get_data(as_text=True)
    assert response.status_code == status, (response.status_code, body[:300])
    assert response.mimetype == "text/html"
    assert "Traceback" not in body
    return body


def test_ids_above_2_63_in_paths_are_404(login, account_id):
    reader, admin = login("komm1"), login("admin")
    for number in HUGE:
        for path in (f"/cases/{number}", f"/cases/{number}/history.json", f"/accounts/{number}"):
            refused(reader.get(path), 404)
        refused(reader.get(f"/consents/{number}"), 404)
        refused(reader.post(f"/absence/{number}/cancel", {}, page="/absence/"), 404)
        refused(reader.post(f"/consents/{number}/withdraw", {"reason": "x"}, page="/"), 404)
        refused(admin.post(f"/admin/notifications/{number}/retry", {}, page="/"), 404)
        refused(admin.post(f"/admin/connectors/{number}/revoke", {}, page="/"), 404)
    refused(reader.get(f"/cases/{2**31 - 1}"), 404)  # the largest id: just none there


def test_ids_above_2_63_in_fields_are_refused_with_a_message(eng, login, account_id):
    team, comms, admin = login(OWNER), login("komm1"), login("admin")
    before = stored(eng)
    for number in HUGE:
        post = {
            "account_id": str(number),
            "text": "Open dag på skulen: kom og sjå verkstadene våre!",
            "planned_at": "2026-11-25T10:00",
        }
        page = doc_of(team.post("/start/post_approval", post, page="/start/post_approval"))
        assert field_error(page, "account_id")
        photo = post | {"account_id": str(account_id), "photo_1_label": "Hallen"}
        # A count may be as large as 2⁶³−1; an id no larger than an id column takes.
        for field in (
            ("photo_1_people", "photo_1_consents") if number >= 2**63 else ("photo_1_consents",)
        ):
            sent = photo | {"photo_1_people": "1", field: str(number)}
            page = doc_of(team.post("/start/post_approval", sent, page="/start/post_approval"))
            assert field_error(page, field)
        sent = QUESTION | {"case_id": str(number)}
        page = doc_of(team.post("/start/ask_comms", sent, page="/start/ask_comms"))
        assert field_error(page, "case_id")
        consent = {"person_name": "Kari", "given_by": "self", "given_on": "2026-11-20"}
        consent |= {"scope": "Bilete", "storage": "Arkiv", "account_id": str(number)}
        doc_of(comms.post("/consents/new", consent, page="/consents/new"))
        token = {"account_id": str(number), "name": "Kopling"}
        assert admin.post("/admin/connectors/", token, page="/admin/connectors/").status_code < 500
        assert comms.get(f"/cases/?account={number}").status_code == 200
    for digits in ("²", "9" * 5000):  # digits to str.isdigit(), no number to int()
        sent = QUESTION | {"case_id": digits}
        page = doc_of(team.post("/start/ask_comms", sent, page="/start/ask_comms"))
        assert field_error(page, "case_id")
        token = {"account_id": digits, "name": "Kopling"}
        assert admin.post("/admin/connectors/", token, page="/admin/connectors/").status_code == 422
        refused(team.get(f"/cases/{digits}"), 404)
    assert stored(eng) == before
    with pytest.raises(FormInvalid) as error:  # the engine says so to every caller
        services.start_process(eng, "ask_comms", OWNER, QUESTION | {"case_id": 2**64})
    assert error.value.errors["case_id"][0] == "integer_range"


def doc_of(response):
    refused(response)
    return doc(response)


@pytest.mark.parametrize(
    ("received_at", "says"),
    [
        ("9999-12-31T23:59", "1900–2199"),
        ("0001-01-01T00:00", "1900–2199"),
        ("2026-11-25T12:00", "seinare enn 24.11.2026 10:00"),  # now is 23.11. 10:00 in Oslo
        ("2023-11-23T10:00", "tidlegare enn 23.11.2025 10:00"),
    ],
)
def test_a_received_at_out_of_range_or_far_from_now_is_refused(
    eng, login, account_id, received_at, says
):
    b = login(OWNER)
    before = stored(eng)
    sent = {
        "account_id": str(account_id),
        "author": "@ola",
        "text": "Når er det open dag?",
        "received_at": received_at,
        "language": "nynorsk",
    }
    page = doc_of(b.post("/start/inquiry_handling", sent, page="/start/inquiry_handling"))
    assert says in field_error(page, "received_at")
    assert stored(eng) == before


@pytest.fixture
def secret(eng, account_id) -> str:
    return connectors.create_token(eng, "admin", account_id, "Instagram-kopling").secret


def api(app, body: str | bytes, secret: str):
    return app.test_client().post(
        URL,
        data=body,
        headers={"Authorization": f"Bearer {secret}"},
        content_type="application/json",
    )


def api_errors(response) -> dict[str, str]:
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert body["error"] == "invalid" and body["message"]
    assert all(error["message"] for error in body["errors"].values())
    return {name: error["code"] for name, error in body["errors"].items()}


def test_the_api_refuses_bad_moments_lone_surrogates_and_deep_json(app, eng, account_id, secret):
    before = counts(eng)
    good = json.dumps(payload(account_id))
    for received_at, code in (
        ("9999-12-31T23:59:59+00:00", "date_time_range"),
        ("0001-01-01T00:00:00+01:00", "date_time_range"),
        ("2026-11-30T09:00:00+00:00", "moment_too_late"),
        ("2020-11-23T09:00:00+00:00", "moment_too_early"),
    ):
        body = json.dumps(payload(account_id, received_at=received_at))
        assert api_errors(api(app, body, secret)) == {"received_at": code}
    # A lone surrogate: valid JSON escapes, no valid text; in a field, an id or a key.
    lone = good.replace('"@ola_nordmann"', '"@ola\\ud800"')
    assert api_errors(api(app, lone, secret)) == {"author": "text_unencodable"}
    lone = good.replace('"ig-17895695668004550"', '"ig-\\ud800"')
    assert api_errors(api(app, lone, secret)) == {"platform_message_id": "text_unencodable"}
    lone = good.replace('"author"', '"auth\\ud800or"')
    assert api(app, lone, secret).status_code == 400
    nul = good.replace('"@ola_nordmann"', '"@ola\\u0000"')
    assert api_errors(api(app, nul, secret)) == {"author": "text_control_character"}
    # Nested 5,000 deep: as the body, and as a field's value.
    assert api_errors(api(app, "[" * 5000 + "]" * 5000, secret)) == {"_body": "json_too_deep"}
    deep = good.replace('"@ola_nordmann"', "[" * 5000 + "]" * 5000)
    assert api_errors(api(app, deep, secret)) == {"_body": "json_too_deep"}
    huge = good.replace(f'"account_id": {account_id}', f'"account_id": {2**64}')
    assert api(app, huge, secret).status_code == 403  # another account's id, as any other
    assert counts(eng) == before
    assert api(app, good, secret).status_code == 201  # and a good one still goes through


def test_line_breaks_in_a_one_line_field_are_refused(eng, login):
    b = login("tilsett1")
    before = stored(eng)
    for subject in ("Kommentar\r\nBcc: alle@mrfylke.no", "Kommentar\nom skyss", "Ein\u2028to"):
        sent = QUESTION | {"subject": subject}
        page = doc_of(b.post("/start/ask_comms", sent, page="/start/ask_comms"))
        assert field_error(page, "subject") == "Feltet skal vere éi linje, utan linjeskift."
    assert stored(eng) == before
    # The question is prose: its line breaks are kept.
    done = b.post("/start/ask_comms", QUESTION, page="/start/ask_comms")
    assert done.status_code == 302
    instance_id = int(done.headers["Location"].rsplit("/", 1)[1])
    assert "\n" in services.show_instance(eng, instance_id)["data"]["question"]
    with pytest.raises(FormInvalid) as error:
        services.start_process(eng, "ask_comms", "tilsett1", QUESTION | {"subject": "a\rb"})
    assert error.value.errors == {"subject": ("one_line", {})}


def test_nul_and_control_characters_anywhere_are_400(eng, login, browser):
    b = login("komm1")
    before = stored(eng)
    refused(b.get("/cases/?q=a%00b"), 400)
    refused(b.get("/start/%00"), 400)
    refused(b.post("/start/ask_comms", QUESTION | {"subject": "a\x00b"}), 400)
    refused(b.post("/replies/new", {"key": "x\x1b[31m"}, page="/replies/new"), 400)
    anonymous = browser()
    anonymous.csrf_from("/login")
    refused(anonymous.post("/login", {"username": "komm1\x00", "password": "demo"}), 400)
    assert stored(eng) == before
