"""The fuzz tier (issue 14, point 7): whatever is sent to any form or to the API, the answer is a
4xx with a message, or a success; never a 500, and a refusal stores nothing.

- every form file in workflows/ (start forms and task forms) through the engine's validation;
- every process's start form through the engine (start_process) and through the web page;
- the API's JSON (`POST /api/v1/inquiries`), as objects of any shape and as raw bodies.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from engine.cases import queries, services
from engine.errors import FormInvalid, SomeflytError
from engine.forms.context import FormContext
from engine.forms.spec import load_form_file
from engine.forms.validation import validate
from engine.people.lanes import get_user
from engine.registers import connectors
from engine.store.models import AuditEvent, InboundMessage, ProcessInstance
from engine.texts import translate
from tests.accounts import OWNER
from tests.conftest import WORKFLOWS
from tests.fuzz.strategies import posted, submission, text, value

FORMS = {path.relative_to(WORKFLOWS).as_posix(): path for path in WORKFLOWS.glob("*/forms/*.json")}
# Who starts each process: a teacher on Ålesund's account team, or management (a crisis).
STARTERS = (OWNER, "fylkesdirektor")


def stored(eng) -> tuple[int, ...]:
    with eng.reading() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(table)) or 0
            for table in (ProcessInstance, AuditEvent, InboundMessage)
        )


def said(exc: FormInvalid) -> None:
    """Every refused field has a message in every language, not a bare code."""
    assert exc.errors
    for field, (code, params) in exc.errors.items():
        for lang in ("nn", "nb", "en"):
            message = translate(code, params, lang)
            assert message and message != code, (field, code, lang)


def starters(eng) -> dict[str, str]:
    found: dict[str, str] = {}
    for username in STARTERS:
        for process in queries.startable_processes(eng, username):
            found.setdefault(process.process_id, username)
    return found


def test_every_form_refuses_what_no_field_may_hold(eng):
    """Any form, any process data: a submission with one unacceptable value is a FormInvalid
    with messages (the checks that read the process data never run on it)."""
    forms = {name: load_form_file(path.read_bytes()) for name, path in FORMS.items()}
    assert len(forms) >= 30

    @settings(max_examples=8 * len(forms))
    @given(
        st.sampled_from(sorted(forms)).flatmap(
            lambda n: st.tuples(st.just(n), submission(forms[n], poisoned=True))
        )
    )
    def check(example: tuple[str, dict]) -> None:
        name, data = example
        with eng.reading() as session:
            ctx = FormContext(session, get_user(session, OWNER), {}, now=eng.clock.now())
            with pytest.raises(FormInvalid) as refused:
                validate(forms[name], data, ctx)
        said(refused.value)

    check()


def test_every_start_form_answers_4xx_or_starts_the_case(eng, account_id):
    who = starters(eng)
    forms = {p: queries.startable_process(eng, u, p).form for p, u in who.items()}
    assert len(forms) >= 7

    @settings(max_examples=10 * len(forms))
    @given(
        st.sampled_from(sorted(forms)).flatmap(
            lambda p: st.tuples(st.just(p), submission(forms[p]))
        )
    )
    def check(example: tuple[str, dict]) -> None:
        process_id, data = example
        before = stored(eng)
        try:
            services.start_process(eng, process_id, who[process_id], data)
        except FormInvalid as exc:
            said(exc)
        except SomeflytError as exc:
            assert exc.status < 500, exc.message
        else:
            return  # a valid case: started, as it should be
        assert stored(eng) == before

    check()


def test_every_start_page_answers_4xx_with_a_message(eng, account_id, login):
    who = starters(eng)
    forms = {p: queries.startable_process(eng, u, p).form for p, u in who.items()}
    browsers = {username: login(username) for username in set(who.values())}

    @settings(max_examples=5 * len(forms))
    @given(
        st.sampled_from(sorted(forms)).flatmap(lambda p: st.tuples(st.just(p), posted(forms[p])))
    )
    def check(example: tuple[str, dict]) -> None:
        process_id, data = example
        before = stored(eng)
        b = browsers[who[process_id]]
        response = b.post(f"/start/{process_id}", data, page="/")
        body = response.get_data(as_text=True)
        if response.status_code == 302:  # a valid case was started
            return
        assert 400 <= response.status_code < 500, (response.status_code, data)
        assert 'id="error-summary"' in body or 'class="error-message"' in body
        assert "Traceback" not in body
        assert stored(eng) == before

    check()


def test_the_api_answers_any_json_with_4xx_and_a_message(app, eng, account_id):
    secret = connectors.create_token(eng, "admin", account_id, "Fuzz").secret
    headers = {"Authorization": f"Bearer {secret}"}
    fields = ["account_id", "platform_message_id", "author", "text", "link", "received_at"]
    fields.append("language")
    objects = st.fixed_dictionaries(
        {}, optional={name: value for name in fields} | {"anna": value}
    ).map(lambda d: json.dumps(d))
    near_valid = st.fixed_dictionaries(
        {
            "account_id": st.just(account_id) | st.sampled_from([2**31, 2**64, -1, "7"]),
            "platform_message_id": text,
            "author": text,
            "text": text,
            "received_at": text,
            "language": st.sampled_from(["nynorsk", "bokmål", "svensk"]),
        }
    ).map(lambda d: json.dumps(d))
    raw = (
        st.binary(max_size=80)
        | st.integers(1, 6000).map(lambda n: "[" * n + "]" * n)
        | st.integers(1, 6000).map(lambda n: '{"a":' * n + "1" + "}" * n)
    )

    @settings(max_examples=80)
    @given(objects | near_valid | raw)
    def check(body: str | bytes) -> None:
        before = stored(eng)
        response = app.test_client().post(
            "/api/v1/inquiries", data=body, headers=headers, content_type="application/json"
        )
        if response.status_code in (200, 201):  # registered (or registered before)
            return
        assert 400 <= response.status_code < 500, (response.status_code, body)
        answer = response.get_json()
        assert answer["error"] and answer["message"], answer
        for error in answer.get("errors", {}).values():
            assert error["code"] and error["message"], answer
        assert stored(eng) == before

    check()
