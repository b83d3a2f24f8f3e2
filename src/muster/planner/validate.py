"""Check every hard constraint of a plan; each violation has a kind and a readable message."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from .problem import Plan, Problem


@dataclass(frozen=True)
class Violation:
    kind: str
    message: str
    cohort: str | None = None


def validate(problem: Problem, plan: Plan, *, check_pins: bool = True) -> list[Violation]:
    """All hard-constraint violations of ``plan`` (empty list: the plan is valid)."""
    out: list[Violation] = []
    if check_pins and problem.pins:
        from .pins import pin_problems

        out.extend(Violation(kind, msg) for kind, msg in pin_problems(problem, plan))
    H = problem.horizon_weeks
    courses = problem._index("courses")
    sites = problem._index("sites")
    pledges = problem._index("pledges")
    requests = problem._index("requests")
    load: dict[tuple[str, int], int] = defaultdict(int)
    used: dict[tuple[str, int], int] = defaultdict(int)
    released: dict[int, int] = defaultdict(int)
    per_request: dict[str, int] = defaultdict(int)
    ids = Counter(c.id for c in plan.cohorts)
    for cid, n in ids.items():
        if n > 1:
            out.append(Violation("duplicate_id", f"cohort id {cid} used {n} times", cid))
    for c in plan.cohorts:
        req = requests.get(c.request)
        site = sites.get(c.site)
        if req is None:
            out.append(Violation("unknown_request", f"{c.id}: unknown request {c.request}", c.id))
            continue
        if site is None:
            out.append(Violation("unknown_site", f"{c.id}: unknown site {c.site}", c.id))
            continue
        course = courses.get(req.course)
        if course is None:
            out.append(Violation("unknown_course", f"{c.id}: unknown course {req.course}", c.id))
            continue
        if c.end_week - c.start_week + 1 != course.duration_weeks:
            out.append(
                Violation(
                    "duration",
                    f"{c.id}: runs weeks {c.start_week}-{c.end_week} but {course.id} lasts "
                    f"{course.duration_weeks} weeks",
                    c.id,
                )
            )
        if c.start_week < 0 or c.end_week >= H:
            out.append(Violation("horizon", f"{c.id}: outside weeks 0-{H - 1}", c.id))
        if c.start_week < req.earliest_start or c.end_week > req.latest_end:
            out.append(
                Violation(
                    "window",
                    f"{c.id}: weeks {c.start_week}-{c.end_week} outside request window "
                    f"{req.earliest_start}-{req.latest_end}",
                    c.id,
                )
            )
        if req.course not in site.courses:
            out.append(
                Violation(
                    "course_not_offered", f"{c.id}: {site.name} does not run {req.course}", c.id
                )
            )
        if c.trainees <= 0 or c.trainees > course.class_size:
            out.append(
                Violation(
                    "class_size",
                    f"{c.id}: {c.trainees} trainees, class size is 1-{course.class_size}",
                    c.id,
                )
            )
        per_request[c.request] += c.trainees
        released[c.start_week] += c.trainees
        for w in c.weeks:
            load[(c.site, w)] += c.trainees
            for key in site.required_conditions:
                if not problem.holds((key,), w):
                    out.append(
                        Violation(
                            "site_condition",
                            f"{c.id}: site {site.name} needs '{key}', which does not hold in "
                            f"week {w}",
                            c.id,
                        )
                    )
        total = 0
        for pid, n in c.instructors.items():
            if n < 0:
                out.append(Violation("instructors", f"{c.id}: negative instructors", c.id))
                continue
            total += n
            pl = pledges.get(pid)
            if pl is None:
                out.append(Violation("unknown_pledge", f"{c.id}: unknown pledge {pid}", c.id))
                continue
            if pl.category != course.category:
                out.append(
                    Violation(
                        "pledge_category",
                        f"{c.id}: pledge {pid} is for {pl.category}, course needs "
                        f"{course.category}",
                        c.id,
                    )
                )
            if site.in_ukraine and pl.ukraine_requires is None:
                out.append(
                    Violation(
                        "pledge_eu_only",
                        f"{c.id}: pledge {pid} ({pl.nation}) is EU soil only but {site.name} "
                        "is in Ukraine",
                        c.id,
                    )
                )
            for w in c.weeks:
                used[(pid, w)] += n
                if not pl.week_from <= w <= pl.week_to:
                    out.append(
                        Violation(
                            "pledge_period",
                            f"{c.id}: pledge {pid} covers weeks {pl.week_from}-{pl.week_to}, "
                            f"not week {w}",
                            c.id,
                        )
                    )
                for key in pl.requires:
                    if not problem.holds((key,), w):
                        out.append(
                            Violation(
                                "pledge_condition",
                                f"{c.id}: pledge {pid} needs '{key}', which does not hold in "
                                f"week {w}",
                                c.id,
                            )
                        )
                if site.in_ukraine and pl.ukraine_requires is not None:
                    for key in pl.ukraine_requires:
                        if not problem.holds((key,), w):
                            out.append(
                                Violation(
                                    "pledge_ukraine_condition",
                                    f"{c.id}: pledge {pid} teaches in Ukraine only with "
                                    f"'{key}', which does not hold in week {w}",
                                    c.id,
                                )
                            )
        if total != course.instructors_per_class:
            out.append(
                Violation(
                    "instructors",
                    f"{c.id}: {total} instructors, {course.id} needs "
                    f"{course.instructors_per_class}",
                    c.id,
                )
            )
    for (sid, w), n in sorted(load.items()):
        cap = sites[sid].capacity
        if n > cap:
            out.append(
                Violation(
                    "site_capacity",
                    f"site {sites[sid].name}: {n} trainees in week {w}, capacity {cap}",
                )
            )
    for (pid, w), n in sorted(used.items()):
        pl = pledges.get(pid)
        if pl is not None and n > pl.instructors_per_week:
            out.append(
                Violation(
                    "pledge_overuse",
                    f"pledge {pid} ({pl.nation}): {n} instructors in week {w}, pledged "
                    f"{pl.instructors_per_week}",
                )
            )
    for rid, n in sorted(per_request.items()):
        req = requests[rid]
        if n > req.trainees:
            out.append(
                Violation(
                    "over_demand", f"request {rid}: {n} trainees planned, asked {req.trainees}"
                )
            )
    if problem.release_per_week is not None:
        for w, n in sorted(released.items()):
            lim = problem.release_per_week.get(w, 0)
            if n > lim:
                out.append(
                    Violation(
                        "release",
                        f"week {w}: {n} trainees start, Ukraine can release {lim}",
                    )
                )
    return out
