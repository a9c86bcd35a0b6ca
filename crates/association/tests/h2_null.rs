//! The h² likelihood-ratio test under h² = 0 (issue 16): on a simulated
//! fileset with families and subpopulations, phenotypes of pure noise give
//! p-values whose distribution is the 50:50 mixture's: P(p <= a) = a for
//! a < 1/2 (uniform below 1/2, Kolmogorov-Smirnov), and about half of the
//! replicates at the boundary (statistic 0, p = 1). The numbers:
//! `cargo test -p association --test h2_null -- --nocapture`.

#![allow(clippy::unwrap_used)] // a failed step is a failed test

mod common;

use common::normals;

use association::{fit_null, prepare, Arithmetic, GrmSource, Method, Rotated, Search};
use faer::{Mat, Par};
use genotype::{Dataset, NoProgress, PhenoSelect, PhenoSpec, Qc, SampleFilter, VariantFilter};
use kinship::{GrmKind, Precision};
use simulate::SimConfig;

#[test]
fn h2_test_p_values_follow_the_boundary_mixture_under_the_null() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("sim");
    let mut cfg = SimConfig::new(600, 4000);
    cfg.n_chrom = 4;
    cfg.n_covar = 0;
    simulate::simulate(&cfg, &prefix, &NoProgress).unwrap();
    let spec = PhenoSpec {
        file: Some(dir.path().join("sim.pheno.tsv")),
        select: PhenoSelect::Column(1),
        covar: None,
    };
    let ds = Dataset::open(&prefix, &SampleFilter::default(), &VariantFilter::default(), &spec).unwrap();
    let group = association::groups(&ds).remove(0);
    let source = GrmSource::Build {
        kind: GrmKind::Centered,
        precision: Precision::F64,
    };
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
    let n = prep.group.samples.len();
    let w = Mat::<f64>::from_fn(n, 1, |_, _| 1.0);
    let names = ["intercept".to_string()];
    let replicates = 400;
    let mut p: Vec<f64> = (0..replicates)
        .map(|r| {
            let y = normals(r as u64 + 1, n);
            let rot = Rotated::new(&prep.eigen, w.as_ref(), &names, &y, Par::Seq).unwrap();
            fit_null(&rot, Method::Reml, &Search::default())
                .unwrap()
                .h2_test()
                .p_value
        })
        .collect();
    p.sort_by(f64::total_cmp);
    let below: Vec<f64> = p.iter().filter(|&&x| x < 0.5).map(|x| 2.0 * x).collect();
    let k = below.len();
    // KS distance of 2p (p < 1/2) from the uniform.
    let d = below
        .iter()
        .enumerate()
        .map(|(i, &x)| ((i + 1) as f64 / k as f64 - x).max(x - i as f64 / k as f64))
        .fold(0.0, f64::max);
    let critical = 1.358 / (k as f64).sqrt();
    let at_zero = p.iter().filter(|&&x| x == 1.0).count();
    eprintln!(
        "{replicates} null replicates (n = {n}): {at_zero} at the boundary (p = 1), {k} with p < 1/2; \
         KS D = {d:.4} (5% critical {critical:.4}); P(p <= 0.05) = {:.3}",
        p.iter().filter(|&&x| x <= 0.05).count() as f64 / replicates as f64
    );
    assert!(d < critical, "2p below 1/2 is not uniform: D = {d} >= {critical}");
    // The boundary's share: half asymptotically, more in finite samples
    // (the test is then conservative); never much less.
    let share = at_zero as f64 / replicates as f64;
    assert!(share > 0.4 && share < 0.8, "boundary share {share}");
}
