# Reference numbers for tests/stats/test_paired.py and test_proportions.py (issue 12: paired
# tests, proportion intervals). R 4.2.2 (stats) + MASS:
#   Rscript stats_paired_reference.R > stats_paired_reference.Rout
# Writes data/anorexia.csv (MASS::anorexia), data/immer.csv (MASS::immer), data/sleep.csv (datasets::sleep).
library(MASS)
options(digits = 12, width = 150)
write.csv(anorexia, "data/anorexia.csv", row.names = FALSE)
write.csv(immer, "data/immer.csv", row.names = FALSE)
write.csv(sleep, "data/sleep.csv", row.names = FALSE)
show <- function(w) cat("V", w$statistic, "p", format(w$p.value, digits = 12), "est", format(w$estimate, digits = 12),
                        "ci", format(w$conf.int, digits = 12), "level", attr(w$conf.int, "conf.level"), "\n")
cat("==== wilcox.test paired, conf.int = TRUE ====\n")
for (g in c("FT", "CBT", "Cont")) {
  a <- anorexia[anorexia$Treat == g, ]
  d <- a$Postwt - a$Prewt
  cat("-- anorexia", g, "n", nrow(a), "ties", any(duplicated(abs(d))), "zeros", any(d == 0), "\n")
  show(suppressWarnings(wilcox.test(a$Postwt, a$Prewt, paired = TRUE, conf.int = TRUE)))
  cat("   exact = FALSE, correct = TRUE: "); show(wilcox.test(a$Postwt, a$Prewt, paired = TRUE, conf.int = TRUE, exact = FALSE))
  cat("   exact = FALSE, correct = FALSE: "); show(wilcox.test(a$Postwt, a$Prewt, paired = TRUE, conf.int = TRUE, exact = FALSE, correct = FALSE))
}
cat("-- immer Y1 vs Y2 (30 pairs)\n")
show(suppressWarnings(wilcox.test(immer$Y1, immer$Y2, paired = TRUE, conf.int = TRUE)))
cat("-- sleep (zeros and ties): extra group 2 vs 1\n")
show(suppressWarnings(wilcox.test(sleep$extra[sleep$group == 2], sleep$extra[sleep$group == 1], paired = TRUE, conf.int = TRUE)))
cat("-- exact, 90% CI, mu = 2, anorexia FT\n")
a <- anorexia[anorexia$Treat == "FT", ]
show(wilcox.test(a$Postwt, a$Prewt, paired = TRUE, conf.int = TRUE, mu = 2, conf.level = 0.9))
cat("-- edge: ties at a single value (differences 1, 1, 1, 1, -2, 3)\n")
show(suppressWarnings(wilcox.test(c(1, 1, 1, 1, -2, 3), conf.int = TRUE)))
cat("-- edge: n = 6 exact, smallest attainable p\n")
show(wilcox.test(c(7.1, 6.8, 9.0, 5.2, 8.4, 7.7), c(6.0, 6.9, 7.1, 4.4, 6.2, 5.0), paired = TRUE, conf.int = TRUE))

cat("==== McNemar and Bowker ====\n")
m22 <- matrix(c(30, 4, 12, 20), 2)  # [[30, 12], [4, 20]]
print(mcnemar.test(m22)); print(mcnemar.test(m22, correct = FALSE)); print(binom.test(12, 16)$p.value)
# Agresti (2002) Table 10.1 presidential approval: [[794, 150], [86, 570]]
m2 <- matrix(c(794, 86, 150, 570), 2)
print(mcnemar.test(m2, correct = FALSE)); print(mcnemar.test(m2))
m33 <- matrix(c(10, 1, 0, 4, 8, 0, 1, 3, 5), 3)  # [[10, 4, 1], [1, 8, 3], [0, 0, 5]]
print(mcnemar.test(m33))
g4 <- matrix(c(20, 3, 1, 0,  6, 14, 2, 1,  2, 5, 9, 1,  1, 2, 4, 3), 4)  # grade before (rows) x after
print(mcnemar.test(g4))
cat("edge: an empty pair (cells [1,3] and [3,1] both 0) -> R gives NaN\n"); print(mcnemar.test(matrix(c(5, 0, 0, 3, 4, 0, 0, 2, 6), 3))$statistic)

cat("==== proportions: binom.test (Clopper-Pearson) and prop.test(correct = FALSE) (Wilson) ====\n")
for (xn in list(c(7, 20), c(0, 15), c(15, 15), c(1, 35), c(41, 107), c(12, 47))) {
  b <- binom.test(xn[1], xn[2]); w <- prop.test(xn[1], xn[2], correct = FALSE)
  cat("x", xn[1], "n", xn[2], "CP", format(b$conf.int, digits = 12), "Wilson", format(w$conf.int, digits = 12), "\n")
}
b90 <- binom.test(7, 20, conf.level = 0.9); w90 <- prop.test(7, 20, correct = FALSE, conf.level = 0.9)
cat("90%: CP", format(b90$conf.int, digits = 12), "Wilson", format(w90$conf.int, digits = 12), "\n")
