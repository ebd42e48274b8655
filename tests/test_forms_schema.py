"""Forms on the `jsonschema` library: our formats (several looked up in the database), the
`x-minWords` keyword, errors of an array's items, the form meta-schema at deploy, and one
parsed FormSpec that the engine validates with and the web renders."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import update
from werkzeug.datastructures import MultiDict

from engine.bpmn.definitions import latest_definition
from engine.cases import services
from engine.errors import DefinitionInvalid, FormInvalid
from engine.forms.schema import FORM_META_SCHEMA, form_file_problems
from engine.forms.spec import FormSpec, load_form_file, parse_form
from engine.forms.validation import FormContext, validate
from engine.people.lanes import get_user
from engine.store.models import Account, SavedReply, Unit, User
from tests.accounts import DEPUTY
from tests.conftest import WORKFLOWS
from tests.test_deploy import BPMN, DECISION_FORM, copy_workflows, edit, only_problem
from tests.test_post_approval import consent, draft
from web.form_fields import build_fields, parse_submission

ACTOR = "laerar.alesund"


def errors_of(eng, form: Any, submitted: dict[str, Any]) -> dict[str, tuple[str, dict]]:
    """The errors validate() reports for `submitted` ({} when it passes)."""
    with eng.transaction() as session:
        context = FormContext(session, get_user(session, ACTOR), {}, now=eng.clock.now())
        try:
            validate(form, submitted, context)
        except FormInvalid as exc:
            return exc.errors
    return {}


def one_field(**prop: Any) -> dict[str, Any]:
    return {"type": "object", "properties": {"f": prop}}


# --- formats -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prop", "good", "bad", "error"),
    [
        ({"format": "email"}, "konto@mrfylke.no", "ikkje-ein-adresse", ("email", {})),
        ({"format": "email"}, "a@b.no", "a @b.no", ("email", {})),
        ({"format": "uri"}, "https://www.instagram.com/p/x/", "ftp://mrfylke.no", ("uri", {})),
        ({"format": "uri"}, "http://mrfylke.no", "https://", ("uri", {})),
        ({"format": "uri"}, "http://mrfylke.no/a", "http://mrfylke.no/a b", ("uri", {})),
        ({"format": "date-time"}, "2026-12-01T10:00:00+01:00", "i morgon", ("date_time", {})),
        ({"format": "username"}, "tilsett1", "nokon.andre", ("unknown_user", {})),
        ({"format": "unit"}, "alesund_vgs", "atlantis", ("unknown_unit", {})),
        ({"format": "saved_reply"}, "thanks", "no_such_reply", ("saved_reply_inactive", {})),
        ({"format": "consent"}, None, "424242", ("unknown_consent_value", {})),
        ({"format": "consent"}, None, "ikkje-eit-tal", ("unknown_consent_value", {})),
        ({"type": "integer", "format": "account"}, None, 424242, ("unknown_account_value", {})),
    ],
)
def test_each_format_refuses_with_its_code(eng, prop, good, bad, error) -> None:
    form = one_field(**({"type": "string"} | prop))
    code, _ = error
    params = {} if code == "email" else {"value": bad}
    assert errors_of(eng, form, {"f": bad}) == {"f": (code, params)}
    if good is not None:
        assert errors_of(eng, form, {"f": good}) == {}


def test_people_units_and_saved_replies_no_longer_active_are_refused(eng) -> None:
    form = {
        "type": "object",
        "properties": {
            "person": {"type": "string", "format": "username"},
            "unit": {"type": "string", "format": "unit"},
            "reply": {"type": "string", "format": "saved_reply"},
        },
    }
    values = {"person": "tilsett2", "unit": "alesund_vgs", "reply": "thanks"}
    assert errors_of(eng, form, values) == {}
    with eng.transaction() as session:
        session.execute(update(User).where(User.username == "tilsett2").values(active=False))
        session.execute(update(Unit).where(Unit.id == "alesund_vgs").values(active=False))
        session.execute(update(SavedReply).where(SavedReply.key == "thanks").values(active=False))
    assert errors_of(eng, form, values) == {
        "person": ("unknown_user", {"value": "tilsett2"}),
        "unit": ("unknown_unit", {"value": "alesund_vgs"}),
        "reply": ("saved_reply_inactive", {"value": "thanks"}),
    }


def test_an_account_is_an_active_one_named_by_its_integer_id(eng, account_id) -> None:
    form = one_field(type="integer", format="account")
    assert errors_of(eng, form, {"f": account_id}) == {}
    assert errors_of(eng, form, {"f": str(account_id)}) == {"f": ("type", {"expected": "integer"})}
    assert errors_of(eng, form, {"f": account_id + 1000}) == {
        "f": ("unknown_account_value", {"value": account_id + 1000})
    }
    with eng.transaction() as session:
        session.execute(update(Account).where(Account.id == account_id).values(status="closed"))
        account = session.get(Account, account_id)
        named = {"account_name": account.account_name, "platform": account.platform}
    # A1: a closed account is said to be closed, not unknown.
    assert errors_of(eng, form, {"f": account_id}) == {"f": ("account_closed_value", named)}


def test_a_consent_in_the_register_is_accepted(eng, account_id) -> None:
    form = one_field(type="array", items={"type": "string", "format": "consent"})
    known = str(consent(eng, account_id))
    assert errors_of(eng, form, {"f": [known]}) == {}
    assert errors_of(eng, form, {"f": [known, "9999"]}) == {
        "f": ("unknown_consent_value", {"value": "9999"})
    }


# --- standard keywords and x-minWords ------------------------------------------------------------


def test_x_min_words_asks_for_a_sentence(eng) -> None:
    form = one_field(type="string", minLength=5, **{"x-minWords": 3})
    assert errors_of(eng, form, {"f": "ordordord"}) == {"f": ("min_words", {"limit": 3})}
    assert errors_of(eng, form, {"f": "  to ord  "}) == {"f": ("min_words", {"limit": 3})}
    assert errors_of(eng, form, {"f": "tre ord her"}) == {}
    assert errors_of(eng, form, {"f": "kort"}) == {"f": ("min_length", {"limit": 5})}


def test_a_real_form_says_min_words(eng) -> None:
    """The application's objective (A3): long enough, but one word is no objective."""
    spec, _ = start_form(eng, "account_application")
    errors = errors_of(eng, spec, {"objective": "x" * 40})
    assert errors["objective"] == ("min_words", {"limit": 5})


def test_an_array_item_reports_on_its_field(eng) -> None:
    form = one_field(
        type="array", items={"type": "string", "format": "username"}, uniqueItems=True, minItems=2
    )
    assert errors_of(eng, form, {"f": ["tilsett1", "tilsett2"]}) == {}
    assert errors_of(eng, form, {"f": ["tilsett1", "nokon", "ingen"]}) == {
        "f": ("unknown_user", {"value": "nokon"})  # the first item in error
    }
    assert errors_of(eng, form, {"f": ["tilsett1", 7]}) == {"f": ("type", {"expected": "string"})}
    # The array's own rules come before its items'.
    assert errors_of(eng, form, {"f": ["nokon", "nokon"]}) == {"f": ("unique_items", {})}
    assert errors_of(eng, form, {"f": ["nokon"]}) == {"f": ("min_items", {"limit": 2})}
    assert errors_of(eng, form, {"f": "tilsett1"}) == {"f": ("type", {"expected": "array"})}


def test_standard_keywords_keep_their_message_codes(eng) -> None:
    form = {
        "type": "object",
        "required": ["choice", "text"],
        "properties": {
            "choice": {"type": "string", "enum": ["yes", "no"]},
            "text": {"type": "string", "maxLength": 5},
            "count": {"type": "integer"},
            "flag": {"type": "boolean"},
        },
    }
    assert errors_of(eng, form, {"choice": "maybe", "text": "   ", "count": 1.0, "flag": 1}) == {
        "choice": ("enum", {"choices": "yes, no"}),
        "text": ("required", {}),  # blank is not given
        "count": ("type", {"expected": "integer"}),  # 1.0 is a JSON Schema integer, not ours
        "flag": ("type", {"expected": "boolean"}),
    }
    assert errors_of(eng, form, {"choice": "yes", "text": "sekstegn", "other": 1}) == {
        "text": ("max_length", {"limit": 5}),
        "other": ("unknown_field", {}),
    }
    assert errors_of(eng, form, {"choice": "no", "text": " fem  ", "count": True}) == {
        "count": ("type", {"expected": "integer"})
    }


def test_a_photos_count_is_an_integer_by_the_form_and_never_negative(eng, account_id) -> None:
    """The post's schema refuses a count that is no integer; the G11 rule one below 0."""
    with pytest.raises(FormInvalid) as error:
        services.start_process(eng, "post_approval", DEPUTY, draft(account_id, ("Hallen", -1, [])))
    assert error.value.errors == {"photo_1_people": ("photo_people_count", {})}
    data = draft(account_id, ("Hallen", 0, [])) | {"photo_1_people": "2"}
    with pytest.raises(FormInvalid) as error:
        services.start_process(eng, "post_approval", DEPUTY, data)
    assert error.value.errors == {"photo_1_people": ("type", {"expected": "integer"})}


# --- the meta-schema at deploy --------------------------------------------------------------------


def test_the_meta_schema_is_a_schema_and_every_form_satisfies_it() -> None:
    Draft202012Validator.check_schema(FORM_META_SCHEMA)
    forms = sorted(WORKFLOWS.glob("*/forms/*.json"))
    assert len(forms) > 20
    problems = {
        str(form.relative_to(WORKFLOWS)): form_file_problems(form.read_bytes()) for form in forms
    }
    assert problems == dict.fromkeys(problems, ())


COMMENT_TYPE = '"type": "string",\n      "title": "Kommentar'
CHECKS = '"x-checks": [\n    "comment_unless_approved",\n    "a5_moderators_from_school"\n  ]'


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        pytest.param('"required": [', '"required": [,', "not valid JSON (", id="bad-json"),
        pytest.param(
            COMMENT_TYPE,
            COMMENT_TYPE.replace('"string"', '"strnig"'),
            "field 'comment' (type): 'strnig' is not one of ['array', 'boolean', 'integer',",
            id="unknown-type",
        ),
        pytest.param(
            CHECKS,
            '"x-checks": "not-a-list"',
            "x-checks: 'not-a-list' is not of type 'array'",
            id="checks-not-a-list",
        ),
        pytest.param(
            '"uniqueItems": true',
            '"uniqueItems": true, "maxItems": 3',
            "field 'moderators': Additional properties are not allowed ('maxItems' was",
            id="keyword-without-message",
        ),
        pytest.param(
            '"format": "username"',
            '"format": "user"',
            "field 'moderators' (items/format): 'user' is not one of",
            id="unknown-format",
        ),
        pytest.param(
            CHECKS,
            '"x-check": ["comment_unless_approved"]',
            "the form: Additional properties are not allowed ('x-check' was unexpected)",
            id="misspelt-x-keyword",
        ),
        pytest.param(
            '"maxLength": 4000',
            '"maxLength": 4000, "x-minWords": -1',
            "field 'comment' (x-minWords): -1 is less than the minimum of 0",
            id="negative-min-words",
        ),
        pytest.param(
            '"title": "Avgjerd",',
            '"title": "Avgjerd", "x-default": "boss",',
            "field 'decision' (x-default): 'boss' does not match",
            id="unknown-default",
        ),
    ],
)
def test_a_broken_form_file_is_refused_at_deploy_naming_the_file(
    eng, tmp_path, old: str, new: str, reason: str
) -> None:
    folder = copy_workflows(tmp_path)
    edit(folder / DECISION_FORM, old, new)
    problem = only_problem(eng, folder)  # the one step that uses the form
    assert problem.startswith(f"{DECISION_FORM}: {reason}"), problem
    assert f"used by {BPMN}: element 'decide'" in problem, problem


def test_deploy_reads_a_form_file_once_per_content() -> None:
    content = (WORKFLOWS / "account_application" / DECISION_FORM).read_bytes()
    assert load_form_file(content) is load_form_file(content)
    with pytest.raises(DefinitionInvalid) as error:
        load_form_file(content.replace(b'"type": "object"', b'"type": "array"', 1))
    assert error.value.problems == ["type: 'object' was expected"]


# --- one FormSpec for the engine and the web ---------------------------------------------------


def start_form(eng, process_id: str) -> tuple[FormSpec, dict[str, Any]]:
    """The deployed start form's spec from the engine's cache, and the file as written."""
    with eng.reading() as session:
        definition = latest_definition(session, process_id)
        name = definition.task_meta["start_form"]
        spec = eng.cache.form(definition, name)
        assert eng.cache.form(definition, name) is spec  # parsed once per deployed version
        return spec, json.loads(definition.files[name])


def test_a_spec_read_from_a_schema_renders_and_validates_the_same_fields(eng) -> None:
    spec = parse_form(
        {
            "type": "object",
            "required": ["people"],
            "properties": {
                "people": {"type": "array", "items": {"type": "string", "format": "username"}},
                "count": {"type": "integer", "title": "Tal", "x-i18n": {"en": {"title": "Count"}}},
            },
        }
    )
    fields = build_fields(spec, "en", {}, {}, {"username[]": []})
    assert [(f.name, f.label, f.widget, f.required) for f in fields] == [
        ("people", "people", "checkboxes", True),
        ("count", "Count", "text", False),
    ]
    posted = parse_submission(spec, MultiDict([("people", "tilsett1,nokon"), ("count", "3")]))
    assert posted == {"people": ["tilsett1", "nokon"], "count": 3}
    assert errors_of(eng, spec, posted) == {"people": ("unknown_user", {"value": "nokon"})}
