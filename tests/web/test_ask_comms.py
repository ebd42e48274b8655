"""Spør informasjonsseksjonen in the browser (E4, E9): the start form, a case reference the asker
may not open, the question in the comms section's inbox, the answer in the asker's
notifications."""

from __future__ import annotations

import json

from engine.cases import services
from engine.config import PROJECT_ROOT
from tests.web.conftest import (
    assert_page_structure,
    audit_events,
    doc,
    field_error,
    instance_count,
    one,
    text_of,
)

FORM = json.loads(
    (PROJECT_ROOT / "workflows/ask_comms/forms/ask_comms_question.json").read_text(encoding="utf-8")
)
QUESTION = {
    "subject": "Bilete frå skuleavslutninga",
    "topic": "photo_consent",
    "question": "Kan eg legge ut eit gruppebilete av elevane utan å spørje kvar og ein?",
}


def test_the_start_form_renders_every_field_with_its_label(login):
    b = login("laerar.alesund")
    start = doc(b.get("/start/"))
    [link] = start.xpath('//main//a[@href="/start/ask_comms"]')
    assert text_of(link) == "Still eit spørsmål til informasjonsseksjonen"

    response = b.get("/start/ask_comms")
    assert response.status_code == 200
    assert_page_structure(response)
    page = doc(response)
    form = one(page, '//main//form[@method="post"]')
    for name, prop in FORM["properties"].items():
        [control] = form.xpath(f'.//*[@name="{name}"]')
        label = one(form, f'.//label[@for="{control.get("id")}"]')
        assert prop["title"] in text_of(label), name
        marked = bool(label.xpath('.//*[@class="required"]'))
        assert marked == (name in FORM["required"]), name
    topics = [o.get("value") for o in one(form, './/select[@name="topic"]').xpath("./option")]
    assert [t for t in topics if t] == FORM["properties"]["topic"]["enum"]
    assert "E4" in text_of(one(form, './/select[@name="topic"]/option[@value="mrfk_view"]'))

    english = doc(login("laerar.alesund", lang="en").get("/start/ask_comms"))
    label = one(english, '//label[@for="field-question"]')
    assert "Your question" in text_of(label)


def test_a_submission_creates_the_case_for_the_comms_section(eng, login):
    b = login("laerar.alesund")
    b.csrf_from("/start/ask_comms")
    hidden = b.post("/start/ask_comms", QUESTION | {"case_id": "4711"})
    assert hidden.status_code == 422
    assert field_error(doc(hidden), "case_id") == (
        "Du har inga sak med nummer 4711 som du kan opne. "
        "Skriv nummeret på ei sak du har tilgang til."
    )
    assert instance_count(eng) == 0

    response = b.post("/start/ask_comms", QUESTION)
    assert response.status_code == 302
    [event] = audit_events(eng, "instance_started")
    instance_id = event["instance_id"]
    assert response.headers["Location"] == f"/cases/{instance_id}"
    case = services.show_instance(eng, instance_id)
    assert case["title"] == "Spørsmål til informasjonsseksjonen: Bilete frå skuleavslutninga"
    assert (case["started_by"], case["data"]["topic"]) == ("laerar.alesund", "photo_consent")
    page = doc(b.get(response.headers["Location"]))
    assert text_of(one(page, "//h1")) == case["title"]

    # In the section's inbox, with its deadline; answered there, the asker is told.
    komm = login("komm1")
    inbox = komm.get("/")
    assert case["title"] in text_of(doc(inbox).body)
    [task] = [t for t in services.list_human_tasks(eng, "komm1") if t["instance_id"] == instance_id]
    answered = komm.post(
        f"/tasks/{task['id']}",
        {"advice": "answer_yourself", "answer": "Nei: spør foreldra først (G11)."},
        page=f"/tasks/{task['id']}",
    )
    assert answered.status_code == 302
    alerts = doc(b.get("/notifications/"))
    assert (
        "Informasjonsseksjonen har svart på spørsmålet ditt"
        " «Spørsmål til informasjonsseksjonen: Bilete frå skuleavslutninga»."
    ) in text_of(alerts.body)
