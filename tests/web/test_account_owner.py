"""Issue 14, point 2: who may own the account applied for. The owner is the applicant or a
person of the applicant's unit the applicant names; never the one who approves; nor is the
deputy the one who approves."""

from __future__ import annotations

import pytest

from engine.cases import services
from engine.errors import FormInvalid
from tests.conftest import central_application, school_application
from tests.web.conftest import doc, field_error, instance_count

PROCESS = "account_application"


def refusal(eng, applicant: str, data: dict) -> dict[str, str]:
    with pytest.raises(FormInvalid) as error:
        services.start_process(eng, PROCESS, applicant, data)
    return {name: code for name, (code, _params) in error.value.errors.items()}


def test_the_approver_cannot_be_made_owner_or_deputy(eng):
    # laerar.alesund applies for Ålesund: rektor.alesund approves.
    assert refusal(eng, "laerar.alesund", school_application(owner="rektor.alesund")) == {
        "owner": "owner_is_approver"
    }
    assert refusal(eng, "laerar.alesund", school_application(deputy="rektor.alesund")) == {
        "deputy": "deputy_is_approver"
    }
    # A principal's own application goes to the head of information, who is not its deputy.
    own = school_application(owner="rektor.alesund", deputy="infosjef")
    assert refusal(eng, "rektor.alesund", own) == {"deputy": "deputy_is_approver"}
    # Samferdsel's goes to the head of information too.
    assert refusal(eng, "tilsett1", central_application(deputy="infosjef")) == {
        "deputy": "deputy_is_approver"
    }
    assert instance_count(eng) == 0


def test_the_owner_is_the_applicant_or_a_person_of_their_unit(eng):
    assert refusal(eng, "laerar.alesund", school_application(owner="laerar.molde")) == {
        "owner": "owner_not_in_unit"
    }
    assert refusal(eng, "tilsett1", central_application(owner="laerar.alesund")) == {
        "owner": "owner_not_in_unit"
    }
    assert instance_count(eng) == 0
    # A colleague of the same school may be named, with the applicant as deputy.
    named = school_application(owner="laerar2.alesund", deputy="laerar.alesund")
    instance_id = services.start_process(eng, PROCESS, "laerar.alesund", named)
    [decision] = services.list_human_tasks(eng, "rektor.alesund", PROCESS)
    services.complete_human_task(
        eng,
        decision["id"],
        "rektor.alesund",
        {"decision": "approve", "moderators": ["laerar2.alesund"]},
    )
    [account] = services.list_accounts(eng)
    assert (account["owner"], account["deputy"]) == ("laerar2.alesund", "laerar.alesund")
    assert services.show_instance(eng, instance_id)["status"] == "completed"
    # The principal applying himself owns his school's account: the head of information approves.
    services.start_process(
        eng,
        PROCESS,
        "rektor.alesund",
        school_application(platform="facebook", deputy="laerar.alesund"),
    )


def test_the_start_form_says_so_next_to_the_field(eng, login):
    b = login("laerar.alesund")
    data = school_application(owner="rektor.alesund", deputy="laerar.molde")
    response = b.post(f"/start/{PROCESS}", data, page=f"/start/{PROCESS}")
    assert response.status_code == 422
    page = doc(response)
    assert "rektor.alesund godkjenner søknaden" in field_error(page, "owner")
    data = school_application(owner="laerar.molde")
    response = login("laerar.alesund", lang="en").post(
        f"/start/{PROCESS}", data, page=f"/start/{PROCESS}"
    )
    assert response.status_code == 422
    assert field_error(doc(response), "owner") == (
        "The account owner must be you or a person of your unit."
    )
    assert instance_count(eng) == 0
