"""Helpers shared by the browser tests: logging in, switching language, screenshots, axe-core."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from engine.bootstrap import Engine
from engine.cases import services
from engine.config import PROJECT_ROOT
from engine.people.demo import DEMO_PASSWORD, SAMPLE_SCHOOL_APPLICATION

CHROMIUM = Path(os.environ.get("SOMEFLYT_CHROMIUM", "/usr/bin/chromium"))
# From the npm registry by `make setup` (package.json): the checker and the diagram viewer.
AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
BPMN_VIEWER = PROJECT_ROOT / "node_modules/bpmn-js/dist/bpmn-navigated-viewer.production.min.js"
SCREENSHOTS = PROJECT_ROOT / "screenshots"
# As root on a closed network: no sandbox, and nothing that phones home (Chromium otherwise
# waits on refused connections for updates, sync and field trials).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = ("serious", "critical")

# The browser tests run on SQLite only (the engine suite covers PostgreSQL): every module
# sets `pytestmark = SQLITE_ONLY`, which picks one parameter of the session's database_url.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def require(path: Path, what: str) -> None:
    """Skip without `path`; with CI=true fail instead, as for PostgreSQL in tests/conftest.py."""
    if path.is_file():
        return
    reason = f"{what} not found at {path}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (with CI=true this fails instead of skipping)")
    pytest.skip(reason)


def start_case(eng: Engine, **overrides: Any) -> tuple[int, str]:
    """A school application by laerar.alesund, started through the engine; returns the case
    and its open task (the principal's decision)."""
    data = dict(SAMPLE_SCHOOL_APPLICATION) | overrides
    case_id = services.start_process(eng, "account_application", "laerar.alesund", data)
    tasks = services.list_human_tasks(eng, "rektor.alesund")
    return case_id, next(t["id"] for t in tasks if t["instance_id"] == case_id)


def log_in(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("form[action='/logout']")).to_be_attached()


def choose_language(page: Page, lang: str) -> None:
    """Switch language with the header's form, as a person would."""
    if page.url == "about:blank":
        page.goto("/")
    page.select_option("#lang-select", lang)
    page.locator("form.language button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", lang)


def wait_for_diagram(page: Page) -> None:
    expect(page.locator("#diagram")).to_have_attribute("data-rendered", "true")


def screenshot(page: Page, name: str) -> Path:
    """A full-page screenshot in screenshots/ (ignored by git), for people to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8") + "\n;window.axe.version"


class AxeReport:
    """Runs axe-core on pages and keeps what it finds; `assert_clean()` fails on serious and
    critical violations and lists them all: page, rule, impact, help and the elements."""

    def __init__(self) -> None:
        self.found: dict[str, list[dict[str, Any]]] = {}

    def check(self, page: Page, name: str) -> list[dict[str, Any]]:
        """Scan the page as it is now (and keep a full-page screenshot of it)."""
        page.wait_for_load_state("load")
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            # The app's Content-Security-Policy (script-src 'self') refuses an inline <script>
            # such as page.add_script_tag() adds; DevTools evaluation is not subject to it, and
            # the page keeps its real policy for everything else.
            page.evaluate(_axe_source())
        results = page.evaluate(
            # only violations come back in full: passes on a big diagram are slow to serialise
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
            " resultTypes: ['violations']})",
            AXE_TAGS,
        )
        violations = [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "helpUrl": v["helpUrl"],
                "nodes": [
                    {"target": n["target"], "html": n["html"][:300], "why": n["failureSummary"]}
                    for n in v["nodes"]
                ],
            }
            for v in results["violations"]
        ]
        path = page.url.split("://", 1)[-1].split("/", 1)[-1]
        self.found[f"{name} (/{path})"] = violations
        screenshot(page, f"a11y-{name}")
        return violations

    def blocking(self) -> dict[str, list[dict[str, Any]]]:
        found = {
            where: [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
            for where, violations in self.found.items()
        }
        return {where: violations for where, violations in found.items() if violations}

    def assert_clean(self) -> None:
        assert self.found, "no page was checked"
        blocking = self.blocking()
        assert not blocking, "axe-core found serious or critical violations:\n" + describe(blocking)


def describe(found: dict[str, list[dict[str, Any]]]) -> str:
    lines = []
    for where, violations in found.items():
        lines.append(f"- {where}:")
        for v in violations:
            lines.append(f"    [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
            for node in v["nodes"]:
                target = " ".join(map(str, node["target"]))
                lines.append(f"        {target}: {node['html']}")
                if node["why"]:
                    lines.append("          " + node["why"].replace("\n", "\n          "))
    return "\n".join(lines)
