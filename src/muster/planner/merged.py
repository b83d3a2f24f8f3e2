"""The site-merged model: a relaxation of one course category with its sites pooled.

Inside a category, sites only matter through their capacity, which is loose (site
capacity covers 1.4–2.5 times the trainee-weeks asked on the benchmark instances), while
the many interchangeable sites that run a course make branch and bound enumerate
symmetric copies of the same class schedule. Here every placement (request, site, start)
of a request and start week becomes one *merged placement*:

* the sites running the course are pooled: a class holds at most the largest site's
  capacity; trainees of the course present in a week stay within the capacity of the
  sites running it that are usable in that week (one row per course and week);
* a placement at a site in Ukraine merges with the EU placement of the same request and
  start, when there is one: every pledge usable in Ukraine in those weeks is usable in
  the EU too (``index.py``), so the EU instructor group can always take its instructors.
  Only requests whose course runs at no EU site keep Ukrainian placements of their own.

Every plan's cohorts of the category map onto merged placements that satisfy every row
(the rows are sums of the exact model's rows), so the merged model's optimum bounds the
category's; its LP equals the exact one's on the benchmark instances, and its branch and
bound proves in seconds what the exact model's does not in minutes (M seed 1: 5 s per
category, 77,192 against 77,218 after 1,067 s on the exact models). Where a course's sites
are full, pooling them loosens the bound (M seed 3's artillery: 11,536 against 11,292).
"""

from __future__ import annotations

from dataclasses import dataclass

from .formulation import (
    INF,
    Fixed,
    Formulation,
    add_demand_rows,
    add_instructor_rows,
    add_placement_columns,
    add_release_rows,
    add_remainder_class_cuts,
)
from .index import Candidate, ProblemIndex, _all_true
from .problem import Site


@dataclass(frozen=True)
class MergedSite:
    """The sites that run one course (EU and Ukraine, or Ukraine only), pooled."""

    site: Site  # the pooled stand-in: id "<course>:all" or "<course>:UA", summed capacity
    members: tuple[Site, ...]


#: merged placements, the exact placements each stands for, the pooled sites by id
Merge = tuple[list[Candidate], list[list[Candidate]], dict[str, MergedSite]]


def merge_sites(index: ProblemIndex, candidates: list[Candidate]) -> Merge:
    """Merged placements, the exact placements each stands for, and the pooled sites."""
    with_eu = {(c.request.id, c.start) for c in candidates if not c.site.in_ukraine}
    groups: dict[tuple[str, int, bool], list[Candidate]] = {}
    for c in candidates:
        ua_only = c.site.in_ukraine and (c.request.id, c.start) not in with_eu
        groups.setdefault((c.request.id, c.start, ua_only), []).append(c)
    pooled: dict[str, MergedSite] = {}
    merged: list[Candidate] = []
    members: list[list[Candidate]] = []
    for (_rid, _t, ua_only), cs in groups.items():
        course = cs[0].course
        key = f"{course.id}:{'UA' if ua_only else 'all'}"
        if key not in pooled:
            sites = tuple(
                s
                for s in index.problem.sites
                if course.id in s.courses and s.capacity > 0 and (s.in_ukraine or not ua_only)
            )
            stand_in = Site(
                id=key,
                name=key,
                capacity=sum(s.capacity for s in sites),
                courses=(course.id,),
                in_ukraine=ua_only,
                distance_km=min(s.distance_km for s in sites),
            )
            pooled[key] = MergedSite(stand_in, sites)
        # the instructor group of an EU placement when there is one (see the module doc)
        rep = next((c for c in cs if c.site.in_ukraine == ua_only), cs[0])
        merged.append(
            Candidate(len(merged), rep.request, rep.course, pooled[key].site, rep.start, rep.group)
        )
        members.append(cs)
    return merged, members, pooled


def build_merged(
    index: ProblemIndex,
    candidates: list[Candidate],
    *,
    fixed: Fixed | None = None,
    site_load: dict[str, list[int]] | None = None,
    merge: Merge | None = None,
) -> Formulation:
    """The merged model of ``candidates`` (one category, or several: rows never mix them
    wrongly, each row is a sum of exact rows). ``fixed`` and ``site_load`` (trainees per
    site and week already placed) lower the right-hand sides; primary objective only.
    ``merge``: ``merge_sites(index, candidates)`` when the caller has it already."""
    merged, members, pooled = merge if merge is not None else merge_sites(index, candidates)
    f = Formulation(index=index, candidates=merged, relaxed=False, fixed=fixed or Fixed())
    add_placement_columns(f, {})
    add_demand_rows(f)
    add_merged_class_size_rows(f, members)
    add_remainder_class_cuts(f)
    add_pooled_capacity_rows(f, pooled, site_load)
    add_release_rows(f)
    add_instructor_rows(f)
    return f


def add_merged_class_size_rows(f: Formulation, members: list[list[Candidate]]) -> None:
    """A class holds at most the class size, the demand and the largest member site."""
    for k, c in enumerate(f.candidates):
        largest = max(m.site.capacity for m in members[k])
        size = min(c.course.class_size, c.request.trainees, largest)
        f.rows.add(("class", k), [f.y[k], f.x[k]], [1.0, -float(size)], -INF, 0.0)


def add_pooled_capacity_rows(
    f: Formulation, pooled: dict[str, MergedSite], site_load: dict[str, list[int]] | None
) -> None:
    """Trainees of a course present in a week fit in the member sites usable that week."""
    present: dict[tuple[str, int], list[int]] = {}
    for k, c in enumerate(f.candidates):
        for w in range(c.start, c.end + 1):
            present.setdefault((c.site.id, w), []).append(k)
    ok = f.index.site_ok
    for (sid, w), ks in sorted(present.items()):
        cap = sum(
            s.capacity - (site_load[s.id][w] if site_load else 0)
            for s in pooled[sid].members
            if _all_true(ok[s.id], w, w)
        )
        if sum(f.candidates[k].max_trainees for k in ks) <= cap:
            continue
        f.rows.add(("site", sid, w), [f.y[k] for k in ks], [1.0] * len(ks), -INF, max(0, cap))
