//! The eigenbasis formulas against the textbook ones computed densely
//! (Cholesky of V, P formed explicitly).

use faer::linalg::solvers::DenseSolveCore;
use faer::{Mat, Par, Side};

use super::*;

/// Deterministic values in [-1, 1) (a multiplicative congruential sequence).
fn values(seed: u64, len: usize) -> Vec<f64> {
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((x >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        })
        .collect()
}

struct Case {
    k: Mat<f64>,
    x: Mat<f64>,
    y: Vec<f64>,
    n_o: usize,
}

/// `n_o` analysed samples and `n_m` relatives: genotypes of `m` variants
/// centred on the analysed samples, `K = Z Zᵀ / m`, an intercept and one
/// covariate.
fn case(n_o: usize, n_m: usize, m: usize) -> Case {
    let n = n_o + n_m;
    let raw = values(1, n * m);
    let mut z = Mat::<f64>::from_fn(n, m, |i, j| (raw[i * m + j] * 1.5 + 1.0).round());
    for j in 0..m {
        let mean = (0..n_o).map(|i| z[(i, j)]).sum::<f64>() / n_o as f64;
        for i in 0..n {
            z[(i, j)] -= mean;
        }
    }
    let k = &z * z.transpose() * faer::Scale(1.0 / m as f64);
    let cov = values(2, n_o);
    let x = Mat::<f64>::from_fn(n_o, 2, |i, j| if j == 0 { 1.0 } else { cov[i] });
    let y = values(3, n_o)
        .iter()
        .zip(&cov)
        .map(|(e, c)| 2.0 + 0.5 * c + e)
        .collect();
    Case { k, x, y, n_o }
}

fn inverse(a: &Mat<f64>) -> Mat<f64> {
    a.llt(Side::Lower).expect("positive definite").inverse()
}

fn close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() <= 1e-9 * (1.0 + b.abs()), "{what}: {a} vs dense {b}");
}

#[test]
fn predictions_and_their_errors_equal_the_dense_formulas() {
    let Case { k, x, y, n_o } = case(40, 7, 90);
    let n_m = k.nrows() - n_o;
    let (vg, ve) = (0.7, 0.4);
    let k_oo = k.as_ref().submatrix(0, 0, n_o, n_o).to_owned();
    let v = &k_oo * faer::Scale(vg) + Mat::<f64>::identity(n_o, n_o) * faer::Scale(ve);
    let v_inv = inverse(&v);
    let yv = Mat::<f64>::from_fn(n_o, 1, |i, _| y[i]);
    let xtvx = x.transpose() * &v_inv * &x;
    let beta = inverse(&xtvx) * x.transpose() * &v_inv * &yv;
    let r = &yv - &x * &beta;
    let p = &v_inv - &v_inv * &x * inverse(&xtvx) * x.transpose() * &v_inv;
    let g = &k_oo * faer::Scale(vg);
    let u_dense = &g * &v_inv * &r;
    let pev_dense = &g - &g * &p * &g;

    let evd = k_oo.self_adjoint_eigen(Side::Lower).expect("symmetric");
    let s: Vec<f64> = (0..n_o).map(|i| evd.S()[i].max(0.0)).collect();
    let variances = Variances {
        sigma_g2: vg,
        sigma_e2: ve,
        beta: (0..2).map(|j| beta[(j, 0)]).collect(),
    };
    let sol = Solution::new(evd.U(), &s, x.as_ref(), &y, variances, Par::Seq).expect("solves");
    let (u_hat, pev, k_diag) = sol.observed();
    for i in 0..n_o {
        close(u_hat[i], u_dense[(i, 0)], &format!("u[{i}]"));
        close(pev[i], pev_dense[(i, i)], &format!("PEV[{i}]"));
        close(k_diag[i], k_oo[(i, i)], &format!("K[{i},{i}]"));
        let rel = reliability(pev[i], vg, k_diag[i]);
        assert!((0.0..=1.0).contains(&rel), "reliability {rel}");
    }

    let k_mo = k.as_ref().submatrix(n_o, 0, n_m, n_o).to_owned();
    let k_mm: Vec<f64> = (0..n_m).map(|m| k[(n_o + m, n_o + m)]).collect();
    let g_mo = &k_mo * faer::Scale(vg);
    let um_dense = &g_mo * &v_inv * &r;
    let pevm_dense = Mat::<f64>::from_fn(n_m, 1, |m, _| vg * k_mm[m]) - {
        let q = &g_mo * &p * g_mo.transpose();
        Mat::<f64>::from_fn(n_m, 1, |m, _| q[(m, m)])
    };
    let (um, pevm) = sol.relatives(k_mo.as_ref(), &k_mm, Par::Seq);
    for m in 0..n_m {
        close(um[m], um_dense[(m, 0)], &format!("u_m[{m}]"));
        close(pevm[m], pevm_dense[(m, 0)], &format!("PEV_m[{m}]"));
    }

    // V⁻¹ r, the SNP effects' ingredient.
    let w_dense = &v_inv * &r;
    for (i, w) in sol.v_inv_r().iter().enumerate() {
        close(*w, w_dense[(i, 0)], &format!("(V⁻¹r)[{i}]"));
    }
}

#[test]
fn without_genetic_variance_nothing_is_predicted() {
    let Case { k, x, y, n_o } = case(20, 0, 30);
    let evd = k.self_adjoint_eigen(Side::Lower).expect("symmetric");
    let s: Vec<f64> = (0..n_o).map(|i| evd.S()[i].max(0.0)).collect();
    let mean = y.iter().sum::<f64>() / n_o as f64;
    let v = Variances {
        sigma_g2: 0.0,
        sigma_e2: 1.0,
        beta: vec![mean, 0.0],
    };
    let sol = Solution::new(evd.U(), &s, x.as_ref(), &y, v, Par::Seq).expect("solves");
    let (u_hat, pev, k_diag) = sol.observed();
    assert!(u_hat.iter().all(|u| u.abs() < 1e-12));
    assert!(pev.iter().all(|p| p.abs() < 1e-12));
    assert!(reliability(pev[0], 0.0, k_diag[0]).is_nan());
}

#[test]
fn bad_variances_are_refused() {
    let Case { k, x, y, .. } = case(12, 0, 20);
    let evd = k.self_adjoint_eigen(Side::Lower).expect("symmetric");
    let s = vec![0.0; 12];
    let v = Variances {
        sigma_g2: 1.0,
        sigma_e2: 0.0,
        beta: vec![0.0, 0.0],
    };
    let err = Solution::new(evd.U(), &s, x.as_ref(), &y, v, Par::Seq).unwrap_err();
    assert!(err.to_string().contains("sigma_e2"), "{err}");
}
