"""Use cases: one function each, one transaction each. Views, Celery jobs and the CLI call
these; each lives in the module of its job (deploy, instances, assignment, timers, reading)."""

from __future__ import annotations

from engine.cases.assignment import (
    claim_human_task as claim_human_task,
)
from engine.cases.assignment import (
    delegate_human_task as delegate_human_task,
)
from engine.cases.assignment import (
    refresh_candidates as refresh_candidates,
)
from engine.cases.assignment import (
    release_human_task as release_human_task,
)
from engine.cases.assignment import (
    set_user_roles as set_user_roles,
)
from engine.cases.deploy import (
    deploy_definitions as deploy_definitions,
)
from engine.cases.deploy import (
    deploy_uploaded as deploy_uploaded,
)
from engine.cases.deploy import (
    foreign_lanes as foreign_lanes,
)
from engine.cases.deploy import (
    step_form as step_form,
)
from engine.cases.inbox import (
    InboxPage as InboxPage,
)
from engine.cases.inbox import (
    count_human_tasks as count_human_tasks,
)
from engine.cases.inbox import (
    inbox_page as inbox_page,
)
from engine.cases.instances import (
    complete_human_task as complete_human_task,
)
from engine.cases.instances import (
    may_start as may_start,
)
from engine.cases.instances import (
    open_instance as open_instance,
)
from engine.cases.instances import (
    start_process as start_process,
)
from engine.cases.permissions import (
    SYSTEM as SYSTEM,
)
from engine.cases.permissions import (
    why_may_not_act as why_may_not_act,
)
from engine.cases.reading import (
    audit_checkpoint as audit_checkpoint,
)
from engine.cases.reading import (
    list_accounts as list_accounts,
)
from engine.cases.reading import (
    list_human_tasks as list_human_tasks,
)
from engine.cases.reading import (
    show_instance as show_instance,
)
from engine.cases.reading import (
    task_as_dict as task_as_dict,
)
from engine.cases.reading import (
    verify_audit as verify_audit,
)
from engine.cases.stepping import (
    start_linked_case as start_linked_case,
)
from engine.cases.timers import (
    count_due_timers as count_due_timers,
)
from engine.cases.timers import (
    fire_due_timers as fire_due_timers,
)
from engine.cases.timers import (
    list_upcoming_timers as list_upcoming_timers,
)
