"""Multivariable logistic step (``_steps.multivariable_logistic``) against statsmodels and Firth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from prrt import stats
from prrt.studies import pannet_chemotherapy as pannet
from prrt.studies._base import StudyRun
from prrt.studies._steps import multivariable_logistic

from .conftest import Built


def _table(run: StudyRun, name: str) -> pd.DataFrame:
    return next(b.table.frame for b in run.report.tables if b.table.name == name)


def test_ml_fit_matches_statsmodels_logit(full: Built) -> None:
    rng = np.random.default_rng(7)
    n = 300
    x1 = rng.integers(0, 2, n).astype(float)
    x2 = rng.normal(2.0, 1.0, n)
    p = 1 / (1 + np.exp(-(-1.5 + 0.8 * x1 + 0.5 * x2)))
    d = pd.DataFrame({"marrow_outcome": rng.binomial(1, p).astype(float), "male": x1,
                      "bone_marrow_gy": x2})  # fmt: skip
    run = StudyRun.start(full.store, pannet.SETTINGS)
    multivariable_logistic(
        run,
        d,
        "marrow_outcome",
        ["male", "bone_marrow_gy"],
        labels={},
        units={"bone_marrow_gy": "Gy"},
        key="m",
        title="T",
    )
    ref = sm.Logit(d["marrow_outcome"], sm.add_constant(d[["male", "bone_marrow_gy"]])).fit(disp=0)
    for c in ("male", "bone_marrow_gy"):
        assert run.key_numbers[f"m_or[{c}]"] == pytest.approx(np.exp(ref.params[c]), rel=1e-6)
        lo, hi = run.key_numbers[f"m_or_ci[{c}]"]
        assert lo == pytest.approx(np.exp(ref.conf_int().loc[c, 0]), rel=1e-6)
        assert hi == pytest.approx(np.exp(ref.conf_int().loc[c, 1]), rel=1e-6)
        assert run.key_numbers[f"m_p[{c}]"] == pytest.approx(ref.pvalues[c], rel=1e-6)
    assert run.key_numbers["m_firth"] is False
    t = _table(run, "multivariable_m")
    assert list(t["Factor"]) == ["Male sex", "Bone-marrow absorbed dose (per Gy)"]
    assert all("Multivariable" in c for c in t.columns[1:])


def test_separation_switches_to_firth(full: Built) -> None:
    d = pd.DataFrame(
        {
            "marrow_outcome": [0, 0, 0, 0, 0, 1, 1, 1, 0, 1, 0, 0],
            "male": [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 1],
            "bone_marrow_gy": [0.5, 1.0, 0.7, 1.2, 0.9, 1.1, 0.8, 1.3, 0.6, 1.0, 1.4, 0.9],
        },
        dtype=float,
    )
    run = StudyRun.start(full.store, pannet.SETTINGS)
    multivariable_logistic(
        run, d, "marrow_outcome", ["male", "bone_marrow_gy"], labels={}, key="f", title="T"
    )
    assert run.key_numbers["f_firth"] is True
    ref = stats.firth_logistic(d, "marrow_outcome", ["male", "bone_marrow_gy"])
    assert run.key_numbers["f_or[male]"] == pytest.approx(float(ref.table.loc["male", "or"]))
    footnote = next(
        b.table.footnote for b in run.report.tables if b.table.name == "multivariable_f"
    )
    assert "Firth" in footnote
    assert not [p for p in run.report.blocks if "firth_logistic" in str(getattr(p, "text", ""))]


def test_no_events_is_not_computable_with_reason(full: Built) -> None:
    d = pd.DataFrame({"marrow_outcome": [0.0] * 6, "male": [0.0, 1.0] * 3})
    run = StudyRun.start(full.store, pannet.SETTINGS)
    with pytest.raises(Exception, match="0 events among the 6 patients"):
        multivariable_logistic(run, d, "marrow_outcome", ["male"], labels={}, key="z", title="T")
