"""Start ny sak: the list of processes, the start form, its errors in the user's language."""

from __future__ import annotations

import json

from engine.cases import services
from engine.config import PROJECT_ROOT
from tests.conftest import central_application, school_application
from tests.web.conftest import (
    assert_page_structure,
    audit_count,
    audit_events,
    by_id,
    doc,
    field_error,
    instance_count,
    one,
    text_of,
)

FORM = json.loads(
    (PROJECT_ROOT / "workflows/account_application/forms/account_application.json").read_text(
        encoding="utf-8"
    )
)
REQUIRED_MESSAGE = {
    "nn": "Feltet må fyllast ut.",
    "nb": "Feltet må fylles ut.",
    "en": "This field is required.",
}


def form_data(values: dict) -> dict:
    return {k: ("on" if v is True else v) for k, v in values.items() if v is not False}


def test_the_start_page_lists_the_deployed_processes(login):
    """Each process by name; the link says what one does, in the reader's language."""
    page = doc(login("laerar.alesund").get("/start/"))
    names = [text_of(h) for h in page.xpath("//main//li/h2")]
    assert names == [
        "Avvikle ein offisiell konto",
        "Førespurnad på ein offisiell konto",
        "Innlegg med bilete",  # photo_removal is started by the engine only (G11)
        "Mogleg omdømmesak",
        "Pause i forumet",
        "Spør informasjonsseksjonen",
        "Søknad om offisiell konto",
    ]
    [link] = page.xpath('//main//a[@href="/start/reputation_escalation"]')
    assert text_of(link) == "Meld frå om ei mogleg omdømmesak"
    page = doc(login("laerar.alesund", lang="en").get("/start/"))
    [link] = page.xpath('//main//a[@href="/start/reputation_escalation"]')
    assert text_of(link) == "Report a possible reputation matter"


def test_the_form_renders_every_field_with_its_label(login):
    response = login("laerar.alesund").get("/start/account_application")
    assert response.status_code == 200
    page = doc(response)
    form = one(page, '//main//form[@method="post"]')
    for name, prop in FORM["properties"].items():
        controls = form.xpath(f'.//*[@name="{name}"]')
        assert controls, f"no control for {name}"
        if len(controls) > 1 or controls[0].get("type") == "radio":
            label = one(controls[0], "ancestor::fieldset/legend")
        else:
            [control] = controls
            label = one(form, f'.//label[@for="{control.get("id")}"]')
        assert prop["title"] in text_of(label), name
        marked = bool(label.xpath('.//*[@class="required"]'))
        assert marked == (name in FORM["required"]), name
    # the choices of the platform are the schema's
    platforms = [o.get("value") for o in by_id(page, "field-platform").xpath("./option")]
    assert [p for p in platforms if p] == FORM["properties"]["platform"]["enum"]
    # the unit select lists units; the person picker lists active people
    assert "alesund_vgs" in [o.get("value") for o in by_id(page, "field-unit").xpath("./option")]
    people = [o.get("value") for o in by_id(page, "people-list").xpath("./option")]
    assert "laerar2.alesund" in people and "revisor" in people


def test_an_invalid_submission_is_422_with_errors_beside_the_fields(eng, login):
    b = login("laerar.alesund")
    b.csrf_from("/start/account_application")
    before = audit_count(eng)
    for lang in ("nn", "nb", "en"):
        b.language(lang)
        check_invalid_submission(b, lang)
        assert instance_count(eng) == 0
        assert audit_count(eng) == before


def check_invalid_submission(b, lang: str) -> None:
    response = b.post(
        "/start/account_application", {"platform": "instagram", "mailbox": "ikkje-ein-adresse"}
    )
    assert response.status_code == 422
    assert_page_structure(response)
    page = doc(response)
    assert page.get("lang") == lang
    for name in ("account_name", "objective", "capacity", "deputy"):
        assert field_error(page, name) == REQUIRED_MESSAGE[lang], name
        control = by_id(page, f"field-{name}")
        assert control.get("aria-invalid") == "true"
        assert control.get("aria-describedby") == f"{name}-error"
    assert (
        field_error(page, "mailbox")
        == {
            "nn": "Skriv ei gyldig e-postadresse.",
            "nb": "Skriv en gyldig e-postadresse.",
            "en": "Enter a valid e-mail address.",
        }[lang]
    )
    # what was entered is kept
    assert by_id(page, "field-mailbox").get("value") == "ikkje-ein-adresse"
    assert one(page, '//*[@id="field-platform"]/option[@selected]').get("value") == "instagram"
    # the summary links to the fields
    summary = by_id(page, "error-summary")
    assert "#field-account_name" in {a.get("href") for a in summary.iter("a")}


def test_a_policy_check_error_is_shown_beside_its_field(eng, login):
    b = login("laerar.alesund")
    b.csrf_from("/start/account_application")
    response = b.post(
        "/start/account_application", form_data(school_application(deputy="laerar.alesund"))
    )
    assert response.status_code == 422
    assert field_error(doc(response), "deputy") == (
        "Stedfortredaren må vere ein annan person enn eigaren (A4)."
    )
    assert instance_count(eng) == 0


def test_a_valid_submission_starts_the_case_and_shows_it(eng, login):
    b = login("laerar.alesund")
    b.csrf_from("/start/account_application")
    response = b.post("/start/account_application", form_data(school_application()))
    assert response.status_code == 302
    [event] = audit_events(eng, "instance_started")
    instance_id = event["instance_id"]
    assert response.headers["Location"] == f"/cases/{instance_id}"
    case = services.show_instance(eng, instance_id)
    assert (case["started_by"], case["status"]) == ("laerar.alesund", "running")
    assert case["data"]["unit"] == "alesund_vgs"  # from the applicant, not the form
    assert case["data"]["owner"] == "laerar.alesund"
    assert case["data"]["account_name"] == "alesundvgs"
    [task] = services.list_human_tasks(eng, "rektor.alesund")
    assert task["instance_id"] == instance_id
    page = b.get(response.headers["Location"])
    assert page.status_code == 200
    assert text_of(one(doc(page), "//h1")) == case["title"]


def test_an_unknown_process_is_404(eng, login):
    b = login("laerar.alesund")
    assert b.get("/start/no_such_process").status_code == 404
    before = audit_count(eng)
    response = b.post("/start/no_such_process", central_application(), page="/start/")
    assert response.status_code == 404
    assert (audit_count(eng), instance_count(eng)) == (before, 0)


def test_an_auditor_can_start_nothing(eng, login):
    b = login("revisor")
    assert b.get("/start/").status_code == 403
    assert b.get("/start/account_application").status_code == 403
    before = audit_count(eng)
    response = b.post("/start/account_application", form_data(central_application()), page="/")
    assert response.status_code == 403
    assert (audit_count(eng), instance_count(eng)) == (before, 0)
    nav = one(doc(b.get("/")), "//header//nav")
    assert not nav.xpath('.//a[@href="/start/"]')


def test_the_applicant_cannot_steer_the_routing_or_apply_for_another_unit(eng, login):
    b = login("laerar.alesund")
    b.csrf_from("/start/account_application")
    response = b.post("/start/account_application", form_data(school_application(unit="molde_vgs")))
    assert response.status_code == 422
    assert field_error(doc(response), "unit") == "Du kan berre søkje for eiga eining."
    assert instance_count(eng) == 0
    # fields the form does not have are not taken from the request (A2: the server routes)
    forged = form_data(school_application()) | {
        "approver_role": "head_of_information",
        "unit_kind": "department",
        "applicant": "rektor.alesund",
    }
    response = b.post("/start/account_application", forged)
    assert response.status_code == 302
    [task] = services.list_human_tasks(eng, "rektor.alesund")
    data = services.show_instance(eng, task["instance_id"])["data"]
    assert (data["applicant"], data["approver_role"]) == ("laerar.alesund", "principal")
    assert services.list_human_tasks(eng, "infosjef") == []
