#!/usr/bin/env bash
# figures.sh CSV OUTDIR: the paper's two figures from raresynth_evaluate's
# table (CSV with a header: method,size,runs,accuracy,accuracy_sd,recall,
# recall_sd,...): accuracy.png and recall.png, x = data set size, one line
# per method with error bars (one standard deviation over the runs); and
# the table as Markdown (results.md).
set -euo pipefail
csv=$1
out=$2
mkdir -p "$out"
methods=$(awk -F, 'NR > 1 {print $1}' "$csv" | awk '!seen[$0]++')
xtics=$(awk -F, 'NR > 1 && !seen[$2]++ {printf "%s%s", (n++ ? ", " : ""), $2}' "$csv")
xmin=$(awk -F, 'NR > 1 {if (m == "" || $2 < m) m = $2} END {print m * 0.7}' "$csv")
xmax=$(awk -F, 'NR > 1 {if ($2 > m) m = $2} END {print m * 1.4}' "$csv")

# one data file per method: size mean sd (accuracy) mean sd (recall)
for m in $methods; do
  awk -F, -v m="$m" 'NR > 1 && $1 == m {print $2, $4, $5, $6, $7}' "$csv" | sort -n > "$out/.$m.dat"
done

plot() {  # metric column-of-mean title file
  local cmd="" i=0
  for m in $methods; do
    [ $i -gt 0 ] && cmd="$cmd, "
    cmd="$cmd'$out/.$m.dat' using 1:$2:$(( $2 + 1 )) with yerrorlines lw 2 pt 7 title '$m'"
    i=$((i + 1))
  done
  gnuplot <<GP
set terminal pngcairo size 800,560 font "DejaVu Sans,11"
set output '$out/$4'
set title "$3 by data set size (heart attack risk; mean and sd over runs)"
set xlabel "data set size (rows, stratified subsample)"
set ylabel "$1"
set logscale x 2
set xtics ($xtics)
set xrange [$xmin:$xmax]
set key outside right
set grid
set yrange [0:1]
plot $cmd
GP
}
plot "accuracy" 2 "Accuracy" accuracy.png
plot "recall of the rare class" 4 "Recall" recall.png

{
  echo "| method | size | runs | accuracy | recall | precision | F1 | balanced accuracy | ROC AUC | recall vs none (95% CI) | seconds/run |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  awk -F, 'NR > 1 {
    ci = ($13 == "") ? "" : sprintf("%+.3f (%+.3f, %+.3f)", $16, $17, $18)
    printf "| %s | %s | %s | %.3f ± %.3f | %.3f ± %.3f | %.3f | %.3f | %.3f | %.3f | %s | %.2f |\n",
           $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, ci, $12 }' "$csv"
} > "$out/results.md"
rm -f "$out"/.*.dat
