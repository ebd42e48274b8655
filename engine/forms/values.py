"""What any value that reaches the engine must be, whatever its form says (issue 14, point 6).

A form names types, lengths and formats; underneath, every value must also be one the
database and the pages can hold: an integer a 64-bit column takes, text that encodes as UTF-8
(no lone surrogate such as "\\ud800") without control characters (PostgreSQL refuses NUL), one
line where the field is one line (a subject with CR/LF would become a multi-line title with
forged "Bcc:" lines in an e-mail). Moments are kept to 1900–2199 by engine.clock.parse_moment.
Each problem is a message code with parameters, as every other form error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

MAX_INTEGER = 2**63 - 1  # the largest number a form's integer may hold (a 64-bit integer)
MIN_INTEGER = -(2**63)
# Rows are numbered in INTEGER columns, 32 bits on PostgreSQL: no larger number names a row,
# and PostgreSQL refuses to compare such a column with one ("integer out of range").
MAX_ID = 2**31 - 1

# Lone surrogates (no UTF-8 for them), and control characters other than tab and line breaks.
_UNENCODABLE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f]")
_LINE_BREAK = re.compile("[\n\r\x85\u2028\u2029]")

Problem = tuple[str, dict[str, Any]]


def fits_integer(value: Any) -> bool:
    """An integer (not a bool) that a 64-bit database column holds."""
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and MIN_INTEGER <= value <= MAX_INTEGER
    )


def as_id(value: Any) -> int | None:
    """A row id from an integer or its digits, or None for anything that can name no row
    (a negative number, a number too large for an id column, text that is no number)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_ID)):
            return None
        value = int(text)
    if not isinstance(value, int) or not 0 <= value <= MAX_ID:
        return None
    return value


def text_problem(text: str, *, one_line: bool = False) -> Problem | None:
    """Why this text cannot be stored or shown as given, or None."""
    if _UNENCODABLE.search(text):
        return ("text_unencodable", {})
    if _CONTROL.search(text):
        return ("text_control_character", {})
    if one_line and _LINE_BREAK.search(text):
        return ("one_line", {})
    return None


def value_problem(value: Any, *, one_line: bool = False) -> Problem | None:
    """The first problem of a value, its items or its entries (keys included), or None."""
    if isinstance(value, str):
        return text_problem(value, one_line=one_line)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return None if fits_integer(value) else ("integer_range", {})
    if isinstance(value, float):
        return None if value == value and abs(value) != float("inf") else ("number_invalid", {})
    if isinstance(value, list | tuple):
        for item in value:
            found = value_problem(item, one_line=one_line)
            if found:
                return found
        return None
    if isinstance(value, Mapping):
        for key, item in value.items():
            found = value_problem(str(key), one_line=True) or value_problem(item)
            if found:
                return found
    return None
