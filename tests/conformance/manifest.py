r"""The conformance corpus's MANIFEST.md, read as data: which models there are, the files each
needs beside it, how a case of it starts and the task data its missing forms would have given.

The MANIFEST is prose written for people; this reads the parts of it that are regular (the
`### N. \`file\`` headings, "(with `a` and `b`)", "start it … the message **`name`**", and
"`Element {json}`" task data), so a model added there is driven by the suite too.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The corpus lies beside the checkout (../shared/conformance), as the team's machines have it;
# SOMEFLYT_CONFORMANCE_DIR points elsewhere.
_CANDIDATES = [
    Path(os.environ.get("SOMEFLYT_CONFORMANCE_DIR", "/nonexistent")),
    Path(__file__).resolve().parents[2].parent / "shared" / "conformance",
    Path("/work/shared/conformance"),
]
CORPUS = next((p for p in _CANDIDATES if (p / "MANIFEST.md").is_file()), _CANDIDATES[1])
MANIFEST = CORPUS / "MANIFEST.md"
MODELS = CORPUS / "models"

_HEADING = re.compile(r"^### (\d+)\. `([^`]+)`(.*)$", re.MULTILINE)
_WITH = re.compile(r"`([^`]+\.(?:bpmn|dmn))`")
_START_MESSAGE = re.compile(r"start it (?:by sending|with) the message \*\*`([^`]+)`\*\*")
_TASK_DATA = re.compile(r"`([A-Za-z_][\w.-]*) (\{[^`]*\})`")
_SPOKEN_DATA = re.compile(r"data was ((?:\w+=\w+(?:, )?)+)")


@dataclass
class Model:
    number: int
    file: str
    companions: list[str]
    text: str
    start_message: str | None = None
    task_data: dict[str, dict[str, Any]] = field(default_factory=dict)
    start_data: dict[str, Any] = field(default_factory=dict)

    @property
    def may_be_refused(self) -> bool:
        """Whether the MANIFEST lets the engine refuse the model (with a clear message)."""
        flat = " ".join(self.text.split())
        return "reject it with a clear message" in flat or "or by rejecting the file" in flat

    @property
    def files(self) -> list[Path]:
        return [MODELS / self.file] + [MODELS / name for name in self.companions]


def read_manifest(path: Path = MANIFEST) -> list[Model]:
    text = path.read_text(encoding="utf-8")
    headings = list(_HEADING.finditer(text))
    models = []
    for index, heading in enumerate(headings):
        end = headings[index + 1].start() if index + 1 < len(headings) else len(text)
        body = text[heading.end() : end].split("\n## ")[0]
        rest = heading.group(3)
        companions = _WITH.findall(rest) if "with" in rest else []
        model = Model(int(heading.group(1)), heading.group(2), companions, body)
        if match := _START_MESSAGE.search(body):
            model.start_message = match.group(1)
        for element, data in _TASK_DATA.findall(body):
            model.task_data[element] = json.loads(data)
        if match := _SPOKEN_DATA.search(" ".join(body.split())):  # "pushups=True, thanos=False"
            for pair in filter(None, match.group(1).split(", ")):
                key, _, value = pair.partition("=")
                model.start_data[key] = {"True": True, "False": False}.get(value, value)
        models.append(model)
    return models
