"""Administration: people and groups, units, deploying diagrams; for admins only."""

from __future__ import annotations

from io import BytesIO

import pytest
from sqlalchemy import func, select

from engine.cases import services
from engine.registers import listing
from engine.store.models import ProcessDefinition
from tests.conftest import WORKFLOWS, central_application
from tests.web.conftest import (
    BPMN_NAME,
    assert_page_structure,
    audit_count,
    audit_events,
    by_id,
    doc,
    field_error,
    only_task,
    task_row,
    text_of,
    workflows_copy,
)

NEW_USER = {
    "username": "ny.brukar",
    "full_name": "Nina Ny",
    "email": "nina.ny@mrfylke.no",
    "unit_id": "samferdsel",
    "password": "eit langt passord",
    "active": "on",
}


def person_form(eng, username: str, **changes) -> dict:
    """The edit form of `username` as the page fills it, with `changes`."""
    user = listing.user(eng, username)
    form = {
        "full_name": user["full_name"],
        "email": user["email"],
        "unit_id": user["unit_id"],
        "roles": user["roles"],
        "active": "on" if user["active"] else None,
    } | changes
    return {k: v for k, v in form.items() if v is not None}


def definitions(eng) -> int:
    with eng.reading() as session:
        return session.scalar(select(func.count()).select_from(ProcessDefinition)) or 0


# --- users -------------------------------------------------------------------------------------


def test_the_user_list_links_every_user(eng, login):
    response = login("admin").get("/admin/users")
    assert response.status_code == 200
    hrefs = {a.get("href") for a in doc(response).xpath("//main//table//a")}
    assert hrefs == {f"/admin/users/{u['username']}" for u in listing.users(eng)}


USER_ERRORS = [
    # (changes to a valid new user, field, the error beside it)
    (
        {"username": "Ny Brukar"},
        "username",
        "Bruk berre små bokstavar a–z, tal, punktum, _ og - (2–64 teikn).",
    ),
    ({"username": "komm1"}, "username", "Brukarnamnet «komm1» er alt i bruk."),
    ({"password": "kort"}, "password", "Skriv minst 10 teikn."),
    ({"email": "ikkje-e-post"}, "email", "Skriv ei gyldig e-postadresse."),
    ({"unit_id": "atlantis"}, "unit_id", "«atlantis» er inga kjend eining."),
    ({"full_name": " "}, "full_name", "Feltet må fyllast ut."),
]


def test_creating_a_user_with_errors_is_422_and_creates_nobody(eng, login):
    b = login("admin")
    b.csrf_from("/admin/users/new")
    users = listing.users(eng)
    before = audit_count(eng)
    for changes, field, message in USER_ERRORS:
        response = b.post("/admin/users/new", NEW_USER | changes)
        assert response.status_code == 422, changes
        assert_page_structure(response)
        page = doc(response)
        assert field_error(page, field) == message
        assert by_id(page, f"field-{field}").get("aria-invalid") == "true"
        assert by_id(page, "field-password").get("value") in (None, "")  # never echoed
        assert listing.users(eng) == users
        assert audit_count(eng) == before


def test_a_created_user_can_log_in(eng, login, browser):
    b = login("admin")
    response = b.post("/admin/users/new", NEW_USER | {"roles": ["comms"]}, page="/admin/users/new")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/users"
    created = listing.user(eng, "ny.brukar")
    assert created == {
        "username": "ny.brukar",
        "full_name": "Nina Ny",
        "email": "nina.ny@mrfylke.no",
        "unit_id": "samferdsel",
        "active": True,
        "roles": ["comms"],
    }
    [event] = audit_events(eng, "user_created")
    assert event["actor"] == "admin" and event["detail"]["username"] == "ny.brukar"
    newcomer = browser()
    assert newcomer.login("ny.brukar", "feil passord").status_code == 401
    assert newcomer.login("ny.brukar", NEW_USER["password"]).status_code == 302
    assert newcomer.get("/cases/?all=1").status_code == 200


@pytest.fixture
def two_candidates(eng):
    services.set_user_roles(eng, "komm1", ["head_of_information", "comms"], "admin")
    services.start_process(eng, "account_application", "tilsett1", central_application())
    task = only_task(eng, "infosjef")
    assert task["candidates"] == ["infosjef", "komm1"]
    return task


def test_deactivating_a_candidate_takes_them_off_open_tasks(eng, login, two_candidates):
    task = two_candidates
    komm1 = login("komm1")
    assert f"/tasks/{task['id']}" in doc(komm1.get("/")).xpath("//main//a/@href")
    b = login("admin")
    response = b.post(
        "/admin/users/komm1", person_form(eng, "komm1", active=None), page="/admin/users/komm1"
    )
    assert response.status_code == 302
    assert listing.user(eng, "komm1")["active"] is False
    assert task_row(eng, task["id"])["candidates"] == ["infosjef"]
    [event] = audit_events(eng, "user_changed")
    assert event["detail"]["active"] == [True, False]
    assert komm1.get("/").status_code == 302  # the open session ends too


def test_a_new_role_brings_open_tasks_into_the_inbox_at_once(eng, login):
    services.start_process(eng, "account_application", "tilsett1", central_application())
    task = only_task(eng, "infosjef")
    komm2 = login("komm2")
    assert f"/tasks/{task['id']}" not in doc(komm2.get("/")).xpath("//main//a/@href")
    b = login("admin")
    response = b.post(
        "/admin/users/komm2",
        person_form(eng, "komm2", roles=["comms", "head_of_information"]),
        page="/admin/users/komm2",
    )
    assert response.status_code == 302
    assert listing.user(eng, "komm2")["roles"] == ["comms", "head_of_information"]
    assert task_row(eng, task["id"])["candidates"] == ["infosjef", "komm2"]
    assert f"/tasks/{task['id']}" in doc(komm2.get("/")).xpath("//main//a/@href")
    assert komm2.get(f"/tasks/{task['id']}").status_code == 200


def test_the_edit_form_shows_the_user(eng, login):
    page = doc(login("admin").get("/admin/users/komm1"))
    assert by_id(page, "field-username").get("readonly") is not None
    assert by_id(page, "field-email").get("value") == "komm1@mrfylke.no"
    checked = page.xpath('//input[@name="roles"][@checked]/@value')
    assert checked == ["comms"]
    assert by_id(page, "field-active").get("checked") is not None


def test_an_unknown_user_is_404(login):
    assert login("admin").get("/admin/users/ingen.slik").status_code == 404


def test_an_admin_cannot_remove_their_own_admin_role(eng, login):
    b = login("admin")
    b.csrf_from("/admin/users/admin")
    before = audit_count(eng)
    for changes in ({"roles": ["comms"]}, {"roles": []}, {"active": None}):
        response = b.post("/admin/users/admin", person_form(eng, "admin", **changes))
        assert response.status_code == 422, changes
        assert field_error(doc(response), "roles") == (
            "Du kan ikkje ta frå deg sjølv administratorrolla eller deaktivere deg sjølv."
        )
        assert listing.user(eng, "admin")["roles"] == ["admin"]
        assert listing.user(eng, "admin")["active"] is True
        assert audit_count(eng) == before


# --- units -------------------------------------------------------------------------------------


def test_creating_a_unit(eng, login):
    b = login("admin")
    b.csrf_from("/admin/units")
    response = b.post(
        "/admin/units", {"id": "volda_vgs", "name": "Volda vidaregåande skule", "kind": "school"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/units"
    [unit] = [u for u in listing.units(eng) if u["id"] == "volda_vgs"]
    assert (unit["name"], unit["kind"], unit["parent_id"]) == (
        "Volda vidaregåande skule",
        "school",
        None,
    )
    [event] = audit_events(eng, "unit_created")
    assert (event["actor"], event["detail"]["unit"]) == ("admin", "volda_vgs")
    assert "volda_vgs" in doc(b.get("/admin/units")).xpath(
        '//*[@id="field-parent_id"]/option/@value'
    )


UNIT_ERRORS = [
    (
        {"id": "alesund_vgs", "name": "Ålesund", "kind": "school"},
        "id",
        "Eininga «alesund_vgs» finst alt.",
    ),
    (
        {"id": "Volda VGS", "name": "Volda", "kind": "school"},
        "id",
        "Bruk berre små bokstavar a–z, tal, punktum, _ og - (2–64 teikn).",
    ),
    ({"id": "volda_vgs", "name": "", "kind": "school"}, "name", "Feltet må fyllast ut."),
    (
        {"id": "volda_vgs", "name": "Volda", "kind": "kiosk"},
        "kind",
        "Vel ein av: administration, department, school.",
    ),
    (
        {"id": "volda_vgs", "name": "Volda", "kind": "school", "parent_id": "atlantis"},
        "parent_id",
        "«atlantis» er inga kjend eining.",
    ),
]


def test_a_unit_with_errors_is_422_and_not_created(eng, login):
    b = login("admin")
    b.csrf_from("/admin/units")
    units = listing.units(eng)
    before = audit_count(eng)
    for form, field, message in UNIT_ERRORS:
        response = b.post("/admin/units", form)
        assert response.status_code == 422, form
        assert_page_structure(response)
        assert field_error(doc(response), field) == message
        assert listing.units(eng) == units
        assert audit_count(eng) == before


# --- deploying ---------------------------------------------------------------------------------


def upload(b, files: dict[str, bytes]):
    b.csrf_from("/admin/deploy")
    data = {"files": [(BytesIO(content), name) for name, content in files.items()]}
    return b.post("/admin/deploy", data, content_type="multipart/form-data")


def deployed_items(response) -> list[str]:
    return [text_of(li) for li in doc(response).xpath('//main//*[@role="status"]//li')]


def test_uploading_the_deployed_diagram_changes_nothing(eng, login):
    b = login("admin")
    before = (definitions(eng), audit_count(eng))
    response = upload(b, {BPMN_NAME: (WORKFLOWS / "account_application" / BPMN_NAME).read_bytes()})
    assert response.status_code == 200
    [item] = deployed_items(response)
    assert item.startswith("account_application") and "1" in item
    assert item.endswith(")")  # with the note that it was already deployed
    assert (definitions(eng), audit_count(eng)) == before


def test_uploading_a_changed_diagram_deploys_a_new_version(eng, login, tmp_path):
    folder = workflows_copy(tmp_path, ('name="Vurder søknaden"', 'name="Vurder søknaden no"'))
    b = login("admin")
    count = definitions(eng)
    response = upload(b, {BPMN_NAME: (folder / BPMN_NAME).read_bytes()})
    assert response.status_code == 200
    [item] = deployed_items(response)
    assert "account_application" in item and "2" in item
    assert definitions(eng) == count + 1
    assert audit_events(eng, "definition_deployed")[-1]["actor"] == "admin"
    # new cases run on the new version
    services.start_process(eng, "account_application", "tilsett1", central_application())
    assert only_task(eng, "infosjef")["name"] == "Vurder søknaden no"
    # uploading the same again is no new version
    again = upload(b, {BPMN_NAME: (folder / BPMN_NAME).read_bytes()})
    assert again.status_code == 200
    assert definitions(eng) == count + 1
    [item_again] = deployed_items(again)
    assert item_again.startswith(item) and item_again.endswith(")")  # noted as already there
    assert not item.endswith(")")


@pytest.mark.parametrize("file_name", ["diagram_1.bpmn", "..bpmn", "../../x/søknad.bpmn"])
def test_an_uploaded_diagram_finds_its_forms_whatever_the_file_is_called(
    eng, login, tmp_path, file_name
):
    """A modeler names its file as it likes: the diagram goes to the folder of the process it
    defines (its forms and tables are there), and a name is never a path out of the upload."""
    folder = workflows_copy(tmp_path, ('name="Vurder søknaden"', 'name="Vurder søknaden no"'))
    count = definitions(eng)
    response = upload(login("admin"), {file_name: (folder / BPMN_NAME).read_bytes()})
    assert response.status_code == 200, response.get_data(as_text=True)
    [item] = deployed_items(response)
    assert "account_application" in item and "2" in item
    assert definitions(eng) == count + 1
    services.start_process(eng, "account_application", "tilsett1", central_application())
    assert only_task(eng, "infosjef")["name"] == "Vurder søknaden no"


def _line_of(text: str, needle: str) -> int:
    assert text.count(needle) == 1
    return text[: text.index(needle)].count("\n") + 1


@pytest.mark.parametrize("defect", ["malformed", "gateway"])
def test_a_broken_diagram_is_422_with_its_problems_and_deploys_nothing(
    eng, login, tmp_path, defect
):
    if defect == "malformed":
        broken = "<bpmn:incoming>flow_route_decide</bpmn:incomin>"
        folder = workflows_copy(
            tmp_path, ("<bpmn:incoming>flow_route_decide</bpmn:incoming>", broken)
        )
    else:
        condition = (
            '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">decision == "reject"'
            "</bpmn:conditionExpression>"
        )
        folder = workflows_copy(tmp_path, (condition, ""))
    content = (folder / BPMN_NAME).read_text(encoding="utf-8")
    b = login("admin")
    before = (definitions(eng), audit_count(eng))
    response = upload(b, {BPMN_NAME: content.encode()})
    assert response.status_code == 422
    assert_page_structure(response)
    problems = [text_of(li) for li in by_id(doc(response), "problems").xpath(".//li")]
    assert problems
    if defect == "malformed":
        line = _line_of(content, broken)
        assert problems[0].startswith(f"{BPMN_NAME}: line {line}: malformed XML"), problems
    else:
        [problem] = problems
        gateway = _line_of(content, 'id="decision_gateway"')
        flow = _line_of(content, '<bpmn:sequenceFlow id="flow_reject"')
        assert f"'decision_gateway' (line {gateway})" in problem
        assert f"'flow_reject' (line {flow})" in problem
    assert (definitions(eng), audit_count(eng)) == before


def test_uploading_no_diagram_is_422(eng, login):
    b = login("admin")
    before = definitions(eng)
    response = upload(b, {"notes.txt": b"hei"})
    assert response.status_code == 422
    page = doc(response)
    assert field_error(page, "files") == "Vel minst éi BPMN-fil å laste opp."
    assert by_id(page, "field-files").get("aria-invalid") == "true"
    assert definitions(eng) == before


# --- only admins -------------------------------------------------------------------------------

ADMIN_PAGES = [
    "/admin/users",
    "/admin/users/new",
    "/admin/users/komm1",
    "/admin/units",
    "/admin/deploy",
]


def test_others_get_403_on_every_admin_page_and_action(eng, login):
    browsers = {u: login(u) for u in ("komm1", "infosjef", "revisor", "tilsett1")}
    users, units, before = listing.users(eng), listing.units(eng), audit_count(eng)
    for username, b in browsers.items():
        for url in ADMIN_PAGES:
            assert b.get(url).status_code == 403, (username, url)
        posts = {
            "/admin/users/new": NEW_USER,
            "/admin/users/komm1": person_form(eng, "komm1", roles=["admin"]),
            f"/admin/users/{username}": person_form(eng, username, roles=["admin"]),
            "/admin/units": {"id": "volda_vgs", "name": "Volda", "kind": "school"},
            "/admin/deploy": {},
        }
        for url, form in posts.items():
            assert b.post(url, form, page="/").status_code == 403, (username, url)
        nav = doc(b.get("/")).xpath("//header//nav")[0]
        assert not nav.xpath('.//a[starts-with(@href, "/admin/")]')
    assert (listing.users(eng), listing.units(eng), audit_count(eng)) == (users, units, before)
