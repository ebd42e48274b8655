"""One parsed form for the engine and the web: the start page renders the fields of the very
FormSpec (engine/forms/spec.py) that the engine validates the submission with."""

from __future__ import annotations

from engine.cases import queries
from tests.test_forms_schema import ACTOR, start_form
from tests.web.conftest import doc, one


def test_the_web_renders_the_fields_of_the_spec_the_engine_validates_with(eng, login) -> None:
    spec, written = start_form(eng, "account_application")
    # The start page gets the very spec that services.start_process validates with.
    assert queries.startable_process(eng, ACTOR, "account_application").form is spec
    page = doc(login(ACTOR).get("/start/account_application"))
    form = one(page, '//main//form[@method="post"]')
    names = [c.get("name") for c in form.xpath(".//*[@name]") if c.get("name") != "csrf_token"]
    assert list(dict.fromkeys(names)) == list(spec.fields)
    assert spec.required == set(written["required"])
    for name in written["required"]:
        assert one(form, f'.//label[@for="field-{name}"]').xpath('.//*[@class="required"]')
