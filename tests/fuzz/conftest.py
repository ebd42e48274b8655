"""The fuzz tier (issue 14, point 7): property-based tests (hypothesis) that throw bad input at
every form and at the API's JSON. The examples are bounded and derandomized, so the tier is
quick and the same on every run; raise HYPOTHESIS_PROFILE=deep for a long hunt by hand."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# A fixture's database is shared by a test's examples on purpose: refused input changes
# nothing, and that is what the tests assert.
_COMMON = {
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    "deadline": None,
    "database": None,  # nothing written into the checkout
}
settings.register_profile("ci", max_examples=12, derandomize=True, **_COMMON)
settings.register_profile("deep", max_examples=500, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

from tests.web.conftest import browser, login  # noqa: E402, F401 (the web tests' fixtures)
