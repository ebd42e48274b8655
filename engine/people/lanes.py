"""Roles, lanes and the directory of people: who may act on which human task."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from engine.errors import NotFound
from engine.forms.values import as_id
from engine.people.context import InstanceContext
from engine.store.models import Account, AccountModerator, Unit, User, UserRole

# Roles a user can hold (stored in user_role). "applicant" is everyone who is not only an auditor.
ROLES: dict[str, str] = {
    "admin": "Administrator",
    "head_of_information": "Informasjonssjef",
    "principal": "Rektor",
    "comms": "Kommunikasjonsseksjonen",
    "management": "Leiinga",
    "political": "Politisk sekretariat",
    "auditor": "Revisor",
}

# Lanes name roles. These are the lanes every process may use; a process package registers
# lanes of its own (engine.extensions), such as one resolved from the case by a routing table.
CORE_LANES: dict[str, str] = {
    "Søkjar": "starter",
    "Informasjonssjef": "role:head_of_information",
    "Kommunikasjonsseksjonen": "role:comms",
    "Informasjonsseksjonen": "role:comms",  # the policy's name for the same section (G9)
    "Leiinga": "role:management",
    "Politisk sekretariat": "role:political",
    "Administrator": "role:admin",
    # An official account's own people, named by the instance data field `account_id`.
    "Moderator": "account_team",
}

# A lane a package resolves itself: the stored rule and who it names today.
LaneResolver = Callable[[InstanceContext, Session], tuple[str, set[str]]]

# Where a decision goes when nobody under a rule may take it (the only head of information
# drafted the answer they would approve): one step up, as for applications.
STEP_UP: dict[str, str] = {"role:head_of_information": "role:management"}

# A rule may exclude people: "role:head_of_information|not:komm1" (four eyes: who drafted an
# answer does not approve it). The exclusions are part of the stored rule, so re-resolving
# candidates after membership changes keeps them.
_EXCLUDED = "|not:"
_WITH_STARTER = "|with-starter"

# Rules naming the people of one account ("account_team:7"). The team rules include the person
# who started the case: a moderator who registers an inquiry also answers it (no four-eyes
# rule). "account_owner" (the owner, or the comms section) decides on what the team drafted, so
# it leaves the starter out like every other decision.
ACCOUNT_RULES = frozenset({"account_team", "account_deputy", "account_owner"})
_TEAM_RULES = frozenset({"account_team", "account_deputy"})


def resolve_lane(
    lane: str | None,
    ctx: InstanceContext,
    session: Session,
    lanes: Mapping[str, str | LaneResolver],
) -> tuple[str, set[str]]:
    """The stored, re-resolvable rule for a lane (e.g. "principal:alesund_vgs") and who it
    names today. `lanes` are the lanes known: CORE_LANES and those the packages registered."""
    rule = lanes.get((lane or "").strip(), "starter")
    if callable(rule):
        return rule(ctx, session)
    if rule == "starter":
        rule = starter_rule(ctx.started_by)
    if rule in ACCOUNT_RULES:
        account_id = ctx.data.get("account_id")
        # A case about no particular account (a reputation matter any employee reported):
        # its moderator steps fall to the person who reported it.
        rule = f"{rule}:{account_id}" if account_id else starter_rule(ctx.started_by)
    if ctx.starter_acts and not includes_starter(rule, ctx.started_by):
        rule += _WITH_STARTER
    return rule, candidates_for(rule, ctx.started_by, session)


def separated(
    rule: str, excluded: set[str], started_by: str, session: Session
) -> tuple[str, set[str]]:
    """The rule without `excluded` people, stepping up (STEP_UP) while that leaves nobody."""
    suffix = _WITH_STARTER if rule.endswith(_WITH_STARTER) else ""
    base = rule.removesuffix(_WITH_STARTER)
    while True:
        narrowed = base + suffix + "".join(f"{_EXCLUDED}{name}" for name in sorted(excluded))
        people = candidates_for(narrowed, started_by, session)
        if people or base not in STEP_UP:
            return narrowed, people
        base = STEP_UP[base]


def _split(rule: str) -> tuple[str, set[str], bool]:
    """A stored rule's base rule, the people it excludes, and whether it names the starter."""
    base, *excluded = rule.split(_EXCLUDED)
    with_starter = base.endswith(_WITH_STARTER)
    return base.removesuffix(_WITH_STARTER), set(excluded), with_starter


def starter_rule(started_by: str) -> str:
    """The rule of a lane that names the person who started the case (Søkjar)."""
    return f"user:{started_by}"


def includes_starter(rule: str, started_by: str) -> bool:
    """Whether the person who started the case may act on a task under this rule: on their own
    lane (Søkjar) and on an account's team lanes, never on a decision about their own case."""
    base, _excluded, with_starter = _split(rule)
    return with_starter or base == starter_rule(started_by) or base.partition(":")[0] in _TEAM_RULES


def candidates_for(rule: str, started_by: str, session: Session) -> set[str]:
    """Who a stored rule names today; the starter only where the rule includes them."""
    base, excluded, _with_starter = _split(rule)
    users = resolve_rule(base, session) - excluded
    return users if includes_starter(rule, started_by) else users - {started_by}


def resolve_rule(rule: str, session: Session) -> set[str]:
    """The active users a rule names today."""
    kind, _, value = rule.partition(":")
    query = select(User.username).where(User.active.is_(True))
    if kind == "user":
        query = query.where(User.username == value)
    elif kind == "role":
        query = query.join(UserRole).where(UserRole.role == value)
    elif kind == "principal":
        query = query.join(UserRole).where(UserRole.role == "principal", User.unit_id == value)
    elif kind in ACCOUNT_RULES:
        return _account_people(kind, value, session) & set(session.scalars(query))
    else:
        raise ValueError(f"unknown candidate rule {rule!r}")
    return set(session.scalars(query))


def _account_people(kind: str, account_id: str, session: Session) -> set[str]:
    """The owner, deputy and moderators of an active account (account_team), its deputy, or
    its owner together with the comms section (account_owner)."""
    found = as_id(account_id)
    account = session.get(Account, found) if found is not None else None
    if account is None or account.status != "active":
        return set()
    if kind == "account_deputy":
        return {account.deputy}
    if kind == "account_owner":
        return {account.owner} | resolve_rule("role:comms", session)
    moderators = session.scalars(
        select(AccountModerator.username).where(AccountModerator.account_id == account.id)
    )
    return {account.owner, account.deputy, *moderators}


def get_user(session: Session, username: str) -> User:
    user = session.get(User, username, options=[selectinload(User.roles)])
    if user is None or not user.active:
        raise NotFound(f"Ukjend eller inaktiv brukar: {username}", "unknown_user", value=username)
    return user


def is_read_only(user: User) -> bool:
    """Auditors read everything and change nothing, whatever other roles they hold."""
    return "auditor" in user.role_names


def unit_and_descendants(session: Session, unit_id: str) -> set[str]:
    units = {u.id: u.parent_id for u in session.scalars(select(Unit))}
    found = {unit_id}
    changed = True
    while changed:
        children = {uid for uid, parent in units.items() if parent in found} - found
        found |= children
        changed = bool(children)
    return found
