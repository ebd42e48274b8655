"""The process interface: what a process folder may add to the generic engine.

A process is one folder, `workflows/<process_id>/`. Where it needs code, its `rules.py`
defines `register(registry: Registry) -> None` and fills the extension points below; the
engine finds every installed folder (`installed()`) and never names one of them itself.

- checks (form `x-checks`): cross-field policy rules, `(data, ctx) -> {field: (code, params)}`;
- derives (form `x-derive`): facts the server adds to the submitted data;
- operators (`spiffworkflow:serviceTaskOperator`): effects of a service task, applied in the
  transaction of the step;
- lanes: a lane name and the candidate rule it stands for ("role:comms"), or a resolver
  that computes the rule from the case (a school's principal from the routing table);
- recipients (`notify`'s recipients): a named group worked out from the case data;
- account_activity: what keeps an account busy now (an open inquiry, a crisis hold, a
  pause), each with a message code: the registry shows it, and closing waits for it;
- notices: banners every signed-in page carries (a crisis in force);
- read_models: named queries a page shows (the comms overview), so the web asks for a read
  model by name instead of knowing a process;
- channels: an inbound channel (platform connectors' inquiries) and the process it starts;
- subscribers: what a package does when a register reports an event (a consent withdrawn:
  start the removal of the photos that relied on it), in the transaction of the change.

A diagram that names an operator, check, derive or lane nobody registered is refused
at deploy, which says which are missing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from types import ModuleType
from typing import Any

from sqlalchemy.orm import Session

from engine.bpmn.scripting import ServiceCall
from engine.forms import builtin
from engine.forms.context import Errors, FormContext
from engine.packages import PACKAGE_ROOT, package_folders
from engine.people.lanes import CORE_LANES, LaneResolver
from engine.store.models import ProcessInstance, User

Check = Callable[[dict[str, Any], FormContext], Errors]
Derive = Callable[[dict[str, Any], FormContext], dict[str, Any]]
Operator = Callable[[Session, ProcessInstance, ServiceCall, str, datetime], None]
Recipients = Callable[[Session, ProcessInstance, dict[str, Any]], list[str]]


@dataclass(frozen=True)
class Activity:
    """Something going on with an account now, said as a message code with its parameters."""

    code: str
    params: dict[str, Any]
    instance_id: int | None = None
    until: datetime | None = None
    # Whether everyone signed in may read it (a forum paused, a crisis hold); otherwise only
    # the account's team and those who see every case (how many inquiries are open).
    public: bool = True


@dataclass(frozen=True)
class Notice:
    """A banner on every page for a signed-in person: a message code (its params may hold a
    `title` for the heading and a `since` moment) and the case it is about."""

    code: str
    params: dict[str, Any]
    instance_id: int
    kind: str = "notice"  # names the banner's style: the page marks it up as `<kind>-banner`


AccountActivity = Callable[[Session, list[int]], dict[int, list[Activity]]]
# (engine, session, acting username, the event's facts) -> ids of the cases it started
Subscriber = Callable[[Any, Session, str, dict[str, Any]], list[int]]
Notices = Callable[[Session, User], list[Notice]]


@dataclass(frozen=True)
class ReadModel:
    """A named view a page shows (the comms overview): the query `query(eng, username)`, who
    may read it, and facts the page states about it (e.g. the window it counts over)."""

    query: Callable[..., Any]
    roles: frozenset[str]
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Channel:
    """An inbound channel: what a platform connector's call starts."""

    process_id: str


class DuplicateExtension(ValueError):
    """Two packages registered different things under one name."""


@dataclass
class Registry:
    """Every extension the installed process packages registered, by kind and name."""

    checks: dict[str, Check] = field(default_factory=dict)
    derives: dict[str, Derive] = field(default_factory=dict)
    operators: dict[str, Operator] = field(default_factory=dict)
    lanes: dict[str, str | LaneResolver] = field(default_factory=dict)
    recipients: dict[str, Recipients] = field(default_factory=dict)
    read_models: dict[str, ReadModel] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    account_activity: list[AccountActivity] = field(default_factory=list)
    notices: list[Notices] = field(default_factory=list)
    subscribers: dict[str, list[Subscriber]] = field(default_factory=dict)
    packages: list[str] = field(default_factory=list)

    def add(self, kind: str, name: str, value: Any) -> None:
        """Register `value` as the `kind` called `name`. The same object twice is allowed (a
        shared rule that two packages both use); two different ones under one name are not."""
        table: dict[str, Any] = getattr(self, kind)
        if name in table and table[name] is not value:
            raise DuplicateExtension(f"{kind} {name!r} is registered twice")
        table[name] = value

    def check(self, name: str, check: Check) -> None:
        self.add("checks", name, check)

    def derive(self, name: str, derive: Derive) -> None:
        self.add("derives", name, derive)

    def operator(self, name: str, operator: Operator) -> None:
        self.add("operators", name, operator)

    def lane(self, name: str, rule: str | LaneResolver) -> None:
        self.add("lanes", name, rule)

    def recipient(self, name: str, recipients: Recipients) -> None:
        self.add("recipients", name, recipients)

    def read_model(self, name: str, model: ReadModel) -> None:
        self.add("read_models", name, model)

    def channel(self, name: str, process_id: str) -> None:
        self.add("channels", name, Channel(process_id))

    def activity(self, source: AccountActivity) -> None:
        if source not in self.account_activity:
            self.account_activity.append(source)

    def notice(self, source: Notices) -> None:
        if source not in self.notices:
            self.notices.append(source)

    def subscribe(self, event: str, subscriber: Subscriber) -> None:
        handlers = self.subscribers.setdefault(event, [])
        if subscriber not in handlers:
            handlers.append(subscriber)

    def publish(
        self, eng: Any, session: Session, actor: str, event: str, facts: dict[str, Any]
    ) -> list[int]:
        """Tell every subscriber of `event`; the cases they started, in order."""
        started: list[int] = []
        for subscriber in self.subscribers.get(event, []):
            started += subscriber(eng, session, actor, facts)
        return started

    def activities(self, session: Session, account_ids: list[int]) -> dict[int, list[Activity]]:
        """What keeps each of these accounts busy now, from every package."""
        found: dict[int, list[Activity]] = {account_id: [] for account_id in account_ids}
        for source in self.account_activity:
            for account_id, items in source(session, account_ids).items():
                found.setdefault(account_id, []).extend(items)
        return found

    def notices_for(self, session: Session, user: User) -> list[Notice]:
        return [notice for source in self.notices for notice in source(session, user)]


def discover() -> list[ModuleType]:
    """The `rules` module of every process folder that has one, in name order."""
    return [
        importlib.import_module(f"{PACKAGE_ROOT}.{folder.name}.rules")
        for folder in package_folders()
        if (folder / "rules.py").is_file()
    ]


def build(modules: list[ModuleType]) -> Registry:
    """The engine's own lanes and form rules, then every package's."""
    registry = Registry()
    for name, rule in CORE_LANES.items():
        registry.lane(name, rule)
    builtin.register(registry)
    for module in modules:
        register = getattr(module, "register", None)
        if not callable(register):
            raise TypeError(f"{module.__name__} defines no register(registry)")
        register(registry)
        registry.packages.append(module.__name__.rsplit(".", 2)[-2])
    return registry


@cache
def installed() -> Registry:
    """The registry of every installed process package, built once per process."""
    return build(discover())
