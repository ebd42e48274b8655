"""`someflyt` — the command line. Every command takes --json; errors exit non-zero."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from engine.bootstrap import Engine, bootstrap
from engine.cases import services
from engine.clock import parse_moment
from engine.config import instance_folder
from engine.errors import SomeflytError
from engine.people import directory
from engine.people.demo import load_demo
from engine.registers import connectors, replies
from engine.store.anchoring import ensure_key
from engine.store.migrate import upgrade_to_head
from someflyt import audit_cli, supervise
from someflyt.audit_cli import AuditBroken
from someflyt.wiring import web_app

EXIT_ERROR = 1
EXIT_AUDIT_BROKEN = 3


def _data(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--data is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("--data must be a JSON object")
    return value


def _moment(text: str):
    try:
        return parse_moment(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 moment: {text}") from exc


# --- commands: each returns (result for --json, text for people) --------------------------------


def cmd_init(eng: Engine, args: argparse.Namespace) -> tuple[Any, str]:
    upgrade_to_head(eng.db)
    added = 0
    if args.demo:
        with eng.transaction() as session:
            added = load_demo(session)
    deployed = services.deploy_definitions(eng)
    seeded = replies.seed(eng)  # the routing table names saved replies: they must exist
    lines = ["Databasen er oppdatert."]
    if args.demo:
        lines.append(f"Demodata: {added} nye brukarar (passord «demo», berre til demo).")
    lines += [_deploy_line(d) for d in deployed]
    if seeded:
        lines.append(f"Nye lagra svar: {', '.join(seeded)}.")
    result = {"demo_users_added": added, "deployed": deployed, "saved_replies_added": seeded}
    return result, "\n".join(lines)


def _deploy_line(d: dict[str, Any]) -> str:
    state = "ny versjon" if d["created"] else "uendra"
    return f"{d['process_id']} v{d['version']} ({state}, {d['content_hash'][:12]})"


def cmd_deploy(eng: Engine, args: argparse.Namespace) -> tuple[Any, str]:
    deployed = services.deploy_definitions(eng, [Path(p) for p in args.paths] or None, actor="cli")
    return deployed, "\n".join(_deploy_line(d) for d in deployed)


def cmd_start(eng: Engine, args: argparse.Namespace) -> tuple[Any, str]:
    instance_id = services.start_process(eng, args.process_id, args.as_user, args.data)
    return {"instance_id": instance_id}, f"Sak {instance_id} er starta."


def cmd_tasks(eng: Engine, args: argparse.Namespace) -> tuple[Any, str]:
    tasks = services.list_human_tasks(eng, args.as_user, args.process)
    lines = [
        f"{t['id']}  sak {t['instance_id']}  {t['name']}  (frist {t['due_at'] or '-'})"
        for t in tasks
    ]
    return tasks, "\n".join(lines) or "Ingen oppgåver."


def cmd_complete(eng: Engine, args: argparse.Namespace) -> tuple[Any, str]:
    result = services.complete_human_task(eng, args.task_id, args.as_user, args.data)
    return result, f"Oppgåva er fullført. Sak {result['instance_id']}: {result['status']}."


def cmd_claim(eng: Engine, args: argparse.Namespace) -> tuple[Any, str]:
    services.claim_human_task(eng, args.task_id, args.as_user)
    return {"task_id": args.task_id, "assignee": args.as_user}, "Oppgåva er di."


def cmd_release(eng: Engine, args: argparse.Namespace) -> tuple[Any, str]:
    services.release_human_task(eng, args.task_id, args.as_user)
    return {"task_id": args.task_id, "assignee": None}, "Oppgåva er frigjeven."


def cmd_show(eng: Engine, args: argparse.Namespace) -> tuple[Any, str]:
    case = services.show_instance(eng, args.instance_id)
    lines = [
        f"Sak {case['id']}: {case['title']}",
        f"Status: {case['status']}" + (f" ({case['outcome']})" if case["outcome"] else ""),
    ]
    lines += [
        f"  Open oppgåve: {t['name']} → {', '.join(t['candidates'])}"
        for t in case["tasks"]
        if t["status"] == "open"
    ]
    lines.append("Historikk:")
    lines += [f"  {e['at']}  {e['actor']:<16} {e['kind']}" for e in case["history"]]
    return case, "\n".join(lines)


def cmd_accounts(eng: Engine, args: argparse.Namespace) -> tuple[Any, str]:
    accounts = services.list_accounts(eng)
    lines = [
        f"{a['platform']:<10} {a['account_name']:<30} {a['unit']:<20} eigar {a['owner']}, "
        f"stedfortredar {a['deputy']}"
        for a in accounts
    ]
    return accounts, "\n".join(lines) or "Kontoregisteret er tomt."


def cmd_timers_run(eng: Engine, args: argparse.Namespace) -> tuple[Any, str]:
    fired = services.fire_due_timers(eng, args.now)
    lines = [
        f"Sak {f['instance_id']}: {', '.join(f['timers']) or '-'} → {f['status']}" for f in fired
    ]
    return fired, "\n".join(lines) or "Ingen timarar var forfalne."


def cmd_tokens_create(eng: Engine, args: argparse.Namespace) -> tuple[Any, str]:
    issued = connectors.create_token(eng, "cli", args.account, args.name, shell=True)
    text = (
        f"Koplingsnøkkel {issued.id} ({issued.prefix}…) for konto {issued.account_id}:\n"
        f"{issued.secret}\n"
        "Ta vare på nøkkelen no: han kan ikkje visast igjen."
    )
    return vars(issued), text


def cmd_tokens_list(eng: Engine, args: argparse.Namespace) -> tuple[Any, str]:
    tokens = connectors.list_tokens(eng, "cli", args.account, shell=True)
    lines = [
        f"{t['id']:>4}  {t['prefix']:<12}  konto {t['account_id']:<4} {t['name']:<30} "
        + (f"trekt tilbake {t['revoked_at']:%Y-%m-%d}" if t["revoked_at"] else "aktiv")
        for t in tokens
    ]
    return tokens, "\n".join(lines) or "Ingen koplingsnøklar."


def cmd_tokens_revoke(eng: Engine, args: argparse.Namespace) -> tuple[Any, str]:
    revoked = connectors.revoke_token(eng, "cli", args.token_id, shell=True)
    text = "Nøkkelen er trekt tilbake." if revoked else "Nøkkelen var alt trekt tilbake."
    return {"token_id": args.token_id, "revoked": revoked}, text


def cmd_serve(eng: Engine, args: argparse.Namespace) -> tuple[Any, str]:
    web_app(eng).run(host=args.host, port=args.port)
    return {}, ""


def cmd_create_admin(eng: Engine, args: argparse.Namespace) -> tuple[Any, str]:
    password = os.environ.get("SOMEFLYT_ADMIN_PASSWORD") or getpass.getpass("Passord: ")
    fields = {
        "username": args.username,
        "full_name": args.name,
        "email": args.email,
        "unit_id": args.unit,
    }
    username = directory.create_first_admin(eng, fields, args.unit_name, password)
    return {"username": username}, f"Administrator {username} er oppretta."


def cmd_up(eng: Engine, args: argparse.Namespace) -> tuple[Any, str]:
    """Web, a Celery worker and beat together (the embedded `make run`). A child that dies is
    started again (someflyt.supervise); Ctrl-C or SIGTERM stops all."""
    eng.dispose()  # the children open their own connections
    celery = [sys.executable, "-m", "celery", "-A", "tasks.celery_app"]
    schedule = str(instance_folder() / "celerybeat-schedule")
    commands = {
        "worker": [*celery, "worker", "--loglevel=INFO", "--pool=solo"],
        "beat": [*celery, "beat", "--loglevel=INFO", "--schedule", schedule],
        "web": [
            sys.executable,
            "-m",
            "someflyt.cli",
            "serve",
            "--host",
            args.host,
            "--port",
            str(args.port),
        ],
    }
    env = os.environ.copy()
    env.setdefault("SOMEFLYT_BASE_URL", f"http://{args.host}:{args.port}")
    stopped = supervise.run(commands, env)
    return stopped, "Stoppa: " + ", ".join(f"{n} ({c})" for n, c in stopped.items())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="someflyt",
        description="SoMe-flyt: the county's social-media policy as BPMN processes.",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="print the result as JSON")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(
        name: str, handler: Callable[..., tuple[Any, str]], help_text: str, parent: Any = sub
    ) -> argparse.ArgumentParser:
        command = parent.add_parser(name, parents=[common], help=help_text)
        command.set_defaults(handler=handler)
        return command

    add("init", cmd_init, "upgrade the database and deploy workflows/").add_argument(
        "--demo", action="store_true", help="also load the demo units and users"
    )
    add("deploy", cmd_deploy, "validate and deploy BPMN bundles").add_argument(
        "paths", nargs="*", help="files or folders (default: workflows/)"
    )
    start = add("start", cmd_start, "start a process")
    start.add_argument("process_id")
    start.add_argument("--as", dest="as_user", required=True)
    start.add_argument("--data", type=_data, default={})
    tasks = add("tasks", cmd_tasks, "ready tasks the user may act on")
    tasks.add_argument("--as", dest="as_user", required=True)
    tasks.add_argument("--process", help="only this process")
    for name, handler, text in (
        ("complete", cmd_complete, "complete a task"),
        ("claim", cmd_claim, "take a task"),
        ("release", cmd_release, "give a task back"),
    ):
        command = add(name, handler, text)
        command.add_argument("task_id")
        command.add_argument("--as", dest="as_user", required=True)
        if name == "complete":
            command.add_argument("--data", type=_data, default={})
    add("show", cmd_show, "status, open tasks and history of a case").add_argument(
        "instance_id", type=int
    )
    add("accounts", cmd_accounts, "the registry of official accounts")
    timers = sub.add_parser("timers", help="timers").add_subparsers(
        dest="timers_command", required=True
    )
    add("run", cmd_timers_run, "fire every timer due now", timers).add_argument(
        "--now", type=_moment, help="ISO-8601 moment to treat as now"
    )
    admin = add("create-admin", cmd_create_admin, "the first administrator of a new install")
    admin.add_argument("username")
    admin.add_argument("--name", required=True, help="full name")
    admin.add_argument("--email", required=True)
    admin.add_argument("--unit", required=True, help="unit key, created if missing")
    admin.add_argument("--unit-name", default="", help="name of a new unit")
    for name, handler, text in (
        ("serve", cmd_serve, "serve the web UI (development server)"),
        ("up", cmd_up, "web, Celery worker and beat together (the embedded set-up)"),
    ):
        serve = add(name, handler, text)
        serve.add_argument("--host", default="127.0.0.1")
        serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
    tokens = sub.add_parser("tokens", help="connector tokens").add_subparsers(
        dest="tokens_command", required=True
    )
    create = add("create", cmd_tokens_create, "a new token; prints the secret once", tokens)
    create.add_argument("--account", type=int, required=True, help="account id")
    create.add_argument("--name", required=True, help="which connector uses it")
    add("list", cmd_tokens_list, "tokens (never their secrets)", tokens).add_argument(
        "--account", type=int, help="only this account"
    )
    add("revoke", cmd_tokens_revoke, "revoke a token at once", tokens).add_argument(
        "token_id", type=int
    )
    audit = sub.add_parser("audit", help="the audit trail").add_subparsers(
        dest="audit_command", required=True
    )
    audit_cli.add_commands(add, audit)
    return parser


def main(argv: Sequence[str] | None = None, eng: Engine | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "init" and eng is None:
        ensure_key()  # before the engine reads it: init's own events are signed too
    eng = eng or bootstrap()
    try:
        result, text = args.handler(eng, args)
    except SomeflytError as exc:
        _emit_error(args.json, exc.as_dict(), exc.message)
        return EXIT_ERROR
    except AuditBroken as exc:
        _emit_error(
            args.json,
            {"error": "AuditBroken", "message": str(exc)} | exc.detail,
            f"AUDIT BROKEN: {exc}",
        )
        return EXIT_AUDIT_BROKEN
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    else:
        print(text)
    return 0


def _emit_error(as_json: bool, payload: dict[str, Any], text: str) -> None:
    if as_json:
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    print(text, file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
