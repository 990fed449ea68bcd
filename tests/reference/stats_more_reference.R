# Reference numbers for tests/stats/test_rmst.py, test_rank_correlation.py, test_roc_paired.py,
# test_concordance.py (issue 12, item 6). R 4.2.2 + survival 3.5.3 + pROC 1.18:
#   Rscript stats_more_reference.R > stats_more_reference.Rout
library(survival); suppressMessages(library(pROC))
options(digits = 12, width = 150)
lung$dead <- as.integer(lung$status == 2)
cat("==== RMST per group: print(survfit, rmean = tau) ====\n")
rm_tab <- function(f, tau) { s <- summary(f, rmean = tau)$table; print(s[, c("rmean", "se(rmean)")]) }
rm_tab(survfit(Surv(time, dead) ~ sex, data = lung), 365)
rm_tab(survfit(Surv(time, dead) ~ sex, data = lung), 730)
aml <- survival::aml
rm_tab(survfit(Surv(time, status) ~ x, data = aml), 40)
rm_tab(survfit(Surv(time, status) ~ x, data = aml), 45)  # tau = 45 is a death time in Maintained? (edge)
cat("max follow-up by group (aml):", tapply(aml$time, aml$x, max), "\n")

cat("==== Kendall tau: cor.test(method = 'kendall') ====\n")
kt <- function(x, y, ...) { r <- cor.test(x, y, method = "kendall", ...); cat("tau", r$estimate, "stat", r$statistic, "p", format(r$p.value, digits = 12), "\n") }
kt(mtcars$mpg, mtcars$wt)              # ties -> normal approximation
kt(mtcars$mpg, mtcars$wt, exact = FALSE, continuity = FALSE)
x10 <- c(4.1, 2.7, 5.3, 1.2, 3.3, 6.8, 0.4, 2.2, 7.9, 5.0)
y10 <- c(3.9, 1.6, 4.4, 2.5, 2.9, 7.7, 1.1, 0.7, 6.0, 5.5)
kt(x10, y10)                           # no ties, n = 10 -> exact
kt(airquality$Ozone, airquality$Temp)  # NA dropped, ties

cat("==== Spearman rho: cor.test(method = 'spearman'), exact (AS 89) when no ties ====\n")
sp <- function(x, y, ...) { r <- cor.test(x, y, method = "spearman", ...); cat("rho", r$estimate, "S", r$statistic, "p", format(r$p.value, digits = 12), "\n") }
sp(x10, y10)
sp(x10[1:7], y10[1:7])
sp(c(1, 2, 3, 4, 5, 6, 7, 8, 9), c(2, 1, 4, 3, 6, 5, 9, 7, 8))
x25 <- c(x10, 8.3, 9.1, 0.9, 3.8, 4.6, 6.1, 7.2, 1.9, 2.9, 5.8, 9.6, 0.1, 3.5, 6.5, 8.8)
y25 <- c(y10, 6.6, 8.1, 2.2, 1.9, 5.1, 4.0, 8.4, 3.1, 3.3, 4.7, 7.5, 0.6, 5.9, 6.9, 9.3)
sp(x25, y25)
sp(x25[1:15], rev(y25[1:15]))
for (n in c(4, 6, 9, 10, 12, 20, 30, 50)) {
  q <- round(n * (n^2 - 1) / 6 * c(0.2, 0.6, 1.1, 1.6))
  cat("n", n, "q", q, "P(S>=q)", format(sapply(q, function(qq) .Call(stats:::C_pRho, qq, n, FALSE)), digits = 12), "\n")
}

cat("==== paired ROC: roc.test(method = 'delong', paired = TRUE) on aSAH ====\n")
data(aSAH)
r1 <- roc(aSAH$outcome, aSAH$s100b, levels = c("Good", "Poor"), direction = "<", quiet = TRUE)
r2 <- roc(aSAH$outcome, aSAH$ndka, levels = c("Good", "Poor"), direction = "<", quiet = TRUE)
r3 <- roc(aSAH$outcome, aSAH$wfns, levels = c("Good", "Poor"), direction = "<", quiet = TRUE)
for (pr in list(list(r1, r2, "s100b-ndka"), list(r1, r3, "s100b-wfns"), list(r2, r3, "ndka-wfns"))) {
  t <- roc.test(pr[[1]], pr[[2]], method = "delong", paired = TRUE)
  cat(pr[[3]], "auc", t$estimate, "z", t$statistic, "p", format(t$p.value, digits = 12), "\n")
  cat("   var1", var(pr[[1]], method = "delong"), "var2", var(pr[[2]], method = "delong"), "cov", cov(pr[[1]], pr[[2]], method = "delong"), "\n")
}
cat("-- second dataset: lung, dead within 1 year vs age and ph.karno (complete cases)\n")
l1 <- lung[!is.na(lung$ph.karno) & (lung$time > 365 | lung$dead == 1), ]
l1$d1y <- as.integer(l1$time <= 365 & l1$dead == 1)
ra <- roc(l1$d1y, l1$age, levels = c(0, 1), direction = "<", quiet = TRUE)
rk <- roc(l1$d1y, -l1$ph.karno, levels = c(0, 1), direction = "<", quiet = TRUE)
t <- roc.test(ra, rk, method = "delong", paired = TRUE)
cat("lung age vs -karno: n", nrow(l1), "auc", t$estimate, "z", t$statistic, "p", format(t$p.value, digits = 12), "\n")

cat("==== Harrell's C: concordance(coxph) and concordance(Surv ~ predictor) ====\n")
f <- coxph(Surv(time, dead) ~ age + sex + ph.ecog, data = lung)
cc <- concordance(f); cat("lung cox C", cc$concordance, "se", sqrt(cc$var), "counts", cc$count, "\n")
cc2 <- concordance(Surv(time, dead) ~ age, data = lung, reverse = TRUE)
cat("lung age (reverse) C", cc2$concordance, "se", sqrt(cc2$var), "counts", cc2$count, "\n")
f2 <- coxph(Surv(time, status) ~ x, data = aml)
cc3 <- concordance(f2); cat("aml C", cc3$concordance, "se", sqrt(cc3$var), "counts", cc3$count, "\n")
