"""`someflyt message` / `someflyt signal`, and what `someflyt show` says a case waits for."""

from __future__ import annotations

import json

import pytest

from engine.cases import services
from someflyt.cli import main
from tests.events_support import complete, deploy_events, events_of, open_elements, order


@pytest.fixture(autouse=True)
def _diagrams(eng) -> None:
    deploy_events(eng)


def test_a_correlated_message_from_the_shell(eng, capsys) -> None:
    order(eng, 12)
    thirteen = order(eng, 13)
    argv = ["message", "bestilling_klar", "--correlation", "order_no=13", "--data", '{"a": 1}']
    assert main([*argv, "--json"], eng=eng) == 0
    assert json.loads(capsys.readouterr().out) == {"delivered": [thirteen], "started": []}
    assert open_elements(eng, thirteen) == ["collect"]
    [received] = events_of(eng, "event_received", thirteen)
    assert received.actor == "cli" and received.detail["correlation"] == {"order_no": 13}


def test_a_refused_message_exits_1_with_the_reason(eng, capsys) -> None:
    order(eng, 12), order(eng, 13)
    assert main(["message", "bestilling_klar"], eng=eng) == 1
    assert "2 saker ventar på meldinga «bestilling_klar»" in capsys.readouterr().err
    assert main(["message", "ingen_slik", "--json"], eng=eng) == 1
    out = capsys.readouterr()
    assert json.loads(out.out)["error"] == "NotFound" and "ingen_slik" in out.err


def test_a_message_that_starts_a_case_needs_its_owner(eng, capsys) -> None:
    assert main(["message", "innmelding"], eng=eng) == 1
    assert "sei kven som eig saka (--as)" in capsys.readouterr().err
    assert main(["message", "innmelding", "--as", "komm1", "--data", "{}"], eng=eng) == 0
    assert capsys.readouterr().out.startswith("Sak ")


def test_an_anonymous_catch_by_element_and_a_signal(eng, capsys) -> None:
    reply = services.start_process(eng, "events_reply", "laerar.alesund", {})
    complete(eng, reply, "prepare")
    assert main(["message", "--element", "await_reply"], eng=eng) == 0
    assert capsys.readouterr().out.strip() == f"Levert til sak {reply}."
    alarm = services.start_process(eng, "events_alarm", "laerar.alesund", {})
    assert main(["signal", "alarm", "--as", "komm1", "--json"], eng=eng) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["delivered"] == [alarm] and len(result["started"]) == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["message", "x", "--correlation", "no_equals_sign"],
        ["message", "x", "--correlation", "=1"],
        ["message", "x", "--data", "[1]"],
        ["message", "x", "--case", "abc"],
        ["signal"],
    ],
)
def test_a_malformed_command_is_a_usage_error(eng, argv, capsys) -> None:
    with pytest.raises(SystemExit) as usage:
        main(argv, eng=eng)
    assert usage.value.code == 2


def test_show_says_what_a_case_waits_for_and_when_it_is_stuck(eng, capsys) -> None:
    waiting = order(eng, 12)
    assert main(["show", str(waiting)], eng=eng) == 0
    out = capsys.readouterr().out
    assert (
        "Ventar på melding «bestilling_klar» ved Vent på at bestillinga er klar (wait_ready)"
        " – order_no=12" in out
    )
    assert "Ventar på frist «Ei veke utan svar» ved Ei veke utan svar (ready_late) – frist " in out
    assert "Saka står fast" not in out
    stuck = services.start_process(eng, "events_deadlock", "laerar.alesund", {"route": "elsewhere"})
    complete(eng, stuck, "sign")
    assert main(["show", str(stuck)], eng=eng) == 0
    out = capsys.readouterr().out
    assert "Saka står fast: ingen kan gjere noko." in out
    assert "Ho står ved «Saman» (join)." in out
