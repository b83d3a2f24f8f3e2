"""Named conditions: a small, safe expression language.

Grammar (keywords are case-insensitive, names are snake_case)::

    expr     := or_expr
    or_expr  := and_expr ("or" and_expr)*
    and_expr := not_expr ("and" not_expr)*
    not_expr := "not" not_expr | atom
    atom     := "(" expr ")" | "true" | "false" | "phase" OP PHASE | NAME
    OP       := "==" | "!=" | "<" | "<=" | ">" | ">="
    PHASE    := "hostilities" | "truce" | "ceasefire" | "peace"
    NAME     := [a-z][a-z0-9_]*          (not a keyword)

Example: ``phase >= ceasefire and ceasefire_parameters_agreed and (us_backstop or eu_soil)``.

Text is parsed by a hand-written tokenizer and recursive-descent parser into an AST of frozen
dataclasses; nothing is ever evaluated as Python. Every error is a ``ConditionError`` (a
``ValueError``) carrying the character ``position`` (0-based) and the offending ``word``.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, TypeAlias

import numpy as np

from muster.scenarios.phases import Phase

__all__ = [
    "BUILTIN_CONDITIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "And",
    "ConditionError",
    "Const",
    "Expr",
    "Name",
    "Not",
    "Or",
    "PhaseCompare",
    "evaluate",
    "evaluate_weeks",
    "is_condition_name",
    "is_known_name",
    "is_site_condition",
    "names",
    "parse",
    "site_condition",
    "to_text",
    "validate",
    "weeks_holding",
]

MAX_LENGTH: Final = 2000
"""Longest expression text accepted."""
MAX_DEPTH: Final = 64
"""Deepest nesting of parentheses and ``not`` accepted."""

BUILTIN_CONDITIONS: Final[Mapping[str, str]] = {
    "us_backstop": "The United States backs the effort (intelligence, air and missile defence).",
    "ceasefire_parameters_agreed": (
        "The parameters of a ceasefire or peace agreement are agreed (monitoring, lines, "
        "rules for foreign personnel)."
    ),
    "ukrainian_forces_prepared": (
        "Ukrainian forces are prepared to receive training: units released, trainees "
        "available, sites secured."
    ),
    "parliamentary_approval": "The contributing nation's parliament has approved the deployment.",
    "eu_soil": "The activity takes place on EU (or Norwegian) soil, not in Ukraine.",
    "mandate_amended": (
        "The mission's mandate is amended (e.g. EUMAM Ukraine training on Ukrainian soil): "
        "every EU member state agrees or abstains; derived per week from their positions."
    ),
}
"""Condition names every installation knows, with a one-line description."""

SITE_CONDITION_PATTERN: Final = re.compile(r"site_[a-z0-9]+(?:_[a-z0-9]+)*_cleared")
"""``site_<slug>_cleared``: the site with that slug has its security clearance."""

_NAME_PATTERN: Final = re.compile(r"[a-z][a-z0-9_]*")
_KEYWORDS: Final = frozenset({"and", "or", "not", "true", "false", "phase"})
_OPERATORS: Final[Mapping[str, Callable[[int, int], bool]]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class ConditionError(ValueError):
    """A condition expression could not be parsed or names something unknown."""

    def __init__(self, message: str, position: int, word: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position
        self.word = word


# --------------------------------------------------------------------------------------- AST


@dataclass(frozen=True)
class Const:
    """The literal ``true`` or ``false``."""

    value: bool


@dataclass(frozen=True)
class Name:
    """A named condition such as ``us_backstop`` (true when the state says so)."""

    name: str


@dataclass(frozen=True)
class PhaseCompare:
    """``phase <op> <phase>``, e.g. ``phase >= ceasefire``."""

    op: str
    phase: Phase


@dataclass(frozen=True)
class Not:
    """``not operand``."""

    operand: Expr


@dataclass(frozen=True)
class And:
    """``a and b and ...`` (two or more operands)."""

    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Or:
    """``a or b or ...`` (two or more operands)."""

    operands: tuple[Expr, ...]


Expr: TypeAlias = Const | Name | PhaseCompare | Not | And | Or


# --------------------------------------------------------------------------------- tokenizer


@dataclass(frozen=True)
class _Token:
    kind: str  # "word", "op", "(", ")", "end"
    text: str
    position: int


_TOKEN_RE: Final = re.compile(
    r"(?P<space>\s+)|(?P<word>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>==|!=|<=|>=|<|>)|(?P<paren>[()])"
)


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if match is None:
            char = text[pos]
            hint = ""
            if char == "=":
                hint = "; use '==' to compare"
            elif char in "&|!":
                hint = "; use 'and', 'or', 'not'"
            raise ConditionError(
                f"unexpected character {char!r} at position {pos}{hint}", pos, char
            )
        kind = match.lastgroup
        if kind == "word":
            tokens.append(_Token("word", match.group(), pos))
        elif kind == "op":
            tokens.append(_Token("op", match.group(), pos))
        elif kind == "paren":
            tokens.append(_Token(match.group(), match.group(), pos))
        pos = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


# ------------------------------------------------------------------------------------ parser


def _describe(token: _Token) -> str:
    return "end of expression" if token.kind == "end" else repr(token.text)


class _Parser:
    """Recursive descent over the token list; records where each name occurs."""

    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.pos = 0
        self.depth = 0
        self.name_positions: list[tuple[str, int]] = []

    @property
    def current(self) -> _Token:
        return self.tokens[self.pos]

    def _keyword(self, word: str) -> bool:
        token = self.current
        return token.kind == "word" and token.text.lower() == word

    def _advance(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def _enter(self, token: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ConditionError(
                f"expression nested too deeply at position {token.position} "
                f"(more than {MAX_DEPTH} levels)",
                token.position,
                token.text,
            )

    def parse(self) -> Expr:
        if self.current.kind == "end":
            raise ConditionError("empty expression at position 0", 0, "")
        expr = self.parse_or()
        token = self.current
        if token.kind != "end":
            expected = "'and', 'or'" + (" or ')'" if token.kind != ")" else "")
            what = "unbalanced ')'" if token.kind == ")" else f"unexpected {_describe(token)}"
            raise ConditionError(
                f"{what} at position {token.position}; expected {expected} or end of expression",
                token.position,
                token.text,
            )
        return expr

    def parse_or(self) -> Expr:
        operands = [self.parse_and()]
        while self._keyword("or"):
            self._advance()
            operands.append(self.parse_and())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def parse_and(self) -> Expr:
        operands = [self.parse_not()]
        while self._keyword("and"):
            self._advance()
            operands.append(self.parse_not())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def parse_not(self) -> Expr:
        if self._keyword("not"):
            token = self._advance()
            self._enter(token)
            operand = self.parse_not()
            self.depth -= 1
            return Not(operand)
        return self.parse_atom()

    def parse_atom(self) -> Expr:
        token = self.current
        if token.kind == "(":
            self._advance()
            self._enter(token)
            expr = self.parse_or()
            self.depth -= 1
            closing = self.current
            if closing.kind != ")":
                raise ConditionError(
                    f"expected ')' at position {closing.position} to close the '(' at "
                    f"position {token.position}, found {_describe(closing)}",
                    closing.position,
                    closing.text,
                )
            self._advance()
            return expr
        if token.kind == "word":
            word = token.text.lower()
            if word in ("true", "false"):
                self._advance()
                return Const(word == "true")
            if word == "phase":
                self._advance()
                return self._phase_compare(token)
            if word in _KEYWORDS:
                raise ConditionError(
                    f"unexpected keyword {token.text!r} at position {token.position}; expected "
                    "a condition name, 'phase', 'not', 'true', 'false' or '('",
                    token.position,
                    token.text,
                )
            if not _NAME_PATTERN.fullmatch(token.text):
                raise ConditionError(
                    f"invalid condition name {token.text!r} at position {token.position}; "
                    "names are snake_case (lower-case letters, digits, '_')",
                    token.position,
                    token.text,
                )
            self._advance()
            self.name_positions.append((token.text, token.position))
            return Name(token.text)
        raise ConditionError(
            f"expected a condition name, 'phase', 'not', 'true', 'false' or '(' at position "
            f"{token.position}, found {_describe(token)}",
            token.position,
            token.text,
        )

    def _phase_compare(self, phase_token: _Token) -> PhaseCompare:
        op = self.current
        if op.kind != "op":
            raise ConditionError(
                f"expected a comparison (==, !=, <, <=, >, >=) after 'phase' at position "
                f"{op.position}, found {_describe(op)}",
                op.position,
                op.text,
            )
        self._advance()
        target = self.current
        if target.kind != "word":
            raise ConditionError(
                f"expected a phase name after {op.text!r} at position {target.position}, "
                f"found {_describe(target)}",
                target.position,
                target.text,
            )
        self._advance()
        try:
            phase = Phase[target.text.upper()]
        except KeyError:
            raise ConditionError(
                f"unknown phase {target.text!r} at position {target.position}; use one of "
                f"{', '.join(p.label for p in Phase)}",
                target.position,
                target.text,
            ) from None
        return PhaseCompare(op.text, phase)


def _parse(text: str) -> tuple[Expr, list[tuple[str, int]]]:
    if not isinstance(text, str):
        raise TypeError(f"condition must be a string, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ConditionError(
            f"expression too long at position {MAX_LENGTH} (at most {MAX_LENGTH} characters)",
            MAX_LENGTH,
            None,
        )
    parser = _Parser(text)
    return parser.parse(), parser.name_positions


# ---------------------------------------------------------------------------------- public API


def parse(text: str) -> Expr:
    """Parse ``text`` into an expression; raises ConditionError with the position on error."""
    return _parse(text)[0]


def names(expr: Expr) -> set[str]:
    """The condition names used in ``expr`` (``phase`` and literals are not names)."""
    found: set[str] = set()
    stack: list[Expr] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, Name):
            found.add(node.name)
        elif isinstance(node, Not):
            stack.append(node.operand)
        elif isinstance(node, And | Or):
            stack.extend(node.operands)
    return found


def is_condition_name(name: str) -> bool:
    """True when ``name`` can name a condition (snake_case, not a keyword)."""
    return _NAME_PATTERN.fullmatch(name) is not None and name not in _KEYWORDS


def is_site_condition(name: str) -> bool:
    """True for ``site_<slug>_cleared`` names."""
    return SITE_CONDITION_PATTERN.fullmatch(name) is not None


def site_condition(slug: str) -> str:
    """The condition name for a site's clearance: ``site_<slug>_cleared``."""
    name = f"site_{slug.strip().lower().replace('-', '_')}_cleared"
    if not is_site_condition(name):
        raise ValueError(f"invalid site slug {slug!r}")
    return name


def is_known_name(
    name: str, known_names: Iterable[str] | None = None, *, allow_site_conditions: bool = True
) -> bool:
    """True when ``name`` is among ``known_names`` (default: the built-ins) or a site name."""
    known = BUILTIN_CONDITIONS.keys() if known_names is None else set(known_names)
    return name in known or (allow_site_conditions and is_site_condition(name))


def validate(
    text: str,
    known_names: Iterable[str] | None = None,
    *,
    allow_site_conditions: bool = True,
) -> Expr:
    """Parse ``text`` and check that every name is known; raises ConditionError naming the word.

    ``known_names`` defaults to ``BUILTIN_CONDITIONS``; pass ``BUILTIN_CONDITIONS.keys() | more``
    to extend it. ``site_<slug>_cleared`` names pass when ``allow_site_conditions``.
    """
    expr, positions = _parse(text)
    known = set(BUILTIN_CONDITIONS) if known_names is None else set(known_names)
    for name, position in positions:
        if not is_known_name(name, known, allow_site_conditions=allow_site_conditions):
            raise ConditionError(
                f"unknown condition {name!r} at position {position}", position, name
            )
    return expr


def evaluate(
    expr: Expr, phase: Phase | int, truths: Mapping[str, bool], *, strict: bool = False
) -> bool:
    """Whether ``expr`` holds in ``phase`` given the truth of each named condition.

    A name missing from ``truths`` counts as false (not yet met), or raises ConditionError
    when ``strict``.
    """
    if isinstance(expr, Const):
        return expr.value
    if isinstance(expr, Name):
        if expr.name in truths:
            return bool(truths[expr.name])
        if strict:
            raise ConditionError(f"no truth value for condition {expr.name!r}", 0, expr.name)
        return False
    if isinstance(expr, PhaseCompare):
        return _OPERATORS[expr.op](int(phase), int(expr.phase))
    if isinstance(expr, Not):
        return not evaluate(expr.operand, phase, truths, strict=strict)
    if isinstance(expr, And):
        return all(evaluate(o, phase, truths, strict=strict) for o in expr.operands)
    if isinstance(expr, Or):
        return any(evaluate(o, phase, truths, strict=strict) for o in expr.operands)
    raise TypeError(f"not an expression: {expr!r}")


def evaluate_weeks(
    expr: Expr,
    phases: Sequence[Phase | int] | np.ndarray,
    truths: Mapping[str, bool | Sequence[bool] | np.ndarray],
) -> np.ndarray:
    """Vectorised ``evaluate``: a bool array, one entry per element of ``phases``.

    ``phases`` may have any shape (e.g. draws x weeks); each truth is a bool or an array that
    broadcasts against it. Missing names are false.
    """
    phase_array = np.asarray(phases, dtype=np.int64)

    def ev(node: Expr) -> np.ndarray:
        if isinstance(node, Const):
            return np.full(phase_array.shape, node.value, dtype=bool)
        if isinstance(node, Name):
            value = truths.get(node.name, False)
            return np.broadcast_to(np.asarray(value, dtype=bool), phase_array.shape)
        if isinstance(node, PhaseCompare):
            return _OPERATORS[node.op](phase_array, int(node.phase))
        if isinstance(node, Not):
            return ~ev(node.operand)
        if isinstance(node, And):
            result = ev(node.operands[0])
            for o in node.operands[1:]:
                result = result & ev(o)
            return result
        if isinstance(node, Or):
            result = ev(node.operands[0])
            for o in node.operands[1:]:
                result = result | ev(o)
            return result
        raise TypeError(f"not an expression: {node!r}")

    return np.asarray(ev(expr), dtype=bool)


def weeks_holding(
    expr: Expr,
    phase_by_week: Sequence[Phase | int],
    truths_by_week: Sequence[Mapping[str, bool]] | Mapping[str, bool | Sequence[bool]],
) -> frozenset[int]:
    """Indices of the weeks in which ``expr`` holds.

    ``truths_by_week`` is either one mapping per week, or one mapping from name to a constant
    bool or to a per-week sequence of bools. Missing names are false.
    """
    weeks = len(phase_by_week)
    if isinstance(truths_by_week, Mapping):
        columns: dict[str, np.ndarray] = {}
        for name, value in truths_by_week.items():
            column = np.asarray(value, dtype=bool)
            if column.ndim and column.shape != (weeks,):
                raise ValueError(f"truths for {name!r} cover {column.shape[0]} weeks, not {weeks}")
            columns[name] = column
    else:
        if len(truths_by_week) != weeks:
            raise ValueError(f"truths cover {len(truths_by_week)} weeks, phases cover {weeks}")
        columns = {
            name: np.array([bool(week.get(name, False)) for week in truths_by_week], dtype=bool)
            for name in names(expr)
        }
    holding = evaluate_weeks(expr, list(phase_by_week), columns)
    return frozenset(int(i) for i in np.flatnonzero(holding))


def _needs_parens(child: Expr, parent: type) -> bool:
    if parent is Not:
        return isinstance(child, And | Or)
    if parent is And:
        return isinstance(child, And | Or)
    return isinstance(child, Or)  # parent is Or


def to_text(expr: Expr) -> str:
    """Canonical text: lower-case keywords, single spaces, only the parentheses needed."""
    if isinstance(expr, Const):
        return "true" if expr.value else "false"
    if isinstance(expr, Name):
        return expr.name
    if isinstance(expr, PhaseCompare):
        return f"phase {expr.op} {Phase(expr.phase).label}"
    if isinstance(expr, Not):
        inner = to_text(expr.operand)
        return f"not ({inner})" if _needs_parens(expr.operand, Not) else f"not {inner}"
    if isinstance(expr, And | Or):
        if len(expr.operands) < 2:
            raise ValueError(f"{type(expr).__name__} needs at least two operands")
        parts = [
            f"({to_text(o)})" if _needs_parens(o, type(expr)) else to_text(o) for o in expr.operands
        ]
        return (" and " if isinstance(expr, And) else " or ").join(parts)
    raise TypeError(f"not an expression: {expr!r}")
