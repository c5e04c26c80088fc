#!/usr/bin/env bash
# figures.sh CSV OUTDIR: the paper's two figures from raresynth_evaluate's
# table (CSV with a header: method,size,runs,accuracy,accuracy_sd,recall,
# recall_sd,...): accuracy.png, recall.png, f1.png and pr_auc.png, x = data
# set size, one line per method with error bars (one standard deviation
# over the runs); and
# the table as Markdown (results.md).
#   figures.sh --quality CSV OUTDIR: the quality figures from
# raresynth_quality's rows (CSV with a header: metric,column_name,
# column_name_2,value): column_shapes.png (per column, the KS or TV
# complement) and pair_trends.png (a heat map of every pair's trend).
set -euo pipefail

quality_figures() {  # csv outdir
  local csv=$1 out=$2 cols n xt
  mkdir -p "$out"
  # the columns in table order, as the per-column scores come
  cols=$(awk -F, 'NR > 1 && ($1 == "ks_complement" || $1 == "tv_complement") {print $2}' "$csv")
  n=$(echo "$cols" | wc -l)
  awk -F, 'NR > 1 && ($1 == "ks_complement" || $1 == "tv_complement") {
      printf "%d %s %s %s\n", n++, $2, ($1 == "ks_complement" ? 1 : 2), ($4 == "" ? "NaN" : $4) }' \
    "$csv" > "$out/.shapes.dat"
  # pair trends: index of each name, both halves, the diagonal 1
  awk -F, 'NR == FNR { idx[$0] = FNR - 1; next }
           FNR > 1 && $1 == "pair_trend" && $4 != "" {
             print idx[$2], idx[$3], $4; print idx[$3], idx[$2], $4 }
           END { for (c in idx) print idx[c], idx[c], 1 }' <(echo "$cols") "$csv" |
    sort -k2,2n -k1,1n > "$out/.pairs.dat"
  xt=$(echo "$cols" | awk '{printf "%s\"%s\" %d", (NR > 1 ? ", " : ""), $0, NR - 1}')
  gnuplot <<GP
set terminal pngcairo size 1000,560 font "DejaVu Sans,10" noenhanced
set output '$out/column_shapes.png'
set title "Column shapes: KS complement (continuous) and TV complement (categorical), synthetic vs real rows"
set ylabel "score (1 = the real distribution)"
set yrange [0.8:1.005]
set xrange [-0.7:$n - 0.3]
set xtics ($xt) rotate by 45 right
set grid ytics
set style fill solid 0.8 border -1
set boxwidth 0.75
set key top right
plot '$out/.shapes.dat' using 1:(\$3 == 1 ? \$4 : 1/0) with boxes lc rgb '#4477aa' title 'KS complement', \
     '' using 1:(\$3 == 2 ? \$4 : 1/0) with boxes lc rgb '#ee7733' title 'TV complement'
GP
  gnuplot <<GP
set terminal pngcairo size 900,820 font "DejaVu Sans,9" noenhanced
set output '$out/pair_trends.png'
set title "Column pair trends (correlation or contingency similarity; 1 = as in the real rows)"
set xtics ($xt) rotate by 60 right
set ytics ($xt)
set xrange [-0.5:$n - 0.5]
set yrange [$n - 0.5:-0.5]
set cbrange [0:1]
set palette defined (0 '#b2182b', 0.8 '#f4a582', 0.9 '#fddbc7', 0.95 '#d1e5f0', 1 '#2166ac')
set size square
unset key
plot '$out/.pairs.dat' using 1:2:3 with image
GP
  rm -f "$out/.shapes.dat" "$out/.pairs.dat"
}

if [ "${1:-}" = "--quality" ]; then
  quality_figures "$2" "$3"
  exit 0
fi

csv=$1
out=$2
mkdir -p "$out"
methods=$(awk -F, 'NR > 1 {print $1}' "$csv" | awk '!seen[$0]++')
xtics=$(awk -F, 'NR > 1 && !seen[$2]++ {printf "%s%s", (n++ ? ", " : ""), $2}' "$csv")
xmin=$(awk -F, 'NR > 1 {if (m == "" || $2 < m) m = $2} END {print m * 0.7}' "$csv")
xmax=$(awk -F, 'NR > 1 {if ($2 > m) m = $2} END {print m * 1.4}' "$csv")

# one data file per method: size, then mean and sd of accuracy, recall,
# F1 and PR-AUC (found by their header names; NaN where a column is absent)
for m in $methods; do
  awk -F, -v m="$m" '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    function v(name) { return (name in col && $col[name] != "") ? $col[name] : "NaN" }
    $1 == m { print $2, v("accuracy"), v("accuracy_sd"), v("recall"), v("recall_sd"),
              v("f1"), v("f1_sd"), v("pr_auc"), v("pr_auc_sd") }' "$csv" | sort -n > "$out/.$m.dat"
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
plot "F1 of the rare class" 6 "F1" f1.png
plot "PR-AUC (average precision)" 8 "PR-AUC" pr_auc.png

{
  echo "| method | size | runs | accuracy | recall | precision | F1 | balanced accuracy | ROC AUC | PR-AUC | MCC | recall vs none (95% CI) | F1 vs none (95% CI) | F1 vs best non-GAN (95% CI) | seconds/run |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  awk -F, '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    function v(name) { return (name in col) ? $col[name] : "" }
    function num(name) { return v(name) == "" ? "" : sprintf("%.3f", v(name)) }
    function ci(name) {
      if (v(name) == "") return ""
      if (v(name "_lo") == "") return sprintf("%+.3f", v(name))
      return sprintf("%+.3f (%+.3f, %+.3f)", v(name), v(name "_lo"), v(name "_hi"))
    }
    {
      best = v("best_non_gan") == "" ? "" : " vs " v("best_non_gan")
      printf "| %s | %s | %s | %.3f ± %.3f | %.3f ± %.3f | %s | %s | %s | %s | %s | %s | %s | %s | %s%s | %.2f |\n",
             v("method"), v("size"), v("runs"), v("accuracy"), v("accuracy_sd"), v("recall"), v("recall_sd"),
             num("precision"), num("f1"), num("balanced_accuracy"), num("roc_auc"), num("pr_auc"), num("mcc"),
             ci("recall_vs_none"), ci("f1_vs_none"), ci("f1_vs_best"), best, v("seconds") }' "$csv"
} > "$out/results.md"
rm -f "$out"/.*.dat
