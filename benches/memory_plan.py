#!/usr/bin/env python3
"""`kindred plan`'s memory estimate against the measured peak (issue 13).

For each sample count of --sizes (default 1000, 5000, 10000) a fileset of
N samples x M variants is simulated (`kindred simulate --n-samples N
--n-variants M --seed 1`, cached in target/bench-data/memplan_NxM), then

  kindred plan --json gwas --bfile P --pheno P.pheno.tsv --covar P.covar.tsv --threads T --out X

prints the estimate (`peak_bytes`, `mem_mb`), and the same `gwas` command is
run under `/usr/bin/time -v`, whose "Maximum resident set size" (the peak
resident set, VmHWM, what a scheduler accounts) is the measured peak. The
table gives both, their ratio, the step at the estimated peak and the wall
time; the estimate must be within 20% of the measured peak at every N (the
script exits 1 otherwise). Memory figures do not depend on the load of the
machine, so other work may run meanwhile.

Usage:
  cargo build --release -p kindred
  python3 benches/memory_plan.py [--sizes 1000,5000,10000] [--m 10000]
      [--threads 2] [--command gwas] [--extra "--loco"] [--bin-dir target/release]
      [--outdir target/bench-memory]

Python 3 standard library only; /usr/bin/time must be installed (Debian
package `time`). With the defaults the n = 10,000 run takes about 12
minutes on 2 cores (the eigendecomposition dominates). Every command's stdout, stderr
and time report are kept in OUTDIR; the table is also written to
OUTDIR/summary.txt.
"""

import argparse
import json
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "target" / "bench-data"
TOLERANCE = 0.20


def run(cmd, outdir, label):
    """Runs `cmd`, keeping its stdout and stderr in OUTDIR/label.*; fails loudly."""
    t = time.time()
    cmd = [str(c) for c in cmd]
    p = subprocess.run(cmd, capture_output=True, text=True)
    (outdir / f"{label}.stdout").write_text(p.stdout)
    (outdir / f"{label}.stderr").write_text(p.stderr)
    if p.returncode != 0:
        sys.exit(f"{shlex.join(cmd)} failed ({p.returncode}):\n{p.stderr}")
    return p, time.time() - t


def fileset(kindred, n, m, outdir):
    """The simulated fileset of n samples and m variants (made once)."""
    prefix = DATA / f"memplan_{n}x{m}"
    if not prefix.with_suffix(".bed").exists():
        DATA.mkdir(parents=True, exist_ok=True)
        run([kindred, "simulate", "--n-samples", n, "--n-variants", m, "--seed", 1,
             "--out", prefix, "--quiet"], outdir, f"simulate_{n}")
    return prefix


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,5000,10000", help="sample counts (comma-separated)")
    ap.add_argument("--m", type=int, default=10000, help="variants of each fileset")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--command", default="gwas", choices=["gwas", "assoc", "reml"])
    ap.add_argument("--extra", default="", help="more flags for both commands, e.g. '--loco'")
    ap.add_argument("--bin-dir", default=str(ROOT / "target" / "release"))
    ap.add_argument("--outdir", default=str(ROOT / "target" / "bench-memory"))
    args = ap.parse_args()

    kindred = Path(args.bin_dir).resolve() / "kindred"
    outdir = Path(args.outdir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in [int(s) for s in args.sizes.split(",")]:
        prefix = fileset(kindred, n, args.m, outdir)
        flags = ["--bfile", prefix, "--pheno", f"{prefix}.pheno.tsv", "--covar", f"{prefix}.covar.tsv",
                 "--threads", args.threads, *shlex.split(args.extra)]
        out = outdir / f"run_{n}"
        p, _ = run([kindred, "plan", "--json", args.command, *flags, "--out", out, "--quiet"],
                   outdir, f"plan_{n}")
        plan = json.loads(p.stdout)
        report = outdir / f"time_{n}.txt"
        _, wall = run(["/usr/bin/time", "-v", "-o", report, kindred, args.command, *flags,
                       "--out", out, "--quiet"], outdir, f"run_{n}")
        kb = re.search(r"Maximum resident set size \(kbytes\): (\d+)", report.read_text())
        measured = int(kb.group(1)) * 1024
        logged = re.search(r"^peak memory: (.*)$", Path(f"{out}.log").read_text(), re.M)
        rows.append({
            "n": n,
            "m": args.m,
            "estimate": plan["peak_bytes"],
            "mem_mb": plan["mem_mb"],
            "measured": measured,
            "ratio": plan["peak_bytes"] / measured,
            "step": plan["peak_step"],
            "log": logged.group(1) if logged else "-",
            "wall": wall,
        })
        print(f"n={n}: estimate {plan['peak_bytes'] / 1e6:.1f} MB, measured {measured / 1e6:.1f} MB",
              file=sys.stderr)

    head = (f"kindred {args.command} {args.extra}".strip() + f", {args.m} variants, {args.threads} threads; "
            "estimate = `kindred plan` peak_bytes, measured = /usr/bin/time -v maximum RSS (MB = 10^6 bytes)")
    lines = [head, "",
             "| n | estimate (MB) | measured peak (MB) | estimate / measured | peak step | log's peak | wall (s) |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['n']} | {r['estimate'] / 1e6:.1f} | {r['measured'] / 1e6:.1f} | {r['ratio']:.3f} "
                     f"| {r['step']} | {r['log']} | {r['wall']:.0f} |")
    bad = [r for r in rows if abs(r["ratio"] - 1) > TOLERANCE]
    lines += ["", "within 20% at every n" if not bad else
              "OUTSIDE 20%: " + ", ".join(f"n={r['n']} ({r['ratio']:.3f})" for r in bad)]
    text = "\n".join(lines)
    print(text)
    (outdir / "summary.txt").write_text(text + "\n")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
