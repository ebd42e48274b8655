"""`someflyt message` and `someflyt signal` (events from outside, engine.cases.events), and what
`someflyt show` says a case waits for and why it is stuck."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from engine.bootstrap import Engine
from engine.cases import events


def _pair(text: str) -> tuple[str, Any]:
    """key=value; the value is read as JSON when it is JSON (12, true, "12"), else as text."""
    key, equals, value = text.partition("=")
    if not equals or not key.strip():
        raise argparse.ArgumentTypeError(f"--correlation wants key=value, not {text!r}")
    try:
        return key.strip(), json.loads(value)
    except ValueError:
        return key.strip(), value


def _result(result: events.EventResult) -> tuple[Any, str]:
    lines = [f"Levert til sak {i}." for i in result.delivered]
    lines += [f"Sak {i} er starta." for i in result.started]
    return vars(result), "\n".join(lines)


def cmd_message(eng: Engine, args: argparse.Namespace) -> tuple[Any, str]:
    result = events.send_message(
        eng,
        args.name,
        dict(args.correlation),
        args.data,
        events.Credentials.from_shell(args.as_user),
        element_id=args.element,
        case_id=args.case,
    )
    return _result(result)


def cmd_signal(eng: Engine, args: argparse.Namespace) -> tuple[Any, str]:
    credentials = events.Credentials.from_shell(args.as_user)
    return _result(events.send_signal(eng, args.name, args.data, credentials))


def register(add: Callable[..., argparse.ArgumentParser], data: Callable[[str], Any]) -> None:
    """Add the two commands with the CLI's own `add` (and its --data reader)."""
    message = add("message", cmd_message, "send a message into the case that waits for it")
    message.add_argument("name", nargs="?", help="the message (omit it with --element)")
    message.add_argument(
        "--correlation",
        type=_pair,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a correlation key (repeatable); optional when one case waits",
    )
    message.add_argument("--case", type=int, help="only this case")
    message.add_argument("--element", help="the catch event's element id (one without a name)")
    signal = add("signal", cmd_signal, "send a signal to every case that waits for it")
    signal.add_argument("name")
    for command in (message, signal):
        command.add_argument("--data", type=data, default={}, help="the payload, a JSON object")
        command.add_argument("--as", dest="as_user", help="who owns a case the event starts")


def show_lines(case: dict[str, Any]) -> list[str]:
    """What `someflyt show` prints of what the case waits for, and why it is stuck."""
    lines = []
    for wait in case.get("waiting", []):
        what = {"message": "melding", "signal": "signal", "timer": "frist"}.get(wait["kind"])
        name = wait["name"] or "(utan namn)"
        where = f"{wait['element_name']} ({wait['element_id']})"
        extra = [f"frist {wait['due_at']}"] if wait["due_at"] else []
        extra += [f"{k}={v!r}" for k, v in sorted(wait["correlation"].items())]
        extra += ["på steget (boundary)"] if wait["boundary"] else []
        extra += [f"alternativ ved {wait['gateway']}"] if wait["gateway"] else []
        suffix = f" – {', '.join(extra)}" if extra else ""
        lines.append(f"  Ventar på {what or wait['kind']} «{name}» ved {where}{suffix}")
    if case.get("stuck"):
        lines.append("Saka står fast: ingen kan gjere noko.")
        lines += [f"  {reason['message']}" for reason in case["stuck"]]
    return lines
