"""POST /api/v1/inquiries: connectors register inquiries with a bearer token of their account."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from engine.cases import services
from engine.registers import connectors
from engine.store.models import ApiToken
from tests.connector_support import (
    DEPUTY,
    OWNER,
    central_account,
    close_account,
    counts,
    payload,
    school_account,
)
from tests.web.conftest import assert_page_structure, audit_events, doc, field_error, links
from web import create_app

URL = "/api/v1/inquiries"


@pytest.fixture
def account_id(eng) -> int:
    return school_account(eng)


@pytest.fixture
def secret(eng, account_id) -> str:
    return connectors.create_token(eng, "admin", account_id, "Instagram-kopling").secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def post(app, body, secret: str | None = None, **kwargs):
    headers = kwargs.pop("headers", {}) | (bearer(secret) if secret else {})
    if isinstance(body, str | bytes):
        return app.test_client().post(
            URL, data=body, headers=headers, content_type="application/json", **kwargs
        )
    return app.test_client().post(URL, json=body, headers=headers, **kwargs)


# --- created and duplicate ---------------------------------------------------------------------


def test_a_new_message_becomes_an_inquiry_in_the_teams_inbox(app, eng, login, account_id, secret):
    before = counts(eng)
    response = post(app, payload(account_id), secret)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "created"
    instance_id = body["instance_id"]
    assert body["url"] == f"http://127.0.0.1:5000/cases/{instance_id}"
    assert response.headers["Location"] == body["url"]
    assert counts(eng)[0] == before[0] + 1

    [task] = services.list_human_tasks(eng, DEPUTY, "inquiry_handling")
    assert (task["instance_id"], task["element_id"]) == (instance_id, "triage")
    inbox = doc(login(DEPUTY).get("/"))
    assert f"/tasks/{task['id']}" in links(inbox)
    assert "Førespurnad til alesundvgs på instagram" in inbox.text_content()
    assert services.show_instance(eng, instance_id)["started_by"] == OWNER


def test_the_same_message_again_returns_the_existing_inquiry(app, eng, account_id, secret):
    first = post(app, payload(account_id), secret).get_json()
    before = counts(eng)
    response = post(app, payload(account_id), secret)
    assert response.status_code == 200
    assert response.get_json() == first | {"status": "duplicate"}
    assert "Location" not in response.headers
    assert counts(eng) == before  # no instance, no audit event, no inbound row


# --- refused: who --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer sft_wrong"},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic YWRtaW46ZGVtbw=="},
        {"Authorization": "sft_no_scheme"},
    ],
)
def test_no_or_an_unknown_token_is_401(app, eng, account_id, secret, headers):
    before = counts(eng)
    response = post(app, payload(account_id), headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer realm=")
    assert response.get_json()["error"] == "token_invalid"
    assert counts(eng) == before


def test_a_revoked_token_is_401_from_the_moment_it_is_revoked(app, eng, account_id, secret):
    assert post(app, payload(account_id, "m-1"), secret).status_code == 201
    [token] = connectors.list_tokens(eng, "admin")
    connectors.revoke_token(eng, "admin", token["id"])
    before = counts(eng)
    response = post(app, payload(account_id, "m-2"), secret)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="someflyt", error="invalid_token"'
    assert counts(eng) == before


def test_a_token_of_another_account_is_403(app, eng, account_id):
    other = connectors.create_token(eng, "admin", central_account(eng), "Facebook-kopling")
    before = counts(eng)
    response = post(app, payload(account_id), other.secret)
    assert response.status_code == 403
    assert response.get_json()["error"] == "token_other_account"
    assert counts(eng) == before


def test_a_closed_account_is_409(app, eng, account_id, secret):
    close_account(eng, account_id)
    response = post(app, payload(account_id), secret)
    assert response.status_code == 409
    assert response.get_json() == {
        "error": "account_closed",
        "message": "The account is not active in the registry and takes no inquiries.",
    }


def test_a_signed_in_session_is_no_credential_here(app, eng, login, account_id):
    """The view is exempt from CSRF only because cookies do not authenticate it."""
    admin = login("admin")
    response = admin.client.post(URL, json=payload(account_id))
    assert response.status_code == 401
    assert counts(eng)[0] == len(services.list_accounts(eng))  # only the account applications


# --- refused: what -----------------------------------------------------------------------------


def errors_of(response) -> dict[str, str]:
    assert response.status_code == 400, response.get_data(as_text=True)
    body = response.get_json()
    assert body["error"] == "invalid"
    return {field: error["code"] for field, error in body["errors"].items()}


def test_malformed_json_is_400(app, eng, account_id, secret):
    before = counts(eng)
    assert errors_of(post(app, '{"account_id": 1,', secret)) == {"_body": "json_object"}
    assert errors_of(post(app, "[1, 2]", secret)) == {"_body": "json_object"}
    response = app.test_client().post(
        URL, data=json.dumps(payload(account_id)), headers=bearer(secret)
    )  # no Content-Type: application/json
    assert errors_of(response) == {"_body": "json_object"}
    assert counts(eng) == before


def test_wrong_types_and_missing_fields_are_listed_together(app, eng, account_id, secret):
    before = counts(eng)
    body = payload(account_id, author=42, language="svensk")
    del body["text"], body["platform_message_id"]
    response = post(app, body, secret)
    assert errors_of(response) == {
        "platform_message_id": "required",
        "author": "type",
        "language": "enum",
        "text": "required",
    }
    assert response.get_json()["errors"]["text"]["message"] == "This field is required."
    assert errors_of(post(app, payload(account_id) | {"account_id": str(account_id)}, secret)) == {
        "account_id": "type"
    }
    assert errors_of(post(app, payload(account_id, "x" * 201), secret)) == {
        "platform_message_id": "max_length"
    }
    assert counts(eng) == before


@pytest.mark.parametrize(
    ("received_at", "code"),
    [
        ("i går klokka ni", "date_time"),
        ("2026-11-23T09:00:00", "date_time_zone"),
        (20261123, "type"),
        (None, "required"),  # a connector knows when it came in: no silent "now"
        ("", "required"),
    ],
)
def test_a_bad_received_at_is_400(app, eng, account_id, secret, received_at, code):
    before = counts(eng)
    response = post(app, payload(account_id, received_at=received_at), secret)
    assert errors_of(response) == {"received_at": code}
    without = {k: v for k, v in payload(account_id).items() if k != "received_at"}
    assert errors_of(post(app, without, secret)) == {"received_at": "required"}
    assert counts(eng) == before


def test_a_body_over_64_kb_is_413(app, eng, account_id, secret):
    response = post(app, payload(account_id, text="x" * 70_000), secret)
    assert response.status_code == 413
    assert response.get_json()["error"] == "request_entity_too_large"


def test_requests_per_token_are_rate_limited(eng, account_id, secret):
    app = create_app(
        eng,
        SECRET_KEY="test-secret",
        RATELIMIT_STORAGE_URI="memory://",
        ENQUEUE_NOTIFICATIONS=False,
        API_REQUESTS_PER_MINUTE=2,
    )
    assert [post(app, payload(account_id, f"m-{n}"), secret).status_code for n in range(3)] == [
        201,
        201,
        429,
    ]
    limited = post(app, payload(account_id, "m-4"), secret)
    assert limited.status_code == 429 and limited.get_json()["error"] == "too_many_requests"
    assert "Retry-After" in limited.headers
    assert counts(eng)[2] == 2


def test_refused_tokens_are_rate_limited_per_address(eng, account_id, secret):
    """Guessing tokens from one address soon stops; a connector's own quota is separate."""
    app = create_app(
        eng,
        SECRET_KEY="test-secret",
        RATELIMIT_STORAGE_URI="memory://",
        ENQUEUE_NOTIFICATIONS=False,
        API_AUTH_FAILURES_PER_MINUTE=2,
    )
    guesses = [post(app, payload(account_id), f"sft_guess{n}").status_code for n in range(3)]
    assert guesses == [401, 401, 429]
    assert post(app, payload(account_id), secret).status_code == 429
    assert counts(eng)[2] == 0


# --- Administrasjon → Koplingsnøklar -------------------------------------------------------------

PAGE = "/admin/connectors/"


def test_admins_create_a_token_and_see_its_secret_once(eng, login, account_id):
    admin = login("admin")
    page = admin.get(PAGE)
    assert page.status_code == 200
    assert_page_structure(page)
    assert f'href="{PAGE}" aria-current="page"' in page.get_data(as_text=True)

    response = admin.post(PAGE, {"account_id": str(account_id), "name": "Instagram-kopling"})
    assert response.status_code == 200
    assert_page_structure(response)
    tree = doc(response)
    secret = tree.xpath('//input[@id="issued-secret"]/@value')[0]
    assert secret.startswith("sft_")
    assert "Han kan ikkje visast igjen" in tree.text_content()
    with eng.reading() as session:
        [row] = session.scalars(select(ApiToken)).all()
        assert row.token_hash == connectors.hash_secret(secret)
        assert secret not in {row.name, row.prefix, row.token_hash, row.created_by}
        prefix = row.prefix
    [event] = audit_events(eng, "api_token_created")
    assert event["actor"] == "admin" and secret not in json.dumps(event["detail"])

    listing = admin.get(PAGE).get_data(as_text=True)
    assert secret not in listing and prefix in listing and "Instagram-kopling" in listing
    assert "Set-Cookie" not in response.headers or secret not in response.headers["Set-Cookie"]


def test_a_token_form_with_errors_says_what_to_fix(eng, login, account_id):
    admin = login("admin")
    response = admin.post(PAGE, {"account_id": "", "name": ""})
    assert response.status_code == 422
    assert_page_structure(response)
    tree = doc(response)
    assert field_error(tree, "account_id")
    assert tree.xpath('//*[@id="error-summary"]//a[@href="#field-account_id"]')
    response = admin.post(PAGE, {"account_id": str(account_id), "name": ""})
    assert response.status_code == 422
    assert doc(response).xpath('//*[@id="name-error"]')
    assert audit_events(eng, "api_token_created") == []


def test_admins_revoke_a_token_and_the_connector_is_refused(app, eng, login, account_id, secret):
    [token] = connectors.list_tokens(eng, "admin")
    admin = login("admin")
    url = f"{PAGE}{token['id']}/revoke"
    assert admin.post(url, {}, csrf=False).status_code == 400  # CSRF still guards the form
    response = admin.post(url, {}, page=PAGE)
    assert response.status_code == 302 and response.headers["Location"] == PAGE
    [revoked] = connectors.list_tokens(eng, "admin")
    assert revoked["revoked_by"] == "admin"
    assert [e["detail"]["prefix"] for e in audit_events(eng, "api_token_revoked")] == [
        token["prefix"]
    ]
    page = doc(admin.get(PAGE))
    assert not page.xpath(f'//form[@action="{url}"]')  # no button for a revoked token
    assert post(app, payload(account_id), secret).status_code == 401


@pytest.mark.parametrize("username", ["komm1", OWNER, "revisor"])
def test_only_admins_reach_the_token_page(eng, login, account_id, secret, username):
    [token] = connectors.list_tokens(eng, "admin")
    browser = login(username)
    assert browser.get(PAGE).status_code == 403
    assert browser.post(PAGE, {"account_id": str(account_id), "name": "x"}).status_code == 403
    assert browser.post(f"{PAGE}{token['id']}/revoke", {}).status_code == 403
    assert len(connectors.list_tokens(eng, "admin")) == 1
    assert connectors.list_tokens(eng, "admin")[0]["revoked_at"] is None
