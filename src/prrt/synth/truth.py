"""The true effects built into the synthetic cohort, as a table for "true vs estimated" reports.

Examples
--------
>>> from prrt.synth.truth import true_effects
>>> t = true_effects()
>>> float(t.set_index(["endpoint", "covariate"]).loc[("pfs", "who_grade_3"), "hazard_ratio"])
2.8
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from prrt.synth._params import load_parameters
from prrt.synth.effects import planted


def true_effects(params: dict[str, Any] | None = None) -> pd.DataFrame:
    """Every planted effect (``parameters.toml`` tables ``effects.pfs``, ``effects.os``, ``survival``).

    Notes
    -----
    ``pfs`` and ``os`` hazard ratios hold on the endpoints as the studies define them (PFS:
    progression or death; OS: death), in the effect's ``population`` (``all``, ``pancreas``
    or ``bone``), conditional on the other planted covariates acting there; see
    :mod:`prrt.synth.recovery` for how they are re-estimated. The last row is the MDS/AML
    risk ratio after alkylating chemotherapy (a synthetic choice).

    Returns
    -------
    DataFrame
        Columns ``endpoint``, ``covariate``, ``hazard_ratio``, ``population``, ``scale``,
        ``source``.
    """
    sv = load_parameters(params)["survival"]
    mds = pd.DataFrame(
        [
            {
                "endpoint": "mds_aml",
                "covariate": "alkylating",
                "hazard_ratio": float(sv["mds_aml_rr_alkylating"]),
                "population": "all",
                "scale": "prior alkylating chemotherapy (risk ratio)",
                "source": "Fröss-Baron; synthetic choice",
            }
        ]
    )
    return pd.concat([planted(params), mds], ignore_index=True)
