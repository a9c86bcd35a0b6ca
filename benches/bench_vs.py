#!/usr/bin/env python3
"""Whole-command benchmarks of kindred against PLINK 2 and GEMMA.

After ripgrep's benchsuite: one function per scenario lists the competing
commands, runs them in alternation on the same input (so that load from
elsewhere on the machine hits both alike), and records every run in a raw
CSV; the summary gives medians, ratios and peak memory. Python stdlib only.

Scenarios (`--scenario`, comma-separated, default all):

  grm          issue 4: `plink2 --make-rel square` vs `kindred grm` (f64 and
               --grm-precision f32) on the synthetic N x M fileset; faer's own
               matrix-multiply rate measured in the same run (example
               `gemm_rate`); the effect of f32 on K (example `grm_f32`) and on
               the mouse heritability.
  eigen        issue 5: eigendecomposition at n = 2000 and 5000 (--eigen-sizes):
               GEMMA `-lmm 1 -k K` vs `kindred reml --grm K` on a fileset of
               200 variants (so the run is reading K plus decomposing it),
               beside GEMMA's logged eigen time and kindred's logged step.
  assoc-mouse  issue 6: GEMMA `-lmm 4` / `-lmm 1` (GRM given) vs `kindred
               assoc --test all` / `--test wald` (GRM built inside, and also
               given) on data/mouse_hs1940 phenotype 1.
  assoc-synth  issue 6: GEMMA `-lmm 1` vs `kindred assoc --test wald` and
               `--test all` on N x M synthetic filesets (`--synth-lmm4` adds
               GEMMA `-lmm 4`, ~4-6 min), and kindred's time against the floor:
               eigendecomposition + rotation `U^T X` (2 n^2 M flops) at faer's
               measured rate. `--assoc-data dummy,simulate`: the plink2 --dummy
               set (no relatedness, null phenotype: h2 ~ 0) and/or one from
               `kindred simulate` (subpopulations, families, h2 = 0.5).

Inputs are cached under target/bench-data/: the synthetic filesets come from
`plink2 --dummy N M acgt scalar-pheno --seed 1` (independent variants, no
relatedness, a normal phenotype in the .fam) and, for assoc-synth, also
`kindred simulate --n-samples N --n-variants M --seed 1` (its phenotype copied
into the .fam so that GEMMA reads the same values), GEMMA's centered GRMs (`-gk 1`)
from the first run that needs them (timed then, and reported).

Usage:
  cargo build --release -p kindred -p kinship --examples
  python3 benches/bench_vs.py [--scenario grm,eigen,assoc-mouse,assoc-synth]
      [--runs 3] [--synth-runs 1] [--n 5000] [--m 50000] [--threads 2]
      [--eigen-sizes 2000,5000] [--synth-lmm4] [--bin-dir target/release]
      [--outdir target/bench-vs]

Every command run, its stdout/stderr and /usr/bin/time -v report are kept in
OUTDIR/<scenario>/; OUTDIR/results.csv has one row per run, and
OUTDIR/summary.txt the summary printed at the end.
"""

import argparse
import csv
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "target" / "bench-data"
MOUSE = ROOT / "data" / "mouse_hs1940" / "mouse_hs1940"
CSV_FIELDS = [
    "timestamp", "scenario", "label", "run", "wall_s", "user_s", "sys_s",
    "cpu_pct", "max_rss_mb", "load1", "extra",
]


class Bench:
    """Shared state: options, paths, the CSV and the summary."""

    def __init__(self, args):
        self.args = args
        self.outdir = Path(args.outdir).resolve()
        self.outdir.mkdir(parents=True, exist_ok=True)
        self.bin_dir = Path(args.bin_dir).resolve()
        self.kindred = self.bin_dir / "kindred"
        self.examples = self.bin_dir / "examples"
        self.env = dict(os.environ)
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "RAYON_NUM_THREADS"):
            self.env[var] = str(args.threads)
        self.csv_path = self.outdir / "results.csv"
        new = not self.csv_path.exists()
        self.csv_file = open(self.csv_path, "a", newline="")
        self.csv = csv.DictWriter(self.csv_file, fieldnames=CSV_FIELDS)
        if new:
            self.csv.writeheader()
        self.summary = []
        self.gemm = None

    def say(self, line=""):
        print(line, flush=True)
        self.summary.append(line)

    def run(self, scenario, label, cmd, cwd, run_idx=0, extra=None, record=True):
        """Runs `cmd` under /usr/bin/time -v in `cwd`; returns its measurements."""
        cwd = Path(cwd)
        cwd.mkdir(parents=True, exist_ok=True)
        tag = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{label}.{run_idx}")
        tfile = cwd / f"{tag}.time"
        cmd = [str(c) for c in cmd]
        load1 = os.getloadavg()[0]
        print(f"  [{scenario}] {label} run {run_idx}: {' '.join(cmd)}", file=sys.stderr, flush=True)
        with open(cwd / f"{tag}.out", "w") as out, open(cwd / f"{tag}.err", "w") as err:
            p = subprocess.run(["/usr/bin/time", "-v", "-o", str(tfile)] + cmd,
                               cwd=cwd, env=self.env, stdout=out, stderr=err)
        if p.returncode != 0:
            sys.exit(f"{label} failed (exit {p.returncode}); see {cwd}/{tag}.err")
        res = parse_time_v(tfile.read_text())
        res["load1"] = load1
        res["stdout"] = (cwd / f"{tag}.out").read_text()
        if record:
            self.csv.writerow({
                "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S"),
                "scenario": scenario, "label": label, "run": run_idx,
                "wall_s": f"{res['wall']:.3f}", "user_s": f"{res['user']:.2f}",
                "sys_s": f"{res['sys']:.2f}", "cpu_pct": res["cpu_pct"],
                "max_rss_mb": f"{res['rss_mb']:.0f}", "load1": f"{load1:.2f}",
                "extra": json.dumps(extra or {}, sort_keys=True),
            })
            self.csv_file.flush()
        return res

    def alternate(self, scenario, jobs, runs, cwd):
        """Runs every job `runs` times, reversing the order on odd runs.

        `jobs`: list of (label, command, parse) where parse(result, cwd, label,
        run) returns a dict of extra numbers (logged step times, ...).
        Returns {label: [result dict with the extras merged in]}.
        """
        out = {label: [] for label, _, _ in jobs}
        for r in range(runs):
            order = jobs if r % 2 == 0 else list(reversed(jobs))
            for label, cmd, parse in order:
                res = self.run(scenario, label, cmd, cwd, r, record=False)
                extra = parse(res, Path(cwd), label, r) if parse else {}
                res.update(extra)
                self.csv.writerow({
                    "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S"),
                    "scenario": scenario, "label": label, "run": r,
                    "wall_s": f"{res['wall']:.3f}", "user_s": f"{res['user']:.2f}",
                    "sys_s": f"{res['sys']:.2f}", "cpu_pct": res["cpu_pct"],
                    "max_rss_mb": f"{res['rss_mb']:.0f}", "load1": f"{res['load1']:.2f}",
                    "extra": json.dumps(extra, sort_keys=True),
                })
                self.csv_file.flush()
                out[label].append(res)
        return out

    # ---- inputs ---------------------------------------------------------

    def synthetic(self, n, m):
        """target/bench-data/dummy_NxM, made by plink2 --dummy on first use."""
        prefix = DATA / f"dummy_{n}x{m}"
        if not Path(f"{prefix}.bed").exists():
            DATA.mkdir(parents=True, exist_ok=True)
            subprocess.run(["plink2", "--dummy", str(n), str(m), "acgt", "scalar-pheno",
                            "--seed", "1", "--make-bed", "--threads", str(self.args.threads),
                            "--out", str(prefix)], check=True, stdout=subprocess.DEVNULL)
        return prefix

    def simulated(self, n, m):
        """target/bench-data/sim_NxM from `kindred simulate` (2 subpopulations,
        30% of samples in families, h2 = 0.5), phenotype copied into .fam column 6."""
        prefix = DATA / f"sim_{n}x{m}"
        if not Path(f"{prefix}.bed").exists():
            DATA.mkdir(parents=True, exist_ok=True)
            subprocess.run([str(self.kindred), "simulate", "--n-samples", str(n), "--n-variants", str(m),
                            "--seed", "1", "--threads", str(self.args.threads), "--quiet", "--out", str(prefix)],
                           check=True, stdout=subprocess.DEVNULL)
            pheno = {}
            with open(f"{prefix}.pheno.tsv") as f:
                next(f)
                for l in f:
                    fid, iid, v = l.split()[:3]
                    pheno[(fid, iid)] = v
            fam = Path(f"{prefix}.fam")
            rows = [l.split() for l in fam.read_text().splitlines()]
            fam.write_text("".join(" ".join(r[:5] + [pheno.get((r[0], r[1]), "-9")]) + "\n" for r in rows))
        return prefix

    def dataset(self, kind, n, m):
        return self.synthetic(n, m) if kind == "dummy" else self.simulated(n, m)

    def thinned(self, prefix, k):
        """The first fileset's samples with k of its variants (plink2 --thin-count)."""
        out = Path(f"{prefix}_thin{k}")
        if not Path(f"{out}.bed").exists():
            subprocess.run(["plink2", "--bfile", str(prefix), "--thin-count", str(k), "--seed", "1",
                            "--make-bed", "--threads", str(self.args.threads), "--out", str(out)],
                           check=True, stdout=subprocess.DEVNULL)
        return out

    def gemma_grm(self, scenario, prefix):
        """GEMMA's centered GRM (-gk 1) of `prefix`, cached; timed when made."""
        name = Path(prefix).name
        cwd = DATA / "gemma"
        path = cwd / "output" / f"{name}.cXX.txt"
        if not path.exists():
            res = self.run(scenario, "gemma -gk 1", ["gemma", "-bfile", prefix, "-gk", "1", "-o", name], cwd)
            self.say(f"  GEMMA -gk 1 on {name} (made once, cached): {res['wall']:.1f} s wall, "
                     f"{res['rss_mb']:.0f} MB peak")
        return path

    def kindred_grm(self, scenario, prefix):
        """kindred's centered GRM of `prefix` (GCTA binary), cached for --grm."""
        out = DATA / "kindred" / f"{Path(prefix).name}"
        if not Path(f"{out}.grm.bin").exists():
            self.run(scenario, "kindred grm (input)", [self.kindred, "grm", "--bfile", prefix, "--out", out,
                                                       "--threads", self.args.threads, "--quiet"], out.parent,
                     record=False)
        return out

    def gemm_rate(self, scenario, again=False):
        """faer's matmul rates (GFLOP/s). Measured on first use; `again`
        measures once more and keeps the faster of the two per kernel (load
        from elsewhere on the machine only ever slows a run down)."""
        if self.gemm is None or again:
            res = self.run(scenario, "faer gemm_rate",
                           [self.examples / "gemm_rate", 4000, self.args.n, self.args.threads, 3],
                           self.outdir / scenario)
            got = {}
            for line in res["stdout"].splitlines():
                f = line.split()
                if len(f) == 4 and f[0] == "gemm_rate":
                    got[(f[1], f[2])] = float(f[3])
            self.gemm = {k: max(v, (self.gemm or {}).get(k, 0.0)) for k, v in got.items()}
            self.say("  faer matmul (GFLOP/s, median of 3, {} threads{}): ".format(
                self.args.threads, ", best of two measurements" if again else "")
                + ", ".join(f"{k} {p} {v:.1f}" for (k, p), v in sorted(self.gemm.items())))
        return self.gemm


# ---- parsing ------------------------------------------------------------

def parse_time_v(text):
    def field(name):
        m = re.search(re.escape(name) + r":\s*(.+)", text)
        return m.group(1).strip() if m else ""
    wall = 0.0
    for part in field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":"):
        wall = wall * 60 + float(part)
    return {
        "wall": wall,
        "user": float(field("User time (seconds)") or 0),
        "sys": float(field("System time (seconds)") or 0),
        "cpu_pct": field("Percent of CPU this job got").rstrip("%"),
        "rss_mb": float(field("Maximum resident set size (kbytes)") or 0) / 1024,
    }


def kindred_log(cwd, out):
    """Step times from kindred's PREFIX.log."""
    text = (Path(cwd) / f"{out}.log").read_text()
    got = {}
    for key, pat in [("eigen_step_s", r"GRM and eigen(?:decomposition|values): ([\d.]+) s"),
                     ("scan_s", r"^scan: ([\d.]+) s"),
                     ("total_s", r"total time: ([\d.]+) s")]:
        m = re.search(pat, text, re.M)
        if m:
            got[key] = float(m.group(1))
    return got


def kindred_json(cwd, out):
    return json.loads((Path(cwd) / f"{out}.json").read_text())


def gemma_log(cwd, name):
    """GEMMA's CPU-time breakdown (it logs minutes of clock(), summed over threads)."""
    text = (Path(cwd) / "output" / f"{name}.log.txt").read_text()
    got = {}
    for key, pat in [("gemma_total_cpu_s", r"total computation time = ([\d.e+-]+) min"),
                     ("gemma_eigen_cpu_s", r"time on eigen-decomposition = ([\d.e+-]+) min"),
                     ("gemma_utx_cpu_s", r"time on calculating UtX = ([\d.e+-]+) min"),
                     ("gemma_opt_cpu_s", r"time on optimization = ([\d.e+-]+) min")]:
        m = re.search(pat, text)
        if m:
            got[key] = 60 * float(m.group(1))
    return got


def med(results, key="wall"):
    vals = [r[key] for r in results if key in r]
    return statistics.median(vals) if vals else float("nan")


def spread(results, key="wall"):
    vals = sorted(r[key] for r in results if key in r)
    if not vals:
        return "n/a"
    if len(vals) == 1:
        return f"{vals[0]:.2f}"
    return f"{statistics.median(vals):.2f} [{vals[0]:.2f}-{vals[-1]:.2f}]"


def line(label, results, extra_keys=()):
    s = f"  {label:<44} wall {spread(results):>22} s  CPU {med(results, 'user') + med(results, 'sys'):7.1f} s" \
        f"  peak {med(results, 'rss_mb'):6.0f} MB"
    for k in extra_keys:
        if any(k in r for r in results):
            s += f"  {k} {med(results, k):.2f}"
    return s


# ---- scenarios ----------------------------------------------------------

def scenario_grm(b):
    a = b.args
    sc = "grm"
    cwd = b.outdir / sc
    prefix = b.synthetic(a.n, a.m)
    b.say(f"\n== grm: {a.n} x {a.m} synthetic ({prefix.name}), {a.threads} threads, {a.runs} runs ==")
    gemm = b.gemm_rate(sc)

    def kparse(out):
        def p(res, cwd, label, r):
            j = kindred_json(cwd, out)
            return {"build_s": j["seconds"], "gflops": j["gflops"], "n_variants": j["n_variants"]}
        return p

    jobs = [
        ("plink2 --make-rel square", ["plink2", "--bfile", prefix, "--make-rel", "square",
                                      "--threads", a.threads, "--out", "plink_rel"], None),
        ("kindred grm f64", [b.kindred, "grm", "--bfile", prefix, "--out", "k64",
                             "--threads", a.threads, "--quiet"], kparse("k64")),
        ("kindred grm f32", [b.kindred, "grm", "--bfile", prefix, "--out", "k32", "--grm-precision", "f32",
                             "--threads", a.threads, "--quiet"], kparse("k32")),
    ]
    res = b.alternate(sc, jobs, a.runs, cwd)
    gemm = b.gemm_rate(sc, again=True)
    p, k64, k32 = (res[j[0]] for j in jobs)
    for label, r in res.items():
        b.say(line(label, r, ("build_s", "gflops")))
    n = a.n
    m_used = k64[0]["n_variants"]
    plink_rate = n * (n + 1) * a.m / med(p) / 1e9
    b.say(f"  variants in the GRM: kindred {m_used} (MAF >= 0.01), plink2 {a.m} (all)")
    b.say(f"  wall ratio kindred/plink2: f64 {med(k64) / med(p):.3f}, f32 {med(k32) / med(p):.3f} "
          f"(issue 4 target <= 0.75 in f64)")
    b.say(f"  GFLOP/s (n(n+1)M / time): kindred build f64 {med(k64, 'gflops'):.1f}, f32 {med(k32, 'gflops'):.1f}; "
          f"plink2 whole command {plink_rate:.1f}")
    b.say(f"  vs faer in this run: f64 GRM-block kernel {gemm[('grm_block', 'f64')]:.1f}, square "
          f"{gemm[('square', 'f64')]:.1f}; f32 GRM-block {gemm[('grm_block', 'f32')]:.1f}, square "
          f"{gemm[('square', 'f32')]:.1f}  -> kindred f64 at "
          f"{med(k64, 'gflops') / gemm[('grm_block', 'f64')]:.0%} of the kernel rate, f32 at "
          f"{med(k32, 'gflops') / gemm[('grm_block', 'f32')]:.0%}")

    # Effect of f32 on K (in-process, both builds, all variants) and on the mouse heritability.
    r = b.run(sc, "grm_f32 example", [b.examples / "grm_f32", prefix, a.threads], cwd)
    vals = dict((f[1], float(f[2])) for f in (l.split() for l in r["stdout"].splitlines())
                if len(f) == 3 and f[0] == "grm_f32")
    b.say(f"  f32 effect on K ({prefix.name}, centered, all variants): max |K32 - K64| = "
          f"{vals['max_abs_diff']:.2e} (max |K| {vals['max_abs_k']:.3f}), max relative on the diagonal "
          f"{vals['max_rel_diag_diff']:.2e}; in-process build {vals['seconds_f64']:.1f} s f64, "
          f"{vals['seconds_f32']:.1f} s f32")
    pve = {}
    for prec in ("f64", "f32"):
        b.run(sc, f"mouse grm {prec}", [b.kindred, "grm", "--bfile", MOUSE, "--format", "gemma",
                                        "--grm-precision", prec, "--qc-pheno-col", 1, "--out", f"mouse_{prec}",
                                        "--threads", a.threads, "--quiet"], cwd, record=False)
        b.run(sc, f"mouse reml {prec}", [b.kindred, "reml", "--bfile", MOUSE, "--grm", cwd / f"mouse_{prec}.cXX.txt",
                                         "--pheno-col", 1, "--out", f"mouse_reml_{prec}", "--threads",
                                         a.threads, "--quiet"], cwd, record=False)
        ph = kindred_json(cwd, f"mouse_reml_{prec}")["phenotypes"][0]
        pve[prec] = (ph["pve"], ph["pve_se"])
    b.say(f"  f32 effect on h2 (mouse pheno 1, GRM written as GEMMA text): pve f64 {pve['f64'][0]:.7f} "
          f"(se {pve['f64'][1]:.7f}), f32 {pve['f32'][0]:.7f}; |difference| "
          f"{abs(pve['f64'][0] - pve['f32'][0]):.1e}")


def scenario_eigen(b):
    a = b.args
    sc = "eigen"
    cwd = b.outdir / sc
    for n in [int(x) for x in a.eigen_sizes.split(",") if x]:
        m_big = a.m if n == a.n else min(10 * n, 50000)
        big = b.synthetic(n, m_big)
        small = b.thinned(big, 200)
        b.say(f"\n== eigen: n = {n} (GRM from {big.name}; runs on {small.name}), {a.threads} threads, "
              f"{a.runs} runs ==")
        cxx = b.gemma_grm(sc, big)
        kgrm = b.kindred_grm(sc, big)

        def gparse(res, cwd, label, r, n=n):
            return gemma_log(cwd, f"eig{n}")

        def kparse(out):
            return lambda res, cwd, label, r: kindred_log(cwd, out)

        jobs = [
            ("gemma -lmm 1 -k K (text)", ["gemma", "-bfile", small, "-k", cxx, "-lmm", 1, "-n", 1,
                                          "-o", f"eig{n}"], gparse),
            ("kindred reml --grm K (GEMMA text)", [b.kindred, "reml", "--bfile", small, "--grm", cxx,
                                                   "--pheno-col", 1, "--out", f"reml{n}_txt",
                                                   "--threads", a.threads, "--quiet"], kparse(f"reml{n}_txt")),
            ("kindred reml --grm K (GCTA binary)", [b.kindred, "reml", "--bfile", small, "--grm", kgrm,
                                                    "--pheno-col", 1, "--out", f"reml{n}_bin",
                                                    "--threads", a.threads, "--quiet"], kparse(f"reml{n}_bin")),
        ]
        res = b.alternate(sc, jobs, a.runs, cwd)
        g, kt, kb = (res[j[0]] for j in jobs)
        for label, r in res.items():
            b.say(line(label, r, ("gemma_eigen_cpu_s", "eigen_step_s")))
        ge = med(g, "gemma_eigen_cpu_s")
        ke = med(kb, "eigen_step_s")
        b.say(f"  whole-run wall ratio kindred/GEMMA (same text K): {med(kt) / med(g):.2f}")
        b.say(f"  eigen: kindred step (read binary K + centre + decompose, wall) {ke:.2f} s; GEMMA logs "
              f"{ge:.2f} s of CPU for its eigensolver, LAPACK dsyevr ({a.threads} threads: wall between {ge / a.threads:.2f} and "
              f"{ge:.2f} s) -> ratio kindred/GEMMA between {ke / ge:.2f} and {ke / (ge / a.threads):.2f}")


def scenario_assoc_mouse(b):
    a = b.args
    sc = "assoc-mouse"
    cwd = b.outdir / sc
    b.say(f"\n== assoc-mouse: mouse_hs1940 phenotype 1 (1410 x 10,768 tested), {a.threads} threads, "
          f"{a.runs} runs ==")
    cxx = b.gemma_grm(sc, MOUSE)

    def gparse(res, cwd, label, r):
        return gemma_log(cwd, "m4" if "-lmm 4" in label else "m1")

    def kparse(out):
        return lambda res, cwd, label, r: kindred_log(cwd, out)

    jobs = [
        ("gemma -lmm 4 (GRM given)", ["gemma", "-bfile", MOUSE, "-k", cxx, "-lmm", 4, "-n", 1, "-o", "m4"], gparse),
        ("kindred assoc --test all (GRM built)", [b.kindred, "assoc", "--bfile", MOUSE, "--test", "all",
                                                  "--pheno-col", 1, "--out", "kall", "--threads", a.threads,
                                                  "--quiet"], kparse("kall")),
        ("kindred assoc --test all (GRM given)", [b.kindred, "assoc", "--bfile", MOUSE, "--grm", cxx, "--test",
                                                  "all", "--pheno-col", 1, "--out", "kall_grm", "--threads",
                                                  a.threads, "--quiet"], kparse("kall_grm")),
        ("kindred assoc --test all --scan-precision f64 (GRM built)",
         [b.kindred, "assoc", "--bfile", MOUSE, "--test", "all", "--scan-precision", "f64", "--pheno-col", 1,
          "--out", "kall64", "--threads", a.threads, "--quiet"], kparse("kall64")),
        ("gemma -lmm 1 (GRM given)", ["gemma", "-bfile", MOUSE, "-k", cxx, "-lmm", 1, "-n", 1, "-o", "m1"], gparse),
        ("kindred assoc --test wald (GRM built)", [b.kindred, "assoc", "--bfile", MOUSE, "--test", "wald",
                                                   "--pheno-col", 1, "--out", "kwald", "--threads", a.threads,
                                                   "--quiet"], kparse("kwald")),
    ]
    res = b.alternate(sc, jobs, a.runs, cwd)
    for label, r in res.items():
        b.say(line(label, r, ("eigen_step_s", "scan_s", "gemma_opt_cpu_s")))
    g4, kall, kallg, kall64, g1, kw = (res[j[0]] for j in jobs)
    b.say(f"  speed-up GEMMA -lmm 4 / kindred --test all: {med(g4) / med(kall):.1f}x (GRM built), "
          f"{med(g4) / med(kallg):.1f}x (GRM given)  (issue 6 target >= 10x); "
          f"with --scan-precision f64 {med(g4) / med(kall64):.1f}x")
    b.say(f"  speed-up GEMMA -lmm 1 / kindred --test wald (GRM built): {med(g1) / med(kw):.1f}x")


def scenario_assoc_synth(b):
    for kind in b.args.assoc_data.split(","):
        assoc_synth(b, kind)


def assoc_synth(b, kind):
    a = b.args
    prefix = b.dataset(kind, a.n, a.m)
    sc = f"assoc-synth-{kind}"
    cwd = b.outdir / sc
    b.say(f"\n== {sc}: {a.n} x {a.m} synthetic ({prefix.name}), {a.threads} threads, "
          f"{a.synth_runs} run(s) ==")
    gemm = b.gemm_rate(sc)
    cxx = b.gemma_grm(sc, prefix)
    kgrm = b.kindred_grm(sc, prefix)

    def gparse(res, cwd, label, r):
        return gemma_log(cwd, "s4" if "-lmm 4" in label else "s1")

    def kparse(out):
        def p(res, cwd, label, r):
            got = kindred_log(cwd, out)
            ph = kindred_json(cwd, out)["phenotypes"][0]
            got["n"] = ph["n"]
            got["n_tested"] = ph["n_variants_tested"]
            return got
        return p

    jobs = [
        ("gemma -lmm 1 (GRM given)", ["gemma", "-bfile", prefix, "-k", cxx, "-lmm", 1, "-n", 1, "-o", "s1"], gparse),
        ("kindred assoc --test wald (GRM built)", [b.kindred, "assoc", "--bfile", prefix, "--test", "wald",
                                                   "--pheno-col", 1, "--out", "kwald", "--threads", a.threads,
                                                   "--quiet"], kparse("kwald")),
        ("kindred assoc --test all (GRM built)", [b.kindred, "assoc", "--bfile", prefix, "--test", "all",
                                                  "--pheno-col", 1, "--out", "kall", "--threads", a.threads,
                                                  "--quiet"], kparse("kall")),
        ("kindred assoc --test wald (GRM given)", [b.kindred, "assoc", "--bfile", prefix, "--grm", kgrm,
                                                   "--test", "wald", "--pheno-col", 1, "--out", "kwald_grm",
                                                   "--threads", a.threads, "--quiet"], kparse("kwald_grm")),
    ]
    if a.synth_lmm4:
        jobs.insert(0, ("gemma -lmm 4 (GRM given)", ["gemma", "-bfile", prefix, "-k", cxx, "-lmm", 4, "-n", 1,
                                                     "-o", "s4"], gparse))
    res = b.alternate(sc, jobs, a.synth_runs, cwd)
    gemm = b.gemm_rate(sc, again=True)
    for label, r in res.items():
        b.say(line(label, r, ("eigen_step_s", "scan_s", "gemma_eigen_cpu_s", "gemma_opt_cpu_s")))
    g1 = res["gemma -lmm 1 (GRM given)"]
    kw = res["kindred assoc --test wald (GRM built)"]
    ka = res["kindred assoc --test all (GRM built)"]
    kg = res["kindred assoc --test wald (GRM given)"]
    cpu = lambda r: med(r, "user") + med(r, "sys")
    b.say(f"  speed-up GEMMA -lmm 1 / kindred --test wald: {med(g1) / med(kw):.1f}x (GRM built), "
          f"{med(g1) / med(kg):.1f}x (GRM given)  (issue 6 target >= 3x); in CPU time "
          f"{cpu(g1) / cpu(kw):.1f}x, {cpu(g1) / cpu(kg):.1f}x")
    if a.synth_lmm4:
        b.say(f"  speed-up GEMMA -lmm 4 / kindred --test all (GRM built): "
              f"{med(res['gemma -lmm 4 (GRM given)']) / med(ka):.1f}x")
    n, mt = kg[0]["n"], kg[0]["n_tested"]
    # kindred's defaults: the rotation in f32 (--scan-precision), the centered
    # GRM's blocks as exact integer sums in f32; the eigendecomposition in f64.
    rot = 2.0 * n * n * mt / (gemm[("rotate", "f32")] * 1e9)
    eig = med(kg, "eigen_step_s")
    grm = n * (n + 1) * mt / (gemm[("grm_block", "f32")] * 1e9)
    floor = eig + rot
    b.say(f"  floor (issue 6): eigendecomposition {eig:.1f} s (kindred's step, GRM given) + rotation "
          f"2 n^2 M = {2.0 * n * n * mt / 1e9:.0f} GFLOP at faer's f32 {gemm[('rotate', 'f32')]:.1f} GFLOP/s = "
          f"{rot:.1f} s -> floor {floor:.1f} s (with an f64 rotation at "
          f"{gemm[('rotate', 'f64')]:.1f} GFLOP/s: {eig + 2.0 * n * n * mt / (gemm[('rotate', 'f64')] * 1e9):.1f} s)")
    b.say(f"  kindred / floor: --test wald GRM given {med(kg) / floor:.2f} (whole command), "
          f"{(eig + med(kg, 'scan_s')) / floor:.2f} (eigen + scan steps; target <= 1.3); "
          f"scan step / rotation floor {med(kg, 'scan_s') / rot:.2f}")
    b.say(f"  with the GRM build (n(n+1)M at faer's f32 {gemm[('grm_block', 'f32')]:.1f} GFLOP/s = {grm:.1f} s): "
          f"floor {floor + grm:.1f} s; kindred --test wald GRM built / floor {med(kw) / (floor + grm):.2f}, "
          f"--test all {med(ka) / (floor + grm):.2f}")


SCENARIOS = {
    "grm": scenario_grm,
    "eigen": scenario_eigen,
    "assoc-mouse": scenario_assoc_mouse,
    "assoc-synth": scenario_assoc_synth,
}


def machine(b):
    cpu = "unknown"
    try:
        for l in open("/proc/cpuinfo"):
            if l.startswith("model name"):
                cpu = l.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", open("/proc/meminfo").read()).group(1))
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, AttributeError):
        pass

    def version(cmd):
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
            return (p.stdout + p.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "not found"
    commit = b.args.commit or version(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    b.say(f"machine: {platform.node()}, {os.cpu_count()} CPUs ({cpu}), {mem}, {platform.system()} "
          f"{platform.release()}; load average at start {os.getloadavg()[0]:.2f}")
    b.say(f"tools: {version([str(b.kindred), '--version'])} ({b.kindred}, repo at {commit}); "
          f"{version(['plink2', '--version'])}; {version(['gemma', '-h']).strip()}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default="grm,eigen,assoc-mouse,assoc-synth")
    ap.add_argument("--runs", type=int, default=3, help="runs per command (grm, eigen, assoc-mouse)")
    ap.add_argument("--synth-runs", type=int, default=1, help="runs per command in assoc-synth")
    ap.add_argument("--n", type=int, default=5000, help="samples in the synthetic fileset")
    ap.add_argument("--m", type=int, default=50000, help="variants in the synthetic fileset")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--eigen-sizes", default="2000,5000")
    ap.add_argument("--assoc-data", default="dummy,simulate",
                    help="inputs of assoc-synth: dummy (plink2 --dummy) and/or simulate (kindred simulate)")
    ap.add_argument("--synth-lmm4", action="store_true", help="also GEMMA -lmm 4 at N x M (~6 min at 5000 x 50,000)")
    ap.add_argument("--bin-dir", default=str(ROOT / "target" / "release"),
                    help="directory with kindred and examples/{gemm_rate,grm_f32}")
    ap.add_argument("--outdir", default=str(ROOT / "target" / "bench-vs"))
    ap.add_argument("--commit", help="commit the binaries were built from (default: git rev-parse HEAD)")
    args = ap.parse_args()
    for tool in ("plink2", "gemma", "/usr/bin/time"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is needed on PATH")
    b = Bench(args)
    for exe in (b.kindred, b.examples / "gemm_rate", b.examples / "grm_f32"):
        if not exe.exists():
            sys.exit(f"{exe} is missing: cargo build --release -p kindred -p kinship --examples")
    machine(b)
    t0 = time.time()
    for name in args.scenario.split(","):
        if name not in SCENARIOS:
            sys.exit(f"unknown scenario {name}; choose from {', '.join(SCENARIOS)}")
        SCENARIOS[name](b)
    b.say(f"\ntotal benchmark time {time.time() - t0:.0f} s; load average at end {os.getloadavg()[0]:.2f}; "
          f"raw runs in {b.csv_path}")
    (b.outdir / "summary.txt").write_text("\n".join(b.summary) + "\n")


if __name__ == "__main__":
    main()
