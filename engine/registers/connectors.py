"""Platform connectors: per-account bearer tokens, and the inquiries connectors post (issue 5).

A connector (a small service that watches one official account's comments and messages) holds
a token of that account. Only the SHA-256 of a token is stored: the secret is shown once, when
an admin creates it. The token is the connector's authority to register inquiries on its own
account; the case is owned by the account's owner (started_by must name a person), and the
audit trail names the token that really acted.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.bootstrap import Engine
from engine.bpmn.definitions import latest_definition
from engine.cases import services
from engine.clock import parse_moment
from engine.errors import Conflict, FormInvalid, NotFound, PermissionDenied, Unauthorized
from engine.forms import validation as forms
from engine.forms.context import FormContext
from engine.forms.values import as_id, text_problem
from engine.people.lanes import get_user, is_read_only
from engine.store import audit
from engine.store.models import Account, ApiToken, InboundMessage, User

# The inbound channel connectors post to; the process package that handles inquiries
# registers which process it starts (engine/extensions.py, channels).
CHANNEL = "inquiries"
SECRET_PREFIX = "sft_"  # recognisable in logs and by secret scanners
PREFIX_LENGTH = 12  # "sft_" and 8 random characters: tells tokens apart, gives nothing away
NAME_MAX = 100
MESSAGE_ID_MAX = 200

Errors = dict[str, tuple[str, dict[str, Any]]]


def hash_secret(secret: str) -> str:
    """The stored form of a token. A plain hash suffices: the secret has 256 random bits, so
    there is nothing to guess, and a lookup by hash needs a deterministic function."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


# --- tokens, for admins ------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    """A new token. `secret` exists only here: it is never stored or shown again."""

    id: int
    account_id: int
    name: str
    prefix: str
    secret: str


def create_token(
    eng: Engine, admin: str, account_id: int, name: str, *, shell: bool = False
) -> IssuedToken:
    """`shell=True` is the command line: whoever runs it has the server (like `deploy`), so no
    admin account is asked for; `admin` is then just the name the audit trail records."""
    now = eng.clock.now()
    name = (name or "").strip()
    with eng.transaction() as session:
        _admin(session, admin, writing=True, shell=shell)
        found = as_id(account_id) if not isinstance(account_id, str) else None
        account = session.get(Account, found) if found is not None else None
        errors: Errors = {}
        if account is None:
            errors["account_id"] = ("unknown_account_value", {"value": account_id})
        elif account.status != "active":
            errors["account_id"] = ("account_closed", {})
        if not name:
            errors["name"] = ("required", {})
        elif len(name) > NAME_MAX:
            errors["name"] = ("max_length", {"limit": NAME_MAX})
        if errors:
            raise FormInvalid(errors)
        secret = SECRET_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken(
            account_id=account_id,
            name=name,
            token_hash=hash_secret(secret),
            prefix=secret[:PREFIX_LENGTH],
            created_by=admin,
            created_at=now,
        )
        session.add(token)
        session.flush()
        audit.record(session, now, admin, "api_token_created", detail=_token_detail(token))
        return IssuedToken(token.id, account_id, name, token.prefix, secret)


def list_tokens(
    eng: Engine, admin: str, account_id: int | None = None, *, shell: bool = False
) -> list[dict[str, Any]]:
    """Every token (or one account's), newest first; never the secret, never the hash."""
    with eng.reading() as session:
        _admin(session, admin, writing=False, shell=shell)
        query = (
            select(ApiToken, Account)
            .join(Account, Account.id == ApiToken.account_id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
        if account_id is not None:
            query = query.where(ApiToken.account_id == account_id)
        return [
            {
                "id": token.id,
                "account_id": token.account_id,
                "account_name": account.account_name,
                "platform": account.platform,
                "name": token.name,
                "prefix": token.prefix,
                "created_by": token.created_by,
                "created_at": token.created_at,
                "last_used_at": token.last_used_at,
                "revoked_by": token.revoked_by,
                "revoked_at": token.revoked_at,
            }
            for token, account in session.execute(query)
        ]


def revoke_token(eng: Engine, admin: str, token_id: int, *, shell: bool = False) -> bool:
    """Revoke a token at once; False if it was already revoked (a second click changes
    nothing and records nothing)."""
    now = eng.clock.now()
    with eng.transaction() as session:
        _admin(session, admin, writing=True, shell=shell)
        token = session.get(ApiToken, token_id, with_for_update=True)
        if token is None:
            raise NotFound(f"Ukjend koplingsnøkkel: {token_id}", "unknown_token")
        if token.revoked_at is not None:
            return False
        token.revoked_by, token.revoked_at = admin, now
        audit.record(session, now, admin, "api_token_revoked", detail=_token_detail(token))
        return True


def _admin(session: Session, username: str, *, writing: bool, shell: bool) -> None:
    if shell:
        return
    user = get_user(session, username)
    if "admin" not in user.role_names:
        raise PermissionDenied("Berre administratorar kan gjere dette.", "admin_only")
    if writing and is_read_only(user):
        raise PermissionDenied("Revisorar kan lese alt, men ikkje endre noko.", "read_only")


def _token_detail(token: ApiToken) -> dict[str, Any]:
    return {
        "token_id": token.id,
        "account_id": token.account_id,
        "prefix": token.prefix,
        "name": token.name,
    }


# --- inquiries from connectors -----------------------------------------------------------------


@dataclass(frozen=True)
class Registration:
    instance_id: int
    duplicate: bool  # the message was registered before; nothing new was made


def register_inbound_inquiry(eng: Engine, secret: str, payload: Any) -> Registration:
    """Make a platform message into an inquiry, once.

    Raises Unauthorized (no valid token), PermissionDenied (a token of another account),
    Conflict (the account is closed) and FormInvalid (the payload, every field at once).
    """
    try:
        return _register(eng, secret, payload)
    except Conflict as exc:
        if not isinstance(exc.__cause__, IntegrityError):
            raise
        # The same message was registered by a concurrent request between our look-up and
        # our insert; this transaction was rolled back whole. Asking again finds that one.
        return _register(eng, secret, payload)


def channel_process(eng: Engine) -> str:
    """The process an inquiry from a connector starts."""
    channel = eng.registry.channels.get(CHANNEL)
    if channel is None:
        raise NotFound(
            "Ingen prosess tek imot førespurnader frå koplingar.", "unknown_process", value=CHANNEL
        )
    return channel.process_id


def _register(eng: Engine, secret: str, payload: Any) -> Registration:
    now = eng.clock.now()
    with eng.transaction() as session:
        token = _authenticate(session, secret, now)  # first: strangers learn nothing more
        if not isinstance(payload, dict):
            raise FormInvalid({"_body": ("json_object", {})})
        fields = dict(payload)
        message_id = fields.pop("platform_message_id", None)
        envelope = _envelope_errors(message_id, fields)
        claimed = fields.get("account_id")
        if _is_integer(claimed) and claimed != token.account_id:
            raise PermissionDenied(
                "Koplingsnøkkelen høyrer til ein annan konto.", "token_other_account"
            )
        account = session.get(Account, token.account_id)
        assert account is not None  # the token's foreign key; accounts are closed, never deleted
        if account.status != "active":
            raise Conflict(
                "Kontoen er ikkje aktiv i kontoregisteret og tek ikkje imot førespurnader.",
                "account_closed",
            )
        owner = session.get(User, account.owner)  # may have left; the case is still theirs
        assert owner is not None  # the account's foreign key: one who left is deactivated
        context = FormContext(
            session, owner, {}, now=eng.clock.now(), connector_account_id=account.id
        )
        if envelope:  # report the whole payload's problems at once, then stop
            _collect_form_errors(eng, session, fields, context, envelope)
            raise FormInvalid(envelope)
        # A retry is answered from what was stored the first time, whatever else changed in
        # the body (an edited comment is still the same message); the account must match.
        existing = session.get(InboundMessage, (account.id, message_id))
        if existing is not None and claimed == account.id:
            return Registration(existing.instance_id, duplicate=True)
        instance = services.open_instance(
            eng,
            session,
            channel_process(eng),
            owner,
            fields,
            context=context,
            via=f"connector:{token.prefix}",
            audit_detail={
                "connector": f"{token.prefix}/{token.name}",
                "token_id": token.id,
                "platform_message_id": message_id,
            },
        )
        session.add(
            InboundMessage(
                account_id=account.id,
                platform_message_id=message_id,
                instance_id=instance.id,
                received_at=parse_moment(fields["received_at"].strip()),
            )
        )
        session.flush()  # a concurrent twin fails here, inside the transaction
        return Registration(instance.id, duplicate=False)


def _authenticate(session: Session, secret: str, now: datetime) -> ApiToken:
    """The active token with this secret, locked: requests of one connector take turns, so a
    retry that overlaps its original finds it instead of racing it."""
    refused = Unauthorized(
        "Koplingsnøkkelen manglar, er ukjend eller er trekt tilbake.", "token_invalid"
    )
    if not secret or not secret.startswith(SECRET_PREFIX):
        raise refused
    wanted = hash_secret(secret)
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == wanted).with_for_update())
    # The index found the row; compare in constant time anyway, so no code path leaks timing.
    # Unknown and revoked tokens get the same answer: a caller learns nothing about which.
    if token is None or not hmac.compare_digest(token.token_hash, wanted):
        raise refused
    if token.revoked_at is not None:
        raise refused
    token.last_used_at = now  # committed with the request's work; a refused request leaves it
    return token


def _envelope_errors(message_id: Any, fields: dict[str, Any]) -> Errors:
    """What the API asks beyond the start form: the platform's message id, and when the message
    came in, with a zone (a connector's local time without one would move the deadline)."""
    errors: Errors = {}
    if message_id is None or (isinstance(message_id, str) and not message_id.strip()):
        errors["platform_message_id"] = ("required", {})
    elif not isinstance(message_id, str):
        errors["platform_message_id"] = ("type", {"expected": "string"})
    elif len(message_id) > MESSAGE_ID_MAX:
        errors["platform_message_id"] = ("max_length", {"limit": MESSAGE_ID_MAX})
    else:  # stored as it is: a lone surrogate or a NUL could not be
        problem = text_problem(message_id, one_line=True)
        if problem:
            errors["platform_message_id"] = problem
    received = fields.get("received_at")
    if received is None or (isinstance(received, str) and not received.strip()):
        # The form would default to now; a connector knows when the message came in, and a
        # silent "now" would move the 24-hour deadline.
        errors["received_at"] = ("required", {})
    elif isinstance(received, str):
        try:
            naive = datetime.fromisoformat(received.strip()).tzinfo is None
        except ValueError:
            naive = False  # the form check reports it as no moment at all
        if naive:
            errors["received_at"] = ("date_time_zone", {"value": received})
    return errors


def _collect_form_errors(
    eng: Engine,
    session: Session,
    fields: dict[str, Any],
    context: FormContext,
    errors: Errors,
) -> None:
    """Add the start form's field errors to `errors` (the envelope's come first)."""
    definition = latest_definition(session, channel_process(eng))
    schema = services.step_form(eng, definition, definition.task_meta.get("start_form"))
    try:
        forms.validate(schema, fields, context)
    except FormInvalid as exc:
        for name, error in exc.errors.items():
            errors.setdefault(name, error)


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
