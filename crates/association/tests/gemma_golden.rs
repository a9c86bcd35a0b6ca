//! Golden tests against GEMMA 0.98.5 on mouse_hs1940 with GEMMA's centered
//! GRM (`-gk 1`): null models (`-lmm 1 -n K` logs) and per-variant exact
//! tests (`-lmm 4 -n K` .assoc.txt). Commands: data/golden/README.md.

#![allow(clippy::unwrap_used)] // test helpers: a failed read is a failed test

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use association::{groups, prepare, Arithmetic, GrmSource, Model};
use association::{lambda_gc, AssocRow, Method, Mode, ScanOptions, Search, Tests};
use faer::Par;
use genotype::{Dataset, NoProgress, PhenoSelect, PhenoSpec, Qc, SampleFilter, VariantFilter};
use kinship::Precision;

fn data(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data").join(p)
}

fn dataset(select: PhenoSelect, covar: Option<PathBuf>) -> Dataset {
    let spec = PhenoSpec {
        file: None,
        select,
        covar,
    };
    Dataset::open(
        &data("mouse_hs1940/mouse_hs1940"),
        &SampleFilter::default(),
        &VariantFilter::default(),
        &spec,
    )
    .unwrap()
}

/// `## key = value` lines of a GEMMA log.
fn gemma_log(name: &str) -> HashMap<String, f64> {
    let text = std::fs::read_to_string(data(&format!("golden/gemma/{name}"))).unwrap();
    text.lines()
        .filter_map(|l| l.strip_prefix("## "))
        .filter_map(|l| l.split_once(" = "))
        .filter_map(|(k, v)| v.trim().parse::<f64>().ok().map(|v| (k.trim().to_string(), v)))
        .collect()
}

/// Relative difference at GEMMA's printed precision (6 significant digits).
fn close6(ours: f64, gemma: f64) -> bool {
    (ours - gemma).abs() <= 1e-4 * gemma.abs().max(1e-12) || (ours - gemma).abs() < 5e-7
}

/// Our null model's numbers beside the keys of GEMMA's log that hold them.
fn null_fields(m: &association::NullModel) -> [(&'static str, f64, &'static str); 5] {
    [
        ("pve", m.pve, "pve estimate in the null model"),
        ("se(pve)", m.pve_se, "se(pve) in the null model"),
        ("vg", m.sigma_g2, "vg estimate in the null model"),
        ("ve", m.sigma_e2, "ve estimate in the null model"),
        ("REML logl", m.reml.1, "REMLE log-likelihood in the null model"),
    ]
}

fn gemma_grm() -> PathBuf {
    data("golden/gemma/mouse_gk1.cXX.txt.gz")
}

#[test]
fn null_models_of_six_phenotypes_equal_gemma() {
    let ds = dataset(PhenoSelect::All, None);
    let grm = gemma_grm();
    let source = GrmSource::File(kinship::GrmFile::Gemma(grm.clone()));
    let mut failures = Vec::new();
    for group in groups(&ds) {
        let prep = prepare(
            &ds,
            group,
            &source,
            &Qc::default(),
            false,
            Arithmetic::default(),
            Par::rayon(0),
            &NoProgress,
        )
        .unwrap();
        for fit in prep.fit(&ds, Method::Reml, &Search::default(), Par::rayon(0)).unwrap() {
            let k = fit.phenotype + 1;
            let log = gemma_log(&format!("mouse_lmm1_p{k}.log.txt"));
            assert_eq!(fit.null.n as f64, log["number of analyzed individuals"], "pheno {k}");
            let m = &fit.null;
            let more = [
                ("ML logl", m.ml.1, "MLE log-likelihood in the null model"),
                ("se(beta)", m.beta_se[0], "se(beta)"),
            ];
            for (what, ours, key) in null_fields(m).into_iter().chain(more) {
                if !close6(ours, log[key]) {
                    failures.push(format!("pheno {k} {what}: ours {ours} GEMMA {}", log[key]));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

struct GemmaRow {
    rs: String,
    beta: f64,
    se: f64,
    l_remle: f64,
    p_wald: f64,
    p_lrt: f64,
    p_score: f64,
}

fn gemma_assoc(name: &str) -> Vec<GemmaRow> {
    let f = std::fs::File::open(data(&format!("golden/gemma/{name}"))).unwrap();
    let r = BufReader::new(flate2::read::GzDecoder::new(f));
    let mut lines = r.lines();
    let header: Vec<String> = lines.next().unwrap().unwrap().split('\t').map(String::from).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (rs, beta, se, lr, pw, pl, ps) = (
        col("rs"),
        col("beta"),
        col("se"),
        col("l_remle"),
        col("p_wald"),
        col("p_lrt"),
        col("p_score"),
    );
    lines
        .map(|l| {
            let l = l.unwrap();
            let t: Vec<&str> = l.split('\t').collect();
            let f = |i: usize| t[i].parse::<f64>().unwrap();
            GemmaRow {
                rs: t[rs].into(),
                beta: f(beta),
                se: f(se),
                l_remle: f(lr),
                p_wald: f(pw),
                p_lrt: f(pl),
                p_score: f(ps),
            }
        })
        .collect()
}

/// Bounds on |Δ log10 p| against GEMMA: for every variant, and for 99% of them.
#[derive(Debug, Clone, Copy)]
struct Tolerance {
    max: f64,
    q99: f64,
}

/// The default f32 rotation: ten times inside the tolerance
/// (all <= 1e-3, 99% <= 1e-4). The largest differences are where the two
/// optimisers stop; f32 rounding moves the bulk by ~1e-6.
const F32_ROTATION: Tolerance = Tolerance { max: 1e-4, q99: 1e-5 };
/// With GEMMA's own arithmetic (f64 rotation) the bulk agrees to ~1e-7.
const F64_ROTATION: Tolerance = Tolerance { max: 1e-4, q99: 1e-6 };

/// Compares a scan with GEMMA's `-lmm 4` output: same variants, and
/// |Δ log10 p| within `tol` for the three tests; beta within 1e-3
/// standard errors, se and l_remle to 1e-3 relative.
fn compare(ds: &Dataset, rows: &[AssocRow], golden: &str, tol: Tolerance) {
    let gemma = gemma_assoc(golden);
    let ours: Vec<&str> = rows.iter().map(|r| &*ds.variants()[r.variant as usize].id).collect();
    let theirs: Vec<&str> = gemma.iter().map(|g| g.rs.as_str()).collect();
    assert_eq!(ours.len(), theirs.len(), "{golden}: number of variants tested");
    assert_eq!(ours, theirs, "{golden}: variants tested");
    let dl = |a: f64, b: f64| (a.log10() - b.log10()).abs();
    for (what, get_ours, get_gemma) in [
        (
            "wald",
            (|r: &AssocRow| r.p_wald.unwrap()) as fn(&AssocRow) -> f64,
            (|g: &GemmaRow| g.p_wald) as fn(&GemmaRow) -> f64,
        ),
        ("lrt", |r| r.p_lrt.unwrap(), |g| g.p_lrt),
        ("score", |r| r.p_score.unwrap(), |g| g.p_score),
    ] {
        let mut d: Vec<f64> = rows
            .iter()
            .zip(&gemma)
            .map(|(r, g)| dl(get_ours(r), get_gemma(g)))
            .collect();
        d.sort_by(f64::total_cmp);
        let max = d[d.len() - 1];
        let q99 = d[(d.len() * 99) / 100];
        eprintln!("{golden} {what}: max |dlog10 p| = {max:.2e}, 99th percentile = {q99:.2e}");
        assert!(max <= tol.max, "{golden} {what}: max |dlog10 p| = {max:e}");
        assert!(q99 <= tol.q99, "{golden} {what}: 99% |dlog10 p| = {q99:e}");
    }
    let rel = |a: f64, b: f64| (a - b).abs() / b.abs().max(1e-300);
    let mut worst = (0.0f64, 0.0f64, 0.0f64);
    for (r, g) in rows.iter().zip(&gemma) {
        // beta near zero makes a relative difference meaningless: measure it in standard errors
        worst.0 = worst.0.max((r.beta - g.beta).abs() / g.se);
        worst.1 = worst.1.max(rel(r.se, g.se));
        worst.2 = worst.2.max(rel(r.lambda_remle, g.l_remle));
    }
    eprintln!(
        "{golden}: max |beta - beta_GEMMA| / se {:.1e}, max relative difference se {:.1e}, l_remle {:.1e}",
        worst.0, worst.1, worst.2
    );
    assert!(
        worst.0 < 1e-3 && worst.1 < 1e-3 && worst.2 < 1e-3,
        "{golden}: {worst:?}"
    );
}

fn scan(select: PhenoSelect, covar: Option<PathBuf>, rotation: Precision) -> (Dataset, Vec<Vec<AssocRow>>) {
    let ds = dataset(select, covar);
    let grm = gemma_grm();
    let source = GrmSource::File(kinship::GrmFile::Gemma(grm.clone()));
    let group = groups(&ds).remove(0);
    // GEMMA's arithmetic throughout with an f64 rotation, as the CLI's
    // `--scan-precision f64` does
    let arith = match rotation {
        Precision::F64 => Arithmetic::F64,
        Precision::F32 => Arithmetic::Mixed,
    };
    let prep = prepare(
        &ds,
        group,
        &source,
        &Qc::default(),
        false,
        arith,
        Par::rayon(0),
        &NoProgress,
    )
    .unwrap();
    let fits = prep.fit(&ds, Method::Reml, &Search::default(), Par::rayon(0)).unwrap();
    let sopts = ScanOptions {
        tests: Tests::ALL,
        mode: Mode::Exact,
        rotation,
        ..ScanOptions::default()
    };
    let rows = prep
        .scan(&ds, &fits, Model::Lmm(sopts), Par::rayon(0), &NoProgress)
        .unwrap();
    (ds, rows)
}

#[test]
fn exact_tests_phenotypes_1_2_3_equal_gemma_lmm4() {
    assert_eq!(
        ScanOptions::default().rotation,
        Precision::F32,
        "the default is what is tested here"
    );
    for k in 1..=3 {
        let (ds, rows) = scan(PhenoSelect::Column(k), None, Precision::F32);
        compare(&ds, &rows[0], &format!("mouse_lmm4_p{k}.assoc.txt.gz"), F32_ROTATION);
        if k == 1 {
            let l = lambda_gc(rows[0].iter().map(|r| r.p_wald.unwrap())).unwrap();
            eprintln!("lambda_GC (Wald, phenotype 1) = {l:.4}");
        }
    }
}

#[test]
fn exact_tests_with_f64_rotation_equal_gemma_lmm4_tighter() {
    let (ds, rows) = scan(PhenoSelect::Column(1), None, Precision::F64);
    compare(&ds, &rows[0], "mouse_lmm4_p1.assoc.txt.gz", F64_ROTATION);
}

#[test]
fn exact_tests_with_a_sex_covariate_equal_gemma() {
    let covar = data("mouse_hs1940/mouse_sex.covar.tsv");
    for (rotation, tol) in [(Precision::F32, F32_ROTATION), (Precision::F64, F64_ROTATION)] {
        let (ds, rows) = scan(PhenoSelect::Column(1), Some(covar.clone()), rotation);
        compare(&ds, &rows[0], "mouse_lmm4_p1_sex.assoc.txt.gz", tol);
    }
}

#[test]
fn null_models_with_a_sex_covariate_equal_gemma() {
    let covar = data("mouse_hs1940/mouse_sex.covar.tsv");
    let grm = gemma_grm();
    for (k, log) in [(1, "mouse_lmm4_p1_sex.log.txt"), (2, "mouse_lmm1_p2_sex.log.txt")] {
        let ds = dataset(PhenoSelect::Column(k), Some(covar.clone()));
        let source = GrmSource::File(kinship::GrmFile::Gemma(grm.clone()));
        let prep = prepare(
            &ds,
            groups(&ds).remove(0),
            &source,
            &Qc::default(),
            false,
            Arithmetic::default(),
            Par::rayon(0),
            &NoProgress,
        )
        .unwrap();
        let fit = prep
            .fit(&ds, Method::Reml, &Search::default(), Par::rayon(0))
            .unwrap()
            .remove(0);
        let log = gemma_log(log);
        let m = &fit.null;
        assert_eq!(m.n_covariates as f64, log["number of covariates"]);
        for (what, ours, key) in null_fields(m) {
            assert!(
                close6(ours, log[key]),
                "pheno {k} + sex {what}: ours {ours} GEMMA {}",
                log[key]
            );
        }
    }
}
