"""Login with local users (argon2 hashes), sessions by Flask-Login, failed logins rate-limited."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from engine.errors import NotFound
from engine.people import directory, sessions
from engine.people.lanes import get_user, is_read_only
from web.extensions import engine, limiter, login_manager
from web.i18n import safe_next

bp = Blueprint("auth", __name__)


@dataclass
class WebUser:
    """The signed-in person as the pages need them; loaded fresh on every request, so a
    deactivated user or a changed role takes effect at once."""

    username: str
    full_name: str
    unit_id: str
    roles: frozenset[str] = field(default_factory=frozenset)
    language: str = "nn"
    read_only: bool = False
    is_authenticated: bool = True
    is_active: bool = True
    is_anonymous: bool = False

    def get_id(self) -> str:
        return self.username

    def has_any(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))


# The key of the signed cookie that holds the server-side session's token.
SESSION_TOKEN = "sid"


def _limits() -> sessions.SessionLimits:
    return current_app.config["SESSION_LIMITS"]


@login_manager.user_loader
def load_user(username: str) -> WebUser | None:
    """The person of this request's session, if it is still open on the server (logout,
    deactivation, a new password or the idle and age limits end it), else nobody."""
    if not sessions.session_valid(engine(), session.get(SESSION_TOKEN), username, _limits()):
        return None
    return _person(username)


def _person(username: str) -> WebUser | None:
    try:
        with engine().reading() as session:
            user = get_user(session, username)
            return WebUser(
                username=user.username,
                full_name=user.full_name,
                unit_id=user.unit_id,
                roles=frozenset(user.role_names),
                language=user.language,
                read_only=is_read_only(user),
            )
    except NotFound:
        return None


login_manager.login_view = "auth.login"
login_manager.login_message = None  # the login page explains itself


def roles_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Only users holding one of `roles`; others get the 403 page."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.has_any(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def _failed_login(response: Response) -> bool:
    return request.method == "POST" and response.status_code == 401


def _login_limit() -> str:
    return f"{current_app.config['LOGIN_FAILURES_PER_MINUTE']} per minute"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed_login)
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("inbox.index"))
    error = None
    username = request.form.get("username", "").strip()
    if request.method == "POST":
        password = request.form.get("password", "")
        if username and password and directory.authenticate(engine(), username, password):
            person = _person(username)
            assert person is not None  # authenticate checked that they are active
            # A fresh session: nothing of the anonymous one carries over, the CSRF secret
            # included (Flask-WTF makes a new one), and the server knows this one by its token.
            session.clear()
            session[SESSION_TOKEN] = sessions.open_session(engine(), username, _limits())
            login_user(person)
            session["lang"] = person.language  # the pages speak the person's chosen language
            return redirect(safe_next(request.args.get("next"), url_for("inbox.index")))
        error = _("Wrong username or password.")
    status = 401 if error else 200
    return render_template("login.html", error=error, username=username), status


@bp.post("/logout")
@login_required
def logout() -> Response:
    sessions.end_session(engine(), session.get(SESSION_TOKEN))  # a copied cookie dies with it
    chosen = session.get("lang")
    logout_user()
    session.clear()
    if chosen:
        session["lang"] = chosen
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))
