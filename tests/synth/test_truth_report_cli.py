"""``prrt synth --truth-report``: plain, readable output and ``--json`` (small cohorts)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from prrt.cli import app

_ARGS = ["synth", "--truth-report", "--patients", "150", "--large", "200", "--seed", "3"]


def test_truth_report_json_lists_every_planted_effect_for_both_cohorts() -> None:
    res = CliRunner().invoke(app, [*_ARGS, "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout[res.stdout.index("{") :])
    assert set(out["cohorts"]) == {"150", "200"}
    for cohort in out["cohorts"].values():
        effects = cohort["effects"]
        assert len(effects) == 19  # Lazarenko 7, Fröss-Baron 10, skeletal 2
        assert {e["true_hr"] for e in effects} >= {2.8, 4.3, 0.54, 3.48}
        quantities = {q["quantity"] for q in cohort["story"]}
        assert "Median PFS after PRRT-2 (months)" in quantities


def test_truth_report_plain_text_has_words_not_codes() -> None:
    res = CliRunner().invoke(app, _ARGS, env={"COLUMNS": "220"})
    assert res.exit_code == 0, res.output
    assert "true vs estimated" in res.output
    assert "neutrophil-to-lymphocyte ratio" in res.output
    assert "Truth inside CI" in res.output
    for code in ("cga_ge_1000", "alp_gt_uln", "pfs_days", "who_grade_3"):
        assert code not in res.output
