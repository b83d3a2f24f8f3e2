"""Background jobs (plan solves, Monte Carlo runs): each runs in its own process, so a job
never blocks the web server and a cancel can end it at once.

A runner thread in each server process claims queued plans (optimistic locking makes the
claim safe across several uvicorn workers), starts a process per plan, ends the processes of
cancelled plans and notes crashed ones. On start-up, plans left running by a stopped server
are queued again: nothing is lost by a restart.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
import traceback

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from muster.db import make_engine, make_sessionmaker
from muster.scenarios import runs
from muster.scenarios.models import MonteCarloRun
from muster.training import plans
from muster.training.models import Plan

log = logging.getLogger("muster.jobs")
PROGRESS_EVERY_S = 0.5


def run_plan(database_url: str, plan_id: int) -> None:
    """Process entry point: solve one plan and store the result (one transaction)."""
    engine = make_engine(database_url)
    factory = make_sessionmaker(engine)
    last = [0.0]

    def on_progress(wall: float, objective: float, bound: float | None) -> None:
        now = time.monotonic()
        if now - last[0] < PROGRESS_EVERY_S:
            return
        last[0] = now
        with factory() as s:
            row = s.get(Plan, plan_id)
            if row is None or row.status != "running":
                return
            plans.record_progress(row, wall, objective, bound)
            try:
                s.commit()
            except StaleDataError:
                s.rollback()

    try:
        with factory() as s:
            plan = s.get(Plan, plan_id)
            result = plans.solve_stored(plan, on_progress=on_progress)
        with factory() as s:
            plan = s.get(Plan, plan_id)
            if plan.status == "running":
                plans.finish(db_session=s, plan=plan, result=result)
    except Exception:
        with factory() as s:
            plan = s.get(Plan, plan_id)
            if plan is not None and plan.status == "running":
                plan.status = "failed"
                plan.error = traceback.format_exc(limit=5)[-4000:]
                s.commit()
        raise
    finally:
        engine.dispose()


def run_montecarlo(database_url: str, run_id: int) -> None:
    """Process entry point: run one Monte Carlo job and store its summaries and charts."""
    engine = make_engine(database_url)
    factory = make_sessionmaker(engine)

    def progress(done: int, total: int) -> None:
        with factory() as s:
            row = s.get(MonteCarloRun, run_id)
            if row is None or row.status != "running":
                raise RuntimeError("run cancelled")
            row.progress = [done, total]
            try:
                s.commit()
            except StaleDataError:
                s.rollback()

    try:
        with factory() as s:
            row = s.get(MonteCarloRun, run_id)
            result = runs.execute(row, progress=progress)
        with factory() as s:
            row = s.get(MonteCarloRun, run_id)
            if row.status == "running":
                row.result = result
                row.status = "done"
                s.commit()
    except Exception:
        with factory() as s:
            row = s.get(MonteCarloRun, run_id)
            if row is not None and row.status == "running":
                row.status = "failed"
                row.error = traceback.format_exc(limit=5)[-4000:]
                s.commit()
        raise
    finally:
        engine.dispose()


JOB_KINDS = ((Plan, run_plan), (MonteCarloRun, run_montecarlo))


class PlanRunner:
    """Claims queued plans and runs each in a child process."""

    def __init__(
        self,
        database_url: str,
        factory: sessionmaker[Session],
        *,
        max_parallel: int = 1,
        poll_s: float = 0.5,
    ):
        self.database_url = database_url
        self.factory = factory
        self.max_parallel = max_parallel
        self.poll_s = poll_s
        self.children: dict[tuple[type, int], multiprocessing.Process] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ctx = multiprocessing.get_context("spawn")

    def start(self) -> None:
        self.requeue_interrupted()
        self._thread = threading.Thread(target=self._loop, name="plan-runner", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop claiming jobs and end running children (they are re-run at next start)."""
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        for child in self.children.values():
            if child.is_alive():
                child.terminate()
                child.join(timeout=5)

    def requeue_interrupted(self) -> None:
        """Jobs a stopped server left running are run again from their stored inputs."""
        with self.factory() as s:
            for model, _target in JOB_KINDS:
                for job in s.scalars(
                    select(model).where(model.status.in_(("running", "cancelling")))
                ):
                    job.status = "queued" if job.status == "running" else "cancelled"
            self._commit(s)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:  # keep the runner alive; the next tick retries
                log.exception("job runner tick failed")
            self._stop.wait(self.poll_s)

    def tick(self) -> None:
        """Reap finished children, end cancelled ones, start queued jobs."""
        with self.factory() as s:
            for (model, job_id), child in list(self.children.items()):
                job = s.get(model, job_id)
                if job is not None and job.status == "cancelling":
                    child.terminate()
                    child.join(timeout=5)
                    job.status = "cancelled"
                    self._commit(s)
                if not child.is_alive():
                    child.join()
                    del self.children[(model, job_id)]
                    s.expire_all()
                    job = s.get(model, job_id)
                    if job is not None and job.status == "running":
                        job.status = "failed"
                        job.error = f"worker process ended with code {child.exitcode}"
                        self._commit(s)
            for model, target in JOB_KINDS:
                while len(self.children) < self.max_parallel:
                    job = s.scalar(
                        select(model).where(model.status == "queued").order_by(model.id).limit(1)
                    )
                    if job is None:
                        break
                    job.status = "running"
                    if not self._commit(s):
                        break  # another server process claimed it
                    child = self._ctx.Process(
                        target=target,
                        args=(self.database_url, job.id),
                        name=f"{model.__tablename__}-{job.id}",
                        daemon=True,
                    )
                    child.start()
                    self.children[(model, job.id)] = child

    @staticmethod
    def _commit(s: Session) -> bool:
        try:
            s.commit()
            return True
        except StaleDataError:
            s.rollback()
            return False
