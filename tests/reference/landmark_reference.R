# Reference numbers for tests/stats/test_landmark.py (landmark analysis, Anderson, Cain & Gelber 1983).
# Generated with R + survival:  Rscript landmark_reference.R > landmark_reference.Rout
# Data: the Stanford heart transplant data as shipped with R's survival package (`jasa`), the
# textbook example of immortal-time bias (transplant status is known only after acceptance).
# Writes data/jasa.csv (id, futime, fustat, wait_time, transplant); the landmark rule is the
# one of prrt.stats.landmark: keep patients with follow-up beyond the landmark L (futime > L),
# reset time to futime - L, group by transplant received on or before L (wait.time <= L).
library(survival)
options(digits = 10, width = 150)
d <- data.frame(id = seq_len(nrow(jasa)), futime = as.numeric(jasa$fu.date - jasa$accept.dt),
                fustat = jasa$fustat, wait_time = jasa$wait.time, transplant = jasa$transplant)
# the two patients with futime 0 (died on the day of acceptance) are kept as they are
write.csv(d, "data/jasa.csv", row.names = FALSE, na = "")
cat("n =", nrow(d), " events =", sum(d$fustat), "\n")
for (L in c(30, 90)) {
  cat("==== landmark", L, "days ====\n")
  lm <- subset(d, futime > L)
  lm$t <- lm$futime - L
  lm$tx <- !is.na(lm$wait_time) & lm$wait_time <= L
  cat("excluded: events at or before L =", sum(d$futime <= L & d$fustat == 1),
      " censored at or before L =", sum(d$futime <= L & d$fustat == 0), "\n")
  cat("landmark population n =", nrow(lm), " events =", sum(lm$fustat),
      " transplanted by L =", sum(lm$tx), "\n")
  fit <- survfit(Surv(t, fustat) ~ tx, data = lm, conf.type = "log-log")
  print(fit)
  print(summary(fit, times = c(100, 365)))
  sd <- survdiff(Surv(t, fustat) ~ tx, data = lm)
  cat("logrank chisq", sd$chisq, "p", pchisq(sd$chisq, 1, lower.tail = FALSE), "obs", sd$obs, "exp", sd$exp, "\n")
  cx <- coxph(Surv(t, fustat) ~ tx, data = lm, ties = "breslow")
  cat("cox breslow HR", exp(coef(cx)), "CI", exp(confint(cx)), "\n")
}
cat("==== naive comparison (ever transplanted, time from acceptance): the biased analysis ====\n")
sd <- survdiff(Surv(futime, fustat) ~ transplant, data = d)
cat("naive logrank chisq", sd$chisq, "obs", sd$obs, "exp", sd$exp, "\n")
