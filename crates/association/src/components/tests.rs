//! Several components: one kernel equals the single-kernel fit, the
//! optimum is a root of the REML gradient, Haseman-Elston equals its
//! formulas written densely, and variances stay non-negative.

use faer::linalg::solvers::DenseSolveCore;
use faer::{Mat, Par};

use super::*;
use crate::eigen::{center, Eigen};
use crate::likelihood::Method;
use crate::null_model::{fit_null, Rotated};
use crate::optimize::Search;

/// Deterministic standard normals (a 64-bit LCG through Box-Muller).
fn normals(seed: u64, n: usize) -> Vec<f64> {
    let mut state = seed
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    let mut unif = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| {
            let (a, b) = (unif(), unif());
            (-2.0 * a.ln()).sqrt() * (2.0 * std::f64::consts::PI * b).cos()
        })
        .collect()
}

/// Genotype-like data: a GRM from `p` variants, a cage kernel with
/// `cages` levels, a design (intercept + one covariate) and a phenotype
/// with genetic variance `vg`, cage variance `vc` and residual 1.
struct Problem {
    grm: Mat<f64>,
    cages: Vec<usize>,
    x: Mat<f64>,
    y: Vec<f64>,
}

fn problem(seed: u64, n: usize, p: usize, cages: usize, vg: f64, vc: f64) -> Problem {
    let z = normals(seed, n * p);
    // Standardised "genotypes": K = Z Zᵀ / p.
    let zm = Mat::from_fn(n, p, |i, j| z[i * p + j]);
    let grm = &zm * zm.transpose() * (1.0 / p as f64);
    let beta = normals(seed + 1, p);
    let g: Vec<f64> = (0..n)
        .map(|i| (0..p).map(|j| zm[(i, j)] * beta[j]).sum::<f64>() * (vg / p as f64).sqrt())
        .collect();
    let cage_of: Vec<usize> = (0..n).map(|i| (i * 7 + i / 3) % cages).collect();
    let effect = normals(seed + 2, cages);
    let e = normals(seed + 3, n);
    let cov = normals(seed + 4, n);
    let y = (0..n)
        .map(|i| 2.0 + 0.5 * cov[i] + g[i] + vc.sqrt() * effect[cage_of[i]] + e[i])
        .collect();
    let x = Mat::from_fn(n, 2, |i, j| if j == 0 { 1.0 } else { cov[i] });
    Problem {
        grm,
        cages: cage_of,
        x,
        y,
    }
}

#[test]
fn one_kernel_gives_the_single_kernel_reml_fit() {
    let p = problem(11, 150, 400, 10, 1.0, 0.0);
    let kernel = Kernel::new("grm", p.grm.clone());
    let fit = ai_reml(
        &p.y,
        p.x.as_ref(),
        std::slice::from_ref(&kernel),
        RemlControl::default(),
        Par::Seq,
    )
    .expect("fits");
    let mut k = p.grm.clone();
    center(&mut k);
    let eigen = Eigen::decompose(k.as_ref(), Par::Seq).expect("decomposes");
    let names = vec!["intercept".to_string(), "cov".to_string()];
    let rot = Rotated::new(&eigen, p.x.as_ref(), &names, &p.y, Par::Seq).expect("rotates");
    let single = fit_null(&rot, Method::Reml, &Search::default()).expect("fits");
    let rel = |a: f64, b: f64| (a - b).abs() / b.abs();
    assert!(
        rel(fit.components[0].sigma2, single.sigma_g2) < 1e-5,
        "{fit:?} {single:?}"
    );
    assert!(rel(fit.residual().sigma2, single.sigma_e2) < 1e-5);
    assert!(
        (fit.loglik.unwrap() - single.loglik).abs() < 1e-8,
        "{:?} {}",
        fit.loglik,
        single.loglik
    );
    assert!(
        rel(fit.total_pve, single.pve) < 1e-5,
        "{} {}",
        fit.total_pve,
        single.pve
    );
    // The AI standard error is not the observed-information one GEMMA's
    // -lmm reports, but close to it near the optimum.
    assert!(
        rel(fit.total_pve_se, single.pve_se) < 0.05,
        "{} {}",
        fit.total_pve_se,
        single.pve_se
    );
    for (b, s) in fit.beta.iter().zip(&single.beta) {
        assert!((b - s).abs() < 1e-5 * s.abs().max(1.0));
    }
}

/// The REML log-likelihood written densely: `-½ ((n - c) log 2π + log|V|
/// + log|XᵀV⁻¹X| - log|XᵀX| + yᵀPy)`.
fn dense_loglik(y: &[f64], x: &Mat<f64>, kernels: &[Kernel], sigma: &[f64]) -> f64 {
    let n = y.len();
    let m = kernels.len();
    let mut v = Mat::<f64>::identity(n, n) * sigma[m];
    for (k, s) in kernels.iter().zip(sigma) {
        v += &k.matrix * *s;
    }
    let vi = v.llt(faer::Side::Lower).unwrap().inverse();
    let logdet = |a: &Mat<f64>| {
        let l = a.llt(faer::Side::Lower).unwrap();
        2.0 * (0..a.nrows()).map(|i| l.L()[(i, i)].ln()).sum::<f64>()
    };
    let xtvx = x.transpose() * &vi * x;
    let p = &vi - &vi * x * xtvx.llt(faer::Side::Lower).unwrap().inverse() * x.transpose() * &vi;
    let yv = Mat::from_fn(n, 1, |i, _| y[i]);
    let ypy = (yv.transpose() * &p * &yv)[(0, 0)];
    let xtx = x.transpose() * x;
    -0.5 * ((n - x.ncols()) as f64 * (2.0 * std::f64::consts::PI).ln() + logdet(&v) + logdet(&xtvx) - logdet(&xtx)
        + ypy)
}

#[test]
fn two_kernels_reach_a_maximum_of_the_dense_likelihood() {
    let p = problem(5, 160, 300, 12, 0.8, 0.6);
    let kernels = vec![Kernel::new("grm", p.grm.clone()), Kernel::indicator("cage", &p.cages)];
    let fit = ai_reml(&p.y, p.x.as_ref(), &kernels, RemlControl::default(), Par::Seq).expect("fits");
    let sigma: Vec<f64> = fit.components.iter().map(|c| c.sigma2).collect();
    assert!(sigma.iter().all(|&s| s > 0.0), "{sigma:?}");
    let best = dense_loglik(&p.y, &p.x, &kernels, &sigma);
    assert!((best - fit.loglik.unwrap()).abs() < 1e-8);
    // Every small move in any direction lowers the likelihood.
    for i in 0..sigma.len() {
        for d in [-1e-3, 1e-3] {
            let mut s = sigma.clone();
            s[i] += d * sigma[i];
            assert!(dense_loglik(&p.y, &p.x, &kernels, &s) < best, "component {i}, step {d}");
        }
    }
    // Shares add up; the residual's is one minus the kernels'.
    let total: f64 = fit.kernels().iter().map(|c| c.pve).sum();
    assert!((total - fit.total_pve).abs() < 1e-12);
    assert!((fit.residual().pve - (1.0 - total)).abs() < 1e-12);
    assert!(fit.components.iter().all(|c| c.sigma2_se > 0.0 && c.pve_se > 0.0));
}

#[test]
fn a_kernel_without_signal_is_held_at_zero_not_negative() {
    // No cage effect at all, few cages: REML would go negative unconstrained
    // on some seeds; the fit must stay at zero and say so.
    let mut boundary = 0;
    for seed in 0..6 {
        let p = problem(100 + seed, 120, 300, 6, 1.0, 0.0);
        let kernels = vec![Kernel::new("grm", p.grm.clone()), Kernel::indicator("cage", &p.cages)];
        let fit = ai_reml(&p.y, p.x.as_ref(), &kernels, RemlControl::default(), Par::Seq).expect("fits");
        for c in &fit.components {
            assert!(c.sigma2 >= 0.0, "{c:?}");
        }
        let cage = &fit.components[1];
        if cage.at_boundary {
            boundary += 1;
            assert_eq!(cage.sigma2, 0.0);
            assert_eq!(cage.sigma2_se, 0.0);
        }
    }
    assert!(boundary > 0, "some seed puts the cage variance on the boundary");
}

#[test]
fn haseman_elston_equals_its_dense_formulas() {
    let p = problem(7, 90, 200, 9, 1.0, 0.5);
    let kernels = vec![Kernel::new("grm", p.grm.clone()), Kernel::indicator("cage", &p.cages)];
    let fit = haseman_elston(&p.y, p.x.as_ref(), &kernels, Par::Seq).expect("fits");
    let n = p.y.len();
    let nf = n as f64;
    let x = &p.x;
    let proj = Mat::<f64>::identity(n, n) - x * (x.transpose() * x).partial_piv_lu().inverse() * x.transpose();
    let yv = Mat::from_fn(n, 1, |i, _| p.y[i]);
    let var = |v: &Mat<f64>| {
        let m = (0..n).map(|i| v[(i, 0)]).sum::<f64>() / nf;
        (0..n).map(|i| v[(i, 0)] * v[(i, 0)]).sum::<f64>() / nf - m * m
    };
    let ry = &proj * &yv;
    let (vy, vr) = (var(&yv), var(&ry));
    let ys = &ry * (1.0 / vr.sqrt());
    let ks: Vec<(Mat<f64>, f64)> = kernels
        .iter()
        .map(|k| {
            let a = &proj * &k.matrix * &proj;
            let t = (0..n).map(|i| a[(i, i)]).sum::<f64>() / nf;
            (a * (1.0 / t), t)
        })
        .collect();
    let r = nf / (nf - 2.0);
    let q: Vec<f64> = ks
        .iter()
        .map(|(a, _)| (ys.transpose() * a * &ys)[(0, 0)] - r * nf)
        .collect();
    let s = Mat::from_fn(2, 2, |i, j| {
        (0..n)
            .map(|a| (0..n).map(|b| ks[i].0[(a, b)] * ks[j].0[(a, b)]).sum::<f64>())
            .sum::<f64>()
            - r * nf
    });
    let pv = s.partial_piv_lu().inverse() * Mat::from_fn(2, 1, |i, _| q[i]);
    for i in 0..2 {
        let sigma2 = pv[(i, 0)] * vr / ks[i].1;
        assert!((fit.components[i].sigma2 - sigma2).abs() < 1e-10 * sigma2.abs().max(1.0));
        let pve = sigma2 * kernels[i].trace_over_n / vy;
        assert!((fit.components[i].pve - pve).abs() < 1e-10);
    }
    let resid = (1.0 - pv[(0, 0)] - pv[(1, 0)]) * r * vr;
    assert!((fit.residual().sigma2 - resid).abs() < 1e-10 * resid.abs().max(1.0));
    assert!(fit.components.iter().all(|c| c.sigma2_se > 0.0));
}

#[test]
fn too_few_samples_or_no_kernel_are_refused() {
    let p = problem(3, 4, 10, 2, 1.0, 0.0);
    let k = vec![Kernel::new("grm", p.grm.clone())];
    assert!(matches!(
        ai_reml(&p.y, p.x.as_ref(), &k, RemlControl::default(), Par::Seq),
        Err(crate::Error::Degenerate(_))
    ));
    assert!(matches!(
        haseman_elston(&p.y, p.x.as_ref(), &[], Par::Seq),
        Err(crate::Error::InvalidArgument(_))
    ));
}
