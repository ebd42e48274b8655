"""Where the installed process packages are: the folders of the importable `workflows`
package. Found by location, so this module imports none of them (engine.extensions imports
their rules, engine.store.migrate reads their migrations, engine.texts their texts)."""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

PACKAGE_ROOT = "workflows"


@cache
def package_folders() -> tuple[Path, ...]:
    """Every process folder of the installed package, in name order."""
    spec = importlib.util.find_spec(PACKAGE_ROOT)
    roots = spec.submodule_search_locations if spec else None
    return tuple(
        sorted(
            (
                folder
                for root in roots or ()
                for folder in Path(root).iterdir()
                if folder.is_dir() and not folder.name.startswith(("_", "."))
            ),
            key=lambda folder: folder.name,
        )
    )
