//! Tests of the mixed-precision decomposition against f64.

use faer::{Mat, Par};

use crate::eigen::{Arithmetic, Eigen};

/// A centred GRM of `n` samples from three populations with different
/// allele frequencies: a few large eigenvalues over a bulk, as real
/// GRMs have.
fn structured_grm(n: usize) -> Mat<f64> {
    let m = 2 * n;
    let mut x = 7u64;
    let mut unif = move || {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut freq = Vec::with_capacity(m);
    for _ in 0..m {
        let p = 0.05 + 0.9 * unif();
        let mut shift = || (p + 0.4 * (unif() - 0.5)).clamp(0.02, 0.98);
        freq.push([p, shift(), shift()]);
    }
    let mut g = Mat::<f64>::from_fn(n, m, |i, j| {
        let p = freq[j][i % 3];
        f64::from(u8::from(unif() < p) + u8::from(unif() < p))
    });
    for j in 0..m {
        let mean = (0..n).map(|i| g[(i, j)]).sum::<f64>() / n as f64;
        for i in 0..n {
            g[(i, j)] -= mean;
        }
    }
    &g * g.transpose() * (1.0 / m as f64)
}

/// `xᵀ (K + delta I)⁻¹ y` from a decomposition.
fn quadratic(e: &Eigen, x: &Mat<f64>, y: &Mat<f64>, delta: f64) -> f64 {
    let (ux, uy) = (e.vectors().transpose() * x, e.vectors().transpose() * y);
    (0..e.n())
        .map(|i| ux[(i, 0)] * uy[(i, 0)] / (e.values()[i] + delta))
        .sum()
}

#[test]
fn a_mixed_decomposition_gives_the_f64_statistics() {
    // What the models use from a decomposition: the eigenvalues, and
    // the quadratic forms of (K + delta I)⁻¹ over the range of delta a
    // REML fit explores. The dominant pairs are f64's own.
    let n = 2100;
    let k = structured_grm(n);
    let full = Eigen::decompose_in(k.as_ref(), Arithmetic::F64, Par::rayon(2)).unwrap();
    let mixed = Eigen::decompose_in(k.as_ref(), Arithmetic::Mixed, Par::rayon(2)).unwrap();
    assert_eq!(full.mixed(), None);
    let kd = mixed.mixed().expect("the mixed route is taken");
    assert!(kd >= 2, "the population structure's eigenvalues are deflated: {kd}");
    let (a, b) = (full.values(), mixed.values());
    let top = a[n - 1];
    for i in 0..n {
        let tol = if i >= n - kd { 1e-11 * top } else { 2e-6 * top };
        assert!((a[i] - b[i]).abs() <= tol, "eigenvalue {i}: {} against {}", b[i], a[i]);
    }
    let gram = mixed.vectors().transpose() * mixed.vectors();
    let off = (0..n)
        .flat_map(|i| (0..n).map(move |j| (i, j)))
        .map(|(i, j)| (gram[(i, j)] - if i == j { 1.0 } else { 0.0 }).abs())
        .fold(0.0, f64::max);
    assert!(off < 1e-5, "eigenvectors orthonormal to {off:e}");
    let mut s = 3u64;
    // genotype-like vectors, centred as the models' intercept does
    // (K's zero eigenvalue along 1 meets delta alone)
    let mut draw = || {
        let mut v = Mat::<f64>::from_fn(n, 1, |_, _| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            f64::from((s >> 40) as u32 % 3)
        });
        let mean = v.col(0).sum() / n as f64;
        v.col_mut(0).iter_mut().for_each(|a| *a -= mean);
        v
    };
    let (x, y) = (draw(), draw());
    for delta in [0.02, 0.2, 1.0, 10.0] {
        // each form against the scale Cauchy-Schwarz gives it
        let scale = |p, q| (quadratic(&full, p, p, delta) * quadratic(&full, q, q, delta)).sqrt();
        for (p, q) in [(&x, &x), (&x, &y), (&y, &y)] {
            let (f, m) = (quadratic(&full, p, q, delta), quadratic(&mixed, p, q, delta));
            let rel = (f - m).abs() / scale(p, q);
            assert!(rel < 2e-6, "delta {delta}: {m} against {f} ({rel:e})");
        }
    }
}

#[test]
fn a_mixed_decomposition_does_not_depend_on_the_threads() {
    let k = structured_grm(2100);
    let one = Eigen::decompose(k.as_ref(), Par::rayon(1)).unwrap();
    let two = Eigen::decompose(k.as_ref(), Par::rayon(2)).unwrap();
    assert!(one.mixed().is_some());
    assert_eq!(one.values(), two.values());
    assert!(one.vectors() == two.vectors());
}

#[test]
fn a_flat_spectrum_falls_back_to_f64() {
    // Every Ritz pair of a multiple of the identity converges, so none
    // stands out to be deflated (and each Krylov block collapses onto
    // the first and is drawn again): the f64 route, to the bit.
    let k = Mat::<f64>::identity(2100, 2100) * 2.0;
    let e = Eigen::decompose(k.as_ref(), Par::rayon(2)).unwrap();
    let f = Eigen::decompose_in(k.as_ref(), Arithmetic::F64, Par::rayon(2)).unwrap();
    assert_eq!(e.mixed(), None);
    assert_eq!(e.values(), f.values());
    assert!(e.vectors() == f.vectors());
}
