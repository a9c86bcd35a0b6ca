use super::*;

/// `-log10` of `n` evenly spread p-values (i - 0.5) / n, scrambled, with
/// `strong` of them replaced by 1e-6, 1e-7, ...
fn values(n: u64, strong: u64) -> Vec<f64> {
    let mut v: Vec<f64> = (1..=n)
        .map(|i| -((((i * 7919) % n) as f64 + 0.5) / n as f64).log10())
        .collect();
    for k in 0..strong {
        v[(k * 13) as usize] = 6.0 + k as f64;
    }
    v
}

#[test]
fn points_follow_the_sorted_values_and_are_bounded() {
    let n = 200_000;
    let mut q = QqCounter::default();
    values(n, 4).iter().for_each(|&y| q.push(y));
    assert_eq!(q.n(), n);
    let x_max = expected(1, n);
    let width = 500.0;
    let qq = q.finish(x_max / width);
    // Every strong value first, at its exact rank.
    assert_eq!(
        &qq.points[..4],
        &[
            (x_max, 9.0),
            (expected(2, n), 8.0),
            (expected(3, n), 7.0),
            (expected(4, n), 6.0)
        ]
    );
    // Monotone: x and y never increase.
    assert!(qq.points.windows(2).all(|w| w[1].0 < w[0].0 && w[1].1 <= w[0].1));
    // Bounded by the histogram bins plus the x resolution.
    let bound = 4 + (KEEP_ALL_ABOVE * BINS_PER_UNIT) as usize + width as usize + 1;
    assert!(qq.points.len() <= bound, "{}", qq.points.len());
    // Evenly spread p-values lie on y = x (off by the four ranks the
    // strong values took, and a bin).
    assert!(qq
        .points
        .iter()
        .filter(|p| p.0 < 3.0)
        .all(|&(x, y)| (x - y).abs() < 0.01));
    assert_eq!((qq.x_max, qq.y_max), (x_max, 9.0));
}

#[test]
fn band_is_the_beta_order_statistic_interval() {
    let n = 100;
    let b = band(n);
    assert!(b.windows(2).all(|w| w[0].0 < w[1].0));
    // Smallest of n uniforms: P(U_(1) <= u) = 1 - (1 - u)^n.
    let (x, upper, lower) = *b.last().unwrap();
    assert_eq!(x, expected(1, n));
    let q = |level: f64| -(1.0 - (1.0 - level).powf(1.0 / n as f64)).log10();
    assert!((upper - q(0.025)).abs() < 1e-6, "{upper} {}", q(0.025));
    assert!((lower - q(0.975)).abs() < 1e-6, "{lower} {}", q(0.975));
    // Largest: P(U_(n) <= u) = u^n.
    let (_, upper, lower) = b[0];
    assert!((upper + 0.025f64.powf(1.0 / n as f64).log10()).abs() < 1e-6);
    assert!((lower + 0.975f64.powf(1.0 / n as f64).log10()).abs() < 1e-6);
    // The expected value lies inside the band everywhere.
    assert!(b.iter().all(|&(x, hi, lo)| lo < x && x < hi));
}

#[test]
fn band_for_ten_million_is_quick_and_continuous() {
    let n = 10_000_000;
    let start = std::time::Instant::now();
    let b = band(n);
    assert!(start.elapsed().as_secs_f64() < 2.0);
    assert!(b.iter().all(|&(x, hi, lo)| lo <= x && x <= hi && hi.is_finite()));
    // The band widens towards the top, also where the bisection hands
    // over to the normal approximation (both shapes > 1000).
    let widths: Vec<f64> = b.iter().map(|&(_, hi, lo)| hi - lo).collect();
    assert!(widths.windows(2).all(|w| w[1] >= w[0]), "{widths:?}");
    let handover = b.iter().position(|&(x, _, _)| x > (n as f64 / 1000.0).log10()).unwrap();
    assert!(
        widths[handover - 3..handover + 3].windows(2).all(|w| w[1] < 1.1 * w[0]),
        "{widths:?}"
    );
}
