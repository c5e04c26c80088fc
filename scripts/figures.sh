#!/usr/bin/env bash
# figures.sh CSV OUTDIR [ROWS MINORITY]: the paper's figures from
# raresynth_evaluate's table (CSV with a header: method,size,runs,accuracy,
# accuracy_sd,recall,recall_sd,...; columns read by name): accuracy.png,
# recall.png, f1.png, pr_auc.png and balanced_accuracy.png, x = data set
# size, one line per method (own colour, marker and dash pattern) with the
# 95% interval of its mean as error bars, the runs in the title, a chance
# line (0.5 for balanced accuracy; with ROWS and MINORITY, the source's
# labelled and minority rows: the majority share for accuracy, the
# minority share for PR-AUC, the F1 of calling every row rare); the size
# equal to ROWS is labelled "all"; and the table as Markdown (results.md).
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
rows=${3:-}       # the table's labelled rows: that size is labelled "all"
minority=${4:-}   # its minority rows: the chance lines of PR-AUC and accuracy
mkdir -p "$out"
methods=$(awk -F, 'NR > 1 {print $1}' "$csv" | awk '!seen[$0]++')
n_methods=$(echo "$methods" | wc -l)
xtics=$(awk -F, -v all="$rows" 'NR > 1 && !seen[$2]++ {
  printf "%s\"%s\" %s", (n++ ? ", " : ""), ($2 == all ? "all" : $2), $2}' "$csv")
xmin=$(awk -F, 'NR > 1 {if (m == "" || $2 < m) m = $2} END {print m * 0.7}' "$csv")
xmax=$(awk -F, 'NR > 1 {if ($2 > m) m = $2} END {print m * 1.4}' "$csv")
runs=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "runs") c = i; next }
  !seen[$c]++ { printf "%s%s", (n++ ? "/" : ""), $c }' "$csv")
[ "$runs" = 1 ] && runs_text="1 run, no interval" || runs_text="$runs runs"

# one data file per method: x (a little apart per method, so the bars do
# not hide each other), then mean and its 95% interval (mean -+
# t(runs - 1) sd / sqrt(runs)) of accuracy, recall, F1, PR-AUC and balanced
# accuracy, found by their header names (NaN where a column is absent)
i=0
for m in $methods; do
  awk -F, -v m="$m" -v i="$i" -v k="$n_methods" '
    function t975(df,  z) {  # Student t, 97.5% quantile
      split("12.706 4.303 3.182 2.776 2.571 2.447 2.365 2.306 2.262 2.228 2.201 2.179 2.160 2.145 2.131 2.120 2.110 2.101 2.093 2.086 2.080 2.074 2.069 2.064 2.060 2.056 2.052 2.048 2.045 2.042", T, " ")
      if (df <= 30) return T[df]
      z = 1.959964  # Cornish-Fisher beyond the table
      return z + (z^3 + z) / (4 * df) + (5 * z^5 + 16 * z^3 + 3 * z) / (96 * df^2)
    }
    NR == 1 { for (j = 1; j <= NF; j++) col[$j] = j; next }
    function v(name) { return (name in col && $col[name] != "") ? $col[name] : "NaN" }
    function ci(name,  mean, sd, r, h) {
      mean = v(name); sd = v(name "_sd"); r = v("runs")
      if (mean == "NaN") return "NaN NaN NaN"
      if (sd == "NaN" || r < 2) return mean " " mean " " mean
      h = t975(r - 1) * sd / sqrt(r)
      return mean " " (mean - h) " " (mean + h)
    }
    $1 == m { print $2 * exp(0.035 * (i - (k - 1) / 2)), ci("accuracy"), ci("recall"), ci("f1"),
              ci("pr_auc"), ci("balanced_accuracy") }' "$csv" | sort -g > "$out/.$m.dat"
  i=$((i + 1))
done

# Okabe-Ito colours of distinct lightness, with a marker and a dash
# pattern per method: readable in grey and by colour-blind readers
style() {  # method index -> gnuplot line style
  case $1 in
    none) echo "lc rgb '#000000' dt 1 pt 7" ;;
    smote) echo "lc rgb '#E69F00' dt 2 pt 9" ;;
    smotenc) echo "lc rgb '#009E73' dt 4 pt 13" ;;
    gan) echo "lc rgb '#0072B2' dt 1 pt 5" ;;
    *) case $(( $2 % 3 )) in
         0) echo "lc rgb '#D55E00' dt 3 pt 11" ;;
         1) echo "lc rgb '#CC79A7' dt 5 pt 15" ;;
         *) echo "lc rgb '#56B4E9' dt 6 pt 3" ;;
       esac ;;
  esac
}

plot() {  # ylabel column-of-mean title file [chance-value chance-title]
  local cmd="" i=0
  for m in $methods; do
    [ $i -gt 0 ] && cmd="$cmd, "
    cmd="$cmd'$out/.$m.dat' using 1:$2:$(( $2 + 1 )):$(( $2 + 2 )) with yerrorlines lw 2 ps 1.4 $(style "$m" $i) title '$m'"
    i=$((i + 1))
  done
  if [ -n "${5:-}" ]; then
    cmd="$cmd, $5 with lines lc rgb '#777777' lw 1.5 dt 3 title '$6'"
  fi
  gnuplot <<GP
set terminal pngcairo size 800,600 font "DejaVu Sans,11" noenhanced
set output '$out/$4'
set title "$3 by data set size (heart attack risk)\nmean and 95% interval over $runs_text"
set xlabel "data set size (rows, stratified subsample; all = the whole table)"
set ylabel "$1"
set logscale x 2
set xtics ($xtics)
set xrange [$xmin:$xmax]
set key below horizontal
set grid
set yrange [0:1]
set bars 1.5
plot $cmd
GP
}
if [ -n "$minority" ] && [ -n "$rows" ]; then
  share=$(awk -v m="$minority" -v n="$rows" 'BEGIN {printf "%.4f", m / n}')
  major=$(awk -v s="$share" 'BEGIN {printf "%.4f", 1 - s}')
  f1all=$(awk -v s="$share" 'BEGIN {printf "%.4f", 2 * s / (1 + s)}')
  plot "accuracy" 2 "Accuracy" accuracy.png "$major" "majority share ($major)"
  plot "F1 of the rare class" 8 "F1" f1.png "$f1all" "every row rare ($f1all)"
  plot "PR-AUC (average precision)" 11 "PR-AUC" pr_auc.png "$share" "chance: minority share ($share)"
else
  plot "accuracy" 2 "Accuracy" accuracy.png
  plot "F1 of the rare class" 8 "F1" f1.png
  plot "PR-AUC (average precision)" 11 "PR-AUC" pr_auc.png
fi
plot "recall of the rare class" 5 "Recall" recall.png
plot "balanced accuracy" 14 "Balanced accuracy" balanced_accuracy.png 0.5 "chance (0.5)"

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
