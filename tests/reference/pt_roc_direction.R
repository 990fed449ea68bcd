# pROC reference for the ROC direction of the persistent-thrombocytopenia report (issue 9, defect 6).
# A low baseline platelet count predicts PT: direction = ">" (controls > cases), as Ferrara 2025.
# Run: Rscript pt_roc_direction.R > pt_roc_direction.Rout
suppressMessages(library(pROC))
pt        <- c(1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
platelets <- c(173, 144, 122, 108, 300, 228, 233, 167, 210, 250, 199, 320, 275, 188, 240, 150)
for (d in c(">", "<")) {
  r <- roc(pt, platelets, levels = c(0, 1), direction = d, quiet = TRUE)
  ci <- ci.auc(r, method = "delong")
  cat(sprintf("direction %s auc %.10f lower %.10f upper %.10f\n", d, as.numeric(auc(r)), ci[1], ci[3]))
}
