"""Errors a person can cause. Each carries the HTTP status that fits it."""

from __future__ import annotations

from typing import Any

from engine.texts import translate


class SomeflytError(Exception):
    """`message` is Nynorsk (CLI, logs); `code` and `params` let a page say it in any language."""

    status = 400

    def __init__(self, message: str, code: str | None = None, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.params = params

    def localized(self, lang: str) -> str:
        return translate(self.code, self.params, lang) if self.code else self.message

    def as_dict(self) -> dict[str, Any]:
        return {"error": type(self).__name__, "message": self.message}


class NotFound(SomeflytError):
    status = 404


class Unauthorized(SomeflytError):
    """No valid credentials (a connector's missing, unknown or revoked token)."""

    status = 401


class PermissionDenied(SomeflytError):
    status = 403


class Conflict(SomeflytError):
    status = 409


class DatabaseUnavailable(SomeflytError):
    """The database does not answer (down, restarting, unreachable): nothing was saved, and the
    same request may simply be sent again in a moment. Not a conflict: nobody changed anything."""

    status = 503

    def __init__(self) -> None:
        super().__init__(
            "Databasen svarar ikkje akkurat no. Prøv igjen om litt.", "database_unavailable"
        )


class TaskAlreadyCompleted(Conflict):
    def __init__(self, task_name: str, completed_by: str | None) -> None:
        who = completed_by or "systemet"
        super().__init__(
            f"Oppgåva «{task_name}» er allereie fullført av {who}.",
            "task_already_completed",
            task=task_name,
            who=who,
        )
        self.completed_by = completed_by


class DefinitionInvalid(SomeflytError):
    """A BPMN/DMN/form bundle that may not be deployed; `problems` name file, element and line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("Ugyldig prosessdefinisjon:\n" + "\n".join(f"  - {p}" for p in problems))
        self.problems = problems

    def as_dict(self) -> dict[str, Any]:
        return super().as_dict() | {"problems": self.problems}


class FormInvalid(SomeflytError):
    """Form input that breaks a rule; `errors` maps a field to a message code and its params."""

    def __init__(self, errors: dict[str, tuple[str, dict[str, Any]]]) -> None:
        self.errors = errors
        lines = "\n".join(f"  - {field}: {text}" for field, text in self.messages().items())
        super().__init__("Skjemaet har feil:\n" + lines)

    def messages(self, lang: str = "nn") -> dict[str, str]:
        return {field: translate(code, args, lang) for field, (code, args) in self.errors.items()}

    def as_dict(self) -> dict[str, Any]:
        return super().as_dict() | {"errors": self.messages()}


class WorkflowFailed(SomeflytError):
    """The diagram itself failed while running (a bad expression, a broken state)."""

    status = 500
