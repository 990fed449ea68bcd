# Reference numbers for tests/stats/test_firthcox.py (issue 12: Firth-penalised Cox).
# coxphf is not installed, so the penalised likelihood l*(b) = l(b) + 0.5 log det I(b) is
# evaluated with survival 3.5.3 itself (coxph at fixed b: init = b, iter.max = 0 gives l(b) and
# I(b)^-1) and maximised / profiled with R's optim and uniroot: an independent computation of
# Heinze & Schemper's (2001) definition. Rscript stats_firthcox_reference.R > stats_firthcox_reference.Rout
library(survival)
options(digits = 10, width = 150)
pl <- function(b, fml, d) {
  f <- tryCatch(suppressWarnings(coxph(fml, data = d, init = b, ties = "breslow", control = coxph.control(iter.max = 0))),
                error = function(e) NULL)
  if (is.null(f)) return(-1e10)
  ld <- tryCatch(as.numeric(determinant(solve(f$var), logarithm = TRUE)$modulus), error = function(e) -1e10)
  f$loglik[2] + 0.5 * ld
}
fit_firth <- function(fml, d, p) {
  start <- suppressWarnings(coef(coxph(fml, data = d, ties = "breslow", control = coxph.control(iter.max = 5))))
  if (p == 1) {
    b <- optimize(function(v) -pl(v, fml, d), c(start - 10, start + 10), tol = 1e-12)$minimum
  } else {
    o <- optim(start, function(b) -pl(b, fml, d), method = "BFGS", control = list(reltol = 1e-15, maxit = 1000, parscale = abs(start) + 0.01))
    o2 <- optim(o$par, function(b) -pl(b, fml, d), method = "Nelder-Mead", control = list(reltol = 1e-15, maxit = 5000, parscale = abs(start) + 0.01))
    b <- if (-o2$value > -o$value) o2$par else o$par
  }
  lmax <- pl(b, fml, d)
  prof <- function(j, v) {
    if (p == 1) return(pl(v, fml, d))
    g <- function(bo) { bb <- numeric(p); bb[j] <- v; bb[-j] <- bo; -pl(bb, fml, d) }
    start <- b[-j]
    if (p == 2) return(-optimize(g, c(start - 10, start + 10), tol = 1e-10)$objective)
    -optim(start, g, method = "BFGS", control = list(reltol = 1e-15))$value
  }
  se <- sqrt(diag(suppressWarnings(coxph(fml, data = d, init = b, ties = "breslow", control = coxph.control(iter.max = 0)))$var))
  for (j in 1:p) {
    dev <- function(v) 2 * (lmax - prof(j, v)) - qchisq(0.95, 1)
    lo <- uniroot(dev, c(b[j] - 20 * se[j], b[j]), tol = 1e-10)$root
    hi <- uniroot(dev, c(b[j], b[j] + 20 * se[j]), tol = 1e-10)$root
    chi <- 2 * (lmax - prof(j, 0))
    cat("coef", b[j], "se", se[j], "HR", exp(b[j]), "lower", exp(lo), "upper", exp(hi), "chisq", chi, "p", pchisq(chi, 1, lower.tail = FALSE), "\n")
  }
  cat("penalised loglik", lmax, "\n")
}
aml <- survival::aml
aml$maint <- as.integer(aml$x == "Maintained")
aml$late <- as.integer(aml$status == 0 & aml$time > 30)  # no event in late == 1: monotone likelihood
cat("==== aml: maint + late (late has no events: MLE infinite) ====\n")
fit_firth(Surv(time, status) ~ maint + late, aml, 2)
cat("==== aml: maint only ====\n")
fit_firth(Surv(time, status) ~ maint, aml, 1)
lung$dead <- as.integer(lung$status == 2)
cat("==== lung: age + sex (no separation: close to the MLE) ====\n")
fit_firth(Surv(time, dead) ~ age + sex, lung, 2)
