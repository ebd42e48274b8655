"""The relational schema of the engine. Its Alembic migrations (engine/store/migrations) create
exactly this; a process package owns its tables and migrations in its own folder."""

from __future__ import annotations

from datetime import date, datetime
from types import MappingProxyType
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from engine.store.inbox_indexes import candidate_indexes, open_task_indexes
from engine.store.types import UTCDateTime


class Base(DeclarativeBase):
    type_annotation_map: ClassVar = {dict[str, Any]: JSON, list[Any]: JSON, datetime: UTCDateTime}


# --- people ------------------------------------------------------------------------------------


class Unit(Base):
    __tablename__ = "unit"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))  # administration | department | school
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("unit.id"))
    # A closed unit stays for history (cases, accounts) but takes no new people or cases.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class User(Base):
    __tablename__ = "app_user"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    unit_id: Mapped[str] = mapped_column(ForeignKey("unit.id"))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The language the person reads: pages after login, and every e-mail sent to them.
    language: Mapped[str] = mapped_column(String(8), default="nn", server_default="nn")
    roles: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", order_by="UserRole.role"
    )

    @property
    def role_names(self) -> set[str]:
        return {r.role for r in self.roles}


class WebSession(Base):
    """A signed-in browser (issue 14): the cookie holds a random token, this row its hash.
    Logout, deactivation and a new password delete the rows; idle and age limits end them."""

    __tablename__ = "web_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the token
    username: Mapped[str] = mapped_column(ForeignKey("app_user.username"), index=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class UserRole(Base):
    __tablename__ = "user_role"

    username: Mapped[str] = mapped_column(ForeignKey("app_user.username"), primary_key=True)
    role: Mapped[str] = mapped_column(String(64), primary_key=True)


# --- definitions and instances -----------------------------------------------------------------


class ProcessDefinition(Base):
    __tablename__ = "process_definition"
    __table_args__ = (UniqueConstraint("process_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_id: Mapped[str] = mapped_column(String(128), index=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # file name -> text; loaded only when the definition cache parses a version the first time
    files: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    task_meta: Mapped[dict[str, Any]] = mapped_column(JSON)  # element id -> form, due, lane …
    deployed_at: Mapped[datetime]
    deployed_by: Mapped[str] = mapped_column(String(64))


class ProcessInstance(Base):
    __tablename__ = "process_instance"
    __table_args__ = (Index("ix_process_instance_next_timer_at", "next_timer_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"))
    process_id: Mapped[str] = mapped_column(String(128), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)  # running | completed | failed
    outcome: Mapped[str | None] = mapped_column(String(200))
    business_key: Mapped[str | None] = mapped_column(String(200), index=True)
    title: Mapped[str] = mapped_column(String(300))  # in Nynorsk: search, audit, the archive
    # The values of the title template's placeholders, so a reader sees the title in their
    # language (engine.texts.titles); None for a case from before they were kept (0007).
    title_facts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    started_by: Mapped[str] = mapped_column(ForeignKey("app_user.username"))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    next_timer_at: Mapped[datetime | None]
    # The case that started this one (an inquiry's reputation escalation), if any. No foreign
    # key: SQLite cannot add one to an existing table, and instances are never deleted.
    parent_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # The official account the case is about (process data `account_id`), for per-account views.
    account_id: Mapped[int | None] = mapped_column(Integer, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str] = mapped_column(Text)  # SpiffWorkflow JSON, without the spec

    # Optimistic concurrency: an UPDATE that finds another version fails instead of overwriting.
    # Read-only, as a mutable class attribute would want ClassVar, which the declarative base's
    # own annotation of __mapper_args__ (an instance attribute) does not allow.
    __mapper_args__ = MappingProxyType({"version_id_col": version})


class HumanTask(Base):
    """Projection of the READY user/manual tasks; the inbox reads only this table."""

    __tablename__ = "human_task"
    __table_args__ = (Index("ix_human_task_open", "status", "instance_id"), *open_task_indexes())

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the Spiff task id
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    process_id: Mapped[str] = mapped_column(String(128))
    element_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(200))
    lane: Mapped[str | None] = mapped_column(String(128))
    # How candidates are found ("role:head_of_information", "principal:alesund_vgs",
    # "user:laerar.alesund"), so they can be resolved again when memberships change.
    candidate_rule: Mapped[str] = mapped_column(String(200))
    assignee: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # open | completed | cancelled
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))  # whose step made it ready
    due_at: Mapped[datetime | None]
    completed_by: Mapped[str | None] = mapped_column(String(64))
    completed_at: Mapped[datetime | None]
    candidate_rows: Mapped[list[HumanTaskCandidate]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="HumanTaskCandidate.username"
    )

    @property
    def candidates(self) -> list[str]:
        return [row.username for row in self.candidate_rows]


class HumanTaskCandidate(Base):
    """One row per user who may act on an open human task: the inbox query joins it."""

    __tablename__ = "human_task_candidate"
    __table_args__ = candidate_indexes()  # a person's open tasks as one range (0010)

    task_id: Mapped[str] = mapped_column(ForeignKey("human_task.id"), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), primary_key=True)


class EventSubscription(Base):
    """Projection of the messages and signals a running case waits for (engine.bpmn.waiting),
    rewritten at every step: an event from outside finds its cases here by kind and name."""

    __tablename__ = "event_subscription"
    __table_args__ = (Index("ix_event_subscription_kind_name", "kind", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # message | signal
    name: Mapped[str | None] = mapped_column(String(200))  # None: a catch without messageRef
    element_id: Mapped[str] = mapped_column(String(128))
    correlation: Mapped[dict[str, Any]] = mapped_column(JSON)  # property -> the case's value


# --- registry, audit, outbox -------------------------------------------------------------------


class Account(Base):
    """The registry of official social-media accounts (A1)."""

    __tablename__ = "account"
    __table_args__ = (Index("ix_account_unit_platform_status", "unit_id", "platform", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    account_name: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[str] = mapped_column(ForeignKey("unit.id"), index=True)
    owner: Mapped[str] = mapped_column(ForeignKey("app_user.username"))
    deputy: Mapped[str] = mapped_column(ForeignKey("app_user.username"))
    mailbox: Mapped[str | None] = mapped_column(String(254))
    closed_to_public: Mapped[bool] = mapped_column(Boolean, default=False)
    justification: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # active | closed
    approved_by: Mapped[str] = mapped_column(String(64))
    approved_at: Mapped[datetime]
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    moderators: Mapped[list[AccountModerator]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="AccountModerator.username"
    )


class AccountModerator(Base):
    """A5: moderator role for one account only."""

    __tablename__ = "account_moderator"

    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("app_user.username"), primary_key=True)


class AuditEvent(Base):
    """Append-only, hash-chained history of every state change."""

    __tablename__ = "audit_event"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(64))
    instance_id: Mapped[int | None] = mapped_column(Integer, index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # HMAC of `hash` with the audit key, which the database never holds (engine/store/audit.py);
    # empty for events from before the key existed (0009).
    mac: Mapped[str | None] = mapped_column(String(64))


class AuditHead(Base):
    """One row: the last sequence number and hash. Locking it serializes chain appends."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


class OutboxMessage(Base):
    """Side effects written in the state change's transaction; Celery delivers them later."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_recipient", "recipient", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))  # notification
    recipient: Mapped[str] = mapped_column(String(64))
    template: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    instance_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # pending -> sending (claimed by a worker until lease_until) -> sent | failed (shown to admins)
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    next_attempt_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    read_at: Mapped[datetime | None]  # seen in the app's notification list


# --- inquiries: saved replies, absences, connectors --------------------------------------------


class SavedReply(Base):
    """A reply template per purpose and tone, in both written standards (G3, G7, G8, G10, E5).

    The routing table names templates by `key`; placeholders are "{author}", "{account_name}" …
    """

    __tablename__ = "saved_reply"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(32))
    tone: Mapped[str | None] = mapped_column(String(16))  # factual | humorous | formal
    title_nn: Mapped[str] = mapped_column(String(200))
    title_nb: Mapped[str] = mapped_column(String(200))
    text_nn: Mapped[str] = mapped_column(Text)
    text_nb: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(64))


class Absence(Base):
    """A registered absence (G2b): while it lasts, new tasks for the person go to the deputy."""

    __tablename__ = "absence"
    __table_args__ = (Index("ix_absence_user_period", "username", "starts_at", "ends_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("app_user.username"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]  # kept, not deleted: history says who was away when


class ApiToken(Base):
    """A connector's credential for one account; only a hash of the secret is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # shown to admins to tell tokens apart
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    revoked_by: Mapped[str | None] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class InboundMessage(Base):
    """A platform message already made into an inquiry: the same message twice makes one case."""

    __tablename__ = "inbound_message"

    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), primary_key=True)
    platform_message_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    received_at: Mapped[datetime]


# --- posts: the consent register (G11) ---------------------------------------------------------


class Consent(Base):
    """A person's consent to be shown in photos on official accounts (G11). Never deleted: a
    withdrawal is recorded on the row, so history keeps which posts relied on what, and when.

    Only what the rule needs is kept about the person (name, whether under 15); the signed
    consent itself stays where `storage` says (archive, case number)."""

    __tablename__ = "consent"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_name: Mapped[str] = mapped_column(String(200), index=True)
    under_15: Mapped[bool] = mapped_column(Boolean, default=False)  # then a guardian consents
    given_by: Mapped[str] = mapped_column(String(16))  # self | guardian
    guardian_name: Mapped[str | None] = mapped_column(String(200))
    given_on: Mapped[date] = mapped_column(Date)
    # Scope: one official account, or (None) every official account of the county; the
    # purposes and period in words; and an optional last day.
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    scope: Mapped[str] = mapped_column(Text)
    valid_until: Mapped[date | None] = mapped_column(Date)
    storage: Mapped[str] = mapped_column(String(300))  # where the signed consent is kept
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by: Mapped[str | None] = mapped_column(String(64))
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)


class PostConsent(Base):
    """Which consents an approved post relies on, per photo (G11): a
    withdrawal finds every post that used the consent here."""

    __tablename__ = "post_consent"
    __table_args__ = (UniqueConstraint("instance_id", "consent_id", "photo"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    consent_id: Mapped[int] = mapped_column(ForeignKey("consent.id"), index=True)
    photo: Mapped[str] = mapped_column(String(200))  # the photo's label in the post
    recorded_at: Mapped[datetime]
