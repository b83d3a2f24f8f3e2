"""Load the demo data through the services, so it is validated and audited like any input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pycountry
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster import crud
from muster.auth import service as auth_service
from muster.auth.principal import SYSTEM
from muster.db import Base
from muster.guarantees import service as guarantees
from muster.procurement import service as procurement
from muster.reference import demo_data as d
from muster.reference import service as reference
from muster.reference.models import Nation, Phase
from muster.scenarios import mandate
from muster.scenarios import service as scenarios
from muster.training import service as training

NAMES = {"GB": "United Kingdom", "US": "United States", "CZ": "Czechia", "TR": "Türkiye"}


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def is_empty(db_session: Session) -> bool:
    """True when no nation is loaded yet (a fresh database)."""
    return not db_session.scalar(select(func.count()).select_from(Nation))


def clear(db_session: Session) -> None:
    """Delete every row of every table (children first). Used by `muster demo --reset`."""
    for table in reversed(Base.metadata.sorted_tables):
        db_session.execute(table.delete())
    db_session.commit()


def _add(db_session: Session, resource: crud.Resource, **values) -> object:
    data = resource.create_schema(**values)
    return crud.create(
        db_session=db_session, resource=resource, principal=SYSTEM, data=data, commit=False
    )


def load(db_session: Session, *, password: str) -> None:
    """Load every demo table in one transaction; demo users all get `password`."""
    for code, eu, nato, eea, eumam, coalition, partner in d.NATIONS:
        name = NAMES.get(code) or pycountry.countries.get(alpha_2=code).name
        _add(
            db_session,
            reference.NATIONS,
            code=code,
            name=name,
            eu_member=eu,
            nato_member=nato,
            eea_efta=eea,
            eumam_contributor=eumam,
            coalition_member=coalition,
            partner=partner,
        )
    for name, rank, description in d.PHASES:
        db_session.add(Phase(name=name, rank=rank, description=description))
    for code, name, rate in d.PRIORITY_AREAS:
        _add(
            db_session, reference.PRIORITY_AREAS, code=code, name=name, learning_rate=Decimal(rate)
        )
    for code, name, category, weeks, size, instructors in d.COURSES:
        _add(
            db_session,
            reference.COURSES,
            code=code,
            name=name,
            category=category,
            duration_weeks=weeks,
            class_size=size,
            instructors_per_class=instructors,
        )
    for name, description, holds in d.CONDITIONS:
        _add(db_session, scenarios.CONDITIONS, name=name, description=description, holds=holds)
    db_session.flush()
    for name, host, lat, lon, capacity, courses, condition, zone in d.SITES:
        _add(
            db_session,
            training.SITES,
            name=name,
            host_nation=host,
            latitude=lat,
            longitude=lon,
            in_ukraine=host == "UA",
            weekly_capacity=capacity,
            course_codes=courses,
            condition=condition,
            zone=zone,
            status="candidate" if host == "UA" else "active",
        )
    for (
        nation,
        category,
        instructors,
        start,
        end,
        eu_only,
        ua_cond,
        cond_,
        status,
        source,
    ) in d.PLEDGES:
        _add(
            db_session,
            training.PLEDGES,
            nation=nation,
            course_category=category,
            instructors=instructors,
            week_from=_date(start),
            week_to=_date(end),
            eu_soil_only=eu_only,
            ukraine_condition=ua_cond,
            condition=cond_,
            status=status,
            note=f"source: {d.SOURCES[source]}",
        )
    for course, trainees, start, end, priority in d.REQUESTS:
        _add(
            db_session,
            training.REQUESTS,
            course_code=course,
            trainees=trainees,
            earliest_start=_date(start),
            latest_end=_date(end),
            priority=priority,
            note="ILLUSTRATIVE demo request",
        )
    for as_of, total, source in d.TRAINING_TOTALS:
        _add(
            db_session,
            training.TOTALS,
            as_of=_date(as_of),
            cumulative_trained=total,
            source=d.SOURCES[source],
        )
    for name, description, reality, events in d.SCENARIOS:
        scenario = _add(
            db_session, scenarios.SCENARIOS, name=name, description=description, is_reality=reality
        )
        for day, phase, note in events:
            _add(
                db_session,
                scenarios.PHASE_EVENTS,
                scenario_id=scenario.id,
                date=_date(day),
                phase=phase,
                note=note,
            )
    _load_mandate(db_session)
    for capability, zone, qty, unit, phase, rotation, priority in d.REQUIREMENTS:
        _add(
            db_session,
            guarantees.REQUIREMENTS,
            capability=capability,
            zone=zone,
            quantity=qty,
            unit=unit,
            phase_from=phase,
            rotation_weeks=rotation,
            priority=priority,
            note="ILLUSTRATIVE quantity",
        )
    for nation, kind, capability, qty, unit, zones, cond_, status, source in d.CONTRIBUTIONS:
        _add(
            db_session,
            guarantees.CONTRIBUTIONS,
            nation=nation,
            kind=kind,
            capability=capability,
            quantity=qty,
            unit=unit,
            zones=zones,
            condition=cond_,
            status=status,
            note=f"source: {d.SOURCES[source]}",
            amount_cents=100_000_000_00 if kind == "funding" else None,
        )
    for provided, required, ratio, source in d.CAPABILITY_SUBSTITUTIONS:
        _add(
            db_session,
            guarantees.SUBSTITUTIONS,
            provided=provided,
            required=required,
            ratio=ratio,
            note=f"source: {d.SOURCES[source]}",
        )
    for area, lead, members, lead_dl, contract_dl, status, source in d.COALITIONS:
        _add(
            db_session,
            procurement.COALITIONS,
            area_code=area,
            lead_nation=lead,
            members=members,
            lead_deadline=_date(lead_dl),
            contract_deadline=_date(contract_dl) if contract_dl else None,
            status=status,
            note=f"source: {d.SOURCES[source]}",
        )
    for nation, area, item, qty, cost, year in d.NEEDS:
        _add(
            db_session,
            procurement.NEEDS,
            nation=nation,
            area_code=area,
            item=item,
            quantity=qty,
            unit_cost_cents=cost * 100,
            delivery_year=year,
            note="ILLUSTRATIVE demo need",
        )
    for nation, amount in d.LOAN_REQUESTS:
        _add(
            db_session,
            procurement.LOAN_REQUESTS,
            nation=nation,
            amount_cents=amount * 100,
            note=f"SAFE tentative allocation; source: {d.SOURCES['safe-allocation-2025-09-09']}",
        )
    for lead, participants, area, item, qty, share, status, contract in d.JOINT_PROCUREMENTS:
        _add(
            db_session,
            procurement.JOINT_PROCUREMENTS,
            lead_nation=lead,
            participants=participants,
            area_code=area,
            item=item,
            quantity=qty,
            eu_origin_share=Decimal(share),
            status=status,
            contract_date=contract,
            note="ILLUSTRATIVE",
        )
    db_session.commit()
    for username, role, nation in d.DEMO_USERS:
        auth_service.create_user(
            db_session=db_session,
            actor=SYSTEM,
            username=username,
            password=password,
            role=role,
            nation=nation,
        )


def _load_mandate(db_session: Session) -> None:
    """The mandate proposal, the positions public reporting gives, one what-if flipping one."""
    title, text, source = d.MANDATE_PROPOSAL
    proposal = _add(
        db_session,
        mandate.PROPOSALS,
        title=title,
        text=text,
        status="open",
        source=d.SOURCES[source],
    )
    for nation, stance, stated, condition, day, sources in d.MANDATE_POSITIONS:
        _add(
            db_session,
            mandate.POSITIONS,
            proposal_id=proposal.id,
            nation=nation,
            stance=stance,
            stated_conditions=stated,
            condition=condition,
            date=_date(day),
            source="; ".join(d.SOURCES[s] for s in sources),
        )
    name, description, events, (nation, stance, day) = d.MANDATE_WHAT_IF
    scenario = _add(db_session, scenarios.SCENARIOS, name=name, description=description)
    for event_day, phase, note in events:
        _add(
            db_session,
            scenarios.PHASE_EVENTS,
            scenario_id=scenario.id,
            date=_date(event_day),
            phase=phase,
            note=note,
        )
    _add(
        db_session,
        mandate.POSITIONS,
        proposal_id=proposal.id,
        nation=nation,
        scenario_id=scenario.id,
        stance=stance,
        date=_date(day),
        source=d.SOURCES["illustrative"],
        note="ILLUSTRATIVE what-if",
    )
