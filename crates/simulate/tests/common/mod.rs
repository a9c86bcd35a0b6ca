//! Helpers shared by the integration tests: run a simulation into a
//! temporary directory and read back what it wrote.

#![allow(dead_code)] // each test file uses a different part

use std::path::{Path, PathBuf};

use genotype::{Encoding, Fileset, Genotypes, NoProgress, SampleSubset};
use simulate::{simulate, SimConfig, SimReport};

/// A finished simulation in its own temporary directory.
pub struct Run {
    pub dir: tempfile::TempDir,
    pub prefix: PathBuf,
    pub report: SimReport,
}

/// Simulates `cfg` into a fresh temporary directory as `sim.*`.
pub fn run(cfg: &SimConfig) -> Run {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let prefix = dir.path().join("sim");
    let report = simulate(cfg, &prefix, &NoProgress).expect("the simulation runs");
    Run { dir, prefix, report }
}

/// [`run`], and the genotype matrix it wrote read back ([`genotypes`]).
pub fn run_and_read(cfg: &SimConfig) -> (Run, Fileset, Vec<f64>) {
    let r = run(cfg);
    let (fs, x) = genotypes(&r.prefix);
    (r, fs, x)
}

/// The genotype matrix through kindred's reader: column-major `n x M` A1
/// counts, `NaN` where missing.
pub fn genotypes(prefix: &Path) -> (Fileset, Vec<f64>) {
    let fs = Fileset::open(prefix).expect("kindred reads the simulated fileset");
    let n = fs.fam.len();
    let samples = SampleSubset::all(n);
    let g = Genotypes::new(&fs.bed, &samples);
    let variants: Vec<u32> = (0..fs.variants.len() as u32).collect();
    let mut out = vec![0.0; n * variants.len()];
    let mut stats = vec![genotype::AlleleStats::default(); variants.len()];
    g.decode_block(&variants, Encoding::Raw, &mut out, &mut stats);
    (fs, out)
}

/// A file's `#name\tkey=value...` lines: the values of `key` for lines named `name`.
pub fn truth_field(prefix: &Path, name: &str, key: &str) -> Vec<String> {
    let text = std::fs::read_to_string(genotype::with_extension(prefix, "truth.tsv")).expect("the truth file");
    text.lines()
        .filter_map(|l| l.strip_prefix('#'))
        .filter(|l| l.split('\t').next() == Some(name))
        .filter_map(|l| {
            l.split('\t')
                .find_map(|kv| kv.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
                .map(str::to_string)
        })
        .collect()
}

/// The truth table's rows (after the `#` lines and the header), split on tabs.
pub fn truth_rows(prefix: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(genotype::with_extension(prefix, "truth.tsv")).expect("the truth file");
    let mut lines = text.lines().filter(|l| !l.starts_with('#'));
    assert_eq!(
        lines.next().expect("a header"),
        "phenotype\tkind\tvariant\tchrom\tpos\ta1\ta2\tancestral_freq\ta1_freq\teffect"
    );
    lines.map(|l| l.split('\t').map(str::to_string).collect()).collect()
}

/// Population variance.
pub fn variance(x: &[f64]) -> f64 {
    let m = x.iter().sum::<f64>() / x.len() as f64;
    x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / x.len() as f64
}

/// Standardized genotypes `(x - 2p) / sqrt(2p(1-p))` with sample
/// frequencies (GCTA-style GRM columns), column-major `n x M'`, dropping
/// variants with missing calls or no variation.
pub fn standardize(x: &[f64], n: usize) -> Vec<f64> {
    let mut z = Vec::with_capacity(x.len());
    for col in x.chunks(n) {
        if col.iter().any(|v| v.is_nan()) {
            continue;
        }
        let p = col.iter().sum::<f64>() / (2 * n) as f64;
        let sd = (2.0 * p * (1.0 - p)).sqrt();
        if sd > 0.0 {
            z.extend(col.iter().map(|v| (v - 2.0 * p) / sd));
        }
    }
    z
}

/// GRM value of samples `a` and `b` from [`standardize`]d genotypes.
pub fn relatedness(z: &[f64], n: usize, a: usize, b: usize) -> f64 {
    let m = z.len() / n;
    z.chunks(n).map(|c| c[a] * c[b]).sum::<f64>() / m as f64
}

/// Ordinary least squares of `y` on the columns `x` (include a column of
/// ones for an intercept), by the normal equations.
pub fn ols(x: &[Vec<f64>], y: &[f64]) -> Vec<f64> {
    let k = x.len();
    let mut a: Vec<Vec<f64>> = (0..k)
        .map(|i| {
            let mut row: Vec<f64> = (0..k).map(|j| dot(&x[i], &x[j])).collect();
            row.push(dot(&x[i], y));
            row
        })
        .collect();
    for c in 0..k {
        let piv = (c..k)
            .max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))
            .expect("a pivot row");
        a.swap(c, piv);
        let pivot = a[c].clone();
        for (r, row) in a.iter_mut().enumerate() {
            if r != c {
                let f = row[c] / pivot[c];
                for (x, p) in row.iter_mut().zip(&pivot).skip(c) {
                    *x -= f * p;
                }
            }
        }
    }
    (0..k).map(|i| a[i][k] / a[i][i]).collect()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
