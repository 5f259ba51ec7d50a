"""Placement: where new sites would cover most of a zone, and how many a target takes.

Two layers, as DESIGN.md 8 asks:

* **The solvers** take a generic coverage instance: a sparse matrix of candidates x demand
  points (how many envelopes of each candidate cover each point; booleans will do), the
  weight of each point, the depth already there (existing sites) and the depth that counts
  (1: covered; 2: covered twice). :func:`max_coverage` picks ``count`` candidates (the
  maximal covering location problem, MCLP [1]_); :func:`min_sites` finds the fewest that
  bring every group of points (a zone at an altitude) to its required weight (the partial
  location set covering problem). Each runs greedy with lazy gain updates (CELF [3]_) or
  an exact integer program (HiGHS [5]_ through :func:`scipy.optimize.milp`), and each
  answer carries a bound on the best possible one.
* **The geography** (:func:`optimize`) builds that instance from a scenario: demand points
  are (zone, altitude, point) triples of an equal-area lattice (:func:`adcov.sampling.
  equal_area_points`) or border pieces sampled by length; candidates are a lattice over the
  region or a sites file (:func:`candidate_sites`). Every candidate's envelopes come from one
  :func:`adcov.pipeline.cut_scenario` of the existing and candidate sites together, so they
  are exactly what :func:`adcov.analysis.analyze` would draw (the scenario's mode, k-factor
  and DEM: terrain-masked when it has one), and a point counts as covered inside an envelope
  polygon. The before and after zone tables come from the polygon engine
  (:func:`adcov.analysis.analyze`), not from the scoring lattice.

Bounds
------
Coverage is monotone and submodular. For greedy's set :math:`S_k` of :math:`k` sites,
:math:`f(S_k) - f(\\emptyset) \\ge (1 - (1 - 1/k)^k)\\,(OPT - f(\\emptyset))` [2]_, so
:math:`OPT \\le f(\\emptyset) + (f(S_k) - f(\\emptyset)) / (1 - (1 - 1/k)^k)` (at most
:math:`1/(1 - 1/e)` times the gain). For any set :math:`S`,
:math:`OPT \\le f(S) + \\sum` of the :math:`k` largest marginal gains with respect to
:math:`S` [2]_ [4]_; it is evaluated at every greedy step (lazy gains are upper bounds of the
true ones, so the stale heap gives a valid bound) and exactly at the end. The exact solver's
bound is HiGHS's dual bound; greedy also solves the LP relaxation of the integer program
(when it has at most :data:`LP_MAX_NONZEROS` nonzeros), whose optimum bounds the integer one.
The reported bound is the smallest of those that apply, and an answer is called optimal only
when it is within :data:`PROOF_RTOL` of its bound or HiGHS proves it (status checked, with a
relative gap of 0, never assumed). For the fewest sites, the lower bounds are the
single-candidate-gain count (see :func:`min_sites`), the LP relaxation rounded up, and
HiGHS's dual bound.

The depth-2 objective ("area covered at least twice") is not submodular: one site alone
never adds to it. Greedy therefore runs on the submodular surrogate
:math:`g(S) = \\sum_i w_i \\min(2, d_i(S)) / 2` (half credit for single cover), and since
:math:`[d \\ge 2] \\le \\min(2, d)/2`, every bound on :math:`g` bounds the true objective
too; the exact solver models the true objective.

References
----------
.. [1] R. Church, C. ReVelle, "The maximal covering location problem", Papers of the
   Regional Science Association 32 (1974) 101-118. doi:10.1007/BF01942293
.. [2] G. L. Nemhauser, L. A. Wolsey, M. L. Fisher, "An analysis of approximations for
   maximizing submodular set functions - I", Mathematical Programming 14 (1978) 265-294.
   doi:10.1007/BF01588971
.. [3] J. Leskovec et al., "Cost-effective outbreak detection in networks", KDD 2007,
   420-429. doi:10.1145/1281192.1281239
.. [4] M. Minoux, "Accelerated greedy algorithms for maximizing submodular set functions",
   Optimization Techniques, LNCIS 7 (1978) 234-243. doi:10.1007/BFb0006528
.. [5] Q. Huangfu, J. A. J. Hall, "Parallelizing the dual revised simplex method",
   Mathematical Programming Computation 10 (2018) 119-142. doi:10.1007/s12532-017-0130-5
.. [6] L. A. Wolsey, "An analysis of the greedy algorithm for the submodular set covering
   problem", Combinatorica 2 (1982) 385-393. doi:10.1007/BF02579435
"""

from __future__ import annotations

import heapq
import math
import sys
import time
import types
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

from .errors import InputError
from .scenario import Scenario, Site

__all__ = [
    "OBJECTIVES",
    "STATUSES",
    "DEFAULT_SPACING_KM",
    "DEFAULT_GRID_KM",
    "Solution",
    "max_coverage",
    "min_sites",
    "candidate_sites",
    "Placement",
    "optimize",
    "scenario_toml",
    "rounded",
]

#: What a placement maximises: the covered area of the zones (``area``), the covered length
#: of their border lines (``border``), or the area covered by at least two envelopes
#: (``depth2``); summed over the zones and altitudes.
OBJECTIVES = MappingProxyType({"area": ("km2", 1), "border": ("km", 1), "depth2": ("km2", 2)})
#: What an answer's ``status`` can be: ``optimal`` (proven: it meets its bound, or the exact
#: solver proved it), ``heuristic`` (greedy; see the bound), ``time_limit`` (the exact solver
#: stopped at its time limit before proving the answer), ``unreachable`` (a target the
#: candidates cannot reach).
STATUSES = ("optimal", "heuristic", "time_limit", "unreachable")

#: Most candidates and demand rows an instance may have (memory and time stay reasonable).
MAX_CANDIDATES = 50_000
MAX_DEMAND_ROWS = 2_000_000

_GREEDY = "greedy (CELF lazy gains)"
_EXACT = "integer program (HiGHS via scipy.optimize.milp)"
#: Relative tolerance when comparing objective values (sums of float weights).
_RTOL = 1e-9
#: An answer within this relative distance of a proven bound is called optimal (HiGHS's
#: feasibility and optimality tolerances are 1e-7; its bounds are exact only to about that).
PROOF_RTOL = 1e-6
#: Largest model (nonzeros of the constraint matrix) whose LP relaxation greedy solves for its
#: bound; larger ones report the greedy bounds only.
LP_MAX_NONZEROS = 5_000_000
#: Time the LP relaxation may take when greedy solves it for its bound. [s]
LP_TIME_LIMIT_S = 30.0


# ============================================================================== solver layer
@dataclass(frozen=True, eq=False)
class Solution:
    """What a solver found.

    Attributes
    ----------
    chosen : tuple of int
        Candidate indices (columns of the instance), in order of choice.
    gains : tuple of float
        Marginal gain of each choice in the objective's units (weight of the points it
        brought to the required depth).
    value : float
        Objective with the chosen candidates: weight of the points at the required depth,
        those satisfied beforehand included.
    base_value : float
        Objective without any candidate.
    bound : float
        :func:`max_coverage`: an upper bound on the best possible ``value`` with ``count``
        candidates. :func:`min_sites`: a lower bound on the fewest candidates that meet the
        targets (nan when they cannot be met).
    bound_kind : str
        Where the bound comes from.
    status : str
        One of :data:`STATUSES`.
    solver : str
        The method used.
    message : str
        What else the caller should know (an early stop, a time limit), or "".
    seconds : float
        Time spent solving. [s]
    """

    chosen: tuple
    gains: tuple
    value: float
    base_value: float
    bound: float
    bound_kind: str
    status: str
    solver: str
    message: str = ""
    seconds: float = 0.0

    @property
    def gap(self) -> float:
        """How far the answer may be from the best possible: ``bound - value`` for
        :func:`max_coverage` (objective units), ``len(chosen) - bound`` for :func:`min_sites`
        (sites)."""
        if math.isnan(self.bound):
            return math.nan
        if self.bound_kind.startswith("sites"):
            return float(len(self.chosen) - self.bound)
        return max(0.0, self.bound - self.value)


class _Instance:
    """A checked coverage instance: CSR arrays of candidates x rows, weights, base depth."""

    def __init__(self, matrix, weights, base, depth: int):
        import scipy.sparse as sp

        a = sp.csr_array(matrix)
        if a.ndim != 2:
            raise ValueError(f"matrix must be 2-D (got shape {a.shape})")
        a.sum_duplicates()
        a.eliminate_zeros()
        self.n_candidates, self.n_rows = a.shape
        w = np.asarray(weights, dtype=float)
        if w.shape != (self.n_rows,):
            raise ValueError(f"weights must have one value per column of the matrix "
                             f"({self.n_rows}; got shape {w.shape})")
        if not np.all(np.isfinite(w)) or (w < 0).any():
            raise ValueError("weights must be finite and >= 0")
        b = np.zeros(self.n_rows, dtype=np.int64) if base is None else np.asarray(base)
        if b.shape != (self.n_rows,):
            raise ValueError(f"base must have one value per column of the matrix "
                             f"({self.n_rows}; got shape {b.shape})")
        if b.dtype == bool:
            b = b.astype(np.int64)
        if not np.issubdtype(b.dtype, np.integer) or (b < 0).any():
            raise ValueError("base must hold whole numbers >= 0 (depths)")
        if int(depth) != depth or depth < 1:
            raise ValueError(f"depth must be a whole number >= 1 (got {depth!r})")
        data = np.asarray(a.data)
        if data.dtype == bool:
            data = data.astype(np.int64)
        if not np.issubdtype(data.dtype, np.integer) or (data < 0).any():
            raise ValueError("matrix entries must be whole numbers >= 0 (envelope counts) "
                             "or booleans")
        self.indptr = np.asarray(a.indptr, dtype=np.int64)
        self.indices = np.asarray(a.indices, dtype=np.int64)
        self.data = data.astype(np.int64)
        self.w = w
        self.base = b.astype(np.int64)
        self.q = int(depth)
        self.owner = np.repeat(np.arange(self.n_candidates), np.diff(self.indptr))

    def block(self, j: int):
        s, e = self.indptr[j], self.indptr[j + 1]
        return self.indices[s:e], self.data[s:e]

    # Objective f (points at depth >= q) and surrogate g (min(q, depth) / q).
    def f(self, depth) -> float:
        return float(self.w[depth >= self.q].sum())

    def g(self, depth) -> float:
        return float((self.w * np.minimum(self.q, depth)).sum() / self.q)

    def f_gain(self, depth, j: int) -> float:
        idx, a = self.block(j)
        d = depth[idx]
        return float(self.w[idx][(d < self.q) & (d + a >= self.q)].sum())

    def g_gain(self, depth, j: int) -> float:
        idx, a = self.block(j)
        d = depth[idx]
        return float(((np.minimum(self.q, d + a) - np.minimum(self.q, d)) * self.w[idx]).sum()
                     / self.q)

    def all_g_gains(self, depth) -> np.ndarray:
        d = depth[self.indices]
        inc = (np.minimum(self.q, d + self.data) - np.minimum(self.q, d)) * self.w[self.indices]
        return np.bincount(self.owner, weights=inc, minlength=self.n_candidates) / self.q

    def add(self, depth, j: int) -> None:
        idx, a = self.block(j)
        depth[idx] += a

    def depth_with(self, chosen) -> np.ndarray:
        depth = self.base.copy()
        for j in chosen:
            self.add(depth, j)
        return depth

    def reachable(self) -> np.ndarray:
        """Depth of every row with every candidate."""
        return self.base + np.bincount(self.indices, weights=self.data,
                                       minlength=self.n_rows).astype(np.int64)


def _close(a: float, b: float, scale: float) -> bool:
    return abs(a - b) <= _RTOL * max(1.0, abs(scale))


def _order_by_gain(inst: _Instance, chosen) -> tuple[list, list]:
    """A set in greedy order (largest true gain first, surrogate gain on ties), with gains."""
    left, order, gains = list(chosen), [], []
    depth = inst.base.copy()
    while left:
        best = max(left, key=lambda j: (inst.f_gain(depth, j), inst.g_gain(depth, j), -j))
        gains.append(inst.f_gain(depth, best))
        inst.add(depth, best)
        order.append(best)
        left.remove(best)
    return order, gains


def _greedy(inst: _Instance, count: int):
    """CELF on the surrogate g; returns (chosen, upper bound on the objective, its kind)."""
    depth = inst.base.copy()
    g0 = inst.g(depth)
    gains = inst.all_g_gains(depth)
    top = np.sort(gains)[::-1][:count]
    bound, kind = g0 + float(top.sum()), "f(S) + top-k gains (S = {})"
    heap = [(-float(gains[j]), int(j), 0) for j in np.flatnonzero(gains > 0)]
    heapq.heapify(heap)
    chosen = []
    for step in range(count):
        while heap and heap[0][2] != step:
            _, j, _ = heapq.heappop(heap)
            gj = inst.g_gain(depth, j)
            if gj > 0:
                heapq.heappush(heap, (-gj, j, step))
        if not heap:
            break
        _, j, _ = heapq.heappop(heap)
        inst.add(depth, j)
        chosen.append(j)
        # Heap entries are upper bounds of the true gains (stale ones by submodularity).
        ub = inst.g(depth) + sum(-e[0] for e in heapq.nsmallest(count, heap))
        if ub < bound:
            bound, kind = ub, "f(S) + top-k gains (greedy prefix)"
    g_final = inst.g(depth)
    exact = inst.all_g_gains(depth)
    exact[chosen] = 0.0
    ub = g_final + float(np.sort(exact)[::-1][:count].sum())
    if ub <= bound:
        bound, kind = ub, "f(S) + top-k gains (greedy set)"
    if len(chosen) == count:
        ratio = 1.0 - (1.0 - 1.0 / count) ** count
        ub = g0 + (g_final - g0) / ratio
        if ub < bound:
            bound, kind = ub, "greedy / (1 - (1 - 1/k)^k)"
    if inst.q > 1:
        # The surrogate gave half credit for single cover: drop what adds nothing to the true
        # objective, then fill up with the largest true gains.
        chosen = _pruned(inst, chosen)
        depth = inst.depth_with(chosen)
        while len(chosen) < count:
            best, best_gain = None, 0.0
            for j in range(inst.n_candidates):
                gj = inst.f_gain(depth, j) if j not in chosen else 0.0
                if gj > best_gain:
                    best, best_gain = j, gj
            if best is None:
                break
            inst.add(depth, best)
            chosen.append(best)
    return chosen, bound, kind


def _merged_rows(inst: _Instance, rows: np.ndarray, extra_key=None):
    """Rows with the same candidates (and counts, need and extra key) merged: weights summed.

    Returns (representative row of each class, summed weights, class of each given row)."""
    t = _row_major(inst)  # the candidates of each row
    keys = {}
    cls = np.empty(len(rows), dtype=np.int64)
    reps, weights = [], []
    for n, r in enumerate(rows):
        s, e = t.indptr[r], t.indptr[r + 1]
        key = (int(inst.base[r]), t.indices[s:e].tobytes(), t.data[s:e].tobytes(),
               None if extra_key is None else int(extra_key[r]))
        k = keys.get(key)
        if k is None:
            k = keys[key] = len(reps)
            reps.append(r)
            weights.append(0.0)
        weights[k] += inst.w[r]
        cls[n] = k
    return np.asarray(reps, dtype=np.int64), np.asarray(weights), cls


def _row_major(inst: _Instance):
    import scipy.sparse as sp

    a = sp.csr_array((inst.data, inst.indices, inst.indptr),
                     shape=(inst.n_candidates, inst.n_rows))
    t = sp.csr_array(a.T)
    t.sort_indices()
    return t


def _milp(c, integrality, a_rows, lower, upper, time_limit_s):
    from scipy.optimize import Bounds, LinearConstraint, milp

    options = {"disp": False, "mip_rel_gap": 0.0, "presolve": True}
    if time_limit_s is not None:
        options["time_limit"] = float(time_limit_s)
    return milp(c, integrality=integrality, bounds=Bounds(0.0, 1.0),
                constraints=[LinearConstraint(a_rows, lower, upper)], options=options)


def _model_size(inst: _Instance) -> int:
    """Nonzeros of the coverage matrix over the rows still open: the integer program's size."""
    d = inst.base[inst.indices]
    return int(((d < inst.q) & (inst.w[inst.indices] > 0)).sum())


def _lp_max(inst: _Instance, count: int, time_limit_s):
    """The LP relaxation of the MCLP: an upper bound on the objective (inf when the LP is not
    solved to optimality in time)."""
    return _exact_max(inst, count, time_limit_s, relax=True)[1]


def _exact_max(inst: _Instance, count: int, time_limit_s, relax: bool = False):
    """The MCLP as an integer program; (chosen or None, upper bound, proven, message).

    With ``relax``, its LP relaxation: the bound is the LP optimum (inf unless proven)."""
    import scipy.sparse as sp

    reach = inst.reachable()
    open_rows = np.flatnonzero((inst.base < inst.q) & (reach >= inst.q) & (inst.w > 0))
    if not len(open_rows):
        return [], inst.f(inst.base), True, ""
    reps, wsum, _ = _merged_rows(inst, open_rows)
    t = _row_major(inst)
    sub = t[reps]                                   # rows x candidates
    used = np.unique(sub.indices)
    sub = sp.csr_array(sub[:, used])
    n_x, n_y = len(used), len(reps)
    need = (inst.q - inst.base[reps]).astype(float)
    # need_r * y_r - sum_j a_rj x_j <= 0 ; sum_j x_j <= count
    cover = sp.hstack([-sub, sp.diags_array(need)], format="csr")
    card = sp.csr_array(np.r_[np.ones(n_x), np.zeros(n_y)][None, :])
    a_rows = sp.vstack([cover, card], format="csr")
    lower = np.r_[np.full(n_y, -np.inf), -np.inf]
    upper = np.r_[np.zeros(n_y), float(count)]
    c = np.r_[np.zeros(n_x), -wsum]
    integrality = np.r_[np.ones(n_x), (need > 1).astype(float)]
    const = inst.f(inst.base)
    if relax:
        res = _milp(c, np.zeros_like(integrality), a_rows, lower, upper, time_limit_s)
        if res.status != 0 or res.fun is None:
            return None, math.inf, False, f"HiGHS (LP): {res.message}"
        return None, const - float(res.fun), True, ""
    res = _milp(c, integrality, a_rows, lower, upper, time_limit_s)
    dual = getattr(res, "mip_dual_bound", None)
    bound = const - float(dual) if dual is not None and np.isfinite(dual) else math.inf
    chosen = None
    if res.x is not None:
        chosen = [int(used[k]) for k in np.flatnonzero(res.x[:n_x] > 0.5)]
    proven = res.status == 0 and chosen is not None
    msg = "" if res.status == 0 else f"HiGHS: {res.message}"
    return chosen, bound, proven, msg


def max_coverage(matrix, weights, count: int, *, base=None, depth: int = 1,
                 exact: bool = False, time_limit_s: float | None = None) -> Solution:
    """Choose up to ``count`` candidates that bring the most weight to the required depth.

    Parameters
    ----------
    matrix : array_like or scipy sparse, shape (n_candidates, n_points)
        How many envelopes of each candidate cover each demand point (booleans will do).
    weights : array_like, shape (n_points,)
        What each point stands for (an area, a border length). [km2 or km]
    count : int
        How many candidates to choose (fewer when no other candidate adds anything).
    base : array_like of int, shape (n_points,), optional
        Depth already there (envelopes of existing sites); default 0.
    depth : int, default 1
        Depth at which a point counts: 1 for covered, 2 for covered twice.
    exact : bool, default False
        Solve the integer program (HiGHS) instead of greedy with lazy gains.
    time_limit_s : float, optional
        Time limit of the exact solver; without one it runs until it proves the optimum. [s]

    Returns
    -------
    Solution
        With an upper bound on the best possible value (see the module's notes).

    Examples
    --------
    Three candidates over four points: the first two together cover everything.

    >>> m = [[1, 1, 0, 0], [0, 0, 1, 1], [0, 1, 1, 0]]
    >>> s = max_coverage(m, [1.0, 1.0, 1.0, 1.0], 2)
    >>> s.chosen, s.value, s.status
    ((0, 1), 4.0, 'optimal')
    >>> max_coverage(m, [1.0, 1.0, 1.0, 1.0], 2, exact=True).value
    4.0
    """
    start = time.perf_counter()
    inst = _Instance(matrix, weights, base, depth)
    if int(count) != count or count < 1:
        raise ValueError(f"count must be a whole number >= 1 (got {count!r})")
    count = int(count)
    base_value = inst.f(inst.base)
    chosen, bound, kind = _greedy(inst, count)
    value = inst.f(inst.depth_with(chosen))
    ceiling = inst.f(inst.reachable())
    if ceiling < bound:
        bound, kind = ceiling, "every candidate together"
    if not exact and value < bound - PROOF_RTOL * max(1.0, abs(bound)) and \
            _model_size(inst) <= LP_MAX_NONZEROS:
        lp = _lp_max(inst, count, LP_TIME_LIMIT_S)
        if lp < bound:
            bound, kind = lp, "LP relaxation (HiGHS)"
    solver, message, proven = _GREEDY, "", False
    if exact:
        solver = _EXACT
        x, mip_bound, proven, message = _exact_max(inst, count, time_limit_s)
        if mip_bound < bound:
            bound, kind = mip_bound, "HiGHS dual bound"
        if x is None:
            message = (message + "; " if message else "") + (
                "the solver found no solution in time: the greedy answer is given")
        else:
            # Never trust the solver's objective: evaluate its set on the instance.
            x_value = inst.f(inst.depth_with(x))
            if x_value >= value - _RTOL * max(1.0, abs(value)):
                chosen, value = _pruned(inst, x), x_value
            else:
                proven = False
    chosen, gains = _order_by_gain(inst, chosen)
    meets = value >= bound - PROOF_RTOL * max(1.0, abs(bound))
    if meets:
        bound = max(bound, value)
    elif proven:
        # HiGHS proved its answer optimal, but its own tolerances kept its dual bound off it.
        message = (message + "; " if message else "") + (
            f"HiGHS proved the answer optimal; its dual bound differs by "
            f"{bound - value:.3g}")
    status = "optimal" if meets or proven else ("time_limit" if exact else "heuristic")
    if len(chosen) < count and not message:
        message = (f"{len(chosen)} of {count} chosen: no other candidate adds to the objective"
                   if chosen else "no candidate adds to the objective")
    return Solution(chosen=tuple(int(j) for j in chosen), gains=tuple(gains), value=value,
                    base_value=base_value, bound=float(bound), bound_kind=kind, status=status,
                    solver=solver, message=message, seconds=time.perf_counter() - start)


def _pruned(inst: _Instance, chosen) -> list:
    """The set without the choices whose removal leaves the objective as it is (the exact
    solver may pick such ones freely, and with depth > 1 greedy's surrogate may too)."""
    chosen = list(chosen)
    value = inst.f(inst.depth_with(chosen))
    for j in sorted(chosen, key=lambda j: inst.g_gain(inst.depth_with(
            [c for c in chosen if c != j]), j)):
        rest = [c for c in chosen if c != j]
        if inst.f(inst.depth_with(rest)) >= value - _RTOL * max(1.0, abs(value)):
            chosen = rest
    return chosen


def _group_sums(inst: _Instance, covered_rows, groups, n_groups) -> np.ndarray:
    return np.bincount(groups[covered_rows], weights=inst.w[covered_rows], minlength=n_groups)


def min_sites(matrix, weights, groups, needs, *, base=None, exact: bool = False,
              time_limit_s: float | None = None) -> Solution:
    """The fewest candidates that bring each group of points to its required covered weight.

    Parameters
    ----------
    matrix : array_like or scipy sparse, shape (n_candidates, n_points)
        Which candidates cover which demand points (counts or booleans).
    weights : array_like, shape (n_points,)
        What each point stands for. [km2 or km]
    groups : array_like of int, shape (n_points,)
        The group of each point (``0 .. n_groups - 1``), e.g. one per zone and altitude.
    needs : array_like, shape (n_groups,)
        Covered weight each group must reach, points covered beforehand included. [km2 or km]
    base : array_like of int, shape (n_points,), optional
        Depth already there (a point with depth >= 1 is covered); default 0.
    exact : bool, default False
        Solve the integer program (HiGHS) instead of greedy with lazy gains.
    time_limit_s : float, optional
        Time limit of the exact solver. [s]

    Returns
    -------
    Solution
        ``value`` is the total covered weight; ``bound`` a lower bound on the number of
        candidates needed (nan with status ``unreachable``, when even every candidate together
        falls short; ``message`` then says by how much).

    Notes
    -----
    Greedy maximises the truncated coverage :math:`h(S) = \\sum_k \\min(n_k, c_k(S))`, which
    is monotone submodular and reaches :math:`\\sum_k n_k` exactly when every target is met
    (Wolsey's submodular set cover [6]_). Coverage is subadditive, so no set of :math:`m`
    candidates covers more of a group than the :math:`m` largest single-candidate gains: the
    smallest such :math:`m` for each group (and for :math:`h`) is the lower bound.

    Examples
    --------
    >>> m = [[1, 1, 0, 0], [0, 0, 1, 1], [1, 1, 1, 0]]
    >>> s = min_sites(m, [1.0] * 4, [0, 0, 0, 0], [4.0])
    >>> s.chosen, s.bound, s.status
    ((2, 1), 2.0, 'optimal')
    >>> min_sites(m, [1.0] * 4, [0, 0, 0, 0], [5.0]).status
    'unreachable'
    """
    start = time.perf_counter()
    inst = _Instance(matrix, weights, base, 1)
    groups = np.asarray(groups)
    if groups.shape != (inst.n_rows,) or not np.issubdtype(groups.dtype, np.integer) or \
            (len(groups) and groups.min() < 0):
        raise ValueError("groups must hold one whole number >= 0 per demand point")
    needs = np.asarray(needs, dtype=float)
    n_groups = len(needs)
    if len(groups) and groups.max() >= n_groups:
        raise ValueError(f"groups refer to group {int(groups.max())}, but needs has "
                         f"{n_groups} values")
    depth = inst.base.copy()
    base_value = inst.f(depth)
    have = _group_sums(inst, np.flatnonzero(depth >= 1), groups, n_groups)
    total = np.bincount(groups, weights=inst.w, minlength=n_groups)
    tol = _RTOL * np.maximum(1.0, total)
    rem = np.maximum(needs - have, 0.0)
    rem[rem <= tol] = 0.0
    best = _group_sums(inst, np.flatnonzero(inst.reachable() >= 1), groups, n_groups)
    short = best < needs - tol
    if short.any():
        k = int(np.flatnonzero(short)[0])
        msg = (f"unreachable: with every candidate, group {k} reaches {best[k]:.6g} of the "
               f"{needs[k]:.6g} required")
        return Solution(chosen=(), gains=(), value=base_value, base_value=base_value,
                        bound=math.nan, bound_kind="sites (none can)", status="unreachable",
                        solver=_EXACT if exact else _GREEDY, message=msg,
                        seconds=time.perf_counter() - start)

    # Single-candidate new cover per group: (candidate, group) sums over the nonzeros.
    fresh = depth[inst.indices] == 0
    solo = np.bincount(inst.owner[fresh] * n_groups + groups[inst.indices[fresh]],
                       weights=inst.w[inst.indices[fresh]],
                       minlength=inst.n_candidates * n_groups).reshape(inst.n_candidates,
                                                                       n_groups)
    lower = 0
    for k in np.flatnonzero(rem > 0):
        csum = np.cumsum(np.sort(solo[:, k])[::-1])
        lower = max(lower, int(np.searchsorted(csum, rem[k] - tol[k])) + 1)
    h_solo = np.minimum(solo, rem).sum(axis=1)
    if rem.sum() > 0:
        csum = np.cumsum(np.sort(h_solo)[::-1])
        lower = max(lower, int(np.searchsorted(csum, rem.sum() - tol.sum())) + 1)

    # Greedy (CELF) on h.
    def h_gain(j):
        idx, _ = inst.block(j)
        new = idx[depth[idx] == 0]
        return float(np.minimum(rem, _group_sums(inst, new, groups, n_groups)).sum())

    heap = [(-float(h_solo[j]), int(j), 0) for j in np.flatnonzero(h_solo > 0)]
    heapq.heapify(heap)
    chosen = []
    step = 0
    while rem.sum() > 0 and heap:
        while heap and heap[0][2] != step:
            _, j, _ = heapq.heappop(heap)
            gj = h_gain(j)
            if gj > 0:
                heapq.heappush(heap, (-gj, j, step))
        if not heap:
            break
        _, j, _ = heapq.heappop(heap)
        idx, _ = inst.block(j)
        new = idx[depth[idx] == 0]
        rem = np.maximum(rem - _group_sums(inst, new, groups, n_groups), 0.0)
        rem[rem <= tol] = 0.0
        inst.add(depth, j)
        chosen.append(j)
        step += 1

    solver, message, status = _GREEDY, "", None
    bound, kind = float(lower), "sites (single-candidate gains)"
    if not exact and len(chosen) > lower and _model_size(inst) <= LP_MAX_NONZEROS:
        lp_lower = _exact_min(inst, groups, needs, have, LP_TIME_LIMIT_S, relax=True)[1]
        if lp_lower > bound:
            bound, kind = float(lp_lower), "sites (LP relaxation, HiGHS)"
    if exact:
        solver = _EXACT
        x, mip_lower, proven, message = _exact_min(inst, groups, needs, have, time_limit_s)
        if mip_lower > bound:
            bound, kind = float(mip_lower), "sites (HiGHS dual bound)"
        if x is not None and len(x) <= len(chosen):
            chosen = x
        if proven:
            status = "optimal"
            bound = float(len(chosen))
        else:
            status = "time_limit"
            if x is None:
                message = (message + "; " if message else "") + (
                    "the solver found no solution in time: the greedy answer is given")
    chosen, gains = _order_by_gain(inst, chosen)
    if status is None:
        status = "optimal" if len(chosen) <= bound else "heuristic"
    return Solution(chosen=tuple(int(j) for j in chosen), gains=tuple(gains),
                    value=inst.f(inst.depth_with(chosen)), base_value=base_value,
                    bound=float(bound), bound_kind=kind, status=status, solver=solver,
                    message=message, seconds=time.perf_counter() - start)


def _exact_min(inst: _Instance, groups, needs, have, time_limit_s, relax: bool = False):
    """The partial set cover as an integer program; (chosen or None, lower bound, proven,
    message). With ``relax``, its LP relaxation: the bound is the LP optimum rounded up (0
    unless proven)."""
    import scipy.sparse as sp

    n_groups = len(needs)
    rem = needs - have
    reach = inst.reachable()
    open_rows = np.flatnonzero((inst.base < 1) & (reach >= 1) & (inst.w > 0))
    reps, wsum, _ = _merged_rows(inst, open_rows, extra_key=groups)
    t = _row_major(inst)
    sub = t[reps]
    used = np.unique(sub.indices)
    sub = sp.csr_array(sub[:, used])
    n_x, n_y = len(used), len(reps)
    # y_r - sum_j a_rj x_j <= 0 (a_rj >= 1 counts as covered: y_r <= 1 anyway)
    cover = sp.hstack([-(sub > 0).astype(float), sp.eye_array(n_y)], format="csr")
    g = groups[reps]
    active = [k for k in range(n_groups) if rem[k] > 0]
    target = sp.csr_array((np.concatenate([wsum[g == k] for k in active]) if active else [],
                           (np.concatenate([np.full((g == k).sum(), i)
                                            for i, k in enumerate(active)]) if active else [],
                            np.concatenate([n_x + np.flatnonzero(g == k) for k in active])
                            if active else [])),
                          shape=(len(active), n_x + n_y))
    a_rows = sp.vstack([cover, target], format="csr")
    lower = np.r_[np.full(n_y, -np.inf), [rem[k] * (1 - 1e-12) for k in active]]
    upper = np.r_[np.zeros(n_y), np.full(len(active), np.inf)]
    c = np.r_[np.ones(n_x), np.zeros(n_y)]
    integrality = np.r_[np.ones(n_x), np.zeros(n_y)]
    if relax:
        res = _milp(c, np.zeros_like(integrality), a_rows, lower, upper, time_limit_s)
        if res.status != 0 or res.fun is None:
            return None, 0, False, f"HiGHS (LP): {res.message}"
        return None, math.ceil(float(res.fun) - 1e-6), True, ""
    res = _milp(c, integrality, a_rows, lower, upper, time_limit_s)
    dual = getattr(res, "mip_dual_bound", None)
    low = math.ceil(float(dual) - 1e-6) if dual is not None and np.isfinite(dual) else 0
    chosen = None
    if res.x is not None:
        chosen = [int(used[k]) for k in np.flatnonzero(res.x[:n_x] > 0.5)]
    proven = res.status == 0 and chosen is not None
    msg = "" if res.status == 0 else f"HiGHS: {res.message}"
    return chosen, low, proven, msg


# ============================================================================== geography
#: Default side of the candidate lattice. [km]
DEFAULT_SPACING_KM = 10.0
#: Default side of the demand (scoring) lattice: each point stands for its square. [km]
DEFAULT_GRID_KM = 5.0
#: Prefix of the names of lattice candidates and of the sites proposed from them.
_LATTICE_PREFIX = "C"
_PROPOSED_PREFIX = "new"


def _system_list(system, catalog) -> tuple:
    """``system`` as a tuple of catalog Systems: an id, ids separated by commas, a System, or a
    sequence of those (several envelopes of one battery, placed together)."""
    from .catalog import System

    items = system.split(",") if isinstance(system, str) else (
        [system] if isinstance(system, System) else list(system))
    out = []
    for item in items:
        if isinstance(item, System):
            out.append(item)
        elif isinstance(item, str) and item.strip():
            out.append(catalog.get_system(item.strip(), entry="system"))
        else:
            raise InputError("must be a system id (see `adcov systems`), several separated by "
                             "commas, or a System", entry="system", value=system)
    if not out:
        raise InputError("give a system id (see `adcov systems`)", entry="system", value=system)
    if len({s.id for s in out}) != len(out):
        raise InputError("lists a system twice", entry="system", value=system)
    return tuple(out)


def _number(value, entry: str, *, low: float, low_open: bool = False, high=None,
            integer: bool = False):
    """A checked number (InputError naming the entry and the value)."""
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    x = float(value) if ok else math.nan
    ok = ok and math.isfinite(x) and (x > low if low_open else x >= low) and (
        high is None or x <= high) and (not integer or x == int(x))
    if not ok:
        what = "a whole number" if integer else "a number"
        rng = f"{'>' if low_open else '>='} {low:g}" + (f" and <= {high:g}" if high is not None
                                                       else "")
        raise InputError(f"must be {what} {rng}", entry=entry, value=value)
    return int(x) if integer else x


def _boundary_distance_km(zones, lon, lat) -> np.ndarray:
    """Geodesic distance (WGS84) from each point to the region's boundary. [km]"""
    from .borders import country_geometry
    from .projection import lonlat_to_laea_xy
    from .sampling import _largest_scale, _NearestVertex, _path_scale

    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if not len(lon):
        return np.empty(0)
    line = _NearestVertex(country_geometry(zones.region).boundary, zones.lon0, zones.lat0)
    x, y = lonlat_to_laea_xy(lon, lat, zones.lon0, zones.lat0)
    scale = _path_scale(_largest_scale(lon, lat, zones.lon0, zones.lat0))
    return line.distance_m(lon, lat, np.asarray(x), np.asarray(y), scale) / 1000.0


def _nearest_site_km(sites, lon, lat) -> np.ndarray:
    """Geodesic distance (WGS84) from each point to the nearest of ``sites`` (inf: none). [km]"""
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    out = np.full(len(lon), np.inf)
    for s in sites:
        d = geod.inv(np.full(len(lon), s.lon), np.full(len(lon), s.lat), lon, lat)[2]
        out = np.minimum(out, np.asarray(d) / 1000.0)
    return out


def _file_candidates(path, systems):
    """Places from a sites file: name, lon, lat and the optional per-site keys."""
    from .errors import ScenarioError
    from .sitesfile import SITES_SUFFIXES, read_sites_file

    path = Path(path)
    if path.suffix.lower() not in SITES_SUFFIXES:
        raise InputError(f"a candidates file is a sites file ending in "
                         f"{', '.join(SITES_SUFFIXES)}", file=path, entry="candidates",
                         value=path.suffix)
    rows = read_sites_file(path)
    if not rows:
        raise InputError("has no sites", file=path, entry="candidates")
    names, lon, lat, extras, seen = [], [], [], [], {}
    for file, entry, row, _ in rows:
        if isinstance(row, InputError):
            raise row
        for key in ("lon", "lat"):
            if key not in row:
                raise ScenarioError("missing key", file=file, entry=f"{entry}.{key}")
        name = row.get("name") or f"{_LATTICE_PREFIX}{len(names) + 1:04d}"
        extra = {k: row[k] for k in ("antenna_height_m", "azimuth_deg", "sector_width_deg")
                 if row.get(k) is not None}
        try:
            for sy in systems:
                Site(str(name), sy, lon=row["lon"], lat=row["lat"], **extra)
        except ScenarioError as exc:
            raise ScenarioError(exc.message, file=file, entry=f"{entry}.{exc.entry}",
                                **({"value": exc.value} if exc.has_value else {})) from None
        if str(name) in seen:
            raise ScenarioError(f"duplicate candidate name (first at {seen[str(name)]})",
                                file=file, entry=f"{entry}.name", value=name)
        seen[str(name)] = entry
        names.append(str(name))
        lon.append(float(row["lon"]))
        lat.append(float(row["lat"]))
        extras.append(extra)
    return names, np.asarray(lon), np.asarray(lat), extras


def candidate_sites(scenario: Scenario, system, *, candidates=None,
                    spacing_km: float = DEFAULT_SPACING_KM, min_border_km: float = 0.0,
                    min_spacing_km: float = 0.0) -> pd.DataFrame:
    """The places a new battery may go: a lattice over the region or a sites file, filtered.

    Parameters
    ----------
    scenario : Scenario
        Its region and its (existing) sites.
    system : str, System or sequence
        The system of the new batteries (see :func:`optimize`).
    candidates : str or path-like, optional
        A sites file (CSV, GeoJSON, GeoPackage, in any form :mod:`adcov.sitesfile` reads)
        whose rows are the places; their ``system`` column, if any, is not used. Default: a
        lattice.
    spacing_km : float, default :data:`DEFAULT_SPACING_KM`
        Side of the lattice, square in the region's equal-area projection (LAEA); the
        lattice's points inside the region are the candidates. [km]
    min_border_km : float, default 0
        Keep only places inside the region at least this far from its boundary (geodesic
        distance on WGS84 to the densified boundary); 0 keeps every place. [km]
    min_spacing_km : float, default 0
        Keep only places at least this far from every existing site (geodesic). [km]

    Returns
    -------
    pandas.DataFrame
        One row per candidate kept: ``candidate`` (name), ``lon``, ``lat``, ``border_km``
        (distance to the region's boundary, negative outside the region) and ``site_km``
        (distance to the nearest existing site); ``attrs["extras"]`` holds each candidate's
        site keys from the file (antenna height, azimuth, sector width).

    Raises
    ------
    InputError
        A bad value or file, or when no candidate is left.
    """
    from .borders import country_geometry
    from .pipeline import region_zones
    from .sampling import equal_area_points

    catalog = scenario.catalog
    if catalog is None:
        from .catalog import default_catalog

        catalog = default_catalog()
    systems = _system_list(system, catalog)
    min_border_km = _number(min_border_km, "min_border_km", low=0.0)
    min_spacing_km = _number(min_spacing_km, "min_spacing_km", low=0.0)
    if candidates is None:
        spacing_km = _number(spacing_km, "spacing_km", low=0.0, low_open=True, high=1000.0)
        pts = equal_area_points(scenario, spacing_km)
        inside = pts.zones[scenario.region]
        lon, lat = np.asarray(pts.lon[inside]), np.asarray(pts.lat[inside])
        names = [f"{_LATTICE_PREFIX}{i + 1:04d}" for i in range(len(lon))]
        extras = [{} for _ in names]
        where = f"the {spacing_km:g} km lattice over {scenario.region}"
    else:
        names, lon, lat, extras = _file_candidates(candidates, systems)
        where = f"{Path(candidates).name}"
    if len(lon) > MAX_CANDIDATES:
        raise InputError(f"more than {MAX_CANDIDATES} candidates; use a coarser lattice",
                         entry="spacing_km" if candidates is None else "candidates",
                         value=len(lon))
    dist = _boundary_distance_km(region_zones(scenario, 0.0), lon, lat)
    import shapely

    inside = shapely.contains_xy(country_geometry(scenario.region), lon, lat)
    border_km = np.where(inside, dist, -dist)
    site_km = _nearest_site_km(scenario.sites, lon, lat)
    keep = np.ones(len(lon), dtype=bool)
    if min_border_km > 0:
        keep &= border_km >= min_border_km
    if min_spacing_km > 0:
        keep &= site_km >= min_spacing_km
    if not keep.any():
        raise InputError(f"no candidate left: of the {len(lon)} places of {where}, none is "
                         f"at least {min_border_km:g} km inside the border and "
                         f"{min_spacing_km:g} km from every existing site",
                         entry="candidates", value=len(lon))
    idx = np.flatnonzero(keep)
    out = pd.DataFrame({"candidate": [names[i] for i in idx], "lon": lon[idx],
                        "lat": lat[idx], "border_km": border_km[idx],
                        "site_km": site_km[idx]})
    out.attrs["extras"] = [extras[i] for i in idx]
    out.attrs["systems"] = [s.id for s in systems]
    return out


def _battery(name: str, systems, lon: float, lat: float, extra: dict, *, source: str = "",
             notes: str = "") -> list:
    """The sites of one battery at one place: one per system (one envelope each)."""
    if len(systems) == 1:
        return [Site(name, systems[0], lon=lon, lat=lat, source=source, notes=notes, **extra)]
    return [Site(f"{name} {sy.id}", sy, lon=lon, lat=lat, source=source, notes=notes, **extra)
            for sy in systems]


def _zone_list(zones, scenario) -> tuple:
    """The zone names asked for, checked against the scenario's (any case)."""
    if isinstance(zones, str):
        names = [z.strip() for z in zones.split(",")]
    elif isinstance(zones, (list, tuple)):
        names = [str(z).strip() for z in zones]
    else:
        raise InputError("must be a zone name or a list of them", entry="zones", value=zones)
    valid = [scenario.region, *scenario.sectors, *(f"{k}_belt" for k in scenario.sectors)]
    out = []
    for z in names:
        match = next((v for v in valid if v.casefold() == z.casefold()), None)
        if match is None:
            raise InputError(f"unknown zone; zones of {scenario.region}: {', '.join(valid)}",
                             entry="zones", value=z)
        if match in out:
            raise InputError("lists a zone twice", entry="zones", value=zones)
        out.append(match)
    if not out:
        raise InputError(f"give a zone; zones of {scenario.region}: {', '.join(valid)}",
                         entry="zones", value=zones)
    return tuple(out)


def _border_mask(points, zone: str) -> np.ndarray:
    """The border pieces a zone's border objective counts: its sector's border line (a belt:
    the line it runs along; the region: every sector's)."""
    b = points.border
    kind = points.zone_kinds[zone]
    if kind == "region":
        return np.ones(len(b.lon), dtype=bool)
    sector = zone[: -len("_belt")] if kind == "belt" else zone
    return np.asarray(b.sectors[sector])


def _covered_points(polygon, x, y) -> np.ndarray:
    """Indices of the points inside a polygon (LAEA), with a bounding-box pre-filter."""
    import shapely

    if polygon is None or polygon.is_empty:
        return np.empty(0, dtype=np.int64)
    x0, y0, x1, y1 = polygon.bounds
    sel = np.flatnonzero((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
    if not len(sel):
        return sel
    shapely.prepare(polygon)
    return sel[shapely.contains_xy(polygon, x[sel], y[sel])]


@dataclass(frozen=True, eq=False)
class _Demand:
    """The scoring instance of a placement: rows are (zone, altitude, point) triples."""

    matrix: object          # scipy CSR, candidates x rows, envelope counts
    weights: np.ndarray     # per row [km2 or km]
    base: np.ndarray        # per row: envelopes of existing sites
    groups: np.ndarray      # per row: its (zone, altitude) group
    group_keys: tuple       # (zone, altitude_m) per group
    group_total: np.ndarray  # weight of each group
    n_points: int           # demand points (or border pieces) sampled
    zones: object           # the region's Zones (LAEA)


def _demand(scenario, systems, cand: pd.DataFrame, zone_names, objective: str, grid_km: float,
            progress=None) -> _Demand:
    """Score every candidate: which demand rows its envelopes cover, counted per envelope."""
    import scipy.sparse as sp

    from .pipeline import cut_scenario
    from .sampling import equal_area_points

    extras = cand.attrs.get("extras") or [{} for _ in range(len(cand))]
    taken = {s.name for s in scenario.sites}
    prefix = "candidate"
    while any(n.startswith(prefix) for n in taken):
        prefix = "_" + prefix
    cand_sites, owner = [], []
    for j, (lon, lat, extra) in enumerate(zip(cand.lon, cand.lat, extras)):
        for site in _battery(f"{prefix} {j}", systems, float(lon), float(lat), extra):
            cand_sites.append(site)
            owner.append(j)
    owner = np.asarray(owner)
    n_existing = len(scenario.sites)
    # One cut of existing and candidate sites: the envelopes (terrain-masked with a DEM, in
    # the analysis mode) are exactly those analyze() would draw for them.
    everything = replace(scenario, sites=tuple(scenario.sites) + tuple(cand_sites))
    pieces = cut_scenario(everything, progress=progress)
    zones = pieces.zones
    points = equal_area_points(zones, grid_km)
    if objective == "border":
        px, py = np.asarray(points.border.x), np.asarray(points.border.y)
        masks = [_border_mask(points, z) for z in zone_names]
        w_point = np.asarray(points.border.length_km)
    else:
        px, py = np.asarray(points.x), np.asarray(points.y)
        masks = [np.asarray(points.zones[z]) for z in zone_names]
        w_point = np.asarray(points.weight_km2)
    used = np.flatnonzero(np.logical_or.reduce(masks))
    ux, uy = px[used], py[used]
    # Rows: for each altitude, for each zone, the zone's points.
    zone_rows = []   # per zone: (row offset within an altitude block, local index of each pt)
    offset = 0
    local_of = np.full(len(px), -1)
    local_of[used] = np.arange(len(used))
    for m in masks:
        idx = local_of[np.flatnonzero(m)]
        row_of = np.full(len(used), -1)
        row_of[idx] = offset + np.arange(len(idx))
        zone_rows.append(row_of)
        offset += len(idx)
    per_alt = offset
    n_alt = len(pieces.covers)
    n_rows = per_alt * n_alt
    weights = np.zeros(n_rows)
    groups = np.zeros(n_rows, dtype=np.int64)
    keys = []
    for a, cover in enumerate(pieces.covers):
        for z, (name, row_of) in enumerate(zip(zone_names, zone_rows)):
            have = row_of >= 0
            rows = a * per_alt + row_of[have]
            weights[rows] = w_point[used[have]]
            groups[rows] = len(keys)
            keys.append((name, float(cover.altitude_m)))
    base = np.zeros(n_rows, dtype=np.int64)
    ci, ri = [], []
    for a, cover in enumerate(pieces.covers):
        for k, poly in enumerate(cover.polygons):
            hit = _covered_points(poly, ux, uy)
            if not len(hit):
                continue
            rows = np.concatenate([a * per_alt + row_of[hit][row_of[hit] >= 0]
                                   for row_of in zone_rows])
            if k < n_existing:
                np.add.at(base, rows, 1)
            else:
                ri.append(rows)
                ci.append(np.full(len(rows), owner[k - n_existing]))
    ci = np.concatenate(ci) if ci else np.empty(0, dtype=np.int64)
    ri = np.concatenate(ri) if ri else np.empty(0, dtype=np.int64)
    matrix = sp.csr_array((np.ones(len(ci), dtype=np.int64), (ci, ri)),
                          shape=(len(cand), n_rows))
    matrix.sum_duplicates()
    total = np.bincount(groups, weights=weights, minlength=len(keys))
    return _Demand(matrix=matrix, weights=weights, base=base, groups=groups,
                   group_keys=tuple(keys), group_total=total, n_points=len(used), zones=zones)


#: Columns of :attr:`Placement.chosen` (``gain_km2`` is ``gain_km`` for the border objective).
CHOSEN_COLUMNS = ("order", "name", "candidate", "system", "lon", "lat", "gain_km2", "gain_pp",
                  "border_km", "site_km")
#: Decimals of the placement's own columns in output files (the zone tables' columns are
#: rounded by :mod:`adcov.render.tables`).
DECIMALS = MappingProxyType({
    "gain_km2": 1, "gain_km": 1, "gain_pp": 3, "site_km": 1, "border_km": 1, "gain": 1,
    "total": 1, "before": 1, "after": 1, "before_fraction": 4, "after_fraction": 4,
})


def rounded(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of a placement table with its columns rounded to :data:`DECIMALS`."""
    out = df.copy()
    for col, d in DECIMALS.items():
        if col in out.columns:
            out[col] = out[col].astype(float).round(d) + 0.0
    return out


#: Columns of :attr:`Placement.scores`.
SCORE_COLUMNS = ("zone", "altitude_m", "total", "before", "after", "before_fraction",
                 "after_fraction")


@dataclass(frozen=True, eq=False)
class Placement:
    """Where new batteries would go (from :func:`optimize`): the answer, its bound, and the
    zone tables before and after from the polygon engine.

    Attributes
    ----------
    scenario : Scenario
        The scenario analysed (its altitudes those of the placement).
    proposed : Scenario
        The same with the chosen sites added (``scenario`` itself when none was chosen).
    systems : tuple of str
        The system ids of one new battery (one envelope each).
    zones : tuple of str
        The zones scored.
    altitudes_m : tuple of float
        The target altitudes scored. [m]
    objective : str
        One of :data:`OBJECTIVES`.
    unit : str
        The objective's unit: ``km2`` or ``km``.
    count : int or None
        Batteries asked for (``--count``), or None for a target.
    target : float or None
        Covered fraction asked for at every zone and altitude (``--target``), or None.
    chosen : pandas.DataFrame
        The chosen sites in order of choice (:data:`CHOSEN_COLUMNS`): each one's marginal
        gain on the scoring grid, in the objective's unit and in percentage points of the
        total (``gain_pp``).
    candidates : pandas.DataFrame
        Every candidate: ``candidate``, ``lon``, ``lat``, ``border_km``, ``site_km``, ``gain``
        (what it would add alone to the existing sites, objective units) and ``order`` (its
        place among the chosen, 0 if not chosen).
    scores : pandas.DataFrame
        Per zone and altitude, on the scoring grid (:data:`SCORE_COLUMNS`): the total weight
        and what the existing sites and the existing plus the chosen cover (at depth 2 for
        ``depth2``).
    before, after : pandas.DataFrame
        Rows of the zone table (:attr:`adcov.analysis.Result.zones`) for the zones and
        altitudes, from the polygon engine, without and with the chosen sites.
    value, base_value, total : float
        Objective with and without the chosen sites, and its largest possible value (every
        zone covered at every altitude), on the scoring grid. [km2 or km]
    bound : float
        With ``count``: an upper bound on the best objective any ``count`` candidates reach
        [km2 or km]. With ``target``: a lower bound on the number of candidates needed (nan
        when the candidates cannot reach the target).
    bound_kind : str
        Where the bound comes from.
    gap : float
        ``bound - value`` (count) or ``len(chosen) - bound`` (target): how far the answer may
        be from the best possible.
    status : str
        One of :data:`STATUSES`.
    solver : str
        The method.
    message : str
        What else to know (early stop, time limit, unreachable target), or "".
    grid_km : float
        Side of the demand (scoring) lattice. [km]
    spacing_km : float or None
        Side of the candidate lattice, or None for candidates from a file. [km]
    n_points : int
        Demand points (or border pieces) scored.
    seconds : float
        Wall time of the whole placement, analyses included. [s]
    before_result, after_result : Result
        The polygon engine's results behind ``before`` and ``after``.
    """

    scenario: Scenario
    proposed: Scenario
    systems: tuple
    zones: tuple
    altitudes_m: tuple
    objective: str
    unit: str
    count: int | None
    target: float | None
    chosen: pd.DataFrame = field(repr=False)
    candidates: pd.DataFrame = field(repr=False)
    scores: pd.DataFrame = field(repr=False)
    before: pd.DataFrame = field(repr=False)
    after: pd.DataFrame = field(repr=False)
    value: float
    base_value: float
    total: float
    bound: float
    bound_kind: str
    gap: float
    status: str
    solver: str
    message: str
    grid_km: float
    spacing_km: float | None
    n_points: int
    seconds: float
    before_result: object = field(repr=False)
    after_result: object = field(repr=False)

    def __repr__(self) -> str:
        ask = f"count={self.count}" if self.count is not None else f"target={self.target:g}"
        return (f"<Placement {self.scenario.label!r} {'+'.join(self.systems)} {ask}: "
                f"{len(self.chosen)} chosen, {self.objective} {self.value:.6g} {self.unit}, "
                f"bound {self.bound:.6g}, {self.status}>")

    @property
    def objective_summary(self) -> dict:
        """The objective on the scoring grid: before, after, the bound, as values and as
        fractions of the total."""
        frac = (lambda x: x / self.total if self.total > 0 else math.nan)
        out = {"kind": self.objective, "unit": self.unit, "total": self.total,
               "before": self.base_value, "after": self.value,
               "before_fraction": frac(self.base_value), "after_fraction": frac(self.value)}
        if self.count is not None:
            out["bound_fraction"] = frac(self.bound)
        return out

    def to_dict(self) -> dict:
        """The answer as plain data (the JSON of ``adcov optimize -f json``), rounded as in
        output files."""
        from .render.tables import records

        def num(x):
            return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else \
                round(float(x), 6)

        return {
            "scenario": {"label": self.scenario.label, "name": self.scenario.name,
                         "region": self.scenario.region, "sites": len(self.scenario.sites)},
            "systems": list(self.systems),
            "zones": list(self.zones),
            "altitudes_m": list(self.altitudes_m),
            "count": self.count,
            "target": self.target,
            "chosen": records(rounded(self.chosen)),
            "objective": {k: (num(v) if isinstance(v, float) else v)
                          for k, v in self.objective_summary.items()},
            "bound": num(self.bound),
            "bound_kind": self.bound_kind,
            "gap": num(self.gap),
            "status": self.status,
            "solver": self.solver,
            "message": self.message,
            "grid": {"demand_spacing_km": self.grid_km,
                     "candidate_spacing_km": self.spacing_km,
                     "candidates": len(self.candidates), "demand_points": self.n_points},
            "scores": records(rounded(self.scores)),
            "before": records(self.before),
            "after": records(self.after),
            "seconds": round(self.seconds, 3),
        }

    def map(self, *, tiles: str = "osm"):
        """Interactive folium map: the proposed sites apart from the existing ones, with their
        gains, over a layer of every candidate's gain, on the comparison map of the scenario
        with and without them (see :func:`adcov.render.optimize_map.placement_map`).

        Parameters
        ----------
        tiles : str, default "osm"
            Base layer (``"none"`` for none).
        """
        from .render.optimize_map import placement_map

        return placement_map(self, tiles=tiles)


def _solo_gains(inst: _Instance) -> np.ndarray:
    """What each candidate alone adds to the existing sites, in the true objective."""
    d = inst.base[inst.indices]
    inc = inst.w[inst.indices] * ((d < inst.q) & (d + inst.data >= inst.q))
    return np.bincount(inst.owner, weights=inc, minlength=inst.n_candidates)


def optimize(scenario: Scenario, system, *, zones, altitudes_m, count: int | None = None,
             target: float | None = None, candidates=None,
             spacing_km: float = DEFAULT_SPACING_KM, min_border_km: float = 0.0,
             min_spacing_km: float = 0.0, objective: str = "area", exact: bool = False,
             time_limit_s: float | None = None, grid_km: float = DEFAULT_GRID_KM,
             progress=None) -> Placement:
    """Where new batteries would best cover the zones: ``count`` of them, or the fewest that
    bring every zone to ``target`` at every altitude.

    Parameters
    ----------
    scenario : Scenario
        The existing deployment (its sites stay and count), region, sectors, k-factor, mode
        and DEM (envelopes are terrain-masked when it has one).
    system : str, System or sequence
        The new batteries' system id (``"S-400/40N6"``); ids separated by commas (or a
        sequence) place several envelopes together as one battery.
    zones : str or sequence of str
        Zone names of the zone table: the region (``"BLR"``), a sector (``"south"``) or a belt
        (``"south_belt"``); several are summed.
    altitudes_m : float or sequence of float
        Target altitudes, as the scenario measures them; several are summed. [m]
    count : int, optional
        Batteries to place (give ``count`` or ``target``).
    target : float, optional
        Covered fraction (0..1] each zone must reach at each altitude: the fewest batteries
        that bring it there. Objectives ``area`` and ``border`` only.
    candidates : str or path-like, optional
        A sites file of the places to choose from (default: a lattice over the region).
    spacing_km : float, default :data:`DEFAULT_SPACING_KM`
        Side of the candidate lattice. [km]
    min_border_km : float, default 0
        Keep candidates at least this far inside the region's boundary. [km]
    min_spacing_km : float, default 0
        Keep candidates at least this far from every existing site. [km]
    objective : {"area", "border", "depth2"}, default "area"
        What is maximised: the covered area of the zones, the covered length of their border
        lines, or the area covered by at least two envelopes (:data:`OBJECTIVES`).
    exact : bool, default False
        Solve the integer program (HiGHS) instead of greedy with lazy gains.
    time_limit_s : float, optional
        Time limit of the exact solver. [s]
    grid_km : float, default :data:`DEFAULT_GRID_KM`
        Side of the demand lattice the candidates are scored on (equal-area: each point
        stands for ``grid_km ** 2``; border lines are sampled every 250 m). [km]
    progress : callable, optional
        Called as ``progress(done, total)`` while the envelopes are cut.

    Returns
    -------
    Placement

    Notes
    -----
    Scoring: every candidate's envelopes (one per system) are computed with the scenario's
    model, mode and DEM by :func:`adcov.pipeline.cut_scenario`, like the existing sites',
    and each demand point of :func:`adcov.sampling.equal_area_points` (equal area on the
    WGS84 ellipsoid through the region's LAEA) is covered when it lies inside an envelope
    polygon. The solvers (:func:`max_coverage`, :func:`min_sites`) work on that instance; the
    ``before`` and ``after`` tables come from :func:`adcov.analysis.analyze` on the scenario
    without and with the chosen sites, so they differ from the grid's figures by the grid's
    resolution (and, for sectors, by the grid's point-by-point nearest-border rule against
    the overlay's Voronoi zones).

    Examples
    --------
    Two S-400 (40N6) batteries for the south at 1 km, on coarse grids:

    >>> from adcov import Scenario
    >>> p = optimize(Scenario.builtin("belarus-2021"), "S-400/40N6", zones="south",
    ...              altitudes_m=1000, count=2, spacing_km=50, grid_km=20)
    >>> len(p.chosen), p.value >= p.base_value, p.bound >= p.value
    (2, True, True)
    """
    from .analysis import analyze
    from .pipeline import region_zones

    start = time.perf_counter()
    if not isinstance(scenario, Scenario):
        raise InputError("must be a Scenario (Scenario.resolve(...))", entry="scenario",
                         value=scenario)
    if objective not in OBJECTIVES:
        raise InputError(f"unknown objective; choose from {', '.join(OBJECTIVES)}",
                         entry="objective", value=objective)
    unit, depth = OBJECTIVES[objective]
    if (count is None) == (target is None):
        raise InputError("give either count (how many batteries) or target (a covered "
                         "fraction), not both", entry="count",
                         value=(count, target) if count is not None else None)
    if count is not None:
        count = _number(count, "count", low=1, high=1000, integer=True)
    if target is not None:
        target = _number(target, "target", low=0.0, low_open=True, high=1.0)
        if depth > 1:
            raise InputError("a target is a covered fraction: use the area or border "
                             "objective", entry="objective", value=objective)
    if time_limit_s is not None:
        time_limit_s = _number(time_limit_s, "time_limit_s", low=0.0, low_open=True)
    grid_km = _number(grid_km, "grid_km", low=0.0, low_open=True, high=1000.0)
    alts = (altitudes_m,) if isinstance(altitudes_m, (int, float, np.number)) else \
        tuple(altitudes_m)
    if not alts:
        raise InputError("give at least one altitude", entry="altitudes_m", value=altitudes_m)
    sc = replace(scenario, altitudes_m=alts)
    zone_names = _zone_list(zones, sc)
    catalog = sc.catalog
    if catalog is None:
        from .catalog import default_catalog

        catalog = default_catalog()
    systems = _system_list(system, catalog)
    estimate = region_zones(sc, 0.0).area_km2 / grid_km**2 * len(zone_names) * len(alts)
    if objective != "border" and estimate > MAX_DEMAND_ROWS:
        raise InputError(f"about {estimate:.0f} demand rows (more than {MAX_DEMAND_ROWS}); use "
                         "a coarser grid", entry="grid_km", value=grid_km)
    cand = candidate_sites(sc, systems, candidates=candidates, spacing_km=spacing_km,
                           min_border_km=min_border_km, min_spacing_km=min_spacing_km)
    dem = _demand(sc, systems, cand, zone_names, objective, grid_km, progress=progress)

    if count is not None:
        sol = max_coverage(dem.matrix, dem.weights, count, base=dem.base, depth=depth,
                           exact=exact, time_limit_s=time_limit_s)
    else:
        needs = target * dem.group_total
        sol = min_sites(dem.matrix, dem.weights, dem.groups, needs, base=dem.base,
                        exact=exact, time_limit_s=time_limit_s)
        if sol.status == "unreachable":
            inst = _Instance(dem.matrix, dem.weights, dem.base, 1)
            best = np.bincount(dem.groups, weights=dem.weights * (inst.reachable() >= 1),
                               minlength=len(dem.group_keys)) / np.maximum(dem.group_total,
                                                                          1e-300)
            k = int(np.argmin(best - target))
            z, h = dem.group_keys[k]
            sol = replace(sol, message=(
                f"unreachable: even with all {len(cand)} candidates, {z} at {h:g} m reaches "
                f"{best[k]:.1%} of the {target:.1%} asked for"))

    inst = _Instance(dem.matrix, dem.weights, dem.base, depth)
    total = float(dem.weights.sum())
    cand = cand.copy()
    cand["gain"] = _solo_gains(inst)
    cand["order"] = 0
    rows, new_sites = [], []
    taken = {s.name for s in sc.sites}
    from_file = candidates is not None
    extras = cand.attrs.get("extras") or [{} for _ in range(len(cand))]
    for k, (j, gain) in enumerate(zip(sol.chosen, sol.gains), start=1):
        c = cand.iloc[j]
        name = str(c.candidate) if from_file else f"{_PROPOSED_PREFIX}-{k}"
        while name in taken:
            name += " (new)"
        pp = 100.0 * gain / total if total > 0 else math.nan
        note = (f"proposed by adcov optimize: choice {k}, candidate {c.candidate}, "
                f"+{gain:.1f} {unit} ({pp:.2f} pp) on the {grid_km:g} km grid")
        battery = _battery(name, systems, float(c.lon), float(c.lat), extras[j],
                           source="adcov optimize", notes=note)
        taken |= {s.name for s in battery}
        new_sites += battery
        cand.loc[cand.index[j], "order"] = k
        rows.append({"order": k, "name": name, "candidate": c.candidate,
                     "system": "+".join(s.id for s in systems), "lon": float(c.lon),
                     "lat": float(c.lat), "gain_km2": gain, "gain_pp": pp,
                     "border_km": float(c.border_km), "site_km": float(c.site_km)})
    columns = list(CHOSEN_COLUMNS)
    chosen = pd.DataFrame(rows, columns=columns)
    if unit == "km":
        chosen = chosen.rename(columns={"gain_km2": "gain_km"})

    before_depth = inst.base
    after_depth = inst.depth_with(sol.chosen)
    q = depth
    n_g = len(dem.group_keys)
    cov_b = np.bincount(dem.groups, weights=dem.weights * (before_depth >= q), minlength=n_g)
    cov_a = np.bincount(dem.groups, weights=dem.weights * (after_depth >= q), minlength=n_g)
    tot = dem.group_total
    with np.errstate(invalid="ignore", divide="ignore"):
        scores = pd.DataFrame({
            "zone": [z for z, _ in dem.group_keys],
            "altitude_m": [h for _, h in dem.group_keys], "total": tot,
            "before": cov_b, "after": cov_a,
            "before_fraction": np.where(tot > 0, cov_b / tot, np.nan),
            "after_fraction": np.where(tot > 0, cov_a / tot, np.nan)},
            columns=list(SCORE_COLUMNS))

    proposed = sc.with_sites(*new_sites, variant="optimize") if new_sites else sc
    before_result = analyze(sc)
    after_result = analyze(proposed) if new_sites else before_result

    def pick(df):
        keep = df.zone.isin(zone_names) & df.altitude_m.isin([float(a) for a in sc.altitudes_m])
        return df[keep].reset_index(drop=True)

    return Placement(
        scenario=sc, proposed=proposed, systems=tuple(s.id for s in systems),
        zones=zone_names, altitudes_m=tuple(sc.altitudes_m), objective=objective, unit=unit,
        count=count, target=target, chosen=chosen, candidates=cand, scores=scores,
        before=pick(before_result.zones), after=pick(after_result.zones),
        value=sol.value, base_value=sol.base_value, total=total, bound=sol.bound,
        bound_kind=sol.bound_kind, gap=sol.gap, status=sol.status, solver=sol.solver,
        message=sol.message, grid_km=grid_km,
        spacing_km=None if from_file else float(spacing_km), n_points=dem.n_points,
        seconds=time.perf_counter() - start, before_result=before_result,
        after_result=after_result)


# ============================================================================== scenario file
def _toml_value(value) -> str:
    """A TOML value: strings as basic strings (JSON's escapes are TOML's), finite numbers,
    booleans, arrays."""
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        x = float(value)
        if not math.isfinite(x):
            raise ValueError(f"TOML cannot hold {x!r}")
        return str(int(x)) if x == int(x) and abs(x) < 1e15 else repr(x)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def _toml_key(key: str) -> str:
    import re

    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_value(key)


def scenario_toml(scenario: Scenario, *, note: str = "") -> str:
    """A scenario as a TOML scenario file that :meth:`Scenario.from_file` reads back to the
    same scenario (sites inline, systems that differ from the shipped catalog written out,
    DEM paths absolute).

    Parameters
    ----------
    scenario : Scenario
        The scenario (e.g. :attr:`Placement.proposed`).
    note : str, optional
        A paragraph added to the description.

    Returns
    -------
    str

    Examples
    --------
    >>> sc = Scenario.builtin("belarus-2021")
    >>> text = scenario_toml(sc)
    >>> import tomllib; doc = tomllib.loads(text)
    >>> doc["region"], len(doc["sites"]) == len(sc.sites)
    ('BLR', True)
    """
    from .catalog import NUMERIC_FIELDS, default_catalog

    shipped = default_catalog()
    description = scenario.description.strip()
    if note:
        description = f"{description}\n\n{note}" if description else note
    lines = [f"name = {_toml_value(scenario.name)}"]
    if description:
        lines.append(f"description = {_toml_value(description)}")
    lines += [f"region = {_toml_value(scenario.region)}",
              f"altitudes_m = {_toml_value(list(scenario.altitudes_m))}",
              f"k_factor = {_toml_value(scenario.k_factor)}",
              f"belt_km = {_toml_value(scenario.belt_km)}",
              f"min_gap_km2 = {_toml_value(scenario.min_gap_km2)}"]
    if scenario.mode != "engagement":
        lines.append(f"mode = {_toml_value(scenario.mode)}")
    if scenario.terrain:
        lines.append("terrain = " + _toml_value([str(Path(p).resolve())
                                                  for p in scenario.terrain]))
    if scenario.altitude_reference is not None:
        lines.append(f"altitude_reference = {_toml_value(scenario.altitude_reference)}")
    if scenario.sectors:
        lines += ["", "[sectors]"]
        lines += [f"{_toml_key(k)} = {_toml_value(list(v))}" for k, v in scenario.sectors.items()]
    own = {}
    for site in scenario.sites:
        sy = site.system
        try:
            same = shipped.get_system(sy.id) == sy
        except InputError:
            same = False
        if not same:
            own[sy.id] = sy
    for sid, sy in own.items():
        lines += ["", f"[systems.{_toml_value(sid)}]", f"name = {_toml_value(sy.name)}",
                  f"kind = {_toml_value(sy.kind)}"]
        if sy.family:
            lines.append(f"family = {_toml_value(sy.family)}")
        for key in NUMERIC_FIELDS:
            value = getattr(sy, key, None)
            if value is not None:
                lines.append(f"{key} = {_toml_value(value)}")
    for site in scenario.sites:
        lines += ["", "[[sites]]", f"name = {_toml_value(site.name)}",
                  f"system = {_toml_value(site.system.id)}",
                  f"lon = {_toml_value(site.lon)}", f"lat = {_toml_value(site.lat)}"]
        for key in ("antenna_height_m", "azimuth_deg", "sector_width_deg"):
            if getattr(site, key) is not None:
                lines.append(f"{key} = {_toml_value(getattr(site, key))}")
        for key in ("source", "notes"):
            if getattr(site, key):
                lines.append(f"{key} = {_toml_value(getattr(site, key))}")
        if site.properties:
            pairs = ", ".join(f"{_toml_key(k)} = {_toml_value(v)}"
                              for k, v in site.properties.items())
            lines.append(f"properties = {{ {pairs} }}")
    return "\n".join(lines) + "\n"


class _CallableModule(types.ModuleType):
    """This module, callable as :func:`optimize`: ``adcov.optimize`` names both the function
    (the package's lazy export) and this module (bound on the package by any ``import
    adcov.optimize``), so ``adcov.optimize(...)`` works whichever was bound last."""

    def __call__(self, *args, **kwargs):
        return optimize(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
