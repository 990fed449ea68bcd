# Reference numbers for tests/stats/test_loess_interpolate.py (prrt.stats.loess with
# surface = "interpolate"): R's default loess surface (k-d tree, cell = 0.2, vertex fits
# with slopes, cubic Hermite interpolation), statistics = "approximate" (exact trace of the
# interpolated operator, delta1/delta2 from the lookup), family = "gaussian". Base R only.
# Run (in this folder): Rscript stats_loess_interpolate.R > stats_loess_interpolate.Rout
# Writes stats_loess_interpolate_data.csv (the data), stats_loess_interpolate_fit.csv
# (fitted values and predictions with standard errors) and stats_loess_interpolate_summary.csv.
options(digits = 15)
aq <- airquality[complete.cases(airquality[, c("Ozone", "Temp")]), ]
# n = 400 with a tiny cell: the k-d tree hits R's cap of max(200, n) vertices / cells
cx <- 1:400 / 40
cy <- sin(cx) + cos(3 * cx) / 4
# ties at the split value: the cell median (x = 5) is tied 5 times
tx <- c(1, 2, 3, 4, 5, 5, 5, 5, 5, 6, 7, 8, 9, 10)
ty <- c(2.1, 3.9, 6.2, 8.1, 9.7, 10.4, 9.9, 10.2, 10.1, 12.3, 13.8, 16.4, 18.1, 19.6)
data <- list(
  cars = data.frame(x = cars$speed, y = cars$dist),
  faithful = data.frame(x = faithful$waiting, y = faithful$eruptions),
  airquality = data.frame(x = aq$Temp, y = aq$Ozone),
  ties = data.frame(x = tx, y = ty),
  capped = data.frame(x = cx, y = cy)
)
write.csv(do.call(rbind, lapply(names(data), function(nm) cbind(dataset = nm, data[[nm]]))),
          "stats_loess_interpolate_data.csv", row.names = FALSE)
cases <- rbind(
  cbind(expand.grid(dataset = c("cars", "faithful", "airquality"), degree = 1:2,
                    span = c(0.75, 0.4), stringsAsFactors = FALSE),
        statistics = "approximate", cell = 0.2),
  data.frame(dataset = "ties", degree = 1:2, span = 0.75, statistics = "approximate",
             cell = 0.2),
  # fc = floor(50*5*0.2) = 50: no split
  data.frame(dataset = "cars", degree = 1:2, span = 5, statistics = "approximate", cell = 0.2),
  # delta1, delta2 exactly from the interpolated operator (surface/statistics "interpolate/exact")
  data.frame(dataset = c("cars", "airquality"), degree = 2, span = 0.75, statistics = "exact",
             cell = 0.2),
  # fc = floor(400*0.3*0.005) = 0: splitting stops at R's nvmax = ncmax = 400 (warning)
  data.frame(dataset = "capped", degree = 2, span = 0.3, statistics = "approximate",
             cell = 0.005)
)
fits <- list(); summ <- list()
for (i in seq_len(nrow(cases))) {
  cs <- cases[i, ]; d <- data[[cs$dataset]]
  fit <- loess(y ~ x, data = d, degree = cs$degree, span = cs$span, family = "gaussian",
               control = loess.control(statistics = cs$statistics, cell = cs$cell))
  stopifnot(fit$pars$surface == "interpolate", fit$pars$trace.hat == "exact")
  rg <- range(d$x)
  grid <- c(seq(rg[1], rg[2], length.out = 7), rg[1] - 1, rg[2] + 1)  # last two: outside -> NA
  p <- predict(fit, data.frame(x = grid), se = TRUE)
  ps <- predict(fit, data.frame(x = d$x), se = TRUE)
  tag <- sprintf("%s degree=%d span=%s statistics=%s cell=%s", cs$dataset, cs$degree,
                 cs$span, cs$statistics, cs$cell)
  cat("##", tag, "\n")
  cat("vertices:", length(fit$kd$xi[fit$kd$a != 0]) + 2, "\n")
  cat("kd$xi (split values, cell order):", fit$kd$xi[fit$kd$a != 0], "\n")
  cat("kd$vert:", fit$kd$vert, "\n")
  cat("trace.hat", fit$trace.hat, "one.delta", fit$one.delta, "two.delta", fit$two.delta,
      "s", fit$s, "df", p$df, "\n")
  print(data.frame(x = grid, fit = p$fit, se = p$se.fit))
  fits[[i]] <- rbind(
    data.frame(dataset = cs$dataset, degree = cs$degree, span = cs$span,
               statistics = cs$statistics, cell = cs$cell, kind = "fitted",
               x = d$x, fit = fitted(fit), se = ps$se.fit),
    data.frame(dataset = cs$dataset, degree = cs$degree, span = cs$span,
               statistics = cs$statistics, cell = cs$cell, kind = "grid",
               x = grid, fit = p$fit, se = p$se.fit))
  summ[[i]] <- data.frame(dataset = cs$dataset, degree = cs$degree, span = cs$span,
    statistics = cs$statistics, cell = cs$cell,
    trace_hat = fit$trace.hat, one_delta = fit$one.delta, two_delta = fit$two.delta,
    s = fit$s, df = p$df, split_values = paste(fit$kd$xi[fit$kd$a != 0], collapse = ";"),
    vert_lo = fit$kd$vert[1], vert_hi = fit$kd$vert[2])
}
write.csv(do.call(rbind, fits), "stats_loess_interpolate_fit.csv", row.names = FALSE)
write.csv(do.call(rbind, summ), "stats_loess_interpolate_summary.csv", row.names = FALSE)
sessionInfo()
