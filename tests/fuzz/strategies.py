"""What the fuzz tier throws: values of every JSON shape, and the ones that broke things before
(issue 14: ids above 2⁶³, moments in year 9999 or 0001 or far from now, a lone surrogate, NUL
and control characters, CR/LF in one-line fields, deep nesting)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from engine.forms.spec import FormSpec

HARD_TEXT = [
    "\ud800",
    "a\x00b",
    "Emne\r\nBcc: alle@mrfylke.no",
    "linje\u2028to",
    "\x1b[31mraud",
    "9999-12-31T23:59:59+00:00",
    "0001-01-01T00:00:00+01:00",
    "2026-11-30T09:00:00+00:00",
    "1970-01-01T00:00:00Z",
    "2026-11-23T10:00",
    str(2**64),
    "9" * 5000,  # more digits than int() takes
    "²",  # a digit to str.isdigit(), not to int()
    "١٢",  # Arabic-Indic twelve: int() takes it
    "-1",
    "",
    "   ",
    "x" * 5000,
    "ig-1",
    "@ola",
    "https://example.org/ø",
    "javascript:alert(1)",
    "laerar.alesund",
    "rektor.alesund",
    "alesund_vgs",
    "approve",
    "1",
    "{author}",
    "<script>alert(1)</script>",
]
HARD_INTEGERS = [2**31, 2**31 - 1, 2**63, 2**64, -(2**63) - 1, -1, 0, 1, 10**30]
# Values that no field may take: refused before any check runs (so whatever a task's process
# data would be, the answer is a FormInvalid).
POISON = ["\ud800", "a\x00b", "\x1b[31mraud", 2**64, -(2**63) - 1, float("nan"), [[["djupt"]]]]

text = st.text(max_size=30) | st.sampled_from(HARD_TEXT)
scalar = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from(HARD_INTEGERS)
    | st.floats(allow_nan=True, allow_infinity=True)
    | text
)
value = st.recursive(
    scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=6,
)


def submission(form: FormSpec, *, poisoned: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    """A dict of some of the form's fields (and perhaps one it does not have) with any values;
    `poisoned`: one of them certainly unacceptable."""
    names = sorted(form.fields)
    data = st.fixed_dictionaries(
        {}, optional={name: value for name in [*names, "ukjent_felt", "__proto__"]}
    )
    if not poisoned:
        return data
    return st.tuples(data, st.sampled_from([*names, "ukjent_felt"]), st.sampled_from(POISON)).map(
        lambda found: found[0] | {found[1]: found[2]}
    )


# What a browser can send: text (no lone surrogates: they have no UTF-8), one or several.
form_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=30) | st.sampled_from(
    [t for t in HARD_TEXT if "\ud800" not in t]
)
form_value = form_text | st.lists(form_text, min_size=1, max_size=3)


def posted(form: FormSpec) -> st.SearchStrategy[dict[str, Any]]:
    names = sorted(form.fields)
    return st.fixed_dictionaries({}, optional={name: form_value for name in [*names, "ukjent"]})
