"""Exact two-sided Fisher test for r×c tables by a network algorithm (Mehta & Patel 1983).

The tables with the observed margins are built column by column. A node of the network is
(the number of columns filled, the sorted remaining row totals); rows with equal remaining
totals are exchangeable, so paths that reach the same node share their completions. Each
node keeps the distinct probabilities of the partial tables that reach it ("past" values,
with multiplicities). For a past value p at a node, if even the most probable completion
leaves the table at most as probable as the observed one, every completion counts and their
total probability is added in closed form; if even the least probable completion is more
probable than the observed table, none counts; otherwise the node is expanded. The bounds on
the completions are relaxations (row or column totals dropped), so the result is exact; only
the amount of work depends on how tight they are.

References
----------
Mehta CR, Patel NR (1983). A network algorithm for performing Fisher's exact test in r×c
contingency tables. JASA 78:427-434. Mehta & Patel (1986) ACM TOMS 12:154-161 (FEXACT, used
by R ``fisher.test``). Freeman GH, Halton JH (1951) Biometrika 38:141-149 (the p value:
the sum of the probabilities of all tables no more probable than the observed one; R's
relative tolerance 1e-7).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt
from scipy.special import gammaln

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: A table counts as "as or more extreme" when its probability is at most the observed one
#: times 1 + 1e-7 (R ``fisher.test``).
REL_TOL = 1e-7


@lru_cache(maxsize=256)
def _compositions(total: int, parts: int) -> IntArray:
    """All non-negative integer vectors of length ``parts`` summing to ``total``."""
    if parts == 1:
        return np.array([[total]], dtype=np.int64)
    blocks = []
    for first in range(total + 1):
        rest = _compositions(total - first, parts - 1)
        blocks.append(np.column_stack([np.full(len(rest), first, dtype=np.int64), rest]))
    return np.vstack(blocks)


def _even_split_lgamma(total: FloatArray, parts: int) -> FloatArray:
    """Minimum of ``sum lgamma(x + 1)`` over splits of ``total`` into ``parts`` integers."""
    q, r = np.floor_divide(total, parts), np.mod(total, parts)
    return (parts - r) * gammaln(q + 1) + r * gammaln(q + 2)


def _bounds(m: IntArray, cols: IntArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per node (rows of ``m``, remaining row totals; ``cols`` the remaining column totals):
    log of the summed ``prod 1/x!`` over completions, an upper bound of the largest
    ``-sum lgamma(x + 1)`` and a lower bound of the smallest."""
    mf = m.astype(float)
    cf = cols.astype(float)
    total = gammaln(mf.sum(axis=1) + 1) - gammaln(mf + 1).sum(axis=1) - gammaln(cf + 1).sum()
    r, c = m.shape[1], cols.size
    # most probable completion: relax the row totals (each column split evenly) or the
    # column totals (each row split evenly); either relaxation bounds the maximum
    ub_cols = -float(_even_split_lgamma(cf, r).sum())
    ub_rows = -_even_split_lgamma(mf, c).sum(axis=1)
    upper = np.minimum(ub_rows, ub_cols)
    # least probable completion: lgamma(x + 1) is superadditive, so sum lgamma(x_ij + 1)
    # is at most sum over columns (or rows) of lgamma(total + 1)
    lower = -np.minimum(gammaln(mf + 1).sum(axis=1), float(gammaln(cf + 1).sum()))
    return total, upper, lower


def fisher_rxc_network(table: IntArray, max_work: int = 20_000_000) -> float | None:
    """Exact two-sided Fisher p for an r×c table; ``None`` when more than ``max_work``
    (partial table, edge) pairs would have to be visited."""
    t = np.asarray(table, dtype=np.int64)
    if t.shape[0] > t.shape[1]:
        t = t.T
    t = t[:, np.argsort(-t.sum(axis=0), kind="stable")]
    rows, cols = t.sum(axis=1), t.sum(axis=0)
    n_r, n_c = t.shape
    const = float(gammaln(rows + 1).sum() + gammaln(cols + 1).sum() - gammaln(t.sum() + 1))
    log_obs = const - float(gammaln(t + 1).sum())
    threshold = log_obs + np.log1p(REL_TOL)
    p_value = 0.0
    work = 0
    # stage: dict node (sorted remaining row totals) -> (past values, multiplicities)
    stage: dict[tuple[int, ...], tuple[FloatArray, FloatArray]] = {
        tuple(sorted(rows.tolist())): (np.zeros(1), np.ones(1))
    }
    for k in range(n_c - 1):
        c_k = int(cols[k])
        rest = cols[k + 1 :]
        comps = _compositions(c_k, n_r)
        edge_lg = -gammaln(comps + 1).sum(axis=1)
        nxt: dict[tuple[int, ...], list[tuple[FloatArray, FloatArray]]] = {}
        for node, (past, mass) in stage.items():
            m = np.asarray(node, dtype=np.int64)
            ok = (comps <= m).all(axis=1)
            child = np.sort(m - comps[ok], axis=1)
            e_val = edge_lg[ok]
            work += past.size * e_val.size
            if work > max_work:
                return None
            uniq, inv = np.unique(child, axis=0, return_inverse=True)
            inv = inv.ravel()
            total, upper, lower = _bounds(uniq, rest)
            new_past = past[:, None] + e_val[None, :]  # (pasts, edges)
            u_tot, u_up, u_lo = total[inv], upper[inv], lower[inv]
            lp_all = const + new_past + u_up[None, :]
            lp_none = const + new_past + u_lo[None, :]
            all_in = lp_all <= threshold
            if all_in.any():
                contrib = np.exp(const + new_past + u_tot[None, :]) * mass[:, None]
                p_value += float(contrib[all_in].sum())
            undecided = ~all_in & (lp_none <= threshold)
            if k == n_c - 2:
                continue  # last column is determined: bounds are exact, nothing undecided
            pi, ei = np.nonzero(undecided)
            if pi.size == 0:
                continue
            child_id = inv[ei]
            order = np.argsort(child_id, kind="stable")
            pi, ei, child_id = pi[order], ei[order], child_id[order]
            cuts = np.flatnonzero(np.diff(child_id)) + 1
            for seg_p, seg_e, seg_c in zip(
                np.split(pi, cuts), np.split(ei, cuts), np.split(child_id, cuts), strict=True
            ):
                key = tuple(uniq[seg_c[0]].tolist())
                nxt.setdefault(key, []).append((new_past[seg_p, seg_e], mass[seg_p]))
        stage = {key: _merge(parts) for key, parts in nxt.items()}
        if not stage:
            break
    return float(min(1.0, p_value))


def _merge(parts: list[tuple[FloatArray, FloatArray]]) -> tuple[FloatArray, FloatArray]:
    """Pool equal past values (to 1e-9 on the log scale), adding their multiplicities."""
    past = np.concatenate([p for p, _ in parts])
    mass = np.concatenate([m for _, m in parts])
    key = np.round(past * 1e9).astype(np.int64)
    uniq, first, inv = np.unique(key, return_index=True, return_inverse=True)
    pooled = np.bincount(inv.ravel(), weights=mass, minlength=uniq.size).astype(np.float64)
    return past[first], pooled
