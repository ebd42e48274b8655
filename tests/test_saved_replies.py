"""Saved replies (G3, G6–G8, G10, E5): seeded, rendered in the sender's written standard, kept
by the comms section with every change audited, never deleted."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import func, select

from engine.cases import services
from engine.errors import FormInvalid, PermissionDenied
from engine.registers import replies
from engine.registers.reply_seeds import SEEDS
from engine.store.models import AuditEvent, SavedReply
from tests.conftest import WORKFLOWS, school_application
from tests.test_inquiry_handling import OWNER, PROCESS, inquiry, task_of

CUSTOM = {
    "purpose": "answer",
    "tone": "humorous",
    "title_nn": "Opningstider",
    "title_nb": "Åpningstider",
    "text_nn": "Hei {author}! Vi har ope 8–16.",
    "text_nb": "Hei {author}! Vi har åpent 8–16.",
}


def _saved(eng, key: str) -> SavedReply:
    with eng.reading() as session:
        reply = session.scalar(select(SavedReply).where(SavedReply.key == key))
        session.expunge(reply)
        return reply


def _events(eng, kind: str) -> list[AuditEvent]:
    with eng.reading() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.kind == kind)).all()
        session.expunge_all()
        return list(events)


def test_seeding_adds_every_default_once_and_never_overwrites_an_edit(eng):
    keys = {r["key"] for r in replies.list_replies(eng)}
    assert keys == {s.key for s in SEEDS}
    assert len(_events(eng, "saved_reply_created")) == len(SEEDS)  # the fixture seeded them

    replies.update_reply(eng, "komm1", "thanks", CUSTOM | {"purpose": "thanks"})
    replies.set_reply_active(eng, "komm1", "pupil_contact_refusal", False)
    assert replies.seed(eng) == []
    assert _saved(eng, "thanks").text_nn == CUSTOM["text_nn"]
    assert not _saved(eng, "pupil_contact_refusal").active
    with eng.reading() as session:
        assert session.scalar(select(func.count()).select_from(SavedReply)) == len(SEEDS)
    assert len(_events(eng, "saved_reply_created")) == len(SEEDS)


def test_every_seed_is_valid_in_both_written_standards():
    for seed in SEEDS:
        cleaned = replies.clean_fields({name: getattr(seed, name) for name in replies.FIELDS})
        assert cleaned["text_nn"] != cleaned["text_nb"], seed.key


def test_rendering_picks_the_senders_written_standard_and_fills_placeholders(eng):
    thanks = _saved(eng, "thanks")
    data = {"author": "@kari", "account_name": "alesundvgs", "platform": "instagram"}
    assert replies.render(thanks, "bokmål", data) == (
        "Tusen takk for den fine tilbakemeldingen, @kari! Det setter vi stor pris på."
    )
    nynorsk = "Tusen takk for den fine tilbakemeldinga, @kari! Det set vi stor pris på."
    assert replies.render(thanks, "nynorsk", data) == nynorsk
    assert replies.render(thanks, "other", data) == nynorsk  # the county's own standard
    assert replies.render(thanks, None, data) == nynorsk

    refusal = _saved(eng, "pupil_contact_refusal")
    text = replies.render(refusal, "bokmål", data | {"unit_name": "Molde vgs"})
    assert text.startswith("Takk for invitasjonen om å bli satt i forbindelse her på Instagram!")
    assert text.endswith("så lenge du er elev ved Molde vgs.")
    # A value without data stays visible for the moderator to notice, and nothing is evaluated:
    # a value that looks like a placeholder is not substituted again.
    assert "{unit_name}" in replies.render(refusal, "nynorsk", data)
    assert replies.fill("Hei {author}", {"author": "{platform}", "platform": "x"}) == (
        "Hei {platform}"
    )


@pytest.mark.parametrize(
    "text",
    ["Hei {author.__class__}", "Hei {0}", "Hei {user}", "Hei {author!r}", "Hei {", "Hei }"],
)
def test_a_text_with_anything_but_known_placeholders_is_refused(eng, text):
    with pytest.raises(FormInvalid) as error:
        replies.create_reply(eng, "komm1", "bad_one", CUSTOM | {"text_nb": text})
    code, _params = error.value.errors["text_nb"]
    assert code in ("saved_reply_placeholder", "saved_reply_brace")
    assert "{author}" in error.value.messages("nb")["text_nb"]  # says what is allowed
    assert "bad_one" not in {r["key"] for r in replies.list_replies(eng, include_inactive=True)}


def test_a_new_template_reports_every_problem_at_once(eng):
    with pytest.raises(FormInvalid) as error:
        replies.create_reply(
            eng, "komm1", "Thanks!", {"purpose": "spam", "tone": "sarcastic", "text_nn": "x"}
        )
    assert {field: code for field, (code, _p) in error.value.errors.items()} == {
        "key": "saved_reply_key",
        "purpose": "enum",
        "tone": "enum",
        "title_nn": "required",
        "title_nb": "required",
        "text_nb": "required",
    }
    with pytest.raises(FormInvalid) as error:
        replies.create_reply(eng, "komm1", "thanks", CUSTOM)
    assert error.value.errors["key"][0] == "saved_reply_key_taken"


def test_only_the_comms_section_and_admins_change_templates(eng):
    for username, code in (("laerar.alesund", "comms_only"), ("revisor", "read_only")):
        assert not replies.may_edit(eng, username)
        for change in (
            lambda u: replies.create_reply(eng, u, "hours", CUSTOM),
            lambda u: replies.update_reply(eng, u, "thanks", CUSTOM),
            lambda u: replies.set_reply_active(eng, u, "pupil_contact_refusal", False),
        ):
            with pytest.raises(PermissionDenied) as error:
                change(username)
            assert error.value.code == code
    assert replies.create_reply(eng, "komm1", "hours", CUSTOM) == "hours"
    assert replies.update_reply(eng, "admin", "hours", CUSTOM | {"tone": ""})
    assert _saved(eng, "hours").tone is None
    assert replies.may_edit(eng, "infosjef")


def test_every_change_is_audited_with_the_old_and_the_new_text(eng, clock):
    before = _saved(eng, "formal_request")
    edited = replies.get_reply(eng, "formal_request") | {
        "text_nn": before.text_nn + " Svar innan 14 dagar."
    }
    assert replies.update_reply(eng, "komm2", "formal_request", edited)
    assert not replies.update_reply(eng, "komm2", "formal_request", edited)  # nothing new

    [changed] = _events(eng, "saved_reply_changed")
    assert changed.actor == "komm2"
    assert changed.detail == {
        "key": "formal_request",
        "changes": {"text_nn": {"before": before.text_nn, "after": edited["text_nn"]}},
    }
    after = _saved(eng, "formal_request")
    assert (after.updated_by, after.updated_at) == ("komm2", clock.now())
    kinds = [e["kind"] for e in replies.history(eng, "formal_request")]
    assert kinds == ["saved_reply_created", "saved_reply_changed"]
    assert services.verify_audit(eng).ok


def test_templates_the_routing_table_prescribes_cannot_be_deactivated(eng, tmp_path):
    """The routed keys are read from the deployed routing table, so a new version the comms
    section deploys moves the protection with it."""
    routed = {"thanks", "formal_request", "political_referral", "confidential_redirect"}
    assert {r["key"] for r in replies.list_replies(eng) if r["routed"]} == routed
    for key in routed:
        with pytest.raises(FormInvalid) as error:
            replies.set_reply_active(eng, "komm1", key, False)
        assert error.value.errors["active"][0] == "saved_reply_routed"
        assert _saved(eng, key).active

    folder = tmp_path / "workflows"
    shutil.copytree(WORKFLOWS, folder)
    dmn = folder / "inquiry_handling" / "inquiry_routing.dmn"
    cell = '<outputEntry id="rule_positive_reply_template"><text>"{}"</text></outputEntry>'
    old, new = cell.format("thanks"), cell.format("pupil_contact_refusal")
    assert dmn.read_text(encoding="utf-8").count(old) == 1
    dmn.write_text(dmn.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    services.deploy_definitions(eng, [folder])
    assert replies.set_reply_active(eng, "komm1", "thanks", False)  # no longer prescribed
    with pytest.raises(FormInvalid):
        replies.set_reply_active(eng, "komm1", "pupil_contact_refusal", False)


@pytest.fixture
def question_reply(eng) -> str:
    """The reply task of a question on alesundvgs (free text, tone required, no set template)."""
    services.start_process(eng, "account_application", OWNER, school_application())
    [decision] = services.list_human_tasks(eng, "rektor.alesund")
    services.complete_human_task(
        eng, decision["id"], "rektor.alesund", {"decision": "approve", "moderators": [OWNER]}
    )
    [account] = services.list_accounts(eng)
    services.start_process(eng, PROCESS, OWNER, inquiry(account["id"]))
    triage = task_of(eng, OWNER, "triage")
    services.complete_human_task(eng, triage["id"], OWNER, {"category": "question"})
    return task_of(eng, OWNER, "reply")["id"]


def test_a_deactivated_template_is_not_offered_nor_accepted_and_is_kept(eng, question_reply):
    replies.create_reply(eng, "komm1", "hours", CUSTOM)
    assert replies.set_reply_active(eng, "komm1", "hours", False)
    assert "hours" not in {r["key"] for r in replies.list_replies(eng)}
    [kept] = [r for r in replies.list_replies(eng, include_inactive=True) if r["key"] == "hours"]
    assert kept["text_nn"] == CUSTOM["text_nn"] and not kept["active"]
    with pytest.raises(FormInvalid) as error:
        services.complete_human_task(
            eng, question_reply, OWNER, {"template": "hours", "tone": "humorous"}
        )
    assert error.value.errors["template"] == ("saved_reply_inactive", {"value": "hours"})
    with pytest.raises(FormInvalid):
        services.complete_human_task(
            eng, question_reply, OWNER, {"template": "no_such_key", "tone": "humorous"}
        )

    assert replies.set_reply_active(eng, "komm1", "hours", True)
    services.complete_human_task(
        eng, question_reply, OWNER, {"template": "hours", "tone": "humorous"}
    )
    [done] = [e for e in _events(eng, "task_completed") if e.task_id == question_reply]
    assert done.detail["data"]["template_text"] == "Hei @ola_nordmann! Vi har ope 8–16."
    kinds = [e["kind"] for e in replies.history(eng, "hours")]
    assert kinds == [
        "saved_reply_created",
        "saved_reply_deactivated",
        "saved_reply_reactivated",
    ]
