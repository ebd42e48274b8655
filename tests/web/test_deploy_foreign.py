"""The upload page for diagrams from other tools: the lane table and the warnings."""

from __future__ import annotations

from io import BytesIO

from tests.test_foreign_diagrams import CAMUNDA


def upload(b, data: dict):
    b.csrf_from("/admin/deploy")
    data = {"files": [(BytesIO(CAMUNDA.encode()), "leave.bpmn")], **data}
    return b.post("/admin/deploy", data, content_type="multipart/form-data")


def test_admin_upload_offers_the_lane_table_and_deploys_with_it(eng, login) -> None:
    b = login("admin")
    page = upload(b, {})
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert "names none of our roles" in html
    assert 'value="Approver"' in html and 'value="lane_hr"' in html  # rows to fill in
    page = upload(
        b,
        {
            "lane_name": ["Approver", "lane_hr"],
            "lane_role": ["comms", "management"],
            "default_lane": "starter",
        },
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    assert "leave_request" in html and "was translated to" in html


def test_a_lane_mapped_to_no_role_is_a_clear_422(eng, login) -> None:
    b = login("admin")
    page = upload(b, {"lane_name": ["Approver"], "lane_role": ["auditor"]})
    assert page.status_code == 422
    assert "which is not a role" in page.get_data(as_text=True)
