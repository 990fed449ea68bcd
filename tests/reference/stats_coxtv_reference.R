# Reference numbers for tests/stats/test_coxtv.py and test_robust.py (issue 12: counting-process
# Cox, delayed entry, case weights, cluster-robust variance; cluster-robust logistic).
# R 4.2.2 + survival 3.5.3 + sandwich:  Rscript stats_coxtv_reference.R > stats_coxtv_reference.Rout
# Writes data/heart.csv (survival::heart = jasa1, Stanford heart transplant, (start, stop] rows)
# and data/cgd.csv (survival::cgd, recurrent infections, (tstart, tstop] rows).
library(survival); library(sandwich)
options(digits = 10, width = 150)
write.csv(heart, "data/heart.csv", row.names = FALSE)
cg <- cgd[, c("id", "tstart", "tstop", "status", "treat", "sex", "age", "inherit", "steroids", "hos.cat")]
cg$treat <- as.integer(cg$treat == "rIFN-g"); cg$sex <- as.integer(cg$sex == "female")
cg$inherit <- as.integer(cg$inherit == "autosomal")
write.csv(cg, "data/cgd.csv", row.names = FALSE)
show <- function(f) {
  cat("coef", coef(f), "\nse", sqrt(diag(vcov(f))), "\n")
  if (!is.null(f$naive.var)) cat("naive se", sqrt(diag(f$naive.var)), "\n")
  cat("loglik", f$loglik, "\nLR", -2 * (f$loglik[1] - f$loglik[2]), "score", f$score, "wald", f$wald.test,
      "\nn", f$n, "nevent", f$nevent, "\n")
}
cat("==== heart: Surv(start, stop, event) ~ age + surgery + transplant ====\n")
for (ti in c("breslow", "efron")) { cat("-- ties", ti, "\n")
  show(coxph(Surv(start, stop, event) ~ age + surgery + transplant, data = heart, ties = ti)) }
cat("-- efron + cluster(id)\n")
show(coxph(Surv(start, stop, event) ~ age + surgery + transplant + cluster(id), data = heart, ties = "efron"))
cat("-- breslow + cluster(id)\n")
show(coxph(Surv(start, stop, event) ~ age + surgery + transplant + cluster(id), data = heart, ties = "breslow"))
cat("==== cgd: recurrent infections, Andersen-Gill with cluster(id) ====\n")
for (ti in c("breslow", "efron")) { cat("-- ties", ti, "\n")
  show(coxph(Surv(tstart, tstop, status) ~ treat + sex + age + inherit + steroids + cluster(id), data = cg, ties = ti)) }
cat("-- cgd stratified by hos.cat (efron, cluster)\n")
show(coxph(Surv(tstart, tstop, status) ~ treat + age + steroids + strata(hos.cat) + cluster(id), data = cg))
cat("==== lung: case weights, robust = TRUE (each row its own cluster = cluster of size one) ====\n")
lung$dead <- as.integer(lung$status == 2); lung$w <- ifelse(lung$age >= 65, 2, 1) + (lung$sex == 2) * 0.5
cat("-- weights, breslow, model variance\n")
show(coxph(Surv(time, dead) ~ age + sex + ph.ecog, data = lung, weights = w, ties = "breslow"))
cat("-- weights, efron, robust\n")
show(coxph(Surv(time, dead) ~ age + sex + ph.ecog, data = lung, weights = w, ties = "efron", robust = TRUE))
cat("-- no weights, breslow, robust (clusters of size one)\n")
show(coxph(Surv(time, dead) ~ age + sex + ph.ecog, data = lung, ties = "breslow", robust = TRUE))
cat("-- inst as cluster, breslow\n")
show(coxph(Surv(time, dead) ~ age + sex + cluster(inst), data = lung[!is.na(lung$inst), ], ties = "breslow"))
cat("==== edge: delayed entry with a stratum without events ====\n")
h2 <- heart; h2$grp <- ifelse(h2$id %% 5 == 0, "none", "rest"); h2$event[h2$grp == "none"] <- 0
show(coxph(Surv(start, stop, event) ~ age + transplant + strata(grp), data = h2, ties = "breslow"))

cat("==== cluster-robust logistic (CR0: sandwich::vcovCL type HC0, cadjust = FALSE; and G/(G-1)) ====\n")
infert2 <- read.csv("stats_infert.csv")
g1 <- glm(case ~ spontaneous + induced, family = binomial, data = infert2)
cat("infert coef", coef(g1), "\nmodel se", sqrt(diag(vcov(g1))),
    "\nCR0 se", sqrt(diag(vcovCL(g1, cluster = ~stratum, type = "HC0", cadjust = FALSE))),
    "\nCR0*G/(G-1) se", sqrt(diag(vcovCL(g1, cluster = ~stratum, type = "HC0", cadjust = TRUE))), "\n")
ll <- lung[!is.na(lung$inst) & !is.na(lung$ph.ecog), ]
g2 <- glm(dead ~ age + sex + ph.ecog, family = binomial, data = ll)
cat("lung coef", coef(g2), "\nmodel se", sqrt(diag(vcov(g2))),
    "\nCR0 se", sqrt(diag(vcovCL(g2, cluster = ~inst, type = "HC0", cadjust = FALSE))),
    "\nclusters", length(unique(ll$inst)), "sizes one", sum(table(ll$inst) == 1), "\n")
cat("-- each row its own cluster = HC0\n")
cat("lung HC0 se", sqrt(diag(vcovHC(g2, type = "HC0"))), "\n")

cat("==== per-cycle exposure -> (start, stop] rows (survival::tmerge) and a Cox fit on them ====\n")
set.seed(12)
np_ <- 80
base <- data.frame(id = 1:np_, time = round(rexp(np_, 1 / 700)) + 30, status = rbinom(np_, 1, 0.7))
cyc <- do.call(rbind, lapply(1:np_, function(i) {
  k <- sample(1:4, 1); day <- c(0, cumsum(round(runif(k - 1, 49, 70))))[1:k]
  data.frame(id = i, day = day, activity_gbq = round(sample(c(7.4, 7.4, 7.4, 5.55, 3.7), k, replace = TRUE), 2))
}))
resp <- data.frame(id = sample(1:np_, 30), resp_day = round(runif(30, 60, 400)))
write.csv(base, "data/exposure_followup.csv", row.names = FALSE)
write.csv(cyc, "data/exposure_cycles.csv", row.names = FALSE)
write.csv(resp, "data/exposure_response.csv", row.names = FALSE)
tm <- tmerge(base[, c("id", "time", "status")], base, id = id, event = event(time, status))
tm <- tmerge(tm, cyc, id = id, cycles_completed = cumtdc(day), cumulative_activity_gbq = cumtdc(day, activity_gbq))
tm <- tmerge(tm, resp, id = id, responded = tdc(resp_day))
tm$responded[is.na(tm$responded)] <- 0
out <- tm[, c("id", "tstart", "tstop", "event", "cycles_completed", "cumulative_activity_gbq", "responded")]
write.csv(out, "data/exposure_tmerge.csv", row.names = FALSE)
cat("rows", nrow(out), "events", sum(out$event), "\n")
show(coxph(Surv(tstart, tstop, event) ~ cumulative_activity_gbq + responded + cluster(id), data = out, ties = "breslow"))

cat("==== heart: case weights (second dataset), w = 1 + surgery + 0.5 * (age > 0), heart$age being age - 48 years ====\n")
heart$w <- 1 + heart$surgery + 0.5 * (heart$age > 0)
show(coxph(Surv(start, stop, event) ~ age + transplant, data = heart, weights = w, ties = "breslow", robust = FALSE))
show(coxph(Surv(start, stop, event) ~ age + transplant + cluster(id), data = heart, weights = w, ties = "efron"))
