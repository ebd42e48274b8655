"""Lanes of another organisation's diagram mapped to our roles, as the deployer says.

A lane named after one of our lanes (Kommunikasjonsseksjonen, Søkjar…) keeps its meaning. Any
other lane needs a role: from the deployer's mapping (by lane name, or by id for a lane
without a name), else the one the same process was deployed with before. Tasks in no lane go
to the deployer's default lane. The result, lane name → role key, is stored with the version
(task_meta "lane_roles") and read when a task's candidates are found.
"""

from __future__ import annotations

from collections.abc import Mapping

from lxml import etree

from engine.bpmn.elements import BPMN_NS, where
from engine.extensions import installed
from engine.people.lanes import MAPPABLE_ROLES

NO_LANE = ""  # the key of the default lane in lane_roles


def map_lanes(
    name: str,
    process: etree._Element,
    mapping: Mapping[str, str],
    default_lane: str | None,
    remembered: Mapping[str, str],
) -> tuple[dict[str, str], list[str], list[str]]:
    """(lane name → role key, warnings, problems) for one executable process."""
    ours = installed().lanes
    roles: dict[str, str] = {}
    warnings: list[str] = []
    problems: list[str] = []
    known = ", ".join([*MAPPABLE_ROLES, "starter"])
    for lane in process.iter(f"{{{BPMN_NS}}}lane"):
        lane_id = lane.get("id") or ""
        lane_name = (lane.get("name") or "").strip()
        if not lane_name:
            lane_name = lane_id
            lane.set("name", lane_id)
            warnings.append(f"{where(name, lane)}: the lane has no name; it is known by its id")
        role = mapping.get(lane_name) or mapping.get(lane_id)
        if role is None and lane_name in ours:
            continue
        role = role or remembered.get(lane_name)
        if role is None:
            problems.append(
                f"{where(name, lane)}: lane '{lane_name}' names none of our roles: map it to "
                f'one (CLI: --lane "{lane_name}=ROLE"; the upload page\'s lane table), ROLE '
                f"one of {known}"
            )
        elif role not in MAPPABLE_ROLES and role != "starter":
            problems.append(
                f"{where(name, lane)}: lane '{lane_name}' is mapped to {role!r}, which is not a "
                f"role (known: {known})"
            )
        else:
            roles[lane_name] = role
    default = default_lane or remembered.get(NO_LANE)
    if default is not None:
        if default in MAPPABLE_ROLES or default == "starter":
            roles[NO_LANE] = default
        else:
            problems.append(f"{name}: the default lane {default!r} is not a role (known: {known})")
    return roles, warnings, problems
