//! Tests of the reuse paths of [`evaluate_cached`] (sums from a grid
//! point, from the memo, from a prefilled memo, left in `Work` by the
//! previous evaluation): each must give the bits of an evaluation on fresh
//! buffers, as outputs are compared byte for byte between versions.

use super::*;

/// Eigenvalues and columns `[1, w, x, y]` of a small model (`n` not a
/// multiple of 4), the variant `x` at index 2 as in the scan.
fn example() -> (Vec<f64>, Vec<Vec<f64>>) {
    let col = |f: fn(f64) -> f64| (0..37).map(|i| f(i as f64)).collect::<Vec<f64>>();
    let s = col(|i| (i * 0.53).cos().abs() * 5.0);
    let y = col(|i| (i * 1.3).cos() + 0.05 * i);
    (
        s,
        vec![col(|_| 1.0), col(|i| (i * 0.9).sin()), col(|i| i % 3.0 - 0.8), y],
    )
}

/// The evaluation's view of `cols` (with `ln|XᵀX|`).
fn columns<'a>(s: &'a [f64], cols: &'a [&'a [f64]], w: &mut Work) -> Columns<'a> {
    let logdet_xtx = logdet_xtx(cols, w).unwrap();
    Columns { s, cols, logdet_xtx }
}

/// Grid points at `lambdas` for `cols`, the variant's column `x`.
fn points_at(s: &[f64], cols: &[&[f64]], x: usize, lambdas: &[f64]) -> Vec<GridPoint> {
    let zero = vec![0.0; s.len()];
    let mut fixed_cols = cols.to_vec();
    fixed_cols[x] = &zero;
    lambdas.iter().map(|&l| GridPoint::new(s, &fixed_cols, x, l)).collect()
}

/// [`Work::prefill`] at every point with the variant's sums, as the scan's
/// block multiply gives them.
fn keep_sums(w: &mut Work, points: &[GridPoint], cols: &[&[f64]], x: usize) {
    let m = cols.len();
    for (k, p) in points.iter().enumerate() {
        let (w1, w2, w3) = (&p.weights.w1, &p.weights.w2, &p.weights.w3);
        let sums: Vec<_> = cols
            .iter()
            .map(|o| sums::dot3::<true>(w1, w2, w3, o, cols[x]))
            .collect();
        let (a, b): (Vec<f64>, Vec<f64>) = (sums.iter().map(|t| t.0).collect(), sums.iter().map(|t| t.1).collect());
        w.prefill(k, m, x, [&a, &b]);
    }
}

/// Every combination of what an evaluation may compute.
const NEEDS: [Need; 4] = [
    Need { f: false, d2: false },
    Need { f: true, d2: false },
    Need { f: false, d2: true },
    Need { f: true, d2: true },
];

/// The bits of an evaluation's outputs, `A_XX⁻¹`, `β` and `A` (`m x m`).
fn bits(e: Option<LikEval>, w: &Work, m: usize) -> Option<Vec<u64>> {
    let (e, k) = (e?, m - 1);
    let all = [e.f, e.d1, e.d2, e.ypy].into_iter().chain(w.beta[..k].iter().copied());
    Some(
        all.chain(w.ainv[..k * k].iter().copied())
            .chain(w.a[..m * m].iter().copied())
            .map(f64::to_bits)
            .collect(),
    )
}

/// Evaluations at grid points (sums from the point, then from the memo,
/// or from a prefilled memo), off the grid and repeated, in any order
/// of methods and needs, give the bits of an evaluation on fresh buffers.
#[test]
fn cached_equals_uncached() {
    let (s, owned) = example();
    let cols: Vec<&[f64]> = owned.iter().map(Vec::as_slice).collect();
    let (x, m, n) = (2, cols.len(), s.len());
    let points = points_at(&s, &cols, x, &[0.02, 0.5, 3.0]);
    let mut w = Work::new(n, m);
    let data = columns(&s, &cols, &mut w);
    for prefill in [false, true] {
        w.clear_memo();
        if prefill {
            keep_sums(&mut w, &points, &cols, x);
        }
        for (i, lambda) in [0.5, 0.5, 0.02, 1.7, 0.5, 3.0, 0.02].into_iter().enumerate() {
            let point = points
                .iter()
                .position(|g| g.weights.lambda == lambda)
                .map(|k| (x, k, &points[k]));
            for method in [Method::Reml, Method::Ml] {
                // first need at this visit: rotates, so each source meets each need
                for need in (0..4).map(|j| NEEDS[(i + j) % 4]) {
                    let got = evaluate_cached(&data, lambda, method, need, &mut w, point);
                    let mut fresh = Work::new(n, m);
                    let want = evaluate(&data, lambda, method, need, &mut fresh);
                    assert!(want.is_some());
                    assert_eq!(
                        bits(got, &w, m),
                        bits(want, &fresh, m),
                        "{prefill} {lambda} {method:?} {need:?}"
                    );
                }
            }
        }
    }
}

/// A second evaluation at one `lambda` (on the sums left in `Work`)
/// gives the bits of one on fresh buffers, whatever the first needed.
#[test]
fn repeat_at_same_lambda_equals_fresh() {
    let (s, owned) = example();
    let cols: Vec<&[f64]> = owned.iter().map(Vec::as_slice).collect();
    let (m, n) = (cols.len(), s.len());
    let logdet = logdet_xtx(&cols, &mut Work::new(n, m)).unwrap();
    let data = Columns {
        s: &s,
        cols: &cols,
        logdet_xtx: logdet,
    };
    let methods = [Method::Reml, Method::Ml];
    for (first, second) in NEEDS.into_iter().flat_map(|a| NEEDS.map(|b| (a, b))) {
        for (m1, m2) in methods.into_iter().flat_map(|a| methods.map(|b| (a, b))) {
            let mut w = Work::new(n, m);
            assert!(evaluate(&data, 0.8, m1, first, &mut w).is_some());
            let again = evaluate(&data, 0.8, m2, second, &mut w);
            let mut fresh = Work::new(n, m);
            let want = evaluate(&data, 0.8, m2, second, &mut fresh);
            assert_eq!(
                bits(again, &w, m),
                bits(want, &fresh, m),
                "{first:?} {m1:?}, then {second:?} {m2:?}"
            );
        }
    }
}

/// The rank-one path at grid points ([`evaluate_point`]) gives the general
/// path's derivative, `yᵀPy` and likelihood to rounding, for both methods;
/// it answers only where the variant's sums were kept, and reports a
/// variant collinear with the covariates as the general path does.
#[test]
fn rank_one_path_equals_general_path_at_grid_points() {
    let (s, owned) = example();
    let cols: Vec<&[f64]> = owned.iter().map(Vec::as_slice).collect();
    let (x, m, n) = (2, cols.len(), s.len());
    let lambdas = [1e-5, 0.02, 0.5, 3.0, 1e5];
    let points = points_at(&s, &cols, x, &lambdas);
    assert!(points.iter().all(|p| p.schur.is_some()));
    let mut w = Work::new(n, m);
    let data = columns(&s, &cols, &mut w);
    assert!(
        evaluate_point(&data, &points[0], 0, Method::Reml, true, &w).is_none(),
        "no sums kept yet"
    );
    keep_sums(&mut w, &points, &cols, x);
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-10 * b.abs().max(1.0);
    for (k, p) in points.iter().enumerate() {
        for method in [Method::Reml, Method::Ml] {
            let got = evaluate_point(&data, p, k, method, true, &w)
                .expect("applies")
                .expect("evaluates");
            let mut fresh = Work::new(n, m);
            let want = evaluate(&data, lambdas[k], method, NEEDS[1], &mut fresh).unwrap();
            for (a, b) in [(got.d1, want.d1), (got.ypy, want.ypy), (got.f, want.f)] {
                assert!(close(a, b), "{} {method:?}: {a} vs {b}", lambdas[k]);
            }
            assert!(got.d2.is_nan());
        }
    }
    // the variant's column equal to the covariate's: collinear everywhere
    let mut twin = cols.clone();
    twin[x] = cols[1];
    let mut w = Work::new(n, m);
    keep_sums(&mut w, &points, &twin, x);
    let data = Columns {
        s: &s,
        cols: &twin,
        logdet_xtx: 0.0,
    };
    for (k, p) in points.iter().enumerate() {
        assert!(evaluate_point(&data, p, k, Method::Reml, false, &w)
            .expect("applies")
            .is_none());
        assert!(evaluate(&data, lambdas[k], Method::Reml, NEEDS[0], &mut Work::new(n, m)).is_none());
    }
}
