"""Dose–response, issue 12: tumour control (ΔV% ≤ 0 at 3 months, Hebert Fig. 4) versus total
lesion dose with lesions clustered within patients.

The template's odds ratio and both standard errors are compared with statsmodels' GLM (binomial)
on the lesion rows read here from the store: model-based variance, and the cluster-robust
variance by patient without small-sample corrections (CR0), an implementation independent of
``prrt.stats.logistic_cluster``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from prrt.studies import dose_response

from .conftest import Built

Z = 1.959964


@pytest.fixture(scope="module")
def lesions(full: Built) -> pd.DataFrame:
    dosed = full.store.read("analysis_dose_summary")
    cols = [c for c in dose_response.ORGAN_DOSE_COLUMNS if c in dosed.columns]
    dosed = dosed.loc[(dosed["course_no"] == 1) & dosed[cols].notna().any(axis=1), "patient_id"]
    les = full.store.read("analysis_lesion_dose")
    les = les.loc[(les["course_no"] == 1) & les["patient_id"].isin(set(dosed))]
    les = les.loc[les["included"].astype("boolean").fillna(False)]
    return les.dropna(subset=["total_dose_gy", "delta_v_pct"]).reset_index(drop=True)


def test_clustered_tcp_matches_statsmodels_cluster_robust_glm(full: Built, lesions) -> None:
    kn = full.outputs["dose-response"].key_numbers
    y = (lesions["delta_v_pct"] <= 0).astype(float).to_numpy()
    x = sm.add_constant(lesions["total_dose_gy"].astype(float).to_numpy() / 10.0)
    groups = pd.factorize(lesions["patient_id"])[0]
    model = sm.GLM(y, x, family=sm.families.Binomial()).fit()
    robust = sm.GLM(y, x, family=sm.families.Binomial()).fit(
        cov_type="cluster",
        cov_kwds={"groups": groups, "use_correction": False, "df_correction": False},
    )
    beta, se = float(robust.params[1]), float(robust.bse[1])
    assert kn["tcp_cluster_or_per_10gy"] == pytest.approx(np.exp(beta), rel=1e-6)
    assert kn["tcp_cluster_se_model"] == pytest.approx(float(model.bse[1]), rel=1e-5)
    assert kn["tcp_cluster_se"] == pytest.approx(se, rel=1e-5)
    np.testing.assert_allclose(
        kn["tcp_cluster_ci"], np.exp([beta - Z * se, beta + Z * se]), rtol=1e-5
    )
    assert kn["tcp_cluster_p"] == pytest.approx(float(robust.pvalues[1]), rel=1e-4)
