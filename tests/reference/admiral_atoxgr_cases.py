"""Extract CTCAE v4/v5/v6 grading cases from pharmaverse admiral's test tables into a CSV.

Recipe (not run by the tests): with a checkout of https://github.com/pharmaverse/admiral
(commit 6eb5125a29, version 1.5.0.9003)::

    git show HEAD:tests/testthat/test-derive_var_atoxgr.R > /tmp/test-derive_var_atoxgr.R
    python tests/reference/admiral_atoxgr_cases.py /tmp/test-derive_var_atoxgr.R \
        > tests/reference/admiral_atoxgr_cases.csv

Only the numbers (lab value, LLN, ULN, baseline, expected grade) are carried over, each row
named by its admiral table and TESTNUM. The transformations admiral's tests apply to a table
before use (``mutate`` of BASE / ANRHI / BNRIND, ``filter``) are repeated here as written in
that file. Rows that depend on admiral conventions this project deliberately does not follow
are left out, each kind with its reason in ``SKIPPED`` below (and in
``tests/reference/ctcae_verification.md``):

- a missing unit (admiral: not gradable; here ``unit=None`` means the canonical unit);
- INR "x baseline" rules (CTCAE: only "if on anticoagulation", which the store does not record);
- v4.03 haemoglobin increased with a missing baseline (admiral grades against ULN; here the
  grade is given only where the normal- and abnormal-baseline rules agree);
- v5.0 GGT exactly on 2.0 x an abnormal baseline (CTCAE "2.0 - 2.5 x baseline" has no ">";
  admiral reads it as > 2.0 for GGT but as >= 2.0 for ALP, whose wording is the same; here
  both are >= 2.0, as ``shared/spec/ctcae.md``);
- v6.0 creatinine with a missing baseline (admiral treats a missing baseline range indicator as
  "not below LLN"; here the "x baseline if baseline is below LLN" rule is unknown, so a value
  at or below ULN is not graded unless both readings agree);
- v6.0 ALP with a missing ULN and the value not above the baseline (admiral: grade 0 from
  ">Baseline and ULN"; here "baseline above its own ULN" is undecidable without that ULN).

v6.0 tables (admiral ``atoxgr_criteria_ctcv6``): admiral states the baseline range only as a
range indicator (``BNRIND``); the baseline sample's own limits are set here to reproduce it
(``HIGH``: baseline ULN = BASE - 1 as admiral sets ANRHI; ``LOW``: baseline LLN = BASE + 1;
``NORMAL``: baseline LLN = BASE - 1).
"""

from __future__ import annotations

import csv
import re
import sys

SKIPPED = {
    "unit": "missing unit: admiral does not grade; prrt reads unit=None as canonical",
    "inr_base": "INR x-baseline rule applies on anticoagulation only (not recorded)",
    "hgb_nobase": "v4.03 haemoglobin increased, baseline missing: prrt does not assume normal",
    "ggt_closed": "v5.0 GGT '2.0 - 2.5 x baseline': admiral reads > 2.0 (its ALP, same wording, >=)",
    "creat_v6_nobase": "v6.0 creatinine, baseline missing: prrt does not assume it was not low",
    "alp_v6_nouln": "v6.0 ALP, ULN missing: prrt cannot tell whether the baseline was above ULN",
}

# admiral table -> (term, [(version, transformation)]), transformations as in admiral's tests
TABLES = {
    "exp_alt_ctcv4": ("alt", [("4.03", "plain"), ("5.0", "v5_normal")]),
    "exp_alt_ctcv5_abn": ("alt", [("5.0", "v5_abnormal")]),
    "exp_ast_ctcv4": ("ast", [("4.03", "plain"), ("5.0", "v5_normal")]),
    "exp_ast_ctcv5_abn": ("ast", [("5.0", "v5_abnormal")]),
    "exp_alkp_ctcv4": ("alp", [("4.03", "plain"), ("5.0", "v5_normal")]),
    "exp_alkp_ctcv5_abn": ("alp", [("5.0", "v5_abnormal")]),
    "exp_ggt_ctcv4": ("ggt", [("4.03", "plain"), ("5.0", "v5_normal")]),
    "exp_ggt_ctcv5_abn": ("ggt", [("5.0", "v5_abnormal")]),
    "exp_bili_ctcv4": ("bilirubin", [("4.03", "plain"), ("5.0", "v5_normal"), ("5.0", "bili_abn")]),
    "exp_creatn@1077": ("creatinine", [("4.03", "flag_V4"), ("5.0", "flag_V5")]),
    "exp_leuko_si": ("leukocytosis", [("4.03", "plain"), ("5.0", "plain")]),
    "exp_lymi_si": ("lymphocytes_increased", [("4.03", "plain"), ("5.0", "plain")]),
    "exp_hgbi_si": ("haemoglobin_increased", [("4.03", "hgb_v4"), ("5.0", "flag_V5")]),
    "exp_aptt": ("aptt", [("4.03", "plain"), ("5.0", "plain")]),
    "exp_cpk": ("cpk", [("4.03", "plain"), ("5.0", "plain")]),
    "exp_lip": ("lipase", [("4.03", "plain"), ("5.0", "plain")]),
    "exp_seri": ("amylase", [("4.03", "plain"), ("5.0", "plain")]),
    "exp_inri@1568": ("inr", [("4.03", "inr_v4")]),
    "exp_inri@1605": ("inr", [("5.0", "inr_v5")]),
    "exp_calci_si": ("hypercalcaemia", [("4.03", "plain"), ("5.0", "plain")]),
    "exp_calcd_si": ("hypocalcaemia", [("4.03", "plain"), ("5.0", "plain")]),
    "exp_glycfi@2498": ("hyperglycaemia", [("4.03", "plain")]),
    "exp_glycd_si": ("hypoglycaemia", [("4.03", "plain"), ("5.0", "plain")]),
    "exp_kalei": ("hyperkalaemia", [("4.03", "plain"), ("5.0", "plain")]),
    "exp_kaled": ("hypokalaemia", [("4.03", "plain"), ("5.0", "plain")]),
    "exp_natri": ("hypernatraemia", [("4.03", "plain"), ("5.0", "plain")]),
    "exp_natrd": ("hyponatraemia", [("4.03", "plain"), ("5.0", "plain")]),
    "exp_magnd_si": ("hypomagnesaemia", [("4.03", "plain"), ("5.0", "plain")]),
    "exp_phosd@3634": ("hypophosphataemia", [("4.03", "plain")]),
    "exp_urici_si": (
        "hyperuricaemia",
        [("4.03", "uric_v4"), ("5.0", "uric_v5"), ("6.0", "uric_v5")],
    ),
    # CTCAE v6.0 (admiral Tests 6c ... 80c, meta = atoxgr_criteria_ctcv6)
    "exp_alt_ctcv6_abn": ("alt", [("6.0", "v5_abnormal")]),
    "exp_ast_ctcv6_abn": ("ast", [("6.0", "v5_abnormal")]),
    "exp_ggt_ctcv6_abn": ("ggt", [("6.0", "v5_abnormal")]),
    "exp_bili_ctcv6": ("bilirubin", [("6.0", "v5_abnormal")]),
    "exp_alkp_ctcv6": ("alp", [("6.0", "alp_v6")]),
    "exp_creatn@1139": ("creatinine", [("6.0", "creat_v6")]),
    "exp_lipv6": ("lipase", [("6.0", "plain")]),
    "exp_inri@1634": ("inr", [("6.0", "inr_v6")]),
    "exp_neut_siv6": ("neutrophils", [("6.0", "plain")]),
    "exp_plate_si": ("platelets", [("6.0", "plate_v6")]),
    "exp_anemia_si": ("haemoglobin", [("6.0", "unit_case")]),
    "exp_wbcd": ("leukocytes", [("6.0", "plain")]),
    "exp_albd_si": ("albumin", [("6.0", "unit_case")]),
    "exp_ldhi_si": ("ldh", [("6.0", "plain")]),
}
# tables shared by v4.03 / v5.0 / v6.0 (admiral tests them against atoxgr_criteria_ctcv6 too)
for _name, _how in (
    ("exp_alt_ctcv4", "v5_normal"), ("exp_ast_ctcv4", "v5_normal"), ("exp_ggt_ctcv4", "v5_normal"),
    ("exp_bili_ctcv4", "v5_normal"), ("exp_leuko_si", "plain"), ("exp_lymi_si", "plain"),
    ("exp_hgbi_si", "flag_V5"), ("exp_aptt", "plain"), ("exp_seri", "plain"),
    ("exp_calci_si", "plain"), ("exp_calcd_si", "plain"), ("exp_glycfi@2498", "plain"),
    ("exp_glycd_si", "plain"), ("exp_kalei", "plain"), ("exp_kaled", "plain"),
    ("exp_natri", "plain"), ("exp_natrd", "plain"), ("exp_magnd_si", "plain"),
):  # fmt: skip
    TABLES[_name][1].append(("6.0", _how))


def _tables(src: str) -> dict[str, list[dict[str, str]]]:
    out = {}
    for m in re.finditer(r"(\w+)\s*<-\s*tibble::tribble\(", src):
        i = j = m.end()
        depth = 1
        while depth:
            depth += {"(": 1, ")": -1}.get(src[j], 0)
            j += 1
        toks = []
        for line in src[i : j - 1].splitlines():
            line = re.sub(r"#.*$", "", line).strip()
            toks += [t.strip() for t in re.findall(r'"[^"]*"|[^,]+', line) if t.strip()]
        header = [t[1:] for t in toks if t.startswith("~")]
        vals = [t for t in toks if not t.startswith("~")]
        rows = [
            dict(zip(header, vals[k : k + len(header)], strict=True))
            for k in range(0, len(vals), len(header))
        ]
        line_no = src[: m.start()].count("\n") + 1
        out[f"{m.group(1)}@{line_no}"] = rows
        out.setdefault(m.group(1), rows)
    return out


def _num(x: str | None) -> float | None:
    if x is None or x.startswith("NA") or x.startswith('"'):
        return None
    return float(x)


def _grade(x: str | None) -> str:
    return "" if x is None or x.startswith("NA") else x.strip('"')


def main(path: str) -> None:
    tables = _tables(open(path, encoding="utf-8").read())
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(["source", "term", "version", "value", "unit", "lln", "uln", "baseline",
                "baseline_uln", "baseline_lln", "expected"])  # fmt: skip
    for name, (term, uses) in TABLES.items():
        checks_unit = any(not r.get("AVALU", "NA").startswith("NA") for r in tables[name])
        for row in tables[name]:
            desc = row.get("ATOXDSCH", row.get("ATOXDSCL", "")).strip('"').lower()
            if not desc or desc == "not a term" or desc.startswith("na"):
                continue
            if checks_unit and row["AVALU"].startswith("NA"):
                continue  # SKIPPED["unit"] (tables whose term admiral grades with a unit check)
            aval, lo, hi = _num(row.get("AVAL")), _num(row.get("ANRLO")), _num(row.get("ANRHI"))
            base = _num(row.get("BASE"))
            exp = _grade(row.get("ATOXGRH", row.get("ATOXGRL")))
            unit = "" if row.get("AVALU", "NA").startswith("NA") else row["AVALU"].strip('"')
            for version, how in uses:
                b, bu, u, bl = base, None, hi, None
                num = int(float(row["TESTNUM"]))
                if how == "v5_abnormal" and term == "ggt" and row["TESTNUM"] == "22":
                    continue  # SKIPPED["ggt_closed"]
                if how == "v5_normal":
                    b, bu = hi, hi  # BASE = ANRHI, BNRIND = "NORMAL"
                elif how == "v5_abnormal":
                    u = None if base is None else base - 1  # ANRHI = BASE - 1, BNRIND = "HIGH"
                    bu = u
                elif how == "bili_abn":
                    b, u = hi, None if hi is None else hi - 1  # BASE = ANRHI; ANRHI - 1
                    bu = u
                elif how.startswith("flag_"):
                    if row.get(how[5:], '"Y"').strip('"') != "Y":
                        continue
                    bu = hi
                elif how == "hgb_v4":
                    if base is None:
                        continue  # SKIPPED["hgb_nobase"]
                    bu = hi  # admiral compares BASE with the same row's ANRHI
                elif how == "inr_v4" and int(float(row["TESTNUM"])) in range(9, 16):
                    continue  # SKIPPED["inr_base"]
                elif how == "inr_v5" and int(float(row["TESTNUM"])) in (7, *range(9, 16)):
                    continue  # SKIPPED["inr_base"]
                elif how == "alp_v6":
                    if num == 7:
                        continue  # SKIPPED["alp_v6_nouln"]
                    bu = hi  # one reference range for baseline and sample, as admiral's table
                elif how == "creat_v6":
                    if num == 15:
                        continue  # SKIPPED["creat_v6_nobase"]
                    ind = row["BNRIND"].strip('"')
                    if base is not None and ind in ("LOW", "NORMAL"):
                        bl = base + 1 if ind == "LOW" else base - 1
                elif how == "unit_case" and unit.upper() == "G/L":
                    unit = "g/L"  # admiral compares units ignoring case ("G/L")
                elif how == "plate_v6":
                    aval = {24.0: 9.0, 25.0: 10.0}.get(aval, aval)  # admiral Test 46d mutate
                elif how == "inr_v6" and num in (7, *range(9, 16)):
                    continue  # SKIPPED["inr_base"]
                elif how == "uric_v5" and exp == "4":
                    continue  # admiral Test 65a: filter(ATOXGRH != "4")
                src = f"admiral {name.split('@')[0]} TESTNUM {row['TESTNUM']}"
                w.writerow([src, term, version, aval, unit, lo, u, b, bu, bl, exp])


if __name__ == "__main__":
    main(sys.argv[1])
