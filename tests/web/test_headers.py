"""Personal case data must not stay in a shared machine's browser cache, whatever its format."""

from __future__ import annotations

from engine.cases import services
from tests.conftest import central_application
from tests.web.conftest import check_each


def test_signed_in_pages_and_case_exports_are_not_cached(eng, login):
    instance_id = services.start_process(
        eng, "account_application", "tilsett1", central_application()
    )
    b = login("tilsett1")

    def check(url: str) -> None:
        response = b.get(url)
        assert response.status_code in (200, 404)
        assert "no-store" in response.headers.get("Cache-Control", "")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]

    urls = ["/", f"/cases/{instance_id}", "/accounts/", "/finst/ikkje"]  # error pages too
    urls += [f"/cases/{instance_id}/history.json", f"/cases/{instance_id}/history.csv"]
    check_each(urls, check)
