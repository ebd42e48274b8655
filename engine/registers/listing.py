"""The registers as pages list them: official accounts (with what keeps each busy), units and
people."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine.bootstrap import Engine
from engine.errors import NotFound
from engine.extensions import installed
from engine.store.models import (
    Account,
    Unit,
    User,
)

# --- accounts ----------------------------------------------------------------------------------


def accounts(
    eng: Engine,
    *,
    unit: str = "",
    platform: str = "",
    status: str = "",
    with_activity: bool = True,
) -> list[dict[str, Any]]:
    """The accounts, with what keeps each busy (every package asked) unless the caller only
    needs their names, as a form's choice of account does."""
    with eng.reading() as session:
        query = select(Account, Unit.name).join(Unit, Unit.id == Account.unit_id)
        if unit:
            query = query.where(Account.unit_id == unit)
        if platform:
            query = query.where(Account.platform == platform)
        if status:
            query = query.where(Account.status == status)
        rows = session.execute(query.order_by(Unit.name, Account.platform, Account.id)).all()
        ids = [account.id for account, _unit in rows]
        activity = installed().activities(session, ids) if with_activity else {}
        return [
            _account_dict(account, unit_name) | {"activity": activity.get(account.id, [])}
            for account, unit_name in rows
        ]


def account(eng: Engine, account_id: int) -> dict[str, Any]:
    with eng.reading() as session:
        row = session.execute(
            select(Account, Unit.name)
            .join(Unit, Unit.id == Account.unit_id)
            .where(Account.id == account_id)
        ).first()
        if row is None:
            raise NotFound(f"Ukjend konto: {account_id}", "unknown_account")
        found = _account_dict(*row)
        found["activity"] = installed().activities(session, [account_id]).get(account_id, [])
        names = dict(
            session.execute(
                select(User.username, User.full_name).where(
                    User.username.in_(
                        [
                            found["owner"],
                            found["deputy"],
                            found["approved_by"],
                            *found["moderators"],
                        ]
                    )
                )
            ).all()
        )
        found["names"] = names
        return found


def _account_dict(account: Account, unit_name: str) -> dict[str, Any]:
    return {
        "id": account.id,
        "platform": account.platform,
        "account_name": account.account_name,
        "unit": account.unit_id,
        "unit_name": unit_name,
        "owner": account.owner,
        "deputy": account.deputy,
        "moderators": [m.username for m in account.moderators],
        "mailbox": account.mailbox,
        "closed_to_public": account.closed_to_public,
        "justification": account.justification,
        "status": account.status,
        "approved_by": account.approved_by,
        "approved_at": account.approved_at,
        "instance_id": account.instance_id,
    }


# --- directory ---------------------------------------------------------------------------------


def units(eng: Engine, *, include_inactive: bool = False) -> list[dict[str, Any]]:
    with eng.reading() as session:
        query = select(Unit).order_by(Unit.name)
        if not include_inactive:
            query = query.where(Unit.active.is_(True))
        return [
            {
                "id": u.id,
                "name": u.name,
                "kind": u.kind,
                "parent_id": u.parent_id,
                "active": u.active,
            }
            for u in session.scalars(query)
        ]


def users(eng: Engine, *, include_inactive: bool = False) -> list[dict[str, Any]]:
    with eng.reading() as session:
        query = select(User).order_by(User.full_name)
        if not include_inactive:
            query = query.where(User.active.is_(True))
        return [
            {
                "username": u.username,
                "full_name": u.full_name,
                "email": u.email,
                "unit_id": u.unit_id,
                "active": u.active,
                "roles": sorted(u.role_names),
            }
            for u in session.scalars(query)
        ]


def users_named(eng: Engine, usernames: list[str]) -> list[dict[str, Any]]:
    wanted = set(usernames)
    return [u for u in users(eng) if u["username"] in wanted]


def user(eng: Engine, username: str) -> dict[str, Any]:
    for found in users(eng, include_inactive=True):
        if found["username"] == username:
            return found
    raise NotFound(f"Ukjend brukar: {username}", "unknown_user", value=username)
