//! Issue 17 item 1: the model has an intercept, so `y -> a y + c` and a
//! covariate shifted by a constant change nothing but the units of the
//! estimates. A simulated fileset's phenotype is quantised to 1/64 so that
//! `y + 1e12` is exact in f64 (the input itself loses nothing); every other
//! difference is arithmetic. Null models, fixed-ratio and score statistics
//! agree within 1e-10 relative. The exact tests' per-variant REML/ML roots
//! are bounded by their conditioning instead: where a variant's likelihood
//! is flat in `lambda` (e.g. a root at lambda ~ 3e4), a rounding-level
//! change of the data moves the root by ~1e-5 relative and the Wald
//! p-value by ~2e-9, so those p-values are held to 1e-8 (and under a
//! covariate shift, which perturbs the null ML root too, the score test's).
//! The order of the samples in the fileset changes nothing either: the GRM
//! is permuted and decomposed again (rounded differently), so every
//! per-variant p-value is held to 1e-7 there (worst seen 1.2e-8), the null
//! model to 1e-10.

#![allow(clippy::unwrap_used)] // a failed setup is a failed test

use std::path::Path;

use association::{analysis, GrmSource, Mode, Model, Options, PhenotypeResult, ScanOptions, Tests};
use association::{Event, Reporter, Stage};
use genotype::{Dataset, NoProgress, PhenoSelect, PhenoSpec, Progress, SampleFilter, VariantFilter};

struct Quiet;
impl Reporter for Quiet {
    fn event(&self, _: Event<'_>) {}
    fn progress(&self, _: Stage, _: u64) -> Box<dyn Progress + '_> {
        Box::new(NoProgress)
    }
}

/// Transformations of the base phenotype: (name, a, c) for `a y + c`.
const TRANSFORMS: [(&str, f64, f64); 7] = [
    ("base", 1.0, 0.0),
    ("tiny", 1e-100, 0.0),
    ("huge", 1e100, 0.0),
    ("offset_up", 1.0, 1e12),
    ("offset_down", 1.0, -1e12),
    ("flipped", -1.0, 3e6),
    ("small", 1e-13, 0.0),
];

/// Writes the simulated fileset, a phenotype table with every transform
/// and a covariate table whose two columns differ by a constant shift.
fn setup(dir: &Path) -> (Dataset, Dataset) {
    let prefix = dir.join("sim");
    let mut cfg = simulate::SimConfig::new(160, 900);
    cfg.n_chrom = 3;
    cfg.n_causal = 30;
    cfg.h2 = 0.6;
    cfg.n_covar = 1;
    simulate::simulate(&cfg, &prefix, &NoProgress).unwrap();
    let text = std::fs::read_to_string(dir.join("sim.pheno.tsv")).unwrap();
    let cov = std::fs::read_to_string(dir.join("sim.covar.tsv")).unwrap();
    let mut pheno = String::from("FID\tIID");
    for (name, _, _) in TRANSFORMS {
        pheno.push('\t');
        pheno.push_str(name);
    }
    pheno.push('\n');
    let (mut c1, mut c2) = (String::from("FID\tIID\tx\n"), String::from("FID\tIID\tx_shifted\n"));
    for (line, cline) in text.lines().skip(1).zip(cov.lines().skip(1)) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let y = (f[2].parse::<f64>().unwrap() * 64.0).round() / 64.0;
        pheno.push_str(&format!("{}\t{}", f[0], f[1]));
        for (_, a, c) in TRANSFORMS {
            pheno.push_str(&format!("\t{:e}", a * y + c));
        }
        pheno.push('\n');
        let g: Vec<&str> = cline.split_whitespace().collect();
        let x = (g[2].parse::<f64>().unwrap() * 64.0).round() / 64.0;
        c1.push_str(&format!("{}\t{}\t{x}\n", g[0], g[1]));
        c2.push_str(&format!("{}\t{}\t{}\n", g[0], g[1], x + 1e9));
    }
    std::fs::write(dir.join("p.tsv"), pheno).unwrap();
    std::fs::write(dir.join("c1.tsv"), c1).unwrap();
    std::fs::write(dir.join("c2.tsv"), c2).unwrap();
    let open = |covar: &str| {
        let spec = PhenoSpec {
            file: Some(dir.join("p.tsv")),
            select: PhenoSelect::All,
            covar: Some(dir.join(covar)),
        };
        Dataset::open(&prefix, &SampleFilter::default(), &VariantFilter::default(), &spec).unwrap()
    };
    (open("c1.tsv"), open("c2.tsv"))
}

fn run(ds: &Dataset, mode: Mode) -> Vec<PhenotypeResult> {
    let opts = Options {
        scan: Some(Model::Lmm(ScanOptions {
            tests: Tests::ALL,
            mode,
            rotation: kinship::Precision::F64,
            ..ScanOptions::default()
        })),
        ..Options::new(GrmSource::Build {
            kind: kinship::GrmKind::Centered,
            precision: kinship::Precision::F64,
        })
    };
    analysis::run(ds, &opts, &Quiet).unwrap()
}

/// Relative agreement of quantities that do not go through a per-variant root.
const TIGHT: f64 = 1e-10;
/// Relative agreement of the exact tests' per-variant p-values (see the module doc).
const ROOTS: f64 = 1e-8;

fn close_to(a: f64, b: f64, tol: f64, what: &str) {
    let d = (a - b).abs() / b.abs().max(1e-300);
    assert!(
        d <= tol || (a.is_nan() && b.is_nan()),
        "{what}: {a} vs {b} (relative {d:e})"
    );
}

fn close(a: f64, b: f64, what: &str) {
    close_to(a, b, TIGHT, what);
}

/// Compares `r` (phenotype `a y + c`) with `base`.
fn same_up_to_units(base: &PhenotypeResult, r: &PhenotypeResult, a: f64, c: f64, mode: Mode, name: &str) {
    let root = if mode == Mode::Exact { ROOTS } else { TIGHT };
    let (m0, m) = (base.null.as_ref().unwrap(), r.null.as_ref().unwrap());
    close(m.pve, m0.pve, &format!("{name} pve"));
    close(m.pve_se, m0.pve_se, &format!("{name} pve_se"));
    close(m.lambda, m0.lambda, &format!("{name} lambda"));
    close(m.sigma_g2, m0.sigma_g2 * a * a, &format!("{name} sigma_g2"));
    close(m.sigma_e2, m0.sigma_e2 * a * a, &format!("{name} sigma_e2"));
    let df = (m.n - m.n_covariates) as f64;
    close(m.reml.1, m0.reml.1 - df * a.abs().ln(), &format!("{name} REML loglik"));
    close(m.beta[0], a * m0.beta[0] + c, &format!("{name} intercept"));
    close(m.beta[1], a * m0.beta[1], &format!("{name} covariate effect"));
    close(m.beta_se[1], a.abs() * m0.beta_se[1], &format!("{name} covariate se"));
    assert_eq!(r.rows.len(), base.rows.len(), "{name}: variants tested");
    for (x, y) in base.rows.iter().zip(&r.rows) {
        assert_eq!(x.variant, y.variant);
        let v = x.variant;
        close_to(
            y.p_wald.unwrap(),
            x.p_wald.unwrap(),
            root,
            &format!("{name} p_wald of {v}"),
        );
        close_to(
            y.p_lrt.unwrap(),
            x.p_lrt.unwrap(),
            root,
            &format!("{name} p_lrt of {v}"),
        );
        close(
            y.p_score.unwrap(),
            x.p_score.unwrap(),
            &format!("{name} p_score of {v}"),
        );
        // a beta near zero is the difference of larger sums: held relative
        // to its standard error, the scale its rounding lives on
        let d = (y.beta - a * x.beta).abs() / (a * x.beta).abs().max(a.abs() * x.se);
        assert!(
            d <= root,
            "{name} beta of {v}: {} vs {} (relative to max(|beta|, se) {d:e})",
            y.beta,
            a * x.beta
        );
        close_to(y.se, a.abs() * x.se, root, &format!("{name} se of {v}"));
    }
}

#[test]
fn issue_17_1_results_do_not_depend_on_the_phenotypes_units_or_offset() {
    let dir = tempfile::tempdir().unwrap();
    let (ds, _) = setup(dir.path());
    for mode in [Mode::Exact, Mode::FixedRatio] {
        let res = run(&ds, mode);
        for (r, (name, a, c)) in res.iter().zip(TRANSFORMS).skip(1) {
            same_up_to_units(&res[0], r, a, c, mode, name);
        }
    }
}

#[test]
fn issue_17_1_a_shifted_covariate_changes_only_the_intercept() {
    let dir = tempfile::tempdir().unwrap();
    let (ds1, ds2) = setup(dir.path());
    let (r1, r2) = (run(&ds1, Mode::Exact), run(&ds2, Mode::Exact));
    for (a, b) in r1.iter().zip(&r2) {
        let (m1, m2) = (a.null.as_ref().unwrap(), b.null.as_ref().unwrap());
        close(m2.pve, m1.pve, "pve");
        close(m2.beta[1], m1.beta[1], "covariate effect");
        close(m2.beta[0], m1.beta[0] - 1e9 * m1.beta[1], "intercept");
        for (x, y) in a.rows.iter().zip(&b.rows) {
            close_to(y.p_wald.unwrap(), x.p_wald.unwrap(), ROOTS, "p_wald");
            close_to(y.p_score.unwrap(), x.p_score.unwrap(), ROOTS, "p_score");
        }
    }
}

/// Writes `dir/perm.{bed,bim,fam}`: the fileset of `prefix` with its
/// samples in another order (`i -> 37 i mod n`), genotypes moved with them.
fn permuted(prefix: &Path, dir: &Path) -> std::path::PathBuf {
    use genotype::{pack_variant, write_bim, write_fam, BedWriter, Encoding, Fileset, Genotypes, SampleSubset};
    let fs = Fileset::open(prefix).unwrap();
    let n = fs.fam.len();
    let order: Vec<u32> = (0..n as u32).map(|i| (37 * i) % n as u32).collect();
    let subset = SampleSubset::new(order.clone(), n);
    let g = Genotypes::new(&fs.bed, &subset);
    let out = dir.join("perm");
    let mut bed = BedWriter::create(&genotype::with_extension(&out, "bed"), n).unwrap();
    let (mut x, mut stats) = (vec![0.0; n], vec![genotype::AlleleStats::default(); 1]);
    let mut packed = vec![0u8; genotype::bytes_per_variant(n)];
    for v in 0..fs.variants.len() as u32 {
        g.decode_block(&[v], Encoding::Raw, &mut x, &mut stats);
        let counts: Vec<u8> = x.iter().map(|&c| if c.is_nan() { 3 } else { c as u8 }).collect();
        pack_variant(&counts, &mut packed);
        bed.write_packed(&packed).unwrap();
    }
    bed.finish().unwrap();
    write_bim(&genotype::with_extension(&out, "bim"), &fs.variants).unwrap();
    let samples: Vec<_> = order.iter().map(|&i| fs.fam.samples[i as usize].clone()).collect();
    write_fam(&genotype::with_extension(&out, "fam"), &samples, None).unwrap();
    out
}

/// Relative agreement of per-variant results when the samples are permuted.
const PERMUTED: f64 = 1e-7;

/// Issue 17, property tests: the order of the samples in the fileset
/// changes no result (the GRM is permuted, its spectrum is not; sums run
/// in another order, so agreement is to rounding, bounded as above).
#[test]
fn issue_17_results_do_not_depend_on_the_order_of_the_samples() {
    let dir = tempfile::tempdir().unwrap();
    let (ds, _) = setup(dir.path());
    let perm = permuted(&dir.path().join("sim"), dir.path());
    let spec = PhenoSpec {
        file: Some(dir.path().join("p.tsv")),
        select: PhenoSelect::All,
        covar: Some(dir.path().join("c1.tsv")),
    };
    let shuffled = Dataset::open(&perm, &SampleFilter::default(), &VariantFilter::default(), &spec).unwrap();
    assert_ne!(shuffled.samples()[1].id, ds.samples()[1].id);
    for mode in [Mode::Exact, Mode::FixedRatio] {
        let (a, b) = (run(&ds, mode), run(&shuffled, mode));
        for (x, y) in a.iter().zip(&b) {
            let (m0, m) = (x.null.as_ref().unwrap(), y.null.as_ref().unwrap());
            close(m.pve, m0.pve, "pve");
            close(m.lambda, m0.lambda, "lambda");
            close(m.reml.1, m0.reml.1, "REML loglik");
            assert_eq!(x.rows.len(), y.rows.len());
            // Every test runs at a root of the (null or per-variant)
            // likelihood, and the eigendecomposition is of a permuted
            // matrix, rounded differently: PERMUTED (worst seen 1.2e-8).
            for (r0, r) in x.rows.iter().zip(&y.rows) {
                assert_eq!(r0.variant, r.variant);
                for (p0, p, t) in [
                    (r0.p_wald, r.p_wald, "wald"),
                    (r0.p_lrt, r.p_lrt, "lrt"),
                    (r0.p_score, r.p_score, "score"),
                ] {
                    close_to(
                        p.unwrap(),
                        p0.unwrap(),
                        PERMUTED,
                        &format!("{mode:?} p_{t} of {}", r.variant),
                    );
                }
                close_to(r.beta, r0.beta, PERMUTED, "beta");
            }
        }
    }
}
