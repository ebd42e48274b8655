"""Test data shared by the inquiry, absence and overview tests: an approved official account."""

from __future__ import annotations

from typing import Any

from engine.bootstrap import Engine
from engine.cases import services
from tests.conftest import school_application

# alesundvgs on Instagram: owner laerar.alesund, deputy laerar2.alesund, and the principal as a
# further moderator.
OWNER, DEPUTY, MODERATOR = "laerar.alesund", "laerar2.alesund", "rektor.alesund"


def approved_school_account(eng: Engine, **application: Any) -> int:
    """Apply for and approve an account of Ålesund vidaregåande skule; returns its id."""
    before = {a["id"] for a in services.list_accounts(eng)}
    services.start_process(eng, "account_application", OWNER, school_application(**application))
    [decision] = services.list_human_tasks(eng, "rektor.alesund", "account_application")
    services.complete_human_task(
        eng,
        decision["id"],
        "rektor.alesund",
        {"decision": "approve", "moderators": [OWNER, MODERATOR]},
    )
    [account] = [a for a in services.list_accounts(eng) if a["id"] not in before]
    return account["id"]
