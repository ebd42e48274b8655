"""The process folders' texts: found by looking, keyed by element id, and falling back to the
diagram's own Nynorsk where a translation is missing."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from engine.bpmn.validation import BPMN_NS
from engine.config import PROJECT_ROOT
from engine.texts import email
from engine.texts.processes import ProcessTexts, load
from engine.texts.titles import Title, case_title, render_template, title_facts

WORKFLOWS = PROJECT_ROOT / "workflows"
VALUES = {"title": "Sak", "task": "Steg", "due": "", "link": "https://x/cases/1"}


def _process_ids() -> set[str]:
    return {
        process.get("id")
        for bpmn in WORKFLOWS.glob("*/*.bpmn")
        for process in etree.parse(str(bpmn)).getroot().iter(f"{{{BPMN_NS}}}process")
    }


def test_every_process_folder_is_found_without_naming_one() -> None:
    found = load(WORKFLOWS)
    assert {p for p in _process_ids() if found.text(p, "process", p, "en")} == _process_ids()


def test_a_step_is_found_by_its_element_id_and_nynorsk_is_the_diagrams_own() -> None:
    found = load(WORKFLOWS)
    assert found.text("account_application", "task", "decide", "en") == "Assess the application"
    assert found.text("account_application", "task", "decide", "nb") == "Vurder søknaden"
    assert found.text("account_application", "task", "decide", "nn") is None  # the diagram's
    assert found.text("account_application", "task", "no_such_step", "en") is None
    assert found.text("no_such_process", "task", "decide", "en") is None
    outcome = found.from_source("account_application", "event", "Konto oppretta", "en")
    assert outcome == "Account created"


def test_a_process_sends_its_own_notifications_in_each_language() -> None:
    found = load(WORKFLOWS)
    subject, body = email("forum_pause_publish", VALUES, "en", found)
    assert subject == "The pause begins: publish the notice (Steg)"
    assert "Publish the approved notice" in body
    assert email("forum_pause_publish", VALUES, "nn", found)[0].startswith("Pausen byrjar")
    general = email("forum_pause_publish", VALUES, "en", None)  # without the process's texts
    assert general[0] == "A message from SoMe-flyt"


def test_a_missing_translation_falls_back_to_the_diagram(tmp_path: Path) -> None:
    texts = tmp_path / "demo" / "texts"
    texts.mkdir(parents=True)
    (texts / "nn.po").write_text(
        'msgctxt "process"\nmsgid "demo"\nmsgstr "Demo"\n\n'
        'msgctxt "task"\nmsgid "step"\nmsgstr "Eit steg"\n',
        encoding="utf-8",
    )
    (texts / "en.po").write_text(
        'msgctxt "process"\nmsgid "demo"\nmsgstr "Demo"\n\n'
        'msgctxt "task"\nmsgid "step"\nmsgstr ""\n',
        encoding="utf-8",
    )
    found = ProcessTexts(tmp_path)
    assert found.text("demo", "process", "demo", "en") == "Demo"
    assert found.text("demo", "task", "step", "en") is None  # empty: the caller shows "Eit steg"
    assert found.text("demo", "task", "step", "nb") is None  # no nb.po at all


def test_the_case_diagram_speaks_the_readers_language() -> None:
    xml = (WORKFLOWS / "forum_pause" / "forum_pause.bpmn").read_text(encoding="utf-8")
    found = load(WORKFLOWS)
    english = etree.fromstring(found.diagram("forum_pause", xml, "en").encode())
    names = {e.get("id"): e.get("name") for e in english.iter(f"{{{BPMN_NS}}}*") if e.get("id")}
    assert names["publish_notice"] == "Publish the notice"
    assert names["lane_approver"] == "Approver"
    assert names["f_approve"] == "Approved"
    assert found.diagram("forum_pause", xml, "nn") == xml


# --- a case's title ---------------------------------------------------------------------------

TEMPLATE = "{account_name} på {platform} – {unit_name}"  # account_application's titleTemplate
STORED = "alesundvgs på instagram – Ålesund vidaregåande skule"
FACTS = {"account_name": "alesundvgs", "platform": "instagram", "unit_name": "Ålesund vgs"}


def test_a_title_keeps_the_facts_its_template_names_and_nothing_else() -> None:
    data = FACTS | {"objective": "Vise fram kvardagen", "unit_name": None}
    assert title_facts(TEMPLATE, data) == FACTS | {"unit_name": ""}
    assert title_facts(TEMPLATE, {"account_name": "x" * 400})["account_name"] == "x" * 300
    assert title_facts(None, data) is None and title_facts("Fast namn", data) is None
    assert render_template(TEMPLATE, FACTS) == "alesundvgs på instagram – Ålesund vgs"


def test_a_title_in_the_readers_language_or_else_the_stored_one() -> None:
    found = load(WORKFLOWS)

    def shown(facts: dict | None, lang: str, process_id: str = "account_application") -> Title:
        return case_title(found, process_id, STORED, facts, lang)

    assert shown(FACTS, "en") == Title("alesundvgs on instagram – Ålesund vgs", "en")
    assert shown(FACTS, "nb") == Title("alesundvgs på instagram – Ålesund vgs", "nb")
    assert shown(FACTS, "nn") == Title(STORED, "nn")  # the stored title is the Nynorsk one
    assert shown(FACTS, "de") == Title(STORED, "nn")  # not one of ours: Nynorsk
    assert shown(None, "en") == Title(STORED, "nn")  # a case from before the facts (0007)
    assert shown(FACTS, "en", "no_such_process") == Title(STORED, "nn")  # no template
    # A template that needs a fact the case did not keep (an older version's diagram).
    assert shown({"account_name": "alesundvgs"}, "en") == Title(STORED, "nn")
    # No facts yet: the case is named by its process.
    assert shown({}, "en") == Title("Application for an official account", "en")
    assert case_title(None, "account_application", STORED, FACTS, "en") == Title(STORED, "nn")
