//! Several variance components recover the truth (issue 16): on a
//! simulated fileset with families and subpopulations, phenotypes drawn
//! from `y = μ + g + c + e` with `g ~ N(0, σg² K)` (K the fileset's centered
//! GRM), a cage effect `c` (60 cages of 10, `N(0, σc²)` per cage) and
//! `e ~ N(0, σe²)`, over 20 fixed seeds. AI-REML's estimates centre on the
//! truth, their standard errors match their spread, and each seed's
//! estimate lies within two SEs of the truth in most seeds. The numbers:
//! `cargo test -p association --test components_recovery -- --nocapture`.

#![allow(clippy::unwrap_used)] // a failed step is a failed test

mod common;

use common::normals;

use association::components::{ai_reml, Kernel, RemlControl};
use association::Eigen;
use faer::{Mat, Par};
use genotype::{Dataset, NoProgress, PhenoSelect, PhenoSpec, Qc, SampleFilter, SampleSubset, VariantFilter};
use kinship::{build, BuildOptions, GrmKind};
use simulate::SimConfig;

/// The simulated fileset's centered GRM over all its samples.
fn grm() -> Mat<f64> {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("sim");
    let mut cfg = SimConfig::new(600, 5000);
    cfg.n_chrom = 4;
    cfg.n_covar = 0;
    cfg.seed = 16;
    simulate::simulate(&cfg, &prefix, &NoProgress).unwrap();
    let spec = PhenoSpec {
        file: Some(dir.path().join("sim.pheno.tsv")),
        select: PhenoSelect::Column(1),
        covar: None,
    };
    let ds = Dataset::open(&prefix, &SampleFilter::default(), &VariantFilter::default(), &spec).unwrap();
    let n = ds.n_samples();
    let subset = SampleSubset::all(n);
    let g = ds.decoder(&subset);
    let kept = Qc::default().apply(g, &ds.variants.kept).unwrap();
    let ids = ds.samples().iter().map(|s| s.id.clone()).collect();
    let opts = BuildOptions {
        kind: GrmKind::Centered,
        ..BuildOptions::default()
    };
    let chrom = |v: u32| &ds.variants()[v as usize].chrom;
    build(g, ids, &kept.variants, chrom, &opts, Par::rayon(0), &NoProgress)
        .unwrap()
        .grm()
        .unwrap()
        .matrix
}

#[test]
fn ai_reml_recovers_a_grm_and_a_cage_effect_over_20_seeds() {
    let k = grm();
    let n = k.nrows();
    let cage: Vec<usize> = (0..n).map(|i| i / 10).collect();
    let kernels = vec![Kernel::new("grm", k), Kernel::indicator("cage", &cage)];
    // Draws of g ~ N(0, σg² K) through K = U diag(s) Uᵀ (K centred).
    let eigen = Eigen::decompose(kernels[0].matrix.as_ref(), Par::rayon(0)).unwrap();
    let (u, s) = (eigen.vectors(), eigen.values());
    let truth: [f64; 3] = [0.5, 0.3, 0.4]; // σg², σc², σe²
    let x = Mat::<f64>::from_fn(n, 1, |_, _| 1.0);
    let seeds = 20;
    let mut est = vec![Vec::new(); 3];
    let mut se = vec![Vec::new(); 3];
    let mut pve = Vec::new();
    for seed in 0..seeds {
        let z = normals(1000 + seed, n);
        let w: Vec<f64> = (0..n).map(|j| s[j].max(0.0).sqrt() * z[j]).collect();
        let c = normals(2000 + seed, n / 10);
        let e = normals(3000 + seed, n);
        let y: Vec<f64> = (0..n)
            .map(|i| {
                let g: f64 = (0..n).map(|j| u[(i, j)] * w[j]).sum();
                3.0 + truth[0].sqrt() * g + truth[1].sqrt() * c[cage[i]] + truth[2].sqrt() * e[i]
            })
            .collect();
        let fit = ai_reml(&y, x.as_ref(), &kernels, RemlControl::default(), Par::Seq).unwrap();
        for (i, comp) in fit.components.iter().enumerate() {
            est[i].push(comp.sigma2);
            se[i].push(comp.sigma2_se);
        }
        pve.push(fit.components[0].pve);
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let sd = |v: &[f64]| {
        let m = mean(v);
        (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
    };
    for (i, name) in ["sigma_g2", "sigma_cage2", "sigma_e2"].iter().enumerate() {
        let within = est[i]
            .iter()
            .zip(&se[i])
            .filter(|(e, s)| (*e - truth[i]).abs() <= 2.0 * *s)
            .count();
        let (m, spread, m_se) = (mean(&est[i]), sd(&est[i]), mean(&se[i]));
        eprintln!(
            "{name}: truth {}, mean estimate {m:.4}, spread {spread:.4}, mean SE {m_se:.4}, within 2 SE in {within}/{seeds}",
            truth[i]
        );
        // The estimates centre on the truth: their mean within two
        // standard errors of a mean of 20.
        assert!(
            (m - truth[i]).abs() <= 2.0 * m_se / (seeds as f64).sqrt(),
            "{name}: mean {m} vs truth {}",
            truth[i]
        );
        // The SEs describe the spread (a factor 1.6 either way allows for
        // the spread of a standard deviation of 20 draws).
        assert!(
            spread / m_se > 0.6 && spread / m_se < 1.6,
            "{name}: spread {spread}, SE {m_se}"
        );
        assert!(
            within >= 17,
            "{name}: within 2 SE of the truth in only {within} of {seeds} seeds"
        );
    }
    eprintln!("genetic share (pve): mean {:.4}, spread {:.4}", mean(&pve), sd(&pve));
}
