"""Tests for the condition expression language."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from muster.scenarios.conditions import (
    BUILTIN_CONDITIONS,
    MAX_DEPTH,
    And,
    ConditionError,
    Const,
    Name,
    Not,
    Or,
    PhaseCompare,
    evaluate,
    evaluate_weeks,
    is_site_condition,
    names,
    parse,
    site_condition,
    to_text,
    validate,
    weeks_holding,
)
from muster.scenarios.phases import Phase

KEYWORDS = {"and", "or", "not", "true", "false", "phase"}
OPS = ["==", "!=", "<", "<=", ">", ">="]

# ------------------------------------------------------------------------------ strategies

name_strategy = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True).filter(
    lambda s: s not in KEYWORDS
)
leaf = st.one_of(
    st.builds(Const, st.booleans()),
    st.builds(Name, name_strategy),
    st.builds(PhaseCompare, st.sampled_from(OPS), st.sampled_from(list(Phase))),
)


def _extend(children: st.SearchStrategy) -> st.SearchStrategy:
    operands = st.lists(children, min_size=2, max_size=4).map(tuple)
    return st.one_of(st.builds(Not, children), st.builds(And, operands), st.builds(Or, operands))


expr_strategy = st.recursive(leaf, _extend, max_leaves=12)


def reference(expr, phase: Phase, truths: dict[str, bool]) -> bool:
    """Independent evaluation: build Python source and evaluate it in a sealed namespace."""

    def src(e) -> str:
        if isinstance(e, Const):
            return repr(e.value)
        if isinstance(e, Name):
            return repr(truths.get(e.name, False))
        if isinstance(e, PhaseCompare):
            return f"({int(phase)} {e.op} {int(e.phase)})"
        if isinstance(e, Not):
            return f"(not {src(e.operand)})"
        joiner = " and " if isinstance(e, And) else " or "
        return "(" + joiner.join(src(o) for o in e.operands) + ")"

    return bool(eval(src(expr), {"__builtins__": {}}, {}))  # test-only oracle


# --------------------------------------------------------------------------------- parsing


def test_precedence_not_binds_tighter_than_and_than_or() -> None:
    expr = parse("not a and b or c")
    assert expr == Or((And((Not(Name("a")), Name("b"))), Name("c")))


def test_and_chain_is_flat_and_parentheses_group() -> None:
    assert parse("a and b and c") == And((Name("a"), Name("b"), Name("c")))
    assert parse("a and (b or c)") == And((Name("a"), Or((Name("b"), Name("c")))))
    assert parse("a and (b and c)") == And((Name("a"), And((Name("b"), Name("c")))))


def test_phase_comparison_and_literals() -> None:
    assert parse("phase >= ceasefire") == PhaseCompare(">=", Phase.CEASEFIRE)
    assert parse("PHASE != Peace") == PhaseCompare("!=", Phase.PEACE)
    assert parse("TRUE or false") == Or((Const(True), Const(False)))


def test_to_text_is_canonical() -> None:
    text = "  Phase>=ceasefire AND (us_backstop OR eu_soil)and not(not x) "
    assert to_text(parse(text)) == ("phase >= ceasefire and (us_backstop or eu_soil) and not not x")


def test_names() -> None:
    expr = parse("phase > truce and (us_backstop or not site_lviv_cleared) and us_backstop")
    assert names(expr) == {"us_backstop", "site_lviv_cleared"}


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        ("phase >= cease", 9, "unknown phase 'cease'"),
        ("(a and b", 8, "expected ')'"),
        ("a and", 5, "found end of expression"),
        ("a b", 2, "unexpected 'b'"),
        ("a)", 1, "unbalanced ')'"),
        ("phase = ceasefire", 6, "unexpected character '='"),
        ("a && b", 2, "unexpected character '&'"),
        ("", 0, "empty expression"),
        ("phase ceasefire", 6, "expected a comparison"),
        ("phase >=", 8, "expected a phase name"),
        ("US_Backstop", 0, "invalid condition name 'US_Backstop'"),
        ("and a", 0, "unexpected keyword 'and'"),
    ],
)
def test_errors_name_the_word_and_position(text: str, position: int, fragment: str) -> None:
    with pytest.raises(ConditionError) as info:
        parse(text)
    assert info.value.position == position
    assert fragment in str(info.value)
    assert f"position {position}" in str(info.value)


def test_validate_names_unknown_condition() -> None:
    with pytest.raises(ConditionError) as info:
        validate("not us_backstp", BUILTIN_CONDITIONS)
    assert str(info.value) == "unknown condition 'us_backstp' at position 4"
    assert info.value.word == "us_backstp"
    assert info.value.position == 4
    assert isinstance(info.value, ValueError)


def test_validate_accepts_builtins_and_site_pattern() -> None:
    expr = validate("us_backstop and site_lviv_cleared and site_yavoriv_2_cleared")
    assert names(expr) == {"us_backstop", "site_lviv_cleared", "site_yavoriv_2_cleared"}
    with pytest.raises(ConditionError, match="site_lviv_cleared"):
        validate("site_lviv_cleared", BUILTIN_CONDITIONS, allow_site_conditions=False)
    assert validate("custom_flag", {"custom_flag"}) == Name("custom_flag")
    with pytest.raises(ConditionError, match="'us_backstop'"):
        validate("custom_flag or us_backstop", {"custom_flag"})


def test_site_condition_helpers() -> None:
    assert site_condition("Lviv-West") == "site_lviv_west_cleared"
    assert is_site_condition("site_lviv_cleared")
    assert not is_site_condition("site__cleared")
    assert not is_site_condition("site_lviv")


def test_nesting_is_bounded() -> None:
    deep = "(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1)
    with pytest.raises(ConditionError, match="nested too deeply"):
        parse(deep)
    with pytest.raises(ConditionError, match="nested too deeply"):
        parse("not " * (MAX_DEPTH + 1) + "a")
    assert parse("(" * MAX_DEPTH + "a" + ")" * MAX_DEPTH) == Name("a")
    with pytest.raises(ConditionError, match="too long"):
        parse(" or ".join(["a"] * 2000))


# ------------------------------------------------------------------------------ evaluation


def test_evaluate_examples() -> None:
    expr = parse("phase >= ceasefire and ceasefire_parameters_agreed")
    assert evaluate(expr, Phase.CEASEFIRE, {"ceasefire_parameters_agreed": True})
    assert evaluate(expr, Phase.PEACE, {"ceasefire_parameters_agreed": True})
    assert not evaluate(expr, Phase.TRUCE, {"ceasefire_parameters_agreed": True})
    assert not evaluate(expr, Phase.CEASEFIRE, {})  # missing means not met
    with pytest.raises(ConditionError, match="ceasefire_parameters_agreed"):
        evaluate(expr, Phase.CEASEFIRE, {}, strict=True)


def test_weeks_holding_both_truth_shapes() -> None:
    phases = [Phase.HOSTILITIES, Phase.TRUCE, Phase.CEASEFIRE, Phase.CEASEFIRE, Phase.HOSTILITIES]
    expr = parse("phase >= truce and not us_backstop or eu_soil")
    per_week = [{"us_backstop": w == 2} for w in range(5)]
    assert weeks_holding(expr, phases, per_week) == frozenset({1, 3})
    columns = {"us_backstop": [False, False, True, False, False], "eu_soil": True}
    assert weeks_holding(expr, phases, columns) == frozenset(range(5))
    with pytest.raises(ValueError, match="cover"):
        weeks_holding(expr, phases, {"us_backstop": [True, False]})


@settings(max_examples=150, deadline=None)
@given(expr_strategy)
def test_round_trip(expr) -> None:
    text = to_text(expr)
    assert parse(text) == expr
    assert to_text(parse(text)) == text


@settings(max_examples=150, deadline=None)
@given(
    expr_strategy,
    st.sampled_from(list(Phase)),
    st.dictionaries(name_strategy, st.booleans(), max_size=6),
    st.data(),
)
def test_evaluate_matches_reference(expr, phase, truths, data) -> None:
    # make the used names likely to be set
    for name in sorted(names(expr)):
        truths.setdefault(name, data.draw(st.booleans()))
    assert evaluate(expr, phase, truths) == reference(expr, phase, truths)
    # vectorised evaluation agrees too
    vector = evaluate_weeks(expr, [phase, phase], {k: [v, v] for k, v in truths.items()})
    assert vector.tolist() == [reference(expr, phase, truths)] * 2


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=60),
        st.text(alphabet="()andornotphase<=>!= _abc", max_size=60),
        st.lists(
            st.sampled_from(
                ["and", "or", "not", "(", ")", "phase", ">=", "==", "<", "peace", "x", "true"]
            ),
            max_size=15,
        ).map(" ".join),
    )
)
def test_garbage_raises_only_condition_error(text: str) -> None:
    try:
        expr = parse(text)
    except ConditionError as error:
        assert 0 <= error.position <= len(text)
    else:
        assert parse(to_text(expr)) == expr
