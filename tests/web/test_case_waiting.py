"""The case page says what a case waits for (messages, signals, deadlines) and warns when it is
stuck, naming why; in Nynorsk, Bokmål and English."""

from __future__ import annotations

import pytest

from engine.cases import services
from engine.cases.events import send_message
from tests.events_support import ADMIN, complete, deploy_events, open_elements, order
from tests.web.conftest import assert_page_structure, by_id, doc, text_of


@pytest.fixture(autouse=True)
def _diagrams(eng) -> None:
    deploy_events(eng)


def page(login, username: str, instance_id: int, lang: str | None = None):
    response = login(username, lang=lang).get(f"/cases/{instance_id}")
    assert response.status_code == 200
    assert_page_structure(response)
    return doc(response)


def test_the_page_lists_the_message_and_the_deadline_a_case_waits_for(eng, login) -> None:
    instance_id = order(eng, 12)
    tree = page(login, "laerar.alesund", instance_id)
    waiting = text_of(by_id(tree, "waiting-for"))
    message = "meldinga «bestilling_klar» (Vent på at bestillinga er klar), for order_no = 12"
    assert message in waiting
    assert "ein frist (Ei veke utan svar): frist " in waiting
    assert "medan steget hendinga høyrer til, er ope" in waiting
    assert not tree.xpath('//*[@id="stuck"]')


def test_the_alternatives_of_an_event_based_gateway_are_listed_as_such(eng, login) -> None:
    instance_id = services.start_process(eng, "events_alarm", "laerar.alesund", {})
    tree = page(login, "laerar.alesund", instance_id, lang="en")
    items = [text_of(li) for li in by_id(tree, "waiting-for").xpath("li")]
    assert items[0] == "the signal “alarm” (Alarm) – whichever comes first"
    assert items[2] == "the message “avblaas” (Avblås) – whichever comes first"
    assert items[1].startswith("a deadline (Eitt døgn utan alarm): due ")


def test_an_anonymous_message_catch_is_named_as_such(eng, login) -> None:
    instance_id = services.start_process(eng, "events_reply", "laerar.alesund", {})
    complete(eng, instance_id, "prepare")
    tree = page(login, "laerar.alesund", instance_id, lang="nb")
    assert "en melding uten navn (await_reply)" in text_of(by_id(tree, "waiting-for"))


def test_a_deadlocked_case_is_shown_stuck_with_the_join_it_stands_at(eng, login) -> None:
    instance_id = services.start_process(
        eng, "events_deadlock", "laerar.alesund", {"route": "elsewhere"}
    )
    complete(eng, instance_id, "sign")
    for lang, heading, reason in [
        ("nn", "Saka står fast: ingen kan gjere noko", "Ho står ved «Saman»."),
        ("nb", "Saken står fast: ingen kan gjøre noe", "Den står ved «Saman»."),
        ("en", "The case is stuck: nobody can do anything", "It stands at «Saman»."),
    ]:
        stuck = by_id(page(login, "admin", instance_id, lang=lang), "stuck")
        assert text_of(stuck.xpath("h2")[0]) == heading
        assert reason in text_of(stuck)


def test_a_task_nobody_can_take_makes_the_case_stuck_and_is_named(eng, login) -> None:
    [instance_id] = send_message(eng, "innmelding", {}, {}, ADMIN).started
    assert not page(login, "admin", instance_id).xpath('//*[@id="stuck"]')
    for username, roles in (("komm1", []), ("komm2", []), ("infosjef", ["head_of_information"])):
        services.set_user_roles(eng, username, roles, "admin")  # nobody in the section is left
    tree = page(login, "admin", instance_id)
    assert "Ingen aktiv person kan ta oppgåva «Vurder innmeldinga»" in text_of(by_id(tree, "stuck"))
    assert "ingen kan ta oppgåva – sei frå til ein administrator" in text_of(
        by_id(tree, "waiting-for")
    )
    shown = services.show_instance(eng, instance_id)
    assert [r["code"] for r in shown["stuck"]] == ["stuck_nobody_can_take"]


def test_the_timeline_names_an_event_from_outside(eng, login) -> None:
    instance_id = order(eng, 12)
    send_message(eng, "bestilling_klar", {"order_no": 12}, {}, ADMIN)
    tree = page(login, "laerar.alesund", instance_id)
    timeline = text_of(tree.xpath('//ol[@class="timeline"]')[0])
    assert "Hending motteken utanfrå – admin" in timeline


# --- an admin sends what the case waits for, from its page --------------------------------------


def _form(tree, kind: str):
    [form] = [
        f
        for f in tree.xpath('//form[@class="send-event"]')
        if f.xpath(f'.//input[@name="kind"][@value="{kind}"]')
    ]
    inputs = form.xpath(".//input")
    return {i.get("name"): i.get("value") for i in inputs if i.get("name") != "csrf_token"}


def test_only_admins_see_the_forms_that_send_an_event_in(eng, login) -> None:
    instance_id = order(eng, 12)
    assert page(login, "admin", instance_id).xpath('//form[@class="send-event"]')
    for username in ("laerar.alesund", "komm1", "revisor"):
        assert not page(login, username, instance_id).xpath('//form[@class="send-event"]')


def test_an_admin_sends_the_message_a_case_waits_for_from_its_page(eng, login) -> None:
    instance_id = order(eng, 12)
    admin = login("admin")
    fields = _form(doc(admin.get(f"/cases/{instance_id}")), "message")
    assert (fields["name"], fields["element_id"]) == ("bestilling_klar", "wait_ready")
    url = f"/cases/{instance_id}/events"
    bad = admin.post(url, fields | {"payload": "[1, 2]"})
    assert bad.status_code == 400 and "JSON-objekt" in bad.get_data(as_text=True)
    assert admin.post(url, fields, csrf=False).status_code == 400
    assert open_elements(eng, instance_id) == []
    sent = admin.post(url, fields | {"payload": '{"shelf": "C3"}'})
    assert sent.status_code == 302 and sent.location.endswith(f"/cases/{instance_id}")
    assert "Hendinga er send; ho nådde 1 sak." in text_of(doc(admin.get(sent.location)))
    assert open_elements(eng, instance_id) == ["collect"]
    assert services.show_instance(eng, instance_id)["data"]["delivery"]["shelf"] == "C3"


def test_others_cannot_send_an_event_from_a_case_page(eng, login) -> None:
    instance_id = order(eng, 12)
    fields = {"kind": "message", "name": "bestilling_klar", "element_id": "wait_ready"}
    for username in ("laerar.alesund", "revisor"):
        response = login(username).post(f"/cases/{instance_id}/events", fields, page="/")
        assert response.status_code == 403
    assert open_elements(eng, instance_id) == []


def test_a_signal_sent_from_a_case_page_reaches_every_case_waiting_for_it(eng, login) -> None:
    first, second = (
        services.start_process(eng, "events_alarm", "laerar.alesund", {}) for _ in "ab"
    )
    admin = login("admin")
    fields = _form(doc(admin.get(f"/cases/{first}")), "signal")
    sent = admin.post(f"/cases/{first}/events", fields)
    assert sent.status_code == 302
    assert open_elements(eng, first) == open_elements(eng, second) == ["act"]
