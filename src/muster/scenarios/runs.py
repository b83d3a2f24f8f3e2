"""Monte Carlo runs as stored background jobs: "redesign now or wait" over many draws.

The run itself is `scenarios.montecarlo.run` (pure, reproducible from seed and config); this
module validates the request, stores it, and stores the summaries and the charts.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster.audit import service as audit
from muster.auth.principal import Principal
from muster.errors import Conflict, Invalid, NotFound
from muster.scenarios import montecarlo as mc
from muster.scenarios.models import MonteCarloRun

MAX_DRAWS = 5_000_000


def default_config() -> dict[str, Any]:
    """The default configuration (wait 12 weeks after a ceasefire with agreed parameters,
    or redesign now and activate 4 weeks after it), as editable JSON."""
    return mc.config_to_dict(mc.ScenarioConfig())


def create(
    *,
    db_session: Session,
    principal: Principal,
    config: dict[str, Any] | None,
    draws: int,
    seed: int,
    use_dask: bool = False,
    scheduler_address: str | None = None,
    name: str = "",
) -> MonteCarloRun:
    """Validate and queue a run; a bad config names the offending field."""
    if not 1 <= draws <= MAX_DRAWS:
        raise Invalid(f"draws is 1 to {MAX_DRAWS:,}", field="draws")
    try:
        parsed = mc.config_from_dict(config or default_config())
    except mc.ConfigError as exc:
        raise Invalid(str(exc), field=f"config.{exc.field}" if exc.field else "config") from exc
    except (TypeError, ValueError) as exc:
        raise Invalid(f"config: {exc}", field="config") from exc
    row = MonteCarloRun(
        name=name or f"{draws:,} draws, seed {seed}",
        status="queued",
        config=mc.config_to_dict(parsed),
        draws=draws,
        seed=seed,
        use_dask=use_dask or bool(scheduler_address),
        scheduler_address=scheduler_address,
        created_by=principal.username,
    )
    db_session.add(row)
    db_session.flush()
    audit.record(
        db_session=db_session,
        actor=principal.username,
        action="create",
        entity="montecarlo_run",
        entity_id=row.id,
        after={"draws": draws, "seed": seed, "use_dask": row.use_dask},
    )
    db_session.commit()
    return row


def get(*, db_session: Session, id: int) -> MonteCarloRun:
    """One run, or NotFound."""
    row = db_session.get(MonteCarloRun, id)
    if row is None:
        raise NotFound(f"Monte Carlo run {id} does not exist", field="id")
    return row


def list_runs(
    *, db_session: Session, limit: int = 50, offset: int = 0
) -> tuple[list[MonteCarloRun], int]:
    """Runs, newest first."""
    total = db_session.scalar(select(func.count()).select_from(MonteCarloRun)) or 0
    rows = db_session.scalars(
        select(MonteCarloRun).order_by(MonteCarloRun.id.desc()).limit(limit).offset(offset)
    ).all()
    return list(rows), total


def cancel(*, db_session: Session, principal: Principal, id: int) -> MonteCarloRun:
    """Stop a queued or running run."""
    row = get(db_session=db_session, id=id)
    if row.status not in ("queued", "running"):
        raise Conflict(f"run {id} is {row.status}", field="status")
    row.status = "cancelling" if row.status == "running" else "cancelled"
    audit.record(
        db_session=db_session,
        actor=principal.username,
        action="cancel",
        entity="montecarlo_run",
        entity_id=id,
    )
    db_session.commit()
    return row


def execute(row: MonteCarloRun, *, progress=None) -> dict[str, Any]:
    """Run the simulation of a stored run (pure: no database) and return what to store."""
    from muster.scenarios import charts

    config = mc.config_from_dict(row.config)
    result = mc.run(
        config,
        row.draws,
        row.seed,
        use_dask=row.use_dask and not row.scheduler_address,
        scheduler_address=row.scheduler_address or None,
        progress=progress,
    )
    out = result.to_dict()
    out["figures"] = {
        "difference": charts.figure_dict(charts.difference_figure(result)),
        **{
            f"distribution_{metric}": charts.figure_dict(charts.distribution_figure(result, metric))
            for metric in mc.METRICS
        },
    }
    return out
