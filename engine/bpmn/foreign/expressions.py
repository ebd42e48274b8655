"""JUEL (`${…}`, `#{…}`) and FEEL (`= …`) expressions in the simple subset other modellers
write on gateways and timers, turned into the Python our expression sandbox runs.

The subset: names and dotted paths (`order.size` reads the key `size` of `order`), string,
number and boolean literals, null, comparisons, `and`/`or`/`not` in every spelling, `empty`,
arithmetic and parentheses. Anything else — method and function calls, indexing, the ternary
operator, assignments — is refused (ValueError), so no expression is half understood.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    | (?P<number>\d+(?:\.\d+)?)
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
    | (?P<op>==|!=|<=|>=|&&|\|\||[!<>()+\-*/%=])
    )""",
    re.VERBOSE,
)

_WORDS = {
    "true": "True",
    "false": "False",
    "null": "None",
    "and": "and",
    "or": "or",
    "not": "not",
    "empty": "not",
    "eq": "==",
    "ne": "!=",
    "lt": "<",
    "gt": ">",
    "le": "<=",
    "ge": ">=",
    "div": "/",
    "mod": "%",
}
_JUEL_OPS = {"&&": "and", "||": "or", "!": "not", "=": None}
_FEEL_OPS = {"=": "==", "&&": None, "||": None, "!": None}


def is_foreign(text: str) -> bool:
    """Whether an expression is written in JUEL or FEEL rather than Python."""
    stripped = text.strip()
    return stripped.startswith(("${", "#{", "=")) and not stripped.startswith("==")


def to_python(text: str) -> str:
    """The Python form of a JUEL or FEEL expression; ValueError when outside the subset."""
    stripped = text.strip()
    if stripped.startswith(("${", "#{")):
        if not stripped.endswith("}") or "}" in stripped[2:-1]:
            raise ValueError("only one whole ${…} expression is understood")
        return _translate(stripped[2:-1], _JUEL_OPS, "JUEL")
    if stripped.startswith("="):
        return _translate(stripped[1:], _FEEL_OPS, "FEEL")
    raise ValueError("not a JUEL or FEEL expression")


def _translate(body: str, operators: dict[str, str | None], language: str) -> str:
    out: list[str] = []
    position = 0
    body = body.rstrip()
    while position < len(body):
        match = _TOKEN.match(body, position)
        if match is None or match.end() == position:
            raise ValueError(f"{language}: {body[position:].strip()[:30]!r} is not understood")
        position = match.end()
        kind = match.lastgroup
        value = match.group(kind or "")
        if kind == "name":
            out.append(_name(value, out))
        elif kind == "op":
            if value == "(" and out and _is_operand(out[-1]):
                raise ValueError(f"{language}: calls of functions and methods are not understood")
            translated = operators.get(value, value)
            if translated is None:
                raise ValueError(f"{language}: the operator {value!r} is not understood")
            out.append(translated)
        else:
            out.append(value)
    if not out:
        raise ValueError(f"{language}: the expression is empty")
    return " ".join(out).replace("( ", "(").replace(" )", ")")


def _name(value: str, before: list[str]) -> str:
    if value in _WORDS:
        return _WORDS[value]
    if before and before[-1] == ".":
        raise ValueError(f"method or attribute {value!r} is not understood")
    head, *path = value.split(".")
    return head + "".join(f"[{key!r}]" for key in path)


def _is_operand(token: str) -> bool:
    """Whether a "(" after this token would call it."""
    return token not in ("and", "or", "not") and (token[-1].isalnum() or token[-1] in "_]'\"")
