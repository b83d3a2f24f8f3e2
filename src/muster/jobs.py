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


def _run_job(database_url: str, model: type, job_id: int, work, store) -> None:
    """Run `work(job, update)` in this process and `store(session, job, result)` if the job
    is still running; a failure is recorded on the job. `update(fn)` applies `fn` to the
    job in a short transaction of its own and returns False once the job is no longer
    running (cancelled)."""
    engine = make_engine(database_url)
    factory = make_sessionmaker(engine)

    def update(fn) -> bool:
        with factory() as s:
            job = s.get(model, job_id)
            if job is None or job.status != "running":
                return False
            fn(job)
            try:
                s.commit()
            except StaleDataError:
                s.rollback()
            return True

    try:
        with factory() as s:
            result = work(s.get(model, job_id), update)
        with factory() as s:
            job = s.get(model, job_id)
            if job.status == "running":
                store(s, job, result)
    except Exception:
        tb = traceback.format_exc(limit=5)[-4000:]

        def failed(job) -> None:
            job.status, job.error = "failed", tb

        update(failed)
        raise
    finally:
        engine.dispose()


def run_plan(database_url: str, plan_id: int) -> None:
    """Process entry point: solve one plan and store the result (one transaction)."""

    def work(plan: Plan, update) -> dict:
        last = [0.0]

        def on_progress(wall: float, objective: float, bound: float | None) -> None:
            if time.monotonic() - last[0] >= PROGRESS_EVERY_S:
                last[0] = time.monotonic()
                update(lambda row: plans.record_progress(row, wall, objective, bound))

        return plans.solve_stored(plan, on_progress=on_progress)

    def store(session: Session, plan: Plan, result: dict) -> None:
        plans.finish(db_session=session, plan=plan, result=result)

    _run_job(database_url, Plan, plan_id, work, store)


def run_montecarlo(database_url: str, run_id: int) -> None:
    """Process entry point: run one Monte Carlo job and store its summaries and charts."""

    def work(row: MonteCarloRun, update) -> dict:
        def progress(done: int, total: int) -> None:
            if not update(lambda r: setattr(r, "progress", [done, total])):
                raise RuntimeError("run cancelled")  # stops the simulation

        return runs.execute(row, progress=progress)

    def store(session: Session, row: MonteCarloRun, result: dict) -> None:
        row.result, row.status = result, "done"
        session.commit()

    _run_job(database_url, MonteCarloRun, run_id, work, store)


JOB_KINDS = ((Plan, run_plan), (MonteCarloRun, run_montecarlo))


class PlanRunner:
    """Claims queued jobs (plans, Monte Carlo runs) and runs each in a child process."""

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
