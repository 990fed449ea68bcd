# Reference numbers for tests/stats/test_mixed.py (issue 12: linear mixed models for repeated labs).
# R 4.2.2 + nlme (lme, REML and ML) + lme4 (sleepstudy data):
#   Rscript stats_mixed_reference.R > stats_mixed_reference.Rout
# Writes data/orthodont.csv (nlme::Orthodont) and data/sleepstudy.csv (lme4::sleepstudy).
library(nlme); suppressMessages(library(lme4))
options(digits = 12, width = 150)
ort <- as.data.frame(Orthodont); ort$Subject <- as.character(ort$Subject); ort$male <- as.integer(ort$Sex == "Male")
write.csv(ort[, c("distance", "age", "Subject", "male")], "data/orthodont.csv", row.names = FALSE)
ss <- as.data.frame(sleepstudy); ss$Subject <- as.character(ss$Subject)
write.csv(ss, "data/sleepstudy.csv", row.names = FALSE)
show <- function(f) {
  cat("fixef", fixef(f), "\nse", sqrt(diag(vcov(f))), "\nlogLik", logLik(f), "\n")
  print(VarCorr(f))
  cat("sigma", f$sigma, "\n")
}
cat("==== Orthodont: distance ~ age + male, random intercept, REML ====\n")
show(lme(distance ~ age + male, random = ~ 1 | Subject, data = ort, method = "REML"))
cat("==== Orthodont: ML ====\n")
show(lme(distance ~ age + male, random = ~ 1 | Subject, data = ort, method = "ML"))
cat("==== sleepstudy: Reaction ~ Days, random intercept and slope (unstructured), REML ====\n")
f <- lme(Reaction ~ Days, random = ~ Days | Subject, data = ss, method = "REML")
show(f); cat("G", format(as.vector(unclass(getVarCov(f))), digits = 12), "\n")
cat("==== sleepstudy: random intercept only, REML ====\n")
show(lme(Reaction ~ Days, random = ~ 1 | Subject, data = ss, method = "REML"))
cat("==== edge: a subject with a single observation (Orthodont, M01 keeps one row) ====\n")
o2 <- ort[!(ort$Subject == "M01" & ort$age > 8), ]
show(lme(distance ~ age + male, random = ~ 1 | Subject, data = o2, method = "REML"))
