//! The small dense algebra of an evaluation, on `k x k` and `m x m`
//! matrices (`k` design columns, `m = k + 1` with `y`): a Cholesky
//! factorisation with its log-determinant, the inverse from it, and the
//! quadratic forms and traces of the likelihood's derivatives. Matrices are
//! full (both triangles) and column-major; `m x m` ones hold `X` in columns
//! `0..k` and `y` in column `k`, and `ai` is `A_XX⁻¹` (`k x k`).

use super::sums::dot;
use super::Work;

/// In-place Cholesky of the leading `k x k` block of `a` (column-major,
/// leading dimension `ld`) into `l`; returns `ln|A|`, or `None` when `A` is
/// not positive definite (collinear columns).
pub(crate) fn cholesky(a: &[f64], ld: usize, k: usize, l: &mut [f64]) -> Option<f64> {
    factor(a, ld, k, l)?;
    Some(logdet_of(l, k))
}

/// `ln|A|` from the Cholesky factor `l` (`k x k`) of `A`.
pub(super) fn logdet_of(l: &[f64], k: usize) -> f64 {
    (0..k).map(|j| 2.0 * l[j * k + j].ln()).sum()
}

/// [`cholesky`] without the log-determinant (most evaluations do not need
/// it): `None` when `A` is not positive definite.
pub(super) fn factor(a: &[f64], ld: usize, k: usize, l: &mut [f64]) -> Option<()> {
    for j in 0..k {
        let mut d = a[j * ld + j];
        for p in 0..j {
            d -= l[p * k + j] * l[p * k + j];
        }
        if d.is_nan() || d <= a[j * ld + j].abs() * 1e-13 || d <= 0.0 {
            return None;
        }
        let dj = d.sqrt();
        l[j * k + j] = dj;
        for i in j + 1..k {
            let mut v = a[j * ld + i];
            for p in 0..j {
                v -= l[p * k + i] * l[p * k + j];
            }
            l[j * k + i] = v / dj;
        }
    }
    Some(())
}

/// `A⁻¹` from the Cholesky factor `l` (`k x k`) into `inv` (column-major `k x k`).
pub(crate) fn chol_inverse(l: &[f64], k: usize, inv: &mut [f64], tmp: &mut [f64]) {
    for col in 0..k {
        // solve L z = e_col, then Lᵀ x = z
        for i in 0..k {
            let mut v = if i == col { 1.0 } else { 0.0 };
            for p in 0..i {
                v -= l[p * k + i] * tmp[p];
            }
            tmp[i] = v / l[i * k + i];
        }
        for i in (0..k).rev() {
            let mut v = tmp[i];
            for p in i + 1..k {
                v -= l[i * k + p] * inv[col * k + p];
            }
            inv[col * k + i] = v / l[i * k + i];
        }
    }
}

/// `ln|XᵀX|` of the columns (all but the last, which is `y`), or `None`
/// when they are collinear.
pub(crate) fn logdet_xtx(cols: &[&[f64]], w: &mut Work) -> Option<f64> {
    let k = cols.len() - 1;
    let mut g = vec![0.0; k * k];
    for a in 0..k {
        for b in a..k {
            let v = dot(cols[a], cols[b]);
            g[a * k + b] = v;
            g[b * k + a] = v;
        }
    }
    cholesky(&g, k, k, &mut w.chol)
}

/// `M_yy - 2 βᵀM_Xy + βᵀM_XX β` of the `m x m` matrix `mat`, `k = β.len()`
/// (with `M = B` it is `yᵀPKPy`).
pub(super) fn quad_form(mat: &[f64], m: usize, beta: &[f64]) -> f64 {
    let k = beta.len();
    let y = k;
    let mut v = mat[y * m + y];
    for i in 0..k {
        v -= 2.0 * beta[i] * mat[y * m + i];
        for j in 0..k {
            v += beta[i] * mat[j * m + i] * beta[j];
        }
    }
    v
}

/// `gᵀA_XX⁻¹g` with `g = B_Xy - B_XX β` (`b` is `m x m`, `k = β.len()`).
pub(super) fn g_ainv_g(ai: &[f64], b: &[f64], m: usize, beta: &[f64]) -> f64 {
    let k = beta.len();
    let y = k;
    let mut gag = 0.0;
    for i in 0..k {
        let gi = b[y * m + i] - (0..k).map(|j| b[j * m + i] * beta[j]).sum::<f64>();
        for j in 0..k {
            let gj = b[y * m + j] - (0..k).map(|l| b[l * m + j] * beta[l]).sum::<f64>();
            gag += gi * ai[j * k + i] * gj;
        }
    }
    gag
}

/// `tr(A_XX⁻¹ M_XX)` of the `m x m` matrix `mat` (`ai` is `k x k`).
pub(super) fn trace_ai(ai: &[f64], mat: &[f64], m: usize, k: usize) -> f64 {
    let mut tr = 0.0;
    for i in 0..k {
        for j in 0..k {
            tr += ai[j * k + i] * mat[j * m + i];
        }
    }
    tr
}

/// `tr((A_XX⁻¹ B_XX)²)` of the `m x m` matrix `b` (`ai` is `k x k`).
pub(super) fn trace_ai_sq(ai: &[f64], b: &[f64], m: usize, k: usize) -> f64 {
    let mut tr = 0.0;
    for i in 0..k {
        for j in 0..k {
            // (A⁻¹B)_ij (A⁻¹B)_ji
            let ab_ij: f64 = (0..k).map(|l| ai[l * k + i] * b[j * m + l]).sum();
            let ab_ji: f64 = (0..k).map(|l| ai[l * k + j] * b[i * m + l]).sum();
            tr += ab_ij * ab_ji;
        }
    }
    tr
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_inverse() {
        let a = [4.0, 2.0, 2.0, 3.0];
        let mut l = [0.0; 4];
        let ld = cholesky(&a, 2, 2, &mut l).unwrap();
        assert!((ld - 8f64.ln()).abs() < 1e-14);
        let mut inv = [0.0; 4];
        let mut tmp = [0.0; 2];
        chol_inverse(&l, 2, &mut inv, &mut tmp);
        assert!((inv[0] - 3.0 / 8.0).abs() < 1e-15 && (inv[1] + 2.0 / 8.0).abs() < 1e-15);
        assert!(cholesky(&[1.0, 1.0, 1.0, 1.0], 2, 2, &mut l).is_none());
    }

    /// A singular matrix (third column the sum of the first two) has no
    /// factor; for a random 4x4 SPD matrix, `chol_inverse(A) A = I`.
    #[test]
    fn cholesky_singular_and_inverse_times_a() {
        let singular = [2.0, 1.0, 3.0, 1.0, 2.0, 3.0, 3.0, 3.0, 6.0];
        let mut l = [0.0; 16];
        assert!(cholesky(&singular, 3, 3, &mut l).is_none());
        // uniform in [-1, 1) from a fixed-seed 64-bit LCG (no dependency)
        let mut state = 12u64;
        let mut uniform = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 52) as f64 - 1.0
        };
        let g: Vec<f64> = (0..16).map(|_| uniform()).collect();
        // A = G Gᵀ + I
        let mut a = [0.0; 16];
        for i in 0..4 {
            for j in 0..4 {
                a[j * 4 + i] = (0..4).map(|p| g[p * 4 + i] * g[p * 4 + j]).sum::<f64>() + f64::from(i == j);
            }
        }
        let (mut inv, mut tmp) = ([0.0; 16], [0.0; 4]);
        cholesky(&a, 4, 4, &mut l).unwrap();
        chol_inverse(&l, 4, &mut inv, &mut tmp);
        for i in 0..4 {
            for j in 0..4 {
                let v: f64 = (0..4).map(|p| inv[p * 4 + i] * a[j * 4 + p]).sum();
                assert!((v - f64::from(i == j)).abs() < 1e-12, "({i}, {j}): {v}");
            }
        }
    }
}
