#!/bin/bash
# bench/charts.sh RESULTS_JSON [DIR]: the charts of a `bench/run.sh all` run, drawn with gnuplot
# from the run's own results-all-*.json (run.sh calls it at the end; run it again by hand to
# redraw). Writes DIR (default bench/results/):
#   ratio.png  mod_heat's req/s divided by each Python deployment's and by the limit's, per case
#   sweep.png  req/s against connections (1..256) for cases a and b, every server and the limits
# and the data files they are drawn from (ratio.dat with ratio.plot, sweep-<case>.dat).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
JSON=${1:?usage: bench/charts.sh RESULTS_JSON [DIR]}
DIR=${2:-$HERE/results}
command -v gnuplot > /dev/null || { echo "charts: gnuplot is missing (apt-get install gnuplot-nox)" >&2; exit 1; }
mkdir -p "$DIR"

/usr/bin/python3 - "$JSON" "$DIR" <<'PY'
import json, sys, statistics
res = json.load(open(sys.argv[1]))
out = sys.argv[2]
py = ["mod_wsgi", "uwsgi_http", "uwsgi_socket", "eventlet"]
with open(f"{out}/ratio.dat", "w") as f:
    f.write("# case " + " ".join(py) + " limit  (mod_heat req/s / the server's; limit: bare Apache"
            " for a, engine ceiling for b c; 0 = not measured)\n")
    for c, t in res["cases"].items():
        mh = t["mod_heat"]["median"]["rps"]
        cells = []
        for n in py + ["limit"]:
            if n == "limit":
                n = "bare" if "bare" in t else "engine" if "engine" in t else None
            r = t.get(n, {}).get("median", {}).get("rps") if n else None
            cells.append(f"{mh / r:.4f}" if r else "0")
        f.write(f"{c} " + " ".join(cells) + "\n")
names = ["mod_heat"] + py + ["bare", "engine"]
cases = sorted({k.split("@")[0] for k in res.get("sweep", {})})
for c in cases:
    ns = sorted(int(k.split("@")[1]) for k in res["sweep"] if k.startswith(c + "@"))
    with open(f"{out}/sweep-{c}.dat", "w") as f:
        # median req/s, 0 = not measured; the first line names the columns (gnuplot's columnhead)
        f.write("conns " + " ".join(names) + "\n")
        for n in ns:
            t = res["sweep"][f"{c}@{n}"]
            f.write(f"{n} " + " ".join(f"{t[x]['median']['rps']:.2f}" if x in t else "0"
                                      for x in names) + "\n")
# the histogram's series: only those with a value (gnuplot stops on a series without one)
titles = ["vs mod_wsgi", "vs uwsgi + mod_proxy_http", "vs uwsgi + mod_proxy_uwsgi", "vs eventlet",
          "vs the limit"]
rows = [l.split() for l in open(f"{out}/ratio.dat") if not l.startswith("#")]
series = [f'"ratio.dat" using (${i + 2} > 0 ? ${i + 2} : 1/0):xtic(1) title "{t}"'
          for i, t in enumerate(titles) if any(float(r[i + 1]) > 0 for r in rows)]
with open(f"{out}/ratio.plot", "w") as f:
    f.write("plot " + ", \\\n     ".join(series) + "\n")
with open(f"{out}/meta.txt", "w") as f:
    m = res["machine"]
    f.write(f"{res['date']}, {m['nproc']} cores, load {' '.join(m['loadavg_start'])}; "
            f"{res['settings']['runs']} x {res['settings']['duration']} s per point\n")
    f.write(" ".join(cases) + "\n")
PY

META=$(head -1 "$DIR/meta.txt")
SWEEP_CASES=$(sed -n 2p "$DIR/meta.txt")
cd "$DIR"
gnuplot <<GP
set terminal pngcairo size 1100,560 noenhanced font "sans,10"
set output "ratio.png"
set title "mod_heat req/s divided by each server's (above 1: mod_heat serves more)\n$META"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y 2
set yrange [0.1:*]
set grid ytics
set ylabel "ratio (log scale)"
set xlabel "case (limit: bare Apache for a, heat-engine's own ceiling for b and c; 1 = at the limit)"
set key outside right top
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb "black"
load "ratio.plot"
GP
if [ -n "$SWEEP_CASES" ]; then
    n=$(echo $SWEEP_CASES | wc -w)
    plots=""
    for c in $SWEEP_CASES; do
        case $c in
        a) what="case a: GET / (versions, no auth)" ;;
        b) what="case b: GET /v1/{p}/stacks (list_stacks)" ;;
        *) what="case $c" ;;
        esac
        plots="$plots
set title \"$what\"
plot for [i=2:8] \"sweep-$c.dat\" using 1:(column(i) > 0 ? column(i) : 1/0) with linespoints lw 2 title columnhead(i)"
    done
    gnuplot <<GP
set terminal pngcairo size $((560 * n)),520 noenhanced font "sans,10"
set output "sweep.png"
set multiplot layout 1,$n title "req/s against concurrent connections — $META"
set logscale x 2
set logscale y 10
set grid
set xlabel "connections"
set ylabel "req/s (median)"
set key top left
set key autotitle columnhead
$plots
unset multiplot
GP
fi
echo "charts: wrote $DIR/ratio.png$([ -n "$SWEEP_CASES" ] && echo " and $DIR/sweep.png")" >&2
