"""Guarantee services: requirements and conditional contributions, the sourcing of a scenario
week (who fills what, what is missing, which condition would unlock most), coverage
conditions for the other pillars, status changes with dates, and sourcing rounds."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster import crud
from muster.audit import service as audit
from muster.auth.principal import Principal
from muster.crud import Resource, check_version, require
from muster.errors import Forbidden, Invalid, NotFound
from muster.guarantees import sourcing
from muster.guarantees.models import (
    CapabilitySubstitution,
    Contribution,
    ForceRequirement,
    SourcingGap,
    SourcingRound,
)
from muster.guarantees.schemas import (
    CapabilitySubstitutionIn,
    CapabilitySubstitutionOut,
    CapabilitySubstitutionUpdate,
    ContributionIn,
    ContributionOut,
    ContributionUpdate,
    ForceRequirementIn,
    ForceRequirementOut,
    ForceRequirementUpdate,
    RoundIn,
)
from muster.reference.models import Nation
from muster.scenarios import conditions as cond
from muster.scenarios import service as scenarios
from muster.scenarios.phases import Phase
from muster.weeks import monday

PLANNERS = frozenset({"admin", "planner"})
DATE_ORDER = ("confirmed_on", "deployed_on", "rotated_out_on")
LAST_WEEK = dt.date(9999, 12, 6)  # the last Monday whose week (and the next) fits in a date


def _check_week(week: dt.date) -> None:
    if week > LAST_WEEK:
        raise Invalid(f"week must be on or before {LAST_WEEK}", field="week")


def _check_contribution(db_session: Session, values: dict[str, Any], row: Any) -> dict[str, Any]:
    require(db_session, Nation, "code", values["nation"], "nation", "nation")
    require(db_session, SourcingRound, "id", values.get("round_id"), "round_id", "sourcing round")
    if values["kind"] == "funding":
        if not values.get("amount_cents"):
            raise Invalid("a funding contribution needs amount_cents", field="amount_cents")
    elif values.get("quantity", 0) <= 0:
        raise Invalid("quantity must be at least 1", field="quantity")
    values["condition"] = scenarios.check_condition(db_session, values["condition"], "condition")
    dates = [(k, values.get(k)) for k in DATE_ORDER if values.get(k) is not None]
    for (a, da), (b, db) in zip(dates, dates[1:], strict=False):
        if db < da:
            raise Invalid(f"{b} ({db}) is before {a} ({da})", field=b)
    return values


def _check_substitution(db_session: Session, values: dict[str, Any], row: Any) -> dict[str, Any]:
    if values["provided"] == values["required"]:
        raise Invalid("a capability always counts for itself; name another", field="required")
    return values


REQUIREMENTS = Resource(
    name="force-requirements",
    entity="force_requirement",
    model=ForceRequirement,
    create_schema=ForceRequirementIn,
    update_schema=ForceRequirementUpdate,
    read_schema=ForceRequirementOut,
    writers=PLANNERS,
    filters=("capability", "zone", "phase_from"),
    title="Force requirements",
    tags=("guarantees",),
)
CONTRIBUTIONS = Resource(
    name="contributions",
    entity="contribution",
    model=Contribution,
    create_schema=ContributionIn,
    update_schema=ContributionUpdate,
    read_schema=ContributionOut,
    writers=frozenset({"admin", "planner", "nation"}),
    nation_field="nation",
    filters=("nation", "kind", "capability", "status", "round_id"),
    check=_check_contribution,
    title="Contributions",
    tags=("guarantees",),
)
SUBSTITUTIONS = Resource(
    name="capability-substitutions",
    entity="capability_substitution",
    model=CapabilitySubstitution,
    create_schema=CapabilitySubstitutionIn,
    update_schema=CapabilitySubstitutionUpdate,
    read_schema=CapabilitySubstitutionOut,
    writers=PLANNERS,
    filters=("provided", "required"),
    check=_check_substitution,
    title="Capability substitutions",
    tags=("guarantees",),
)
RESOURCES = (REQUIREMENTS, CONTRIBUTIONS, SUBSTITUTIONS)


# ------------------------------------------------------------------------ status and dates

TRANSITIONS: dict[str, dict[str, str | None]] = {
    # from -> {to: the date field set by the change}
    "offered": {"confirmed": "confirmed_on", "withdrawn": None},
    "confirmed": {"deployed": "deployed_on", "withdrawn": None},
    "deployed": {"rotated_out": "rotated_out_on", "withdrawn": None},
    "rotated_out": {"deployed": "deployed_on"},
    "withdrawn": {"offered": None},
}


def change_status(
    *,
    db_session: Session,
    principal: Principal,
    id: int,
    status: str,
    on: dt.date | None,
    version: int,
) -> Contribution:
    """Move a contribution offered → confirmed → deployed → rotated out (or withdrawn),
    recording the date of the change; other moves are a 422 naming `status`."""
    row = crud.get(db_session=db_session, resource=CONTRIBUTIONS, id=id)
    if principal.is_scoped and row.nation != principal.nation:
        raise Forbidden(
            f"a {principal.role} user for {principal.nation} may only change rows of "
            f"{principal.nation}",
            field="nation",
        )
    allowed = TRANSITIONS.get(row.status, {})
    if status not in allowed:
        raise Invalid(
            f"a contribution that is {row.status} cannot become {status}; "
            f"it can become {', '.join(sorted(allowed)) or 'nothing else'}",
            field="status",
        )
    changes: dict[str, Any] = {"version": version, "status": status}
    date_field = allowed[status]
    if date_field:
        changes[date_field] = on or dt.date.today()
        if status == "deployed" and row.confirmed_on is None:
            changes["confirmed_on"] = changes[date_field]
        if status == "deployed" and row.rotated_out_on is not None:
            changes["rotated_out_on"] = None  # a new tour
    return crud.update(
        db_session=db_session,
        resource=CONTRIBUTIONS,
        principal=principal,
        id=id,
        data=ContributionUpdate(**changes),
    )


def in_force(contribution: Contribution, basis: str, week: dt.date) -> bool:
    """Whether a contribution counts in `week` on a basis: `promised` (offered, confirmed or
    deployed), `confirmed` (confirmed by that week) or `deployed` (on the ground that week).
    A status without a date counts in every week; rotated-out units count until they left."""
    first, last = monday(week), monday(week) + dt.timedelta(days=6)
    c = contribution
    if c.status == "withdrawn" or c.kind == "funding" or not c.capability:
        return False
    left = c.rotated_out_on
    if c.status == "rotated_out" and (left is None or left <= first):
        return False
    if basis == "promised":
        return True
    if basis == "confirmed":
        if c.status == "offered":
            return False
        since = c.confirmed_on or c.deployed_on
        return since is None or since <= last
    if basis == "deployed":
        if c.status not in ("deployed", "rotated_out"):
            return False
        return c.deployed_on is None or c.deployed_on <= last
    raise Invalid(f"unknown basis '{basis}'; use promised, confirmed or deployed", field="basis")


# ------------------------------------------------------------------------------- sourcing


@lru_cache(maxsize=2048)
def _parsed(text: str) -> cond.Expr:
    return cond.parse(text)


def _holds(text: str, phase: Phase, truths: dict[str, bool]) -> bool:
    return True if not text else cond.evaluate(_parsed(text), phase, truths)


@dataclass(frozen=True)
class WeekInput:
    """Everything the optimizer needs for one week, and where it came from."""

    scenario_id: int
    scenario: str
    week: dt.date
    phase: Phase
    truths: dict[str, bool]
    basis: str
    problem: sourcing.SourcingProblem
    not_needed: tuple[int, ...]
    contributions: dict[int, Contribution]  # those in force on the basis, available or not


def _load(db_session: Session) -> tuple[list, list, tuple[sourcing.Substitution, ...]]:
    reqs = list(db_session.scalars(select(ForceRequirement).order_by(ForceRequirement.id)))
    contribs = list(db_session.scalars(select(Contribution).order_by(Contribution.id)))
    subs = tuple(
        sourcing.Substitution(s.provided, s.required, float(s.ratio))
        for s in db_session.scalars(
            select(CapabilitySubstitution).order_by(CapabilitySubstitution.id)
        )
    )
    return reqs, contribs, subs


def _week_input(
    *,
    scenario: Any,
    week: dt.date,
    phase: Phase,
    truths: dict[str, bool],
    basis: str,
    reqs: list[ForceRequirement],
    contribs: list[Contribution],
    subs: tuple[sourcing.Substitution, ...],
) -> WeekInput:
    needed = [r for r in reqs if phase >= Phase.parse(r.phase_from)]
    counted = [c for c in contribs if in_force(c, basis, week)]
    problem = sourcing.SourcingProblem(
        requirements=tuple(
            sourcing.Requirement(
                id=r.id,
                capability=r.capability,
                zone=r.zone,
                quantity=r.quantity,
                unit=r.unit,
                rotation_weeks=r.rotation_weeks,
                priority=r.priority,
            )
            for r in needed
        ),
        offers=tuple(
            sourcing.Offer(
                id=c.id,
                nation=c.nation,
                capability=c.capability or "",
                quantity=c.quantity,
                zones=frozenset(c.zones or ()),
                available=_holds(c.condition, phase, truths),
                rotation_weeks=c.rotation_weeks,
                status=c.status,
            )
            for c in counted
        ),
        substitutions=subs,
    )
    return WeekInput(
        scenario_id=scenario.id,
        scenario=scenario.name,
        week=monday(week),
        phase=phase,
        truths=truths,
        basis=basis,
        problem=problem,
        not_needed=tuple(r.id for r in reqs if r not in needed),
        contributions={c.id: c for c in counted},
    )


def week_input(
    *, db_session: Session, scenario_id: int | None, week: dt.date, basis: str = "promised"
) -> WeekInput:
    """The sourcing problem of one week of a scenario (reality when `scenario_id` is None):
    requirements whose phase is reached, contributions in force on `basis`, each contribution's
    condition evaluated in that week."""
    if basis not in ("promised", "confirmed", "deployed"):
        raise Invalid(
            f"unknown basis '{basis}'; use promised, confirmed or deployed", field="basis"
        )
    _check_week(week)
    scenario = scenarios.get_scenario(db_session=db_session, scenario_id=scenario_id)
    line = scenarios.timeline(
        db_session=db_session, scenario_id=scenario.id, start=week, weeks=1, with_coverage=False
    )
    reqs, contribs, subs = _load(db_session)
    return _week_input(
        scenario=scenario,
        week=week,
        phase=line.phases[0],
        truths=line.truths_at(0),
        basis=basis,
        reqs=reqs,
        contribs=contribs,
        subs=subs,
    )


def source(
    *,
    db_session: Session,
    scenario_id: int | None,
    week: dt.date,
    basis: str = "promised",
    settings: sourcing.SolverSettings | None = None,
) -> tuple[WeekInput, sourcing.SourcingResult]:
    """Solve the sourcing of a scenario week."""
    data = week_input(db_session=db_session, scenario_id=scenario_id, week=week, basis=basis)
    return data, sourcing.solve(data.problem, settings)


def sourcing_dict(data: WeekInput, result: sourcing.SourcingResult) -> dict[str, Any]:
    """The sourcing of a week as the API shows it."""
    assigned = result.units_assigned()
    covered = coverage_truths_of(data.problem, result)
    return {
        "scenario_id": data.scenario_id,
        "scenario": data.scenario,
        "week": data.week,
        "phase": data.phase.label,
        "basis": data.basis,
        "fill_rate": result.fill_rate,
        "objective": result.objective,
        "best_possible": result.best_possible,
        "optimal": result.optimal,
        "status": result.status,
        "wall_time_s": result.wall_time_s,
        "requirements": [
            {
                "requirement_id": f.requirement_id,
                "capability": f.capability,
                "zone": f.zone,
                "unit": f.unit,
                "priority": f.priority,
                "required": f.required,
                "covered": round(f.covered, 6),
                "fill_rate": f.fill_rate,
                "shortfall": round(f.shortfall, 6),
                "nations": list(f.nations),
            }
            for f in result.requirements
        ],
        "not_needed_yet": list(data.not_needed),
        "zones": [
            {
                "zone": z.zone,
                "requirements": z.requirements,
                "filled": z.filled,
                "fill_rate": z.fill_rate,
                "shortfall": {k: round(v, 6) for k, v in z.shortfall.items()},
                "air_defence_covered": covered.get(coverage_condition(z.zone), False),
            }
            for z in result.zones
        ],
        "assignments": [
            {
                "contribution_id": a.offer_id,
                "requirement_id": a.requirement_id,
                "nation": a.nation,
                "units": a.units,
                "coverage": a.coverage,
                "substituted": a.substituted,
                "rotation_factor": a.rotation_factor,
            }
            for a in result.assignments
        ],
        "spare": {
            o.id: o.quantity - assigned.get(o.id, 0)
            for o in data.problem.offers
            if o.available and o.quantity - assigned.get(o.id, 0) > 0
        },
        "conditions": covered,
    }


# -------------------------------------------------------------------------------- what-if


def _amount(value: float, unit: str) -> str:
    """`2 battalions`, `1 battalion`, `0.5 battalions`, `150 personnel`."""
    whole = abs(value - round(value)) < 1e-6
    number = f"{value:,.0f}" if whole else f"{value:,.1f}"
    if whole and round(value) == 1:
        if unit.endswith("ies"):
            unit = unit[:-3] + "y"
        elif unit.endswith("s") and not unit.endswith("ss"):
            unit = unit[:-1]
    return f"{number} {unit}"


def _joined(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


WHAT_IF_TIME_LIMIT_S = 8.0  # all the re-solves of a what-if together: a page waits on them


def what_if(
    *,
    db_session: Session,
    scenario_id: int | None,
    week: dt.date,
    basis: str = "promised",
    settings: sourcing.SolverSettings | None = None,
) -> dict[str, Any]:
    """For each named condition that does not hold in the week (and all of them together):
    what its turning true would unlock; and per short requirement, who could still fill it."""
    data = week_input(db_session=db_session, scenario_id=scenario_id, week=week, basis=basis)
    base = sourcing.solve(data.problem, settings)
    texts = {c.id: c.condition for c in data.contributions.values()}
    false_names = sorted(
        {
            n
            for t in texts.values()
            if t
            for n in cond.names(_parsed(t))
            if not data.truths.get(n, False)
        }
    )
    alternatives: dict[str, set[int]] = {}
    truths_of: dict[str, dict[str, bool]] = {}
    combos = [(n, [n]) for n in false_names]
    if len(false_names) > 1 and "all" not in false_names:
        combos.append(("all", false_names))
    for label, names in combos:
        truths = {**data.truths, **dict.fromkeys(names, True)}
        truths_of[label] = truths
        alternatives[label] = {cid for cid, t in texts.items() if _holds(t, data.phase, truths)}
    unlocks = sourcing.what_if(
        data.problem, alternatives, settings, base=base, time_limit_s=WHAT_IF_TIME_LIMIT_S
    )
    nations = {c.id: c.nation for c in data.contributions.values()}
    out = []
    for u in unlocks:
        names = false_names if u.name == "all" else [u.name]
        blocked = [
            {
                "contribution_id": cid,
                "nation": nations[cid],
                "blocking": scenarios.blocking(texts[cid], data.phase, truths_of[u.name]),
            }
            for cid in sorted(texts)
            if cid not in alternatives[u.name]
            and texts[cid]
            and cond.names(_parsed(texts[cid])) & set(names)
        ]
        closed = {k: round(v, 6) for k, v in u.closed.items()}
        gains = [_amount(v, k) for k, v in sorted(closed.items()) if v > 1e-6]
        who = sorted({nations[i] for i in u.used})
        summary = (
            f"{u.name} would unlock {_joined(gains)} ({', '.join(who)})"
            if gains
            else f"{u.name} would close no shortfall"
        )
        out.append(
            {
                "condition": u.name,
                "gain": u.gain,
                "optimal": u.result.optimal,
                "gain_bound": u.gain_bound,
                "fill_rate": u.result.fill_rate,
                "closed": closed,
                "by_requirement": {k: round(v, 6) for k, v in u.by_requirement.items()},
                "unlocked": list(u.unlocked),
                "used": list(u.used),
                "lost": list(u.lost),
                "still_blocked": blocked,
                "summary": summary,
            }
        )
    cands = sourcing.candidates(data.problem, base)
    requirements = [
        {
            "requirement_id": f.requirement_id,
            "capability": f.capability,
            "zone": f.zone,
            "shortfall": round(f.shortfall, 6),
            "candidates": [
                {
                    "contribution_id": c.offer_id,
                    "nation": c.nation,
                    "capability": c.capability,
                    "units_free": c.units_free,
                    "factor": c.factor,
                    "available": c.available,
                    "condition": texts[c.offer_id],
                }
                for c in cands[f.requirement_id]
            ],
        }
        for f in base.requirements
        if f.shortfall > 1e-6
    ]
    return {
        "scenario_id": data.scenario_id,
        "week": data.week,
        "phase": data.phase.label,
        "basis": data.basis,
        "fill_rate": base.fill_rate,
        "conditions": out,
        "requirements": requirements,
    }


# ----------------------------------------------------------- coverage as a condition elsewhere

AIR_DEFENCE_CAPABILITIES = frozenset(
    {"air_defence", "air_and_missile_defence", "ground_based_air_defence", "counter_drone"}
)
COVERAGE_SUFFIX = "_air_defence_covered"


def is_air_defence(capability: str) -> bool:
    """Air and missile defence capabilities: `air_defence*` and the named few."""
    return capability.startswith("air_defence") or capability in AIR_DEFENCE_CAPABILITIES


def coverage_condition(zone: str) -> str:
    """The condition name `<zone>_air_defence_covered` (zone slugged to snake_case)."""
    slug = re.sub(r"[^a-z0-9]+", "_", zone.lower()).strip("_") or "zone"
    if not slug[0].isalpha():
        slug = f"zone_{slug}"
    return f"{slug}{COVERAGE_SUFFIX}"


def coverage_truths_of(
    problem: sourcing.SourcingProblem, result: sourcing.SourcingResult
) -> dict[str, bool]:
    """`<zone>_air_defence_covered` for every zone with a requirement in the problem: true
    when the zone has an air-defence requirement needed this week and all of them are filled."""
    fills = {f.requirement_id: f for f in result.requirements}
    zones: dict[str, list[bool]] = {}
    for r in problem.requirements:
        zones.setdefault(r.zone, [])
        if is_air_defence(r.capability):
            zones[r.zone].append(fills[r.id].filled)
    return {coverage_condition(z): bool(v) and all(v) for z, v in zones.items()}


def coverage_condition_names(db_session: Session) -> set[str]:
    """The coverage condition names of every zone with a requirement."""
    zones = db_session.scalars(select(ForceRequirement.zone).distinct()).all()
    return {coverage_condition(z) for z in zones}


def coverage_conditions(
    *, db_session: Session, scenario_id: int | None, week: dt.date, basis: str = "promised"
) -> dict[str, bool]:
    """Truth of every coverage condition in a scenario week."""
    data, result = source(db_session=db_session, scenario_id=scenario_id, week=week, basis=basis)
    names = dict.fromkeys(coverage_condition_names(db_session), False)
    return {**names, **coverage_truths_of(data.problem, result)}


def zone_covered(
    db_session: Session, scenario_id: int | None, zone: str, week: dt.date, basis: str = "promised"
) -> bool:
    """Whether the air-defence requirements of `zone` are filled in a scenario week (false
    when the zone has none needed that week: nothing covers it)."""
    truths = coverage_conditions(
        db_session=db_session, scenario_id=scenario_id, week=week, basis=basis
    )
    return truths.get(coverage_condition(zone), False)


def coverage_truths(
    *,
    db_session: Session,
    scenario_id: int | None,
    start: dt.date,
    weeks: int,
    basis: str = "promised",
) -> dict[str, tuple[bool, ...]]:
    """Coverage conditions per week over a horizon, to merge into a scenario timeline's
    truths. Weeks with the same phase, truths and contributions in force share one solve.
    Contribution conditions are evaluated without coverage conditions (no cycles)."""
    try:
        _check_week(start + dt.timedelta(weeks=max(0, weeks - 1)))
    except OverflowError as exc:
        raise Invalid("the horizon runs past the last date", field="weeks") from exc
    scenario = scenarios.get_scenario(db_session=db_session, scenario_id=scenario_id)
    line = scenarios.timeline(
        db_session=db_session,
        scenario_id=scenario.id,
        start=start,
        weeks=weeks,
        with_coverage=False,
    )
    reqs, contribs, subs = _load(db_session)
    names = sorted(coverage_condition_names(db_session))
    columns: dict[str, list[bool]] = {n: [] for n in names}
    cache: dict[Any, dict[str, bool]] = {}
    for i, week in enumerate(line.weeks):
        data = _week_input(
            scenario=scenario,
            week=week,
            phase=line.phases[i],
            truths=line.truths_at(i),
            basis=basis,
            reqs=reqs,
            contribs=contribs,
            subs=subs,
        )
        key = (
            tuple(r.id for r in data.problem.requirements),
            tuple((o.id, o.available) for o in data.problem.offers),
        )
        if key not in cache:
            cache[key] = coverage_truths_of(data.problem, sourcing.solve(data.problem))
        for n in names:
            columns[n].append(cache[key].get(n, False))
    return {n: tuple(v) for n, v in columns.items()}


def timeline_with_coverage(
    *, db_session: Session, scenario_id: int | None, start: dt.date, weeks: int
) -> scenarios.Timeline:
    """A scenario timeline whose truths also hold the `<zone>_air_defence_covered`
    conditions, so a site condition such as `western_non_combat_air_defence_covered` can be
    evaluated with `Timeline.holds`."""
    return scenarios.timeline(
        db_session=db_session,
        scenario_id=scenario_id,
        start=start,
        weeks=weeks,
        with_coverage=True,
    )


# --------------------------------------------------------------------------------- rounds


def _round_dict(db_session: Session, row: SourcingRound) -> dict[str, Any]:
    gaps = db_session.scalars(
        select(SourcingGap).where(SourcingGap.round_id == row.id).order_by(SourcingGap.id)
    ).all()
    answers = db_session.scalars(
        select(Contribution.id).where(Contribution.round_id == row.id).order_by(Contribution.id)
    ).all()
    return {
        **{k: getattr(row, k) for k in (
            "id", "version", "number", "title", "scenario_id", "week", "basis", "issued_on",
            "closes_on", "status", "fill_rate", "note",
        )},
        "gaps": list(gaps),
        "answers": list(answers),
    }  # fmt: skip


def list_rounds(*, db_session: Session) -> list[dict[str, Any]]:
    """Every sourcing round, newest first, with its gaps."""
    rows = db_session.scalars(select(SourcingRound).order_by(SourcingRound.number.desc())).all()
    return [_round_dict(db_session, r) for r in rows]


def _round(db_session: Session, id: int) -> SourcingRound:
    row = db_session.get(SourcingRound, id)
    if row is None:
        raise NotFound(f"sourcing round {id} does not exist", field="id")
    return row


def get_round(*, db_session: Session, id: int) -> dict[str, Any]:
    """One sourcing round with its gaps and the contributions answering it."""
    return _round_dict(db_session, _round(db_session, id))


def issue_round(
    *, db_session: Session, principal: Principal, data: RoundIn, today: dt.date | None = None
) -> dict[str, Any]:
    """Issue a statement of requirements: close the open round, solve the week, and record
    each requirement still short as a gap; gaps accepted in the last round stay accepted."""
    today = today or dt.date.today()
    if data.closes_on is not None and data.closes_on < today:
        raise Invalid("closes_on is in the past", field="closes_on")
    week_data, result = source(
        db_session=db_session, scenario_id=data.scenario_id, week=data.week, basis=data.basis
    )
    previous = db_session.scalar(select(SourcingRound).order_by(SourcingRound.number.desc()))
    accepted: dict[int, int] = {}
    if previous is not None:
        for g in db_session.scalars(select(SourcingGap).where(SourcingGap.round_id == previous.id)):
            if g.decision == "accepted" and g.requirement_id is not None:
                accepted[g.requirement_id] = previous.number
    for open_round in db_session.scalars(
        select(SourcingRound).where(SourcingRound.status == "open")
    ):
        before = audit.snapshot(open_round)
        open_round.status = "closed"
        db_session.flush()
        audit.record(
            db_session=db_session,
            actor=principal.username,
            action="update",
            entity="sourcing_round",
            entity_id=open_round.id,
            before=before,
            after=audit.snapshot(open_round),
        )
    number = (db_session.scalar(select(func.max(SourcingRound.number))) or 0) + 1
    row = SourcingRound(
        number=number,
        title=data.title or f"Statement of requirements {number}",
        scenario_id=week_data.scenario_id,
        week=week_data.week,
        basis=data.basis,
        issued_on=today,
        closes_on=data.closes_on,
        status="open",
        fill_rate=result.fill_rate,
        note=data.note,
    )
    db_session.add(row)
    db_session.flush()
    for f in result.requirements:
        if f.shortfall <= 1e-6:
            continue
        carried = accepted.get(f.requirement_id)
        db_session.add(
            SourcingGap(
                round_id=row.id,
                requirement_id=f.requirement_id,
                capability=f.capability,
                zone=f.zone,
                unit=f.unit,
                required=f.required,
                covered=round(f.covered, 6),
                shortfall=round(f.shortfall, 6),
                decision="accepted" if carried else "open",
                note=f"accepted in round {carried}" if carried else "",
            )
        )
    db_session.flush()
    out = _round_dict(db_session, row)
    audit.record(
        db_session=db_session,
        actor=principal.username,
        action="create",
        entity="sourcing_round",
        entity_id=row.id,
        after={**audit.snapshot(row), "gaps": len(out["gaps"])},
    )
    db_session.commit()
    return out


def decide_gap(
    *,
    db_session: Session,
    principal: Principal,
    round_id: int,
    gap_id: int,
    decision: str,
    note: str | None,
    version: int,
) -> SourcingGap:
    """Accept a gap (the coalition lives with it) or ask again in the next round."""
    gap = db_session.get(SourcingGap, gap_id)
    if gap is None or gap.round_id != _round(db_session, round_id).id:
        raise NotFound(f"gap {gap_id} is not part of round {round_id}", field="gap_id")
    check_version(gap, version, f"gap {gap_id}")
    before = audit.snapshot(gap)
    gap.decision = decision
    if note is not None:
        gap.note = note
    if not db_session.is_modified(gap):
        return gap
    db_session.flush()
    audit.record(
        db_session=db_session,
        actor=principal.username,
        action="update",
        entity="sourcing_gap",
        entity_id=gap.id,
        before=before,
        after=audit.snapshot(gap),
    )
    db_session.commit()
    return gap


def close_round(
    *, db_session: Session, principal: Principal, id: int, version: int
) -> dict[str, Any]:
    """Close a round: no more answers are expected to it."""
    row = _round(db_session, id)
    check_version(row, version, f"sourcing round {id}")
    if row.status != "closed":
        before = audit.snapshot(row)
        row.status = "closed"
        db_session.flush()
        audit.record(
            db_session=db_session,
            actor=principal.username,
            action="update",
            entity="sourcing_round",
            entity_id=row.id,
            before=before,
            after=audit.snapshot(row),
        )
        db_session.commit()
    return _round_dict(db_session, row)


# ------------------------------------------------------------------------------- figures


def scenario_ids(*, db_session: Session) -> list[int]:
    """Ids of every scenario, in order."""
    from muster.scenarios.models import Scenario

    return list(db_session.scalars(select(Scenario.id).order_by(Scenario.id)))


def fill_rows(
    *,
    db_session: Session,
    scenario_ids: Iterable[int | None],
    week: dt.date,
    basis: str = "promised",
) -> list[dict[str, Any]]:
    """Fill rate per zone and capability in each scenario's week (for the chart)."""
    rows = []
    for sid in scenario_ids:
        data, result = source(db_session=db_session, scenario_id=sid, week=week, basis=basis)
        for f in result.requirements:
            rows.append(
                {
                    "scenario": data.scenario,
                    "zone": f.zone,
                    "capability": f.capability,
                    "fill_rate": f.fill_rate,
                    "shortfall": f.shortfall,
                    "unit": f.unit,
                }
            )
        for rid in data.not_needed:
            r = db_session.get(ForceRequirement, rid)
            rows.append(
                {
                    "scenario": data.scenario,
                    "zone": r.zone,
                    "capability": r.capability,
                    "fill_rate": None,
                    "shortfall": 0.0,
                    "unit": r.unit,
                }
            )
    return rows


# ------------------------------------------------------------- plain sums the pages show


def guarantee_figures(*, db_session: Session) -> list[dict[str, Any]]:
    """Per capability: quantity required, offered (not withdrawn) and confirmed or deployed;
    a plain sum over zones and conditions (the sourcing optimizer applies them)."""
    rows: dict[str, dict[str, Any]] = {}

    def entry(capability: str, unit: str) -> dict[str, Any]:
        return rows.setdefault(
            capability,
            {"capability": capability, "unit": unit, "required": 0, "offered": 0, "confirmed": 0},
        )

    for r in db_session.scalars(select(ForceRequirement)):
        entry(r.capability, r.unit)["required"] += r.quantity
    for c in db_session.scalars(select(Contribution).where(Contribution.status != "withdrawn")):
        if c.kind == "funding" or not c.capability:
            continue
        e = entry(c.capability, c.unit)
        e["offered"] += c.quantity
        if c.status in ("confirmed", "deployed"):
            e["confirmed"] += c.quantity
    out = sorted(rows.values(), key=lambda e: (-e["required"], e["capability"]))
    for e in out:
        e["fill"] = (
            round(100 * min(e["offered"], e["required"]) / e["required"]) if e["required"] else None
        )
    return out


def funding_offered_cents(*, db_session: Session) -> int:
    """Funding contributions (not withdrawn), in cents."""
    return sum(
        c.amount_cents or 0
        for c in db_session.scalars(
            select(Contribution).where(
                Contribution.kind == "funding", Contribution.status != "withdrawn"
            )
        )
    )
