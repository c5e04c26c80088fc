# make.R: writes the CSV files of this folder from Debian's R packages
# r-cran-mlbench and r-cran-mass (apt-get install r-cran-mlbench
# r-cran-mass; Rscript make.R).  Each file is one real data set with a
# binary label whose rare value is the class the evaluation oversamples;
# README.md lists the sources and what was changed.
suppressMessages({ library(mlbench); library(MASS) })
snake <- function(x) tolower(gsub("[^A-Za-z0-9]+", "_", x))
out <- function(d, file) {
  names(d) <- make.unique(snake(names(d)), sep = "_")
  write.csv(d, file, row.names = FALSE, na = "")
}
data(PimaIndiansDiabetes2)           # zeros that mean "not measured" as NA
out(PimaIndiansDiabetes2, "pima.csv")
data(BreastCancer)                   # Wisconsin, ordinal 1..10 factors
bc <- BreastCancer[, -1]             # drop the sample id
for (j in 1:9) bc[[j]] <- as.integer(as.character(bc[[j]]))
out(bc, "breast_cancer.csv")
data(Satellite)                      # Landsat: "damp grey soil" against the rest
sat <- Satellite[, 1:36]
sat$damp_grey_soil <- ifelse(Satellite$classes == "damp grey soil", "yes", "no")
out(sat, "satimage.csv")
data(Vehicle)                        # silhouettes: "van" against the rest
veh <- Vehicle[, 1:18]
veh$van <- ifelse(Vehicle$Class == "van", "yes", "no")
out(veh, "vehicle.csv")
data(birthwt)                        # low birth weight; bwt (which defines it) dropped
bw <- birthwt[, c("age", "lwt", "race", "smoke", "ptl", "ht", "ui", "ftv")]
bw$race <- c("white", "black", "other")[bw$race]
bw$smoke <- bw$smoke == 1; bw$ht <- bw$ht == 1; bw$ui <- bw$ui == 1
bw$low <- ifelse(birthwt$low == 1, "yes", "no")
out(bw, "birthwt.csv")
