//! Several variance components against GEMMA 0.98.5 on mouse_hs1940,
//! phenotypes 1-3, with two centered GRMs (chromosomes 1-10 and 11-19,
//! built by kindred here, by GEMMA's `-gk 1 -snps` there): AI-REML against
//! `-vc 2 -mk` and Haseman-Elston against `-vc 1 -mk`, each to GEMMA's
//! printed precision. Commands: data/golden/README.md.

#![allow(clippy::unwrap_used)] // test helpers: a failed read is a failed test

use std::path::{Path, PathBuf};

use association::components::{fit_components, ComponentsOptions, KernelSource, RemlControl, VcFit, VcMethod};
use association::{Event, Reporter, Stage};
use faer::Par;
use genotype::{Chrom, Dataset, NoProgress, PhenoSelect, PhenoSpec, Progress, Qc, SampleFilter, VariantFilter};
use kinship::{GrmKind, Precision};

fn data(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data").join(p)
}

struct Quiet;
impl Reporter for Quiet {
    fn event(&self, _: Event<'_>) {}
    fn progress(&self, _: Stage, _: u64) -> Box<dyn Progress + '_> {
        Box::new(NoProgress)
    }
}

/// The values after `## KEY =` in a GEMMA log.
fn logged(name: &str, key: &str) -> Vec<f64> {
    let text = std::fs::read_to_string(data(&format!("golden/gemma/{name}"))).unwrap();
    let line = text
        .lines()
        .find(|l| l.trim_start_matches('#').trim_start().starts_with(&format!("{key} =")))
        .unwrap_or_else(|| panic!("{name}: no '{key}'"));
    line.split('=')
        .nth(1)
        .unwrap()
        .split_whitespace()
        .map(|v| v.parse().unwrap())
        .collect()
}

fn fit(k: usize, method: VcMethod) -> VcFit {
    let spec = PhenoSpec {
        file: None,
        select: PhenoSelect::Column(k),
        covar: None,
    };
    let ds = Dataset::open(
        &data("mouse_hs1940/mouse_hs1940"),
        &SampleFilter::default(),
        &VariantFilter::default(),
        &spec,
    )
    .unwrap();
    let set = |name: &str, r: std::ops::RangeInclusive<u32>| KernelSource::Build {
        name: name.into(),
        chroms: Some(r.map(|c| Chrom::parse(&c.to_string())).collect()),
        kind: GrmKind::Centered,
        precision: Precision::F64,
    };
    let opts = ComponentsOptions {
        kernels: vec![set("chr1-10", 1..=10), set("chr11-19", 11..=19)],
        method,
        qc: Qc::default(),
        control: RemlControl::default(),
        par: Par::rayon(0),
    };
    fit_components(&ds, &opts, &Quiet).unwrap().remove(0).fit
}

/// `|ours - GEMMA| <= tol * |GEMMA|` for each value, plus half a unit of
/// GEMMA's sixth significant digit.
fn check(what: &str, ours: &[f64], gemma: &[f64], tol: f64) {
    assert_eq!(ours.len(), gemma.len(), "{what}");
    for (i, (o, g)) in ours.iter().zip(gemma).enumerate() {
        let printed = 0.5 * 10f64.powf(g.abs().log10().floor() - 5.0);
        assert!(
            (o - g).abs() <= tol * g.abs() + printed,
            "{what}[{i}]: kindred {o}, GEMMA {g}"
        );
    }
}

fn compare(k: usize, vc: u32, fit: &VcFit, tol: f64) {
    let log = format!("mouse_vc{vc}_p{k}.log.txt");
    let sigma: Vec<f64> = fit.components.iter().map(|c| c.sigma2).collect();
    let sigma_se: Vec<f64> = fit.components.iter().map(|c| c.sigma2_se).collect();
    let pve: Vec<f64> = fit.kernels().iter().map(|c| c.pve).collect();
    let pve_se: Vec<f64> = fit.kernels().iter().map(|c| c.pve_se).collect();
    check(&format!("{log} sigma2"), &sigma, &logged(&log, "sigma2 estimates"), tol);
    check(
        &format!("{log} se(sigma2)"),
        &sigma_se,
        &logged(&log, "se(sigma2)"),
        tol,
    );
    check(&format!("{log} pve"), &pve, &logged(&log, "pve estimates"), tol);
    check(&format!("{log} se(pve)"), &pve_se, &logged(&log, "se(pve)"), tol);
    check(
        &format!("{log} total pve"),
        &[fit.total_pve],
        &logged(&log, "total pve"),
        tol,
    );
    check(
        &format!("{log} se(total pve)"),
        &[fit.total_pve_se],
        &logged(&log, "se(total pve)"),
        tol,
    );
}

/// Haseman-Elston is a closed form: equal to GEMMA's printed digits.
#[test]
fn haseman_elston_equals_gemma_vc1() {
    for k in 1..=3 {
        compare(k, 1, &fit(k, VcMethod::He), 1e-9);
    }
}

/// AI-REML: GEMMA stops when the score's norm is below 1e-3 (on the log
/// scale), which leaves its last printed digit or two unsettled (its
/// estimates still move by ~1e-5 relative between its last iterations);
/// kindred iterates until the variances stop moving (1e-9 of the phenotypic
/// variance). Agreement within 5e-5 relative shows the same optimum.
#[test]
fn ai_reml_equals_gemma_vc2() {
    for k in 1..=3 {
        let f = fit(k, VcMethod::Reml);
        assert!(f.components.iter().all(|c| !c.at_boundary));
        compare(k, 2, &f, 5e-5);
    }
}
