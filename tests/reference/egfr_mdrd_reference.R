# Reference values of the IDMS-traceable 4-variable MDRD Study equation, written out from the
# published coefficients (Levey AS et al. Ann Intern Med 2006;145:247-254, Table/Appendix;
# Clin Chem 2007;53:766-772; National Kidney Foundation "MDRD Study Equation" page):
#   eGFR = 175 x Scr^-1.154 x age^-0.203 x 0.742 [female] x 1.212 [Black],  Scr in mg/dL.
# Run: Rscript tests/reference/egfr_mdrd_reference.R > tests/reference/egfr_mdrd_reference.Rout
mdrd <- function(scr_mg_dl, age, female, black) {
  175 * scr_mg_dl^-1.154 * age^-0.203 * ifelse(female, 0.742, 1) * ifelse(black, 1.212, 1)
}
cases <- data.frame(
  scr = c(1.0, 1.0, 1.0, 2.0, 0.7, 1.5),
  age = c(50, 50, 50, 70, 40, 60),
  female = c(FALSE, TRUE, FALSE, TRUE, TRUE, FALSE),
  black = c(FALSE, FALSE, TRUE, FALSE, FALSE, TRUE)
)
cases$egfr <- mdrd(cases$scr, cases$age, cases$female, cases$black)
options(digits = 10)
print(cases)
