# Reference numbers for tests/stats/test_cox_aliased.py, test_fisher_rxc.py, test_ph_efron_residuals.py
# (issue 12, defects 1-3). R 4.2.2 + survival 3.5.3:
#   Rscript stats_defects_reference.R > stats_defects_reference.Rout
# Writes data/pbc.csv (survival::pbc, first 312 randomised patients) and data/zph_lung_efron.csv.
library(survival)
options(digits = 10, width = 150)
pbc312 <- pbc[1:312, c("id", "time", "status", "trt", "age", "sex", "edema", "bili", "albumin", "protime", "stage")]
write.csv(pbc312, "data/pbc.csv", row.names = FALSE, na = "")
lung$dead <- as.integer(lung$status == 2)
show_cox <- function(f) {
  cat("coef", coef(f), "\nse", sqrt(diag(vcov(f))), "\nloglik", f$loglik,
      "\nLR", -2 * (f$loglik[1] - f$loglik[2]), "df", sum(!is.na(coef(f))),
      "\nwald", f$wald.test, "\nscore", f$score, "\nn", f$n, "nevent", f$nevent, "\n")
  print(summary(f)$logtest); print(summary(f)$waldtest); print(summary(f)$sctest)
}
cat("==== Defect 1: covariate constant within every stratum ====\n")
cat("-- lung: ecog_high = ph.ecog >= 2 with strata(ph.ecog), breslow\n")
lung$ecog_high <- as.integer(lung$ph.ecog >= 2)
show_cox(coxph(Surv(time, dead) ~ age + ecog_high + sex + strata(ph.ecog), data = lung, ties = "breslow"))
cat("-- pbc: edema_any = edema > 0 with strata(edema), efron\n")
pbc312$dead <- as.integer(pbc312$status == 2); pbc312$edema_any <- as.integer(pbc312$edema > 0)
show_cox(coxph(Surv(time, dead) ~ age + log(bili) + edema_any + strata(edema), data = transform(pbc312, lbili = log(bili)), ties = "efron"))
cat("-- lung: collinear columns (age2 = 2 * age + 1), no strata, breslow\n")
show_cox(coxph(Surv(time, dead) ~ age + sex + age2, data = transform(lung, age2 = 2 * age + 1), ties = "breslow"))
cat("-- lung: constant covariate k = 1 with age, breslow\n")
show_cox(coxph(Surv(time, dead) ~ age + k, data = transform(lung, k = 1), ties = "breslow"))
cat("-- edge: a stratum without events (lung, strata(inst_grp), stratum 'none' all censored)\n")
l2 <- lung[!is.na(lung$ph.ecog), ]
l2$grp <- ifelse(l2$ph.ecog == 3, "none", ifelse(l2$ph.ecog >= 2, "hi", "lo"))
l2$dead[l2$grp == "none"] <- 0
show_cox(coxph(Surv(time, dead) ~ age + sex + strata(grp), data = l2, ties = "breslow"))

cat("==== Defect 2: Fisher's exact test r x c (network algorithm, R fisher.test) ====\n")
tabs <- list(
  t34 = matrix(c(12, 5, 9, 7,  8, 10, 6, 9,  3, 11, 12, 8), nrow = 3, byrow = TRUE),
  t35 = matrix(c(10, 4, 6, 8, 2,  7, 9, 3, 5, 6,  3, 8, 12, 4, 13), nrow = 3, byrow = TRUE),
  t45 = matrix(c(5, 3, 8, 2, 6,  4, 9, 1, 7, 3,  6, 2, 5, 8, 4,  2, 7, 3, 6, 9), nrow = 4, byrow = TRUE),
  t26 = matrix(c(14, 9, 20, 6, 11, 15,  21, 12, 9, 17, 8, 10), nrow = 2, byrow = TRUE),
  t33sparse = matrix(c(0, 3, 1,  4, 0, 2,  1, 5, 0), nrow = 3, byrow = TRUE),
  t34n160 = matrix(c(12, 17, 11, 9,  15, 11, 14, 20,  10, 13, 16, 12), nrow = 3, byrow = TRUE),
  Job = matrix(c(1, 2, 1, 0, 3, 3, 6, 1, 10, 10, 14, 9, 6, 7, 12, 11), 4, 4)  # fisher.test help page
)
for (nm in names(tabs)) {
  tb <- tabs[[nm]]
  cat(nm, "n =", sum(tb), "dim", dim(tb), "p =", format(fisher.test(tb, workspace = 2e8)$p.value, digits = 12),
      "p(transposed) =", format(fisher.test(t(tb), workspace = 2e8)$p.value, digits = 12), "\n")
}

cat("==== Defect 3: Efron scaled Schoenfeld residuals (cox.zph$y), lung ====\n")
f <- coxph(Surv(time, dead) ~ age + sex + ph.ecog, data = lung, ties = "efron")
z <- cox.zph(f, transform = "identity", terms = FALSE)
print(z$table)
out <- data.frame(time = z$x, z$y)
write.csv(out, "data/zph_lung_efron.csv", row.names = FALSE)
cat("first rows of y:\n"); print(head(out, 8))
cat("tied death times:", sum(duplicated(z$x)), "\n")
f2 <- coxph(Surv(time, dead) ~ age + sex + strata(ph.ecog), data = lung, ties = "efron")
z2 <- cox.zph(f2, transform = "km", terms = FALSE)
print(z2$table)
write.csv(data.frame(time = z2$time, z2$y), "data/zph_lung_efron_strata.csv", row.names = FALSE)
