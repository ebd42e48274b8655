"""Pause i forumet (G2c) in the browser: the start form with its help, its errors, and the
registry showing a paused forum."""

from __future__ import annotations

from engine.cases import services
from tests.accounts import MODERATOR, OWNER, approved_school_account
from tests.test_forum_pause import FROM, NOTICE_NB, NOTICE_NN, TO, pause
from tests.web.conftest import assert_page_structure, by_id, doc, field_error, one, text_of

PROCESS = "forum_pause"


def test_the_team_asks_for_a_pause_from_the_account_page_with_help_on_the_notice(eng, login):
    account_id = approved_school_account(eng)
    b = login(MODERATOR)
    page = doc(b.get(f"/accounts/{account_id}"))
    assert text_of(by_id(page, "account-activity")) == "Ingenting"
    link = one(page, '//a[@id="start-forum_pause"]').get("href")
    assert link == f"/start/{PROCESS}?account_id={account_id}"

    form = b.get(link)
    assert_page_structure(form)
    tree = doc(form)
    selected = one(tree, '//select[@name="account_id"]').xpath("./option[@selected]/@value")
    assert selected == [str(account_id)]
    notice = one(tree, '//textarea[@name="notice_nn"]')
    hint = by_id(tree, notice.get("aria-describedby"))
    assert "d.m.åååå" in text_of(hint) and "21.12.2026" in text_of(hint)

    answer = b.post(
        link,
        {
            "account_id": str(account_id),
            "reason": "Juleferie: ingen følgjer med.",
            "paused_from": "2026-12-21T15:00",  # Norwegian wall-clock time
            "paused_to": "2027-01-04T08:00",
            "notice_nn": NOTICE_NN,
            "notice_nb": NOTICE_NB,
        },
    )
    assert answer.status_code == 302
    # The principal asked: the head of information decides (nobody approves their own).
    [task] = services.list_human_tasks(eng, "infosjef", PROCESS)
    data = services.show_instance(eng, task["instance_id"])["data"]
    assert (data["paused_from"], data["paused_to"]) == (
        "2026-12-21T15:00:00+01:00",
        "2027-01-04T08:00:00+01:00",
    )


def test_a_pause_ending_before_it_begins_is_shown_next_to_its_field(eng, login):
    account_id = approved_school_account(eng)
    b = login(OWNER, lang="nb")
    url = f"/start/{PROCESS}"
    values = pause(account_id) | {
        "account_id": str(account_id),
        "paused_from": "2026-12-21T15:00",
        "paused_to": "2026-12-20T15:00",
    }
    response = b.post(url, values, page=url)
    assert response.status_code == 422
    assert_page_structure(response)
    tree = doc(response)
    assert field_error(tree, "paused_to") == (
        "Pausen må slutte etter at den begynner: «til» må være senere enn «fra»."
    )
    # The hint stays tied to its field beside the error.
    described = one(tree, '//input[@name="paused_to"]').get("aria-describedby").split()
    assert described == ["paused_to-hint", "paused_to-error"]

    values |= {
        "paused_to": "2027-01-04T08:00",
        "notice_nb": "Forumet er stengt i ferien, beklager.",
    }
    tree = doc(b.post(url, values))
    assert field_error(tree, "notice_nb") == (
        "Varselet må si hvor lenge forumet er stengt (G2c): skriv datoene 21.12.2026 og "
        "4.1.2027 (d.m.åååå), f.eks. «fra 21.12.2026 til 4.1.2027»."
    )
    assert services.list_human_tasks(eng, "rektor.alesund", PROCESS) == []


def test_the_registry_shows_a_paused_forum_until_it_is_reopened(eng, clock, login):
    account_id = approved_school_account(eng)
    instance_id = services.start_process(eng, PROCESS, OWNER, pause(account_id))
    [decide] = services.list_human_tasks(eng, "rektor.alesund", PROCESS)
    services.complete_human_task(eng, decide["id"], "rektor.alesund", {"decision": "approve"})

    def status_cell() -> str:
        # Signed in anew each time: weeks pass between the looks, longer than a session lasts.
        [row] = doc(login("laerar.molde").get("/accounts/")).xpath("//main//table//tbody/tr")
        return text_of(row.xpath("./td")[-1])

    assert status_cell() == "Aktiv"
    clock.set(FROM)
    services.fire_due_timers(eng, FROM)
    assert status_cell() == "Aktiv Forumet er pausa til 04.01.2027 08:00 (G2c)."
    page = doc(login("laerar.molde").get(f"/accounts/{account_id}"))
    assert (
        text_of(by_id(page, "account-activity")) == "Forumet er pausa til 04.01.2027 08:00 (G2c)."
    )

    [publish] = services.list_human_tasks(eng, OWNER, PROCESS)
    assert one(doc(login(OWNER).get(f"/tasks/{publish['id']}")), "//h1") is not None
    services.complete_human_task(eng, publish["id"], OWNER, {"notice_published": True})
    clock.set(TO)
    services.fire_due_timers(eng, TO)
    [reopen] = services.list_human_tasks(eng, OWNER, PROCESS)
    services.complete_human_task(eng, reopen["id"], OWNER, {"forum_reopened": True})
    assert services.show_instance(eng, instance_id)["status"] == "completed"
    assert status_cell() == "Aktiv"
