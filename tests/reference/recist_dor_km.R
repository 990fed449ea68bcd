# Reference values for prrt.stats.duration_of_response (tests/stats/test_response_duration.py).
# Duration of response (RECIST 1.1 §4.5) of 8 responders, in days, and whether it ended with
# progression or death (1) or was censored at the last assessment (0); 2 non-responders (NA).
# Run: Rscript tests/reference/recist_dor_km.R > tests/reference/recist_dor_km.Rout
library(survival)
dor_days  <- c(184, 61, 120, 300, 90, 45, 210, 150, NA, NA)
dor_event <- c(1, 0, 1, 1, 0, 1, 0, 1, NA, NA)
d <- data.frame(time = dor_days, status = dor_event)
d <- d[!is.na(d$time), ]
fit <- survfit(Surv(time, status) ~ 1, data = d, conf.type = "log-log")
print(summary(fit))
print(fit)
q <- quantile(fit, probs = 0.5)
cat(sprintf("median %.6f lower %.6f upper %.6f\n", q$quantile, q$lower, q$upper))
