"""Front-end packages installed from the npm registry by the set-up (never committed).

Only the files the pages use are served, from node_modules; when npm was missing at set-up,
the case page says the diagram viewer is not installed."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory
from werkzeug.wrappers import Response

bp = Blueprint("vendor", __name__, url_prefix="/vendor")

# package -> (folder inside the package, files the pages load)
SERVED = {
    "bpmn-js": (
        "dist",
        {
            "bpmn-navigated-viewer.production.min.js",
            "assets/diagram-js.css",
            "assets/bpmn-js.css",
        },
    ),
}


def package_dir(package: str) -> Path:
    return Path(current_app.config["NODE_MODULES"]) / package / SERVED[package][0]


def diagram_viewer_installed() -> bool:
    return (package_dir("bpmn-js") / "bpmn-navigated-viewer.production.min.js").is_file()


@bp.get("/<package>/<path:filename>")
def asset(package: str, filename: str) -> Response:
    if package not in SERVED:
        abort(404)
    if filename not in SERVED[package][1]:
        abort(404)
    return send_from_directory(package_dir(package), filename, max_age=86400)
