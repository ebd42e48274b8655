"""The one restricted evaluator of every expression and script of a diagram.

Scripts, gateway conditions, timer expressions, DMN input expressions and cells and the
parameters of service tasks are all compiled by RestrictedPython's `compile_restricted` (with a
few more refusals of our own, `_Policy`) and run with guarded attribute, item and iteration
access and a short allow-list of builtins. Deployment compiles each of them with `problems` (so
a diagram that would be refused never deploys) and the runtime compiles and guards them again
(`SandboxEnvironment`), so a definition stored before a check existed cannot escape either.

What an expression may touch: the task data (JSON values), the allow-listed builtins and our
functions (engine.bpmn.scripting.SCRIPT_FUNCTIONS). Attributes only of plain values (str, int,
list, dict, …), never one starting with "_", never of functions, frames, generators, types or
modules; `str.format` and the padding methods are refused; `**`, `*`, `<<` and `%` are bounded
so that a huge exponent or repeat count fails instead of eating the server's memory, and there
are no while loops (a for loop runs over data or a bounded range).
"""

from __future__ import annotations

import ast
import builtins
import copy
import operator
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from RestrictedPython.compile import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
)
from RestrictedPython.transformer import RestrictingNodeTransformer
from SpiffWorkflow.bpmn.script_engine import TaskDataEnvironment

# The largest number, string or list an expression may make by `**`, `*`, `<<` or `range`.
MAX_INT_BITS = 128
MAX_SEQUENCE = 100_000
MAX_EXPONENT = 100  # a larger constant exponent is refused at deploy


class SandboxRefused(Exception):
    """An expression or script the restricted evaluator will not compile or run."""


def _bounded_range(*args: int) -> range:
    result = range(*args)
    if len(result) > MAX_SEQUENCE:
        raise SandboxRefused(f"range of more than {MAX_SEQUENCE} numbers")
    return result


# What diagram expressions and scripts may call, beside our own functions.
SCRIPT_BUILTINS: dict[str, Any] = {
    name: getattr(builtins, name)
    for name in (
        "abs",
        "all",
        "any",
        "bool",
        "dict",
        "enumerate",
        "float",
        "int",
        "isinstance",
        "len",
        "list",
        "max",
        "min",
        "round",
        "set",
        "sorted",
        "str",
        "sum",
        "tuple",
        "zip",
        "True",
        "False",
        "None",
    )
} | {"range": _bounded_range}

# The only types whose attributes (methods) an expression may use, and methods it may not.
_PLAIN_TYPES = (str, int, float, bool, list, dict, tuple, set, frozenset, type(None))
_REFUSED_METHODS = frozenset(
    {"format", "format_map", "ljust", "rjust", "center", "zfill", "expandtabs", "mro"}
)
# Functions, frames, generators, code, tracebacks, types and modules keep the way out.
_REFUSED_NODES: dict[type[ast.AST], str] = {
    ast.FunctionDef: "function definitions",
    ast.AsyncFunctionDef: "function definitions",
    ast.Lambda: "lambdas",
    ast.ClassDef: "class definitions",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Await: "await",
    ast.Global: "global",
    ast.Nonlocal: "nonlocal",
    ast.Import: "imports",
    ast.While: "while loops",  # a loop without an end would hold up the worker
    ast.ImportFrom: "imports",
}
# Builtins outside SCRIPT_BUILTINS that open a way out: refused by name at deploy, so that a
# diagram naming one fails to deploy rather than when it runs (they are not there either way).
_REFUSED_NAMES = frozenset(
    {
        "breakpoint",
        "classmethod",
        "compile",
        "delattr",
        "dir",
        "eval",
        "exec",
        "getattr",
        "globals",
        "hasattr",
        "help",
        "input",
        "locals",
        "memoryview",
        "object",
        "open",
        "print",
        "property",
        "setattr",
        "staticmethod",
        "super",
        "type",
        "vars",
    }
)


def _guarded_getattr(obj: Any, name: str, *default: Any) -> Any:
    if name.startswith("_") or name in _REFUSED_METHODS or type(obj) not in _PLAIN_TYPES:
        raise SandboxRefused(f"attribute {name!r} of a {type(obj).__name__} is not allowed")
    return getattr(obj, name, *default)


def _check_size(value: Any) -> Any:
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise SandboxRefused(f"a number of more than {MAX_INT_BITS} bits")
    if isinstance(value, str | list | tuple | bytes) and len(value) > MAX_SEQUENCE:
        raise SandboxRefused(f"a string or list of more than {MAX_SEQUENCE} items")
    return value


def _bounded_binop(op: str, left: Any, right: Any) -> Any:
    """`**`, `*`, `<<` and `%`, refused before they could make something huge."""
    if op == "%" and isinstance(left, str | bytes):
        raise SandboxRefused("%-formatting of strings is not allowed")
    if (
        op == "**"
        and isinstance(left, int)
        and isinstance(right, int)
        and abs(left) > 1
        and left.bit_length() * right > MAX_INT_BITS * 2
    ):
        raise SandboxRefused(f"a number of more than {MAX_INT_BITS} bits")
    if op == "<<" and isinstance(right, int) and right > MAX_INT_BITS:
        raise SandboxRefused(f"a number of more than {MAX_INT_BITS} bits")
    if op == "*":
        for seq, count in ((left, right), (right, left)):
            sequence = isinstance(seq, str | list | tuple | bytes) and isinstance(count, int)
            if sequence and len(seq) * count > MAX_SEQUENCE:
                raise SandboxRefused(f"a string or list of more than {MAX_SEQUENCE} items")
    return _check_size(_OPERATORS[op](left, right))


_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "//": operator.floordiv,
    "%": operator.mod,
    "**": operator.pow,
    "<<": operator.lshift,
    ">>": operator.rshift,
    "&": operator.and_,
    "|": operator.or_,
    "^": operator.xor,
    "@": operator.matmul,
}
_OP_SYMBOLS = {ast.Pow: "**", ast.Mult: "*", ast.LShift: "<<", ast.Mod: "%"}


def _inplacevar(op: str, left: Any, right: Any) -> Any:
    return _bounded_binop(op.removesuffix("="), left, right)


def _apply(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return function(*args, **kwargs)


# The names RestrictedPython's compiled code calls for attribute, item and iteration access.
GUARDS: dict[str, Any] = {
    "_getattr_": _guarded_getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": default_guarded_getiter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "_inplacevar_": _inplacevar,
    "_apply_": _apply,
    "_bounded_binop_": _bounded_binop,
}


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's checks, and ours: no functions, classes, generators or while loops,
    no format specs in f-strings, no huge constant exponents or repeat counts; `**`, `*`, `<<`
    and `%` run through the bounded `_bounded_binop_`."""

    def visit(self, node: ast.AST) -> Any:
        refused = _REFUSED_NODES.get(type(node))
        if refused is not None:
            self.error(node, f"{refused} are not allowed in a diagram")
            return node
        if isinstance(node, ast.Attribute) and node.attr in _REFUSED_METHODS:
            self.error(node, f"the method {node.attr!r} is not allowed in a diagram")
        if isinstance(node, ast.Name) and node.id in _REFUSED_NAMES:
            self.error(node, f"{node.id!r} is not allowed in a diagram")
        if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            self.error(node, "format specifications in f-strings are not allowed")
        return super().visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        node = self.node_contents_visit(node)
        symbol = _OP_SYMBOLS.get(type(node.op))
        if symbol is None:
            return node
        left = node.left
        text = isinstance(left, ast.JoinedStr) or (
            isinstance(left, ast.Constant) and isinstance(left.value, str)
        )
        if symbol == "%" and text:
            self.error(node, "%-formatting of strings is not allowed in a diagram")
        limit = MAX_EXPONENT if symbol in ("**", "<<") else MAX_SEQUENCE
        sides = [node.right] if symbol in ("**", "<<") else [node.left, node.right]
        for side in sides if symbol != "%" else []:
            value = side.value if isinstance(side, ast.Constant) else None
            if isinstance(value, int) and abs(value) > limit:
                self.error(node, f"the constant {value} with {symbol} is too large")
        call = ast.Call(
            func=ast.Name("_bounded_binop_", ast.Load()),
            args=[ast.Constant(symbol), node.left, node.right],
            keywords=[],
        )
        return ast.fix_missing_locations(ast.copy_location(call, node))


@lru_cache(maxsize=4096)
def _compile(source: str, mode: str) -> tuple[Any, tuple[str, ...]]:
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compiler(source, "<string>", policy=_Policy)
    # "Line 2: …" as "line 2: …", as our other problems name lines.
    return result.code, tuple(re.sub(r"^Line ", "line ", error) for error in result.errors)


def problems(source: str, mode: str = "eval") -> list[str]:
    """Why `source` (an expression, or a script with mode "exec") would be refused; empty if
    it compiles. Each problem starts with its line in `source`."""
    return list(_compile(source.strip() if mode == "eval" else source, mode)[1])


def compiled(source: str, mode: str) -> Any:
    code, errors = _compile(source.strip() if mode == "eval" else source, mode)
    if errors:
        raise SandboxRefused("; ".join(errors))
    return code


class SandboxEnvironment(TaskDataEnvironment):  # type: ignore[misc]
    """Spiff's task-data environment, evaluating through the restricted compiler: every
    expression Spiff evaluates (conditions, timers, DMN, parameters) and every script."""

    def __init__(self, functions: Mapping[str, Callable[..., Any]]) -> None:
        super().__init__({"__builtins__": SCRIPT_BUILTINS, **functions, **GUARDS})

    def evaluate(
        self, expression: str, context: dict[str, Any], external_context: Any = None
    ) -> Any:
        code = compiled(expression, "eval")
        scope = copy.copy(self.globals)
        scope.update(external_context or {})
        scope.update(context)
        scope.update(GUARDS)  # task data must not replace a guard
        scope["__builtins__"] = SCRIPT_BUILTINS
        return eval(code, scope)

    def execute(self, script: str, context: dict[str, Any], external_context: Any = None) -> bool:
        code = compiled(script, "exec")
        self.check_for_overwrite(context, external_context or {})
        context.update(external_context or {})
        context.update(self.globals)
        try:
            exec(code, context)
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
        return True
