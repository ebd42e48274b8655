"""The command line: the whole teacher → principal story, and errors that exit non-zero."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.bootstrap import Engine
from engine.config import Settings
from engine.people import directory
from someflyt.cli import main
from tests.conftest import WORKFLOWS, central_application, school_application

SOMEFLYT = Path(sys.executable).parent / "someflyt"


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SOMEFLYT), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_console_script_story_on_a_fresh_sqlite_database(tmp_path):
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
        "SOMEFLYT_INSTANCE": str(tmp_path / "instance"),  # where init makes the audit key
    }
    env.pop("SOMEFLYT_AUDIT_KEY", None)
    init = run(["init", "--demo", "--json"], env)
    assert init.returncode == 0, init.stderr
    assert json.loads(init.stdout)["demo_users_added"] == 16
    assert "pupil_contact_refusal" in json.loads(init.stdout)["saved_replies_added"]
    again = run(["init", "--demo", "--json"], env)
    assert again.returncode == 0  # idempotent
    assert json.loads(again.stdout)["saved_replies_added"] == []

    started = run(
        [
            "start",
            "account_application",
            "--as",
            "laerar.alesund",
            "--json",
            "--data",
            json.dumps(school_application()),
        ],
        env,
    )
    assert started.returncode == 0, started.stderr
    instance_id = json.loads(started.stdout)["instance_id"]

    tasks = json.loads(run(["tasks", "--as", "rektor.alesund", "--json"], env).stdout)
    assert [(t["instance_id"], t["name"]) for t in tasks] == [(instance_id, "Vurder søknaden")]
    assert set(tasks[0]) >= {
        "id",
        "instance_id",
        "process_id",
        "name",
        "lane",
        "candidates",
        "assignee",
        "created_at",
        "due_at",
    }

    done = run(
        [
            "complete",
            tasks[0]["id"],
            "--as",
            "rektor.alesund",
            "--json",
            "--data",
            '{"decision": "approve", "moderators": ["laerar.alesund"]}',
        ],
        env,
    )
    assert done.returncode == 0, done.stderr
    again = run(
        [
            "complete",
            tasks[0]["id"],
            "--as",
            "rektor.alesund",
            "--data",
            '{"decision": "approve", "moderators": ["laerar.alesund"]}',
        ],
        env,
    )
    assert again.returncode == 1
    assert "allereie fullført av rektor.alesund" in again.stderr

    accounts = json.loads(run(["accounts", "--json"], env).stdout)
    assert [(a["account_name"], a["unit"]) for a in accounts] == [("alesundvgs", "alesund_vgs")]
    shown = run(["show", str(instance_id)], env)
    assert "Konto oppretta" in shown.stdout and "task_completed" in shown.stdout
    verify = run(["audit", "verify"], env)
    assert (verify.returncode, verify.stdout.split()[0]) == (0, "ok")
    assert (tmp_path / "instance" / "audit_key").stat().st_mode & 0o777 == 0o600
    assert " 0 signerte" not in verify.stdout and "frå før nøkkelen" not in verify.stdout


def test_invalid_form_exits_non_zero_with_the_field_messages(eng, capsys):
    code = main(
        [
            "start",
            "account_application",
            "--as",
            "tilsett1",
            "--json",
            "--data",
            json.dumps(central_application(objective="Kort.")),
        ],
        eng=eng,
    )
    assert code == 1
    out = json.loads(capsys.readouterr().out)
    assert out["error"] == "FormInvalid"
    assert out["errors"]["objective"] == "Skriv minst 30 teikn."
    assert main(["tasks", "--as", "infosjef", "--json"], eng=eng) == 0
    assert json.loads(capsys.readouterr().out) == []


@pytest.mark.parametrize("data", ["{not json", "[1, 2]"])
def test_malformed_data_is_a_usage_error(eng, data, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["start", "account_application", "--as", "tilsett1", "--data", data], eng=eng)
    assert exit_info.value.code == 2
    assert "--data" in capsys.readouterr().err


def test_forbidden_and_unknown_are_clear_errors(eng, capsys):
    assert (
        main(
            [
                "start",
                "account_application",
                "--as",
                "revisor",
                "--data",
                json.dumps(central_application()),
            ],
            eng=eng,
        )
        == 1
    )
    assert "Revisorar" in capsys.readouterr().err
    assert main(["complete", "nope", "--as", "infosjef"], eng=eng) == 1
    assert "Ukjend oppgåve" in capsys.readouterr().err
    assert main(["show", "4242", "--json"], eng=eng) == 1
    assert json.loads(capsys.readouterr().out)["error"] == "NotFound"


def test_create_admin_makes_the_first_administrator_once(tmp_path):
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.db'}",
        "SOMEFLYT_ADMIN_PASSWORD": "eit langt passord",
    }
    assert run(["init"], env).returncode == 0  # a production install: no demo people
    args = ["create-admin", "ida", "--name", "Ida Drift", "--email", "ida@mrfylke.no"]
    made = run([*args, "--unit", "it", "--unit-name", "IT-drift", "--json"], env)
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout) == {"username": "ida"}

    again = run([*args[:1], "ola", *args[2:], "--unit", "it"], env)
    assert again.returncode == 1
    assert "Det finst alt ein administrator" in again.stderr

    eng = Engine(Settings(env["DATABASE_URL"], WORKFLOWS))
    try:
        assert directory.authenticate(eng, "ida", "eit langt passord") == "ida"
    finally:
        eng.dispose()
