"""Cluster-robust logistic regression against R sandwich::vcovCL / vcovHC
(tests/reference/stats_coxtv_reference.R / .Rout)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from prrt.stats.robust import logistic_cluster

REF = Path(__file__).parents[1] / "reference"


def test_infert_matched_sets_as_clusters() -> None:
    # glm(case ~ spontaneous + induced, binomial, infert); vcovCL(cluster = ~stratum)
    infert = pd.read_csv(REF / "stats_infert.csv")
    r = logistic_cluster(infert, "case", ["spontaneous", "induced"], "stratum")
    np.testing.assert_allclose(r.table["coef"], [-1.707860071, 1.197205035, 0.418129395], atol=1e-6)
    np.testing.assert_allclose(r.table["se"], [0.1650452372, 0.208339875, 0.163835252], rtol=1e-6)
    np.testing.assert_allclose(
        r.table["se_model"], [0.2677094656, 0.211643273, 0.2056274447], rtol=1e-6
    )
    adj = logistic_cluster(infert, "case", ["spontaneous", "induced"], "stratum", small_sample=True)
    np.testing.assert_allclose(
        adj.table["se"], [0.166048561, 0.2096063905, 0.1648312201], rtol=1e-6
    )
    assert "CR0" in r.conventions["variance"] and "83 clusters" in r.conventions["variance"]


def test_lung_institutions_as_clusters() -> None:
    lung = pd.read_csv(REF / "data" / "lung.csv").assign(
        dead=lambda d: (d["status"] == 2).astype(int)
    )
    ll = lung.dropna(subset=["inst", "ph.ecog"])
    r = logistic_cluster(ll, "dead", ["age", "sex", "ph.ecog"], "inst")
    np.testing.assert_allclose(
        r.table["coef"], [0.565741494, 0.02112007415, -1.078090899, 0.7488490848], atol=1e-6
    )
    np.testing.assert_allclose(
        r.table["se"], [1.312485323, 0.01751698105, 0.3251262349, 0.2180432576], rtol=1e-6
    )


def test_edge_clusters_of_size_one_give_hc0() -> None:
    # every row its own cluster = White's HC0 (sandwich::vcovHC(type = "HC0"))
    lung = pd.read_csv(REF / "data" / "lung.csv").assign(
        dead=lambda d: (d["status"] == 2).astype(int)
    )
    ll = lung.dropna(subset=["inst", "ph.ecog"]).reset_index(drop=True)
    r = logistic_cluster(
        ll.assign(row=np.arange(len(ll))), "dead", ["age", "sex", "ph.ecog"], "row"
    )
    np.testing.assert_allclose(
        r.table["se"], [1.242892436, 0.01756128769, 0.3181638989, 0.2155040366], rtol=1e-6
    )


def test_validation() -> None:
    d = pd.DataFrame({"y": [1, 0, 1, 0], "x": [1.0, 2.0, 3.0, 1.5], "c": [1, 1, 1, 1]})
    with pytest.raises(KeyError):
        logistic_cluster(d, "y", "x", "nope")
    with pytest.raises(ValueError, match="two clusters"):
        logistic_cluster(d, "y", "x", "c", small_sample=True)
