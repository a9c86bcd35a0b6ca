#!/usr/bin/env bash
# `kindred plot` on 10 million rows: wall time and peak memory.
#
# Makes (once, cached in target/bench-data/) a GWAS-SSF file the way
# `kindred assoc` writes one: 10,000,000 variants on chromosomes 1-23 with
# human-like lengths, uniform p-values and three planted peaks; and its
# gzip copy. Then times `kindred plot` on each with /usr/bin/time -v.
#
#   cargo build --release -p kindred
#   bash benches/plot_10m.sh [ROWS]      # ROWS defaults to 10000000
#
# Prints one line per input: rows, bytes, wall seconds, user and system
# CPU seconds, peak resident memory (MB), and kindred's own points/lambda
# lines. Issue 14's target: under 10 s at 10 million rows, memory bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-10000000}
bin=${KINDRED:-target/release/kindred}
data=target/bench-data
out=target/bench-plot
mkdir -p "$data" "$out"
tsv=$data/plot_${rows}.assoc.tsv
if [ ! -s "$tsv" ]; then
    echo "making $tsv" >&2
    awk -v n="$rows" 'BEGIN {
        srand(1); OFS = "\t"
        print "chromosome", "base_pair_location", "effect_allele", "other_allele", "beta",
              "standard_error", "effect_allele_frequency", "p_value", "neg_log_10_p_value",
              "variant_id", "rsid", "n", "bim_id"
        # GRCh38 lengths in Mb, chromosomes 1-22 and X (23).
        split("248 242 198 190 181 171 159 145 138 134 135 133 114 107 102 90 83 80 59 64 47 51 156", mb, " ")
        total = 0; for (c = 1; c <= 23; c++) total += mb[c]
        for (c = 1; c <= 23; c++) {
            m = int(n * mb[c] / total); if (c == 23) m = n - done
            step = mb[c] * 1e6 / m
            for (i = 0; i < m; i++) {
                pos = int(1 + i * step); p = rand()
                # Peaks on 2, 6 and X: p shrinks towards the peak centre.
                if ((c == 2 || c == 6 || c == 23) && i > m / 3 && i < m / 3 + 400) p = p * 10 ^ -(15 - ((i - m / 3 - 200) ^ 2) / 3000)
                if (p < 1e-300) p = 1e-300
                nl = -log(p) / log(10)
                printf "%d\t%d\tA\tG\t%.6e\t%.6e\t%.6f\t%.6e\t%.6e\t%d_%d_G_A\trs%.0f\t5000\trs%.0f\n",
                    c, pos, rand() - 0.5, 0.05, rand() / 2, p, nl, c, pos, c * 100000000 + i, c * 100000000 + i
            }
            done += m
        }
    }' > "$tsv.tmp"
    mv "$tsv.tmp" "$tsv"
fi
if [ ! -s "$tsv.gz" ]; then
    echo "making $tsv.gz" >&2
    gzip -1 -c "$tsv" > "$tsv.gz.tmp" && mv "$tsv.gz.tmp" "$tsv.gz"
fi
for input in "$tsv" "$tsv.gz"; do
    name=$(basename "$input")
    /usr/bin/time -v "$bin" plot --assoc "$input" --out "$out/$name" --quiet 2> "$out/$name.time"
    awk -v rows="$rows" -v name="$name" -v bytes="$(stat -c %s "$input")" -F': ' '
        /Elapsed \(wall clock\)/ { n = split($2, t, ":"); wall = (n == 3) ? t[1] * 3600 + t[2] * 60 + t[3] : t[1] * 60 + t[2] }
        /User time/ { user = $2 } /System time/ { sys = $2 } /Maximum resident/ { rss = $2 / 1024 }
        END { printf "%s: %d rows, %d bytes: wall %.2f s, user %.2f s, sys %.2f s, peak memory %.1f MB\n", name, rows, bytes, wall, user, sys, rss }
    ' "$out/$name.time"
    grep -E "^(lambda_GC|Manhattan plot|QQ plot)" "$out/$name.log" | sed 's/^/    /'
done
