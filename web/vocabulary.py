"""Names of statuses, events, roles and kinds of unit, in the reader's language."""

from __future__ import annotations

from flask_babel import gettext as _

from engine.texts import HISTORY_CONTEXT, package_text
from web.i18n import lang


def status_label(status: str) -> str:
    return {
        "running": _("In progress"),
        "completed": _("Completed"),
        "failed": _("Stopped by an error"),
        "open": _("Open"),
        "cancelled": _("Cancelled"),
        "active": _("Active"),
        "closed": _("Closed"),
    }.get(status, status)


def event_label(kind: str) -> str:
    return (
        {
            "instance_started": _("Case started"),
            "task_completed": _("Task completed"),
            "task_claimed": _("Task claimed"),
            "task_released": _("Task released"),
            "task_delegated": _("Task delegated"),
            "timer_fired": _("Deadline reached"),
            "notification_queued": _("Notification queued"),
            "instance_completed": _("Case completed"),
            "child_started": _("Linked case started"),
            "message_sent": _("Message sent to a linked case"),
            "message_received": _("Message received from a linked case"),
            "event_received": _("Event received from outside"),
            "event_refused": _("Event from outside refused"),
            "instance_failed": _("Case stopped by an error"),
            "task_reassigned": _("Task handed over at the deadline"),
            "task_reassign_failed": _("Task could not be handed over"),
            "archive_handoff_queued": _("Handed to the archive"),
            "notification_failed": _("Notification could not be delivered"),
            "notification_retried": _("Notification sent again"),
            "saved_reply_created": _("Saved reply created"),
            "saved_reply_changed": _("Saved reply changed"),
            "saved_reply_deactivated": _("Saved reply deactivated"),
            "saved_reply_reactivated": _("Saved reply reactivated"),
            "absence_registered": _("Absence registered"),
            "absence_cancelled": _("Absence cancelled"),
            "task_assigned_for_absence": _("Task given to the deputy: the owner is away"),
            "absent_candidates_left_out": _("Absent people left out of the task"),
            "api_token_created": _("Connector token created"),
            "api_token_revoked": _("Connector token revoked"),
            "consent_registered": _("Consent registered"),
            "consent_withdrawn": _("Consent withdrawn"),
        }.get(kind)
        or package_text(HISTORY_CONTEXT, kind, lang())
        or kind
    )


def role_label(role: str) -> str:
    return {
        "admin": _("Administrator"),
        "head_of_information": _("Head of information"),
        "principal": _("Principal"),
        "comms": _("Communications section"),
        "management": _("Management"),
        "political": _("Political secretariat"),
        "auditor": _("Auditor"),
        "starter": _("The person who started the case"),
    }.get(role, role)


def unit_kind_label(kind: str) -> str:
    return {
        "administration": _("Administration"),
        "department": _("Department"),
        "school": _("School"),
    }.get(kind, kind)
