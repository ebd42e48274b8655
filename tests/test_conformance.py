"""The conformance corpus (../shared/conformance): every model the MANIFEST lists is deployed
and driven through the product — its tasks completed by the people its lanes were mapped to,
the messages, signals and timers it waits for given — and must end as the MANIFEST expects, or
be refused with the clear message the MANIFEST allows. A model added to the MANIFEST is
tested too. No case may get stuck silently: the driver fails with the engine's own reason."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.bootstrap import Engine
from engine.errors import DefinitionInvalid
from tests.conformance.driver import deploy_model, drive
from tests.conformance.manifest import CORPUS, Model, read_manifest

if not (CORPUS / "MANIFEST.md").is_file():
    if os.environ.get("CI") == "true":
        raise RuntimeError(f"the conformance corpus is missing at {CORPUS}")
    pytest.skip(f"no conformance corpus at {CORPUS}", allow_module_level=True)

MODELS = read_manifest()


def test_the_manifest_is_read_whole() -> None:
    assert len(MODELS) >= 23
    assert all(path.is_file() for model in MODELS for path in model.files)
    assert {m.number for m in MODELS} == set(range(1, len(MODELS) + 1))


@pytest.mark.parametrize("model", MODELS, ids=lambda m: f"{m.number}-{Path(m.file).stem}")
def test_model_ends_as_the_manifest_expects(
    eng: Engine, tmp_path: Path, model: Model, record_property: pytest.RecordProperty
) -> None:
    try:
        process_id = deploy_model(eng, model, tmp_path)
    except DefinitionInvalid as exc:
        assert model.may_be_refused, f"refused: {exc.problems}"
        problem = "\n".join(exc.problems)
        assert Path(model.file).name in problem
        if "--generate-ids" not in problem:
            return  # refused, as the MANIFEST allows, with a reason the deployer can act on
        # Refused for flows without ids: with generated ids it must run to the end.
        process_id = deploy_model(eng, model, tmp_path / "with-ids", generate_ids=True)
    run = drive(eng, model, process_id)
    record_property("observed", vars(run))
    assert run.status == "completed", run
