"""Test data for the connector API: approved accounts, tokens and a valid inquiry payload."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from engine.bootstrap import Engine
from engine.cases import services
from engine.store.models import Account, AuditEvent, InboundMessage, ProcessInstance
from tests.conftest import START, central_application, school_application

OWNER, DEPUTY, MODERATOR = "laerar.alesund", "laerar2.alesund", "rektor.alesund"
RECEIVED = START - timedelta(hours=2)


def school_account(eng: Engine) -> int:
    """alesundvgs on Instagram: owner laerar.alesund, deputy laerar2.alesund, and the principal
    as a further moderator."""
    services.start_process(eng, "account_application", OWNER, school_application())
    [decision] = services.list_human_tasks(eng, "rektor.alesund", "account_application")
    services.complete_human_task(
        eng, decision["id"], MODERATOR, {"decision": "approve", "moderators": [OWNER, MODERATOR]}
    )
    return _newest_account(eng)


def central_account(eng: Engine) -> int:
    """Samferdsel MRFK on Facebook: owner tilsett1, deputy tilsett2."""
    services.start_process(eng, "account_application", "tilsett1", central_application())
    [decision] = services.list_human_tasks(eng, "infosjef", "account_application")
    services.complete_human_task(eng, decision["id"], "infosjef", {"decision": "approve"})
    return _newest_account(eng)


def _newest_account(eng: Engine) -> int:
    return max(a["id"] for a in services.list_accounts(eng))


def close_account(eng: Engine, account_id: int) -> None:
    with eng.transaction() as session:
        session.get(Account, account_id).status = "closed"


def payload(account_id: int, message_id: str = "ig-17895695668004550", **overrides: Any) -> dict:
    return {
        "account_id": account_id,
        "platform_message_id": message_id,
        "author": "@ola_nordmann",
        "text": "Når er det open dag på skulen?",
        "link": "https://www.instagram.com/p/abc123/",
        "received_at": RECEIVED.isoformat(),
        "language": "nynorsk",
    } | overrides


def counts(eng: Engine) -> tuple[int, int, int]:
    """(instances, audit events, inbound messages): what a refused request must leave alone."""
    with eng.reading() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(table)) or 0
            for table in (ProcessInstance, AuditEvent, InboundMessage)
        )
