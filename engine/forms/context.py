"""What a form check knows while it validates one submission."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.store.models import User

# field name -> (message code, its parameters); "_form" and other non-fields speak for the form
Errors = dict[str, tuple[str, dict[str, Any]]]


@dataclass
class FormContext:
    session: Session
    actor: User
    data: dict[str, Any]  # the process data so far (empty at start)
    now: datetime | None = None  # for `"x-default": "now"` (when an inquiry came in), x-derive
    # Set when a platform connector submits the form with a token of this account: the token,
    # not a person, is then the authority to register inquiries on it
    # (engine/registers/connectors.py).
    connector_account_id: int | None = None
    # Facts several checks of one submission ask for, worked out once (e.g. account counts).
    memo: dict[Any, Any] = field(default_factory=dict)

    def moment(self) -> datetime:
        if self.now is None:  # every service passes the clock's moment: a programming error
            raise ValueError("this check needs FormContext.now")
        return self.now


def is_empty(value: Any) -> bool:
    return (
        value is None
        or (isinstance(value, str | list) and len(value) == 0)
        or (isinstance(value, str) and not value.strip())
    )
