# Reference numbers for tests/stats/test_competing.py and test_finegray.py (issue 12: competing risks).
# R 4.2.2 + survival 3.5.3 + cmprsk 2.2-11:
#   Rscript stats_competing_reference.R > stats_competing_reference.Rout
# Writes data/mgus2.csv (survival::mgus2 with etime/event: 1 = plasma-cell malignancy, 2 = death
# without it, 0 = censored) and data/cuminc_*.csv (cuminc estimate, variance and the
# log(-log) 95 % CI computed from them, at every cause-1 event time).
library(survival); library(cmprsk)
options(digits = 10, width = 150)
m <- mgus2
m$etime <- with(m, ifelse(pstat == 0, futime, ptime))
m$event <- with(m, ifelse(pstat == 0, 2 * death, 1))
m <- m[, c("id", "age", "sex", "hgb", "creat", "mspike", "etime", "event")]
write.csv(m, "data/mgus2.csv", row.names = FALSE, na = "")
pbc312 <- read.csv("data/pbc.csv")
z <- qnorm(0.975)
ci_table <- function(ci, file) {
  est <- ci$est; v <- ci$var; tt <- ci$time
  keep <- seq(3, length(tt) - 1, by = 2)  # the value reached at each cause-k event time
  se <- sqrt(v[keep]); f <- est[keep]
  lo <- f^exp(z * se / abs(f * log(f))); hi <- f^exp(-z * se / abs(f * log(f)))
  d <- data.frame(time = tt[keep], estimate = f, variance = v[keep], lower = lo, upper = hi)
  write.csv(d, file, row.names = FALSE)
  invisible(d)
}
cat("==== cuminc mgus2, cause 1 (PCM) and 2 (death), by sex ====\n")
cm <- with(m, cuminc(etime, event, group = sex))
print(cm$Tests)
for (nm in names(cm)[names(cm) != "Tests"]) {
  d <- ci_table(cm[[nm]], paste0("data/cuminc_mgus2_", gsub(" ", "_", nm), ".csv"))
  cat(nm, "rows", nrow(d), "last", unlist(tail(d, 1)), "\n")
}
print(timepoints(cm, c(60, 120, 240)))
cat("-- Aalen-Johansen via survfit multi-state, mgus2 overall (same estimate)\n")
sf <- survfit(Surv(etime, factor(event, 0:2, c("censor", "pcm", "death"))) ~ 1, data = m)
print(summary(sf, times = c(60, 120, 240))$pstate)
cm0 <- with(m, cuminc(etime, event))
print(timepoints(cm0, c(60, 120, 240)))
ci_table(cm0[["1 1"]], "data/cuminc_mgus2_all_1.csv"); ci_table(cm0[["1 2"]], "data/cuminc_mgus2_all_2.csv")
cat("-- Gray's test rho = 1, mgus2 by sex\n")
print(with(m, cuminc(etime, event, group = sex, rho = 1))$Tests)
cat("-- Gray's test stratified by age >= 70, mgus2 by sex\n")
print(with(m, cuminc(etime, event, group = sex, strata = as.integer(age >= 70)))$Tests)

cat("==== cuminc pbc (312 randomised): 1 = transplant, 2 = death, by trt ====\n")
cp <- with(pbc312, cuminc(time, status, group = trt))
print(cp$Tests)
for (nm in names(cp)[names(cp) != "Tests"]) ci_table(cp[[nm]], paste0("data/cuminc_pbc_", gsub(" ", "_", nm), ".csv"))
print(timepoints(cp, c(1000, 2000, 3000)))
cat("-- pbc by stage (4 groups)\n")
print(with(pbc312, cuminc(time, status, group = stage))$Tests)

cat("==== edge: ties at a single time and an empty cause ====\n")
tt <- c(5, 5, 5, 5, 8, 9, 10, 12, 12, 15)
ee <- c(1, 1, 2, 0, 1, 0, 2, 1, 0, 0)
gg <- c(1, 2, 1, 2, 1, 2, 1, 2, 1, 2)
ce <- cuminc(tt, ee, gg)
print(ce$Tests); print(timepoints(ce, c(5, 8, 12)))
cat("empty cause 2 in group 2 (all deaths in group 1):\n")
ee2 <- c(1, 1, 2, 0, 2, 0, 2, 1, 2, 0); gg2 <- c(1, 2, 1, 2, 1, 2, 1, 2, 1, 2)
ce2 <- cuminc(tt, ee2, gg2)
print(ce2$Tests); print(timepoints(ce2, c(5, 8, 12)))

cat("==== Fine-Gray (crr) ====\n")
show_crr <- function(f) cat("coef", f$coef, "\nse", sqrt(diag(f$var)), "\nloglik", f$loglik, "null", f$loglik.null, "\nn", f$n, "\n")
cat("-- mgus2 cause 1: age + sex(male) + hgb (complete cases)\n")
mm <- m[complete.cases(m[, c("age", "sex", "hgb")]), ]
f1 <- with(mm, crr(etime, event, cbind(age, male = as.integer(sex == "M"), hgb), failcode = 1, cencode = 0))
show_crr(f1); print(summary(f1))
cat("-- mgus2 cause 2: age + sex(male) + hgb\n")
show_crr(with(mm, crr(etime, event, cbind(age, male = as.integer(sex == "M"), hgb), failcode = 2, cencode = 0)))
cat("-- pbc death (cause 2): age + log(bili) + trt\n")
pp <- pbc312
show_crr(with(pp, crr(time, status, cbind(age, lbili = log(bili), trt), failcode = 2, cencode = 0)))
cat("-- edge: ties at a single time (tiny data), crr cause 1 on g\n")
show_crr(crr(tt, ee, cbind(g = gg - 1), failcode = 1, cencode = 0))
cat("-- finegray + coxph (robust) for comparison, mgus2 cause 1\n")
mm$male <- as.integer(mm$sex == "M"); mm$ev <- factor(mm$event, 0:2, c("censor", "pcm", "death"))
fg <- finegray(Surv(etime, ev) ~ ., data = mm[, c("etime", "ev", "age", "male", "hgb")], etype = "pcm")
print(coef(coxph(Surv(fgstart, fgstop, fgstatus) ~ age + male + hgb, weight = fgwt, data = fg)))
cat("==== cause-specific Cox (other causes censored), Breslow ====\n")
cs <- function(f) cat("coef", coef(f), "\nse", sqrt(diag(vcov(f))), "\nnevent", f$nevent, "\n")
cs(coxph(Surv(etime, event == 1) ~ age + male + hgb, data = mm, ties = "breslow"))
cs(coxph(Surv(etime, event == 2) ~ age + male + hgb, data = mm, ties = "breslow"))
cs(coxph(Surv(time, status == 2) ~ age + log(bili) + trt, data = pp, ties = "breslow"))
