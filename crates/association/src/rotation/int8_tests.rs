//! Tests of [`super`]: the digits, and the integer rotation against f64.

use super::*;

fn orthogonal(n: usize) -> Mat<f64> {
    let a = Mat::<f64>::from_fn(n, n, |i, j| {
        ((i * 7 + j * 3) % 11) as f64 + if i == j { n as f64 } else { 0.0 } + ((i * j) % 5) as f64 * 0.1
    });
    let s = Mat::<f64>::from_fn(n, n, |i, j| a[(i, j)] + a[(j, i)]);
    let evd = s.self_adjoint_eigen(faer::Side::Lower).expect("symmetric");
    evd.U().to_owned()
}

fn ut_one(u: &Mat<f64>) -> Vec<f64> {
    (0..u.ncols()).map(|k| u.col(k).iter().sum()).collect()
}

/// Each entry of `U` is within half a last digit of its digits, the
/// digits stay in the signed-byte range the tiles read, and a zero
/// column stays zero.
#[test]
fn digits_reproduce_u_within_half_a_last_digit() {
    let n = 70;
    let mut u = orthogonal(n);
    u.col_mut(3).fill(0.0);
    for digits in [Digits::Three, Digits::Four] {
        let q = Int8Basis::new(u.as_ref(), &ut_one(&u), digits);
        let pieces = digits as usize;
        for k in 0..n {
            let top = u.col(k).iter().fold(0.0f64, |m, v| m.max(v.abs()));
            let bound = top / TOP * 0.5 / BASE.powi(pieces as i32 - 1) * (1.0 + 1e-9);
            for i in 0..n {
                assert!((q.entry(i, k) - u[(i, k)]).abs() <= bound, "{digits:?}: ({i}, {k})");
            }
        }
        assert_eq!(q.digits.len(), pieces * q.mp * q.kp);
        assert!(q.digits.iter().all(|&d| d != i8::MIN));
        assert!((0..n).all(|i| q.entry(i, 3) == 0.0));
        // the padding (samples beyond n) is zero, so stale codes there add nothing
        for r in 0..pieces * q.mp {
            assert!(q.digits[r * q.kp + n..(r + 1) * q.kp].iter().all(|&d| d == 0));
        }
    }
}

/// A block of codes with some missing calls imputed to the mean (and a
/// dosage) rotates to `Uᵀ x` within the f32 route's bound, identically
/// on one thread or two; a block of dosages is refused.
#[test]
fn int8_rotation_is_u_transpose_x_within_the_f32_bound() {
    let (n, b) = (150, 37);
    let u = orthogonal(n);
    let one = ut_one(&u);
    let q = Int8Basis::new(u.as_ref(), &one, Digits::Three);
    let mut x = Mat::<f64>::from_fn(n, b, |i, j| ((i * 13 + j * 5 + i * j) % 3) as f64);
    let mut means = vec![0.0; b];
    for j in 0..b {
        for i in (j % 7..n).step_by(11) {
            x[(i, j)] = f64::NAN;
        }
        let called: Vec<f64> = x.col(j).iter().copied().filter(|v| v.is_finite()).collect();
        means[j] = called.iter().sum::<f64>() / called.len() as f64;
        for i in 0..n {
            if x[(i, j)].is_nan() {
                x[(i, j)] = means[j];
            }
        }
    }
    x[(4, 2)] = 0.37;
    let ut = Mat::<f32>::from_fn(n, n, |k, i| u[(i, k)] as f32);
    let want = u.transpose() * &x;
    let run = |parallel: bool| {
        let mut blk = Int8Block::new(&q, 40);
        assert!(blk.pack(&q, x.as_ref()).is_empty());
        assert!(blk.others[2].contains(&(4, 0.37)));
        let mut out = Mat::<f64>::zeros(n, 40);
        blk.rotate(&q, &ut, &means, out.as_mut(), parallel);
        out.subcols(0, b).to_owned()
    };
    let got = run(false);
    let scale = x.norm_max() * (n as f64).sqrt();
    let err = (&got - &want).norm_max();
    assert!(err > 0.0 && err < 1e-6 * scale, "{err} vs {scale}");
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    assert_eq!(got, pool.install(|| run(true)));
    // columns of dosages, and one a few calls short of the limit
    let mut mixed = x.clone();
    for i in 0..n {
        mixed[(i, 5)] = (i % 20) as f64 * 0.1 + 0.05;
        mixed[(i, 30)] = (i % 20) as f64 * 0.1 + 0.05;
        if i < n / 8 {
            mixed[(i, 31)] = 0.5;
        }
    }
    assert_eq!(Int8Block::new(&q, 40).pack(&q, mixed.as_ref()), [5, 30]);
}

/// The digits' rounding is `f64::round` (halves away from zero) over the
/// range digits take, halves and their neighbours included.
#[test]
fn rounding_is_f64_round() {
    let mut values = vec![0.0, -0.0, 127.5, -127.5, 0.5, -0.5, 1.5, -2.5];
    for k in -260..=260 {
        let h = f64::from(k) + 0.5;
        values.extend([h, h.next_up(), h.next_down(), f64::from(k), f64::from(k).next_down()]);
    }
    let mut x = 0.123_f64;
    for _ in 0..10_000 {
        x = (x * 3_141.592_653_589_793).fract();
        values.push((x - 0.5) * 300.0);
    }
    for v in values {
        assert_eq!(f64::from(round(v)), v.round(), "{v}");
    }
    assert_eq!(round(f64::NAN), 0);
}
