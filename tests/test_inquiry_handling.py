"""Inquiries on official accounts (rules G2–G10), through the service layer with a moved clock."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.cases import services
from engine.delivery import mail
from engine.delivery import send as delivery
from engine.errors import FormInvalid, PermissionDenied
from engine.registers import replies
from engine.store.models import OutboxMessage
from engine.texts import email_part
from tests.conftest import START

PROCESS = "inquiry_handling"
RECEIVED = START - timedelta(hours=2)  # the comment came in two hours before it was registered
DUE = RECEIVED + timedelta(hours=24)
OWNER, DEPUTY, MODERATOR = "laerar.alesund", "laerar2.alesund", "rektor.alesund"


def inquiry(account_id: int, **overrides) -> dict:
    return {
        "account_id": account_id,
        "author": "@ola_nordmann",
        "text": "Når er det open dag på skulen?",
        "link": "https://www.instagram.com/p/abc123/",
        "received_at": RECEIVED.isoformat(),
        "language": "nynorsk",
    } | overrides


def start(eng, account_id: int, **overrides) -> int:
    return services.start_process(eng, PROCESS, OWNER, inquiry(account_id, **overrides))


def task_of(eng, username: str, element: str) -> dict:
    tasks = [
        t for t in services.list_human_tasks(eng, username, PROCESS) if t["element_id"] == element
    ]
    assert len(tasks) == 1, tasks
    return tasks[0]


def triage(eng, category: str) -> dict:
    task = task_of(eng, OWNER, "triage")
    services.complete_human_task(eng, task["id"], OWNER, {"category": category})
    return (
        task_of(eng, OWNER, "reply") if category not in ("neutral", "reputation_critical") else {}
    )


def outbox(eng, instance_id: int, kind: str = "notification") -> list[OutboxMessage]:
    with eng.transaction() as session:
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.instance_id == instance_id, OutboxMessage.kind == kind)
            .order_by(OutboxMessage.id)
        ).all()
        session.expunge_all()
        return rows


def sent(eng, instance_id: int, template: str) -> list[str]:
    return [row.recipient for row in outbox(eng, instance_id) if row.template == template]


def test_G2a_every_answer_is_due_24_hours_after_the_inquiry_came_in_with_a_reminder(
    eng, clock, account_id
):
    with pytest.raises(FormInvalid) as error:  # only the account's own people register on it
        services.start_process(eng, PROCESS, "laerar.molde", inquiry(account_id))
    assert "account_id" in error.value.errors

    instance_id = start(eng, account_id)
    case = services.show_instance(eng, instance_id)
    assert case["title"] == "Førespurnad til alesundvgs på instagram"
    first = task_of(eng, OWNER, "triage")
    assert first["candidates"] == sorted([OWNER, DEPUTY, MODERATOR])
    assert first["due_at"] == DUE.isoformat()

    clock.advance(timedelta(hours=3))  # triaged later: the deadline does not move
    reply = triage(eng, "question")
    assert reply["due_at"] == DUE.isoformat()
    assert (
        services.show_instance(eng, instance_id)["next_timer_at"]
        == (DUE - timedelta(hours=4)).isoformat()
    )

    services.claim_human_task(eng, reply["id"], OWNER)
    assert services.fire_due_timers(eng, DUE - timedelta(hours=4, seconds=1)) == []
    fired = services.fire_due_timers(eng, DUE - timedelta(hours=4))
    assert fired == [
        {"instance_id": instance_id, "timers": ["reply_reminder"], "status": "running"}
    ]
    assert sent(eng, instance_id, "inquiry_reply_reminder") == [OWNER]  # the assignee
    assert task_of(eng, OWNER, "reply")["id"] == reply["id"]  # still open, still theirs

    clock.set(DUE - timedelta(hours=1))
    services.complete_human_task(
        eng, reply["id"], OWNER, {"tone": "factual", "reply_text": "Open dag er 12. januar."}
    )
    case = services.show_instance(eng, instance_id)
    assert (case["status"], case["outcome"]) == ("completed", "Svart")
    assert case["next_timer_at"] is None  # answered in time: the deadline timer is gone


def test_G2b_unanswered_for_24_hours_lands_with_the_deputy_notified_and_audited(
    eng, clock, account_id
):
    instance_id = start(eng, account_id)
    reply = triage(eng, "negative")
    services.claim_human_task(eng, reply["id"], OWNER)

    fired = services.fire_due_timers(eng, DUE)
    assert fired[0]["timers"] == ["reply_deadline", "reply_reminder"]

    [task] = [
        t for t in services.show_instance(eng, instance_id)["tasks"] if t["id"] == reply["id"]
    ]
    assert (task["status"], task["assignee"], task["candidates"]) == ("open", DEPUTY, [DEPUTY])
    assert services.list_human_tasks(eng, OWNER, PROCESS) == []
    assert [t["id"] for t in services.list_human_tasks(eng, DEPUTY, PROCESS)] == [reply["id"]]
    assert sorted(sent(eng, instance_id, "task_reassigned_to_deputy")) == [OWNER, DEPUTY]

    history = services.show_instance(eng, instance_id)["history"]
    [moved] = [e for e in history if e["kind"] == "task_reassigned"]
    assert moved["actor"] == "system"
    assert moved["detail"]["from"] == [OWNER] and moved["detail"]["to"] == [DEPUTY]
    assert moved["detail"]["lane"] == "Stedfortredar"

    with pytest.raises(PermissionDenied):
        services.complete_human_task(
            eng, reply["id"], OWNER, {"tone": "formal", "reply_text": "Vi ser på saka."}
        )
    clock.set(DUE + timedelta(hours=1))
    services.complete_human_task(
        eng, reply["id"], DEPUTY, {"tone": "formal", "reply_text": "Takk for tilbakemeldinga."}
    )
    assert services.show_instance(eng, instance_id)["outcome"] == "Svart"
    assert services.verify_audit(eng).ok


def test_G2b_an_inquiry_not_even_triaged_within_24_hours_goes_to_the_deputy(eng, clock, account_id):
    """The promise counts from receipt, so the first step has the same reminder and deadline;
    the reply that follows is already late and stays with the deputy."""
    instance_id = start(eng, account_id)
    triage_task = services.list_human_tasks(eng, OWNER, PROCESS)[0]
    assert services.fire_due_timers(eng, DUE - timedelta(hours=4))[0]["timers"] == [
        "triage_reminder"
    ]
    assert sorted(sent(eng, instance_id, "inquiry_reply_reminder")) == sorted(
        [OWNER, DEPUTY, MODERATOR]
    )
    assert services.fire_due_timers(eng, DUE)[0]["timers"] == ["triage_deadline"]
    [moved] = [
        e
        for e in services.show_instance(eng, instance_id)["history"]
        if e["kind"] == "task_reassigned"
    ]
    assert moved["task_id"] == triage_task["id"] and moved["detail"]["to"] == [DEPUTY]
    assert services.list_human_tasks(eng, OWNER, PROCESS) == []

    clock.set(DUE + timedelta(hours=2))
    services.complete_human_task(eng, triage_task["id"], DEPUTY, {"category": "question"})
    [reply] = services.list_human_tasks(eng, DEPUTY, PROCESS)
    assert (reply["element_id"], reply["assignee"]) == ("reply", DEPUTY)
    assert services.list_human_tasks(eng, OWNER, PROCESS) == []


def test_G3_positive_comment_gets_a_thank_you_reply(eng, account_id):
    instance_id = start(eng, account_id, text="For ein flott konsert!")
    reply = triage(eng, "positive")
    with pytest.raises(FormInvalid) as error:
        services.complete_human_task(
            eng, reply["id"], OWNER, {"template": "formal_request", "reply_text": "Takk!"}
        )
    assert "template" in error.value.errors
    services.complete_human_task(eng, reply["id"], OWNER, {"reply_text": "Tusen takk!"})
    case = services.show_instance(eng, instance_id)
    assert case["outcome"] == "Svart"
    assert case["data"]["template"] == "thanks"
    assert case["data"]["reply_text"] == "Tusen takk!"  # the moderator's own words, beside it


def test_G3_thank_you_template_is_rendered_in_the_senders_written_standard(eng, account_id):
    """A person is answered in the written standard they used; the text sent is recorded."""
    nynorsk = "Tusen takk for den fine tilbakemeldinga, @ola_nordmann! Det set vi stor pris på."
    expected = {
        "bokmål": "Tusen takk for den fine tilbakemeldingen, @ola_nordmann! "
        "Det setter vi stor pris på.",
        "nynorsk": nynorsk,
        "other": nynorsk,  # anything but Bokmål is answered in the county's own standard
    }
    for language, text in expected.items():
        instance_id = start(eng, account_id, text="Så flott!", language=language)
        reply = triage(eng, "positive")
        services.complete_human_task(eng, reply["id"], OWNER, {})  # the template is the reply
        data = services.show_instance(eng, instance_id)["data"]
        assert (data["template"], data["template_text"]) == ("thanks", text), language


def test_G4_neutral_comment_may_be_closed_without_reply_and_the_choice_is_recorded(eng, account_id):
    instance_id = start(eng, account_id, text="Eg var der i går.")
    triage(eng, "neutral")
    assert not [
        t for t in services.list_human_tasks(eng, OWNER, PROCESS) if t["element_id"] == "reply"
    ]
    review = task_of(eng, OWNER, "neutral_review")
    assert review["due_at"] is None  # no answer is owed
    with pytest.raises(FormInvalid) as error:
        services.complete_human_task(eng, review["id"], OWNER, {"answer": "reply"})
    assert error.value.errors["reply_text"][0] == "reply_text_required"

    services.complete_human_task(eng, review["id"], OWNER, {"answer": "close"})
    case = services.show_instance(eng, instance_id)
    assert (case["status"], case["outcome"]) == ("completed", "Lukka utan svar (G4)")
    [choice] = [e for e in case["history"] if e["task_id"] == review["id"]]
    assert (choice["actor"], choice["detail"]["data"]) == (OWNER, {"answer": "close"})


def test_G5_G6_negative_comment_gets_a_professional_reply_in_a_chosen_tone(eng, account_id):
    instance_id = start(eng, account_id, text="Kantina er elendig.")
    reply = triage(eng, "negative")
    with pytest.raises(FormInvalid) as error:
        services.complete_human_task(
            eng, reply["id"], OWNER, {"reply_text": "Takk, vi ser på det."}
        )
    assert error.value.errors["tone"][0] == "required"
    with pytest.raises(FormInvalid):
        services.complete_human_task(
            eng, reply["id"], OWNER, {"tone": "sarcastic", "reply_text": "Ja."}
        )
    with pytest.raises(FormInvalid) as error:
        services.complete_human_task(eng, reply["id"], OWNER, {"tone": "formal"})
    assert error.value.errors["reply_text"][0] == "reply_text_required"

    services.complete_human_task(
        eng,
        reply["id"],
        OWNER,
        {
            "tone": "humorous",
            "reply_text": "Kokken har fått beskjed – og ein ny kokebok.",
            "published_url": "https://www.instagram.com/p/abc123/c/1/",
        },
    )
    case = services.show_instance(eng, instance_id)
    assert case["outcome"] == "Svart"
    assert (case["data"]["category"], case["data"]["tone"]) == ("negative", "humorous")


def test_G7_case_handling_gets_the_formal_request_instruction_and_goes_to_the_archive(
    eng, account_id
):
    instance_id = start(eng, account_id, text="Eg vil klage på karakteren min i matte.")
    reply = triage(eng, "case_handling")
    with pytest.raises(FormInvalid) as error:  # no case handling in the comment field
        services.complete_human_task(eng, reply["id"], OWNER, {"reply_text": "Du får 5."})
    assert error.value.errors["reply_text"][0] == "reply_no_substance"
    services.complete_human_task(eng, reply["id"], OWNER, {})

    case = services.show_instance(eng, instance_id)
    assert case["outcome"] == "Svart og sendt til arkivet (G7)"
    assert case["data"]["template"] == "formal_request"
    assert "Send ein formell førespurnad" in case["data"]["template_text"]
    assert "post@mrfylke.no" in case["data"]["template_text"]
    [handoff] = outbox(eng, instance_id, "archive_handoff")
    assert handoff.payload["data"]["text"] == "Eg vil klage på karakteren min i matte."
    assert "task_completed" in [event["kind"] for event in handoff.payload["history"]]
    assert "archive_handoff_queued" in [e["kind"] for e in case["history"]]
    assert handoff.id not in delivery.queue_due(eng)  # handed to the archive, never mailed


def test_G8_political_inquiry_cannot_be_answered_on_substance_by_the_moderator(eng, account_id):
    instance_id = start(eng, account_id, text="Kvifor vil fylkestinget leggje ned skulen?")
    reply = triage(eng, "political")
    for answer in (
        {"reply_text": "Fordi budsjettet er for lite."},
        {"template": "thanks"},
    ):
        with pytest.raises(FormInvalid):
            services.complete_human_task(eng, reply["id"], OWNER, answer)
    services.complete_human_task(eng, reply["id"], OWNER, {"published_url": "https://x/1"})
    data = services.show_instance(eng, instance_id)["data"]
    assert (data["template"], data["published_url"]) == ("political_referral", "https://x/1")
    assert "politisk sekretariat" in data["template_text"]

    assert services.list_human_tasks(eng, OWNER, PROCESS) == []
    referral = task_of(eng, "politisk", "political_handling")
    assert referral["lane"] == "Politisk sekretariat"
    with pytest.raises(PermissionDenied):
        services.complete_human_task(eng, referral["id"], OWNER, {"referred_to": "Meg sjølv"})
    services.complete_human_task(
        eng, referral["id"], "politisk", {"referred_to": "Fylkesordføraren"}
    )
    assert services.show_instance(eng, instance_id)["outcome"] == "Vist til politisk nivå (G8)"


def test_G10_confidential_inquiry_text_appears_in_no_notification(eng, clock, account_id):
    secret = "Sonen min har diagnosen XYZ og treng tilrettelegging"
    instance_id = start(eng, account_id, text=secret)
    reply = triage(eng, "confidential")
    with pytest.raises(FormInvalid) as error:
        services.complete_human_task(eng, reply["id"], OWNER, {"reply_text": "Vi ordnar det."})
    assert error.value.errors["reply_text"][0] == "reply_no_substance"
    services.fire_due_timers(eng, DUE)  # reminder and hand-over to the deputy: more mail
    services.complete_human_task(eng, reply["id"], DEPUTY, {})
    case = services.show_instance(eng, instance_id)
    assert (case["outcome"], case["data"]["template"]) == ("Svart", "confidential_redirect")
    assert "teieplikt" in case["data"]["template_text"]
    assert secret not in case["data"]["template_text"]

    rows = outbox(eng, instance_id)
    templates = {row.template for row in rows}
    assert {"task_ready", "inquiry_reply_reminder", "task_reassigned_to_deputy"} <= templates
    for row in rows:
        assert secret not in json.dumps(row.payload, ensure_ascii=False)
        message = mail.compose(
            row.template,
            row.payload,
            row.idempotency_key,
            row.recipient,
            f"{row.recipient}@mrfylke.no",
            eng.settings.mail,
            "https://someflyt.example",
            clock.now(),
        )
        text = message.get_content() + str(message["Subject"])
        assert secret not in text and "XYZ" not in text
        if row.template != "task_ready" or row.payload.get("task") != "Vurder førespurnaden":
            assert row.payload["confidential"] is True  # once known, not even the title
            assert email_part("confidential_title") in text


def test_E5_teachers_refusal_of_a_pupils_contact_request_exists_in_nn_and_nb_and_is_usable(
    eng, account_id
):
    """E5: the policy's own text for declining a pupil's contact request, with the platform
    and the school filled in; chosen on a reply where free text is allowed."""
    refusal = {r["key"]: r for r in replies.list_replies(eng)}["pupil_contact_refusal"]
    assert refusal["text_nn"] == (
        "Takk for invitasjonen om å bli satt i forbindelse her på {platform}! "
        "Dessverre må eg avstå tilbodet ditt så lenge du er elev ved {unit_name}."
    )
    assert "Dessverre må jeg avstå fra tilbudet ditt" in refusal["text_nb"]

    instance_id = start(eng, account_id, text="Kan du legge meg til som venn?")
    reply = triage(eng, "question")
    answer = {"template": "pupil_contact_refusal", "tone": "factual"}
    services.complete_human_task(eng, reply["id"], OWNER, answer)
    case = services.show_instance(eng, instance_id)
    assert case["outcome"] == "Svart"
    assert case["data"]["template_text"] == (
        "Takk for invitasjonen om å bli satt i forbindelse her på Instagram! "
        "Dessverre må eg avstå tilbodet ditt så lenge du er elev ved Ålesund vidaregåande skule."
    )
    [done] = [e for e in case["history"] if e["task_id"] == reply["id"]]
    assert done["detail"]["data"]["template_text"] == case["data"]["template_text"]


@pytest.mark.parametrize(
    "link", ["instagram.com/p/abc", "javascript:alert(1)", "https://", "https://x.no/a b"]
)
def test_links_are_web_addresses(eng, account_id, link):
    """The inquiry's link and the published reply's link are followed by others later: only
    whole http(s) addresses are kept."""
    with pytest.raises(FormInvalid) as error:
        start(eng, account_id, link=link)
    assert error.value.errors["link"][0] == "uri"
    start(eng, account_id)
    reply = triage(eng, "question")
    answer = {"tone": "factual", "reply_text": "Sjå nettsida vår.", "published_url": link}
    with pytest.raises(FormInvalid) as error:
        services.complete_human_task(eng, reply["id"], OWNER, answer)
    assert error.value.errors["published_url"][0] == "uri"
