"""POST /api/v1/messages and /api/v1/signals: a connector's bearer token or an admin's session
(with its CSRF token) sends an event in; JSON answers, never a 500."""

from __future__ import annotations

import json

import pytest

from engine.cases import services
from engine.registers import connectors
from tests.connector_support import school_account
from tests.events_support import deploy_events, events_of, open_elements, order, subscriptions

MESSAGES, SIGNALS = "/api/v1/messages", "/api/v1/signals"


@pytest.fixture(autouse=True)
def _diagrams(eng) -> None:
    deploy_events(eng)


@pytest.fixture
def secret(eng) -> str:
    return connectors.create_token(eng, "admin", school_account(eng), "ERP").secret


def post(client, url: str, body, secret: str | None = None, headers: dict | None = None):
    headers = dict(headers or {})
    if secret is not None:
        headers["Authorization"] = f"Bearer {secret}"
    if isinstance(body, str | bytes):
        return client.post(url, data=body, headers=headers, content_type="application/json")
    return client.post(url, json=body, headers=headers)


def test_a_connector_token_delivers_a_correlated_message(app, eng, secret) -> None:
    twelve, thirteen = order(eng, 12), order(eng, 13)
    body = {"name": "bestilling_klar", "correlation": {"order_no": 12}, "payload": {"a": 1}}
    response = post(app.test_client(), MESSAGES, body, secret)
    assert response.status_code == 200, response.get_json()
    url = f"{eng.settings.base_url}/cases/{twelve}"
    assert response.get_json() == {"delivered": [{"id": twelve, "url": url}], "started": []}
    assert open_elements(eng, twelve) == ["collect"] and open_elements(eng, thirteen) == []


def test_a_message_that_starts_a_case_answers_201(app, eng, secret) -> None:
    response = post(app.test_client(), MESSAGES, {"name": "innmelding", "payload": {}}, secret)
    assert response.status_code == 201
    [started] = response.get_json()["started"]
    assert open_elements(eng, started["id"]) == ["review"]


def test_several_waiting_cases_answer_409_and_none_404(app, eng, secret) -> None:
    order(eng, 12), order(eng, 13)
    client = app.test_client()
    ambiguous = post(client, MESSAGES, {"name": "bestilling_klar"}, secret)
    assert ambiguous.status_code == 409
    assert ambiguous.get_json()["error"] == "event_ambiguous"
    assert "order_no" in ambiguous.get_json()["message"]
    missing = post(client, MESSAGES, {"name": "ingen_ventar"}, secret)
    assert missing.status_code == 404
    assert missing.get_json() == {
        "error": "event_no_receiver",
        "message": "No case waits for the message “ingen_ventar”, and no process starts with it.",
    }
    assert post(client, SIGNALS, {"name": "ingen"}, secret).status_code == 404


def test_a_signal_reaches_every_waiting_case(app, eng, secret) -> None:
    cases = [services.start_process(eng, "events_alarm", "laerar.alesund", {}) for _ in range(2)]
    response = post(app.test_client(), SIGNALS, {"name": "alarm", "payload": {}}, secret)
    assert response.status_code == 201  # events_broadcast starts with it too
    assert [c["id"] for c in response.get_json()["delivered"]] == cases


def test_an_admin_session_sends_with_its_csrf_token(app, eng, login) -> None:
    instance_id = order(eng, 12)
    admin = login("admin")
    body = {"name": "bestilling_klar", "correlation": {"order_no": 12}}
    without = post(admin.client, MESSAGES, body)
    assert without.status_code == 400 and without.get_json()["error"] == "csrf_failed"
    assert subscriptions(eng, instance_id)  # nothing was delivered
    response = post(admin.client, MESSAGES, body, headers={"X-CSRFToken": admin.token})
    assert response.status_code == 200, response.get_json()
    [received] = events_of(eng, "event_received", instance_id)
    assert received.actor == "admin"


@pytest.mark.parametrize("username", ["komm1", "revisor", "laerar.alesund"])
def test_others_signed_in_are_forbidden(app, eng, login, username) -> None:
    instance_id = order(eng, 12)
    browser = login(username)
    headers = {"X-CSRFToken": browser.token}
    for url in (MESSAGES, SIGNALS):
        response = post(browser.client, url, {"name": "bestilling_klar"}, headers=headers)
        assert response.status_code == 403 and response.is_json
    assert subscriptions(eng, instance_id)


def test_no_or_a_wrong_token_is_401_before_anything_else(app, eng) -> None:
    order(eng, 12)
    client = app.test_client()
    for secret in (None, "sft_unknown"):
        for body in ({"name": "bestilling_klar"}, "{not json"):
            response = post(client, MESSAGES, body, secret)
            assert response.status_code == 401 and response.is_json
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert events_of(eng, "event_refused") == []


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ("{not json", {"_body"}),
        ("[1, 2]", {"_body"}),
        ('"text"', {"_body"}),
        (json.dumps({"name": 7}), {"name"}),
        (json.dumps({"name": "x", "correlation": [1]}), {"correlation"}),
        (json.dumps({"name": "x", "payload": "p"}), {"payload"}),
        (json.dumps({"name": "x", "case_id": "12"}), {"case_id"}),
        (json.dumps({"name": "x", "correlations": {}}), {"correlations"}),
        (json.dumps({}), {"name"}),
    ],
)
def test_a_malformed_body_is_400_with_the_fields_named(app, eng, secret, body, fields) -> None:
    response = post(app.test_client(), MESSAGES, body, secret)
    assert response.status_code == 400, response.get_data(as_text=True)
    answer = response.get_json()
    assert answer["error"] == "invalid" and set(answer["errors"]) == fields
    signal = post(app.test_client(), SIGNALS, json.dumps({"name": "x", "case_id": 1}), secret)
    assert signal.status_code == 400 and set(signal.get_json()["errors"]) == {"case_id"}


def test_a_message_its_case_cannot_take_is_422_not_500(app, eng, secret) -> None:
    """The case reads its correlation from the message with int(order_no): a payload whose
    order_no is no number cannot be taken, and the case is left as it was."""
    instance_id = order(eng, 12)
    body = {"name": "bestilling_klar", "payload": {"order_no": "tolv"}}
    response = post(app.test_client(), MESSAGES, body, secret)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"] == "event_not_taken"
    assert subscriptions(eng, instance_id) and open_elements(eng, instance_id) == []
    [refusal] = events_of(eng, "event_refused")
    assert refusal.detail["status"] == 422


def test_an_element_id_addresses_a_named_wait_too(app, eng, secret) -> None:
    instance_id = order(eng, 12)
    anonymous = {"element_id": "wait_ready", "payload": {}}
    assert post(app.test_client(), MESSAGES, anonymous, secret).status_code == 200
    assert open_elements(eng, instance_id) == ["collect"]
