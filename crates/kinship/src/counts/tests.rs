use super::*;

/// Deterministic counts 0, 1, 2 with runs of each.
fn counts(n: usize, b: usize, seed: usize) -> Vec<f64> {
    (0..n * b)
        .map(|k| (((k * 7919 + seed * 104_729) >> 3) % 3) as f64)
        .collect()
}

/// Every lower entry equals the integer product, for shapes that do
/// not divide the panel or the tile, an odd number of variants and
/// the most variants a product may hold, all 2 (the largest sums).
#[test]
fn byte_product_equals_integer_product() {
    if !available() {
        return;
    }
    // Every kernel this CPU has: AVX2, AVX-512BW, AMX tiles.
    let mut kernels = vec![Kernel::Avx2];
    if wide() {
        kernels.push(Kernel::Avx512);
    }
    if tiles::available() {
        kernels.push(Kernel::Tiles);
    }
    // The product alone, lower triangle (upper left 0).
    let product = |p: &Packed, wide: Kernel| {
        let mut s = faer::Mat::<f64>::zeros(p.n, p.n);
        syrk_add_with(p, s.as_mut(), |_, _, c| f64::from(c), wide);
        s
    };
    for &wide in &kernels {
        for (n, b) in [(1, 1), (5, 3), (32, 2), (37, 7), (70, 64), (131, 255)] {
            let x = counts(n, b, n + b);
            let got = product(&Packed::new(&x, n, b), wide);
            for j in 0..n {
                for i in 0..n {
                    let want: i64 = if i >= j {
                        (0..b).map(|v| (x[v * n + i] * x[v * n + j]) as i64).sum()
                    } else {
                        0
                    };
                    assert_eq!(got[(i, j)], want as f64, "{n} x {b}: ({i}, {j}), {wide:?}");
                }
            }
        }
        // Appended in parts that split words: the same product.
        let (n, b) = (45, 23);
        let x = counts(n, b, 3);
        let mut parts = Packed::with_capacity(n, b).expect("fits");
        for (v0, v1) in [(0, 3), (3, 4), (4, 13), (13, 23)] {
            parts.push(&x[v0 * n..v1 * n], v1 - v0);
        }
        assert_eq!(product(&parts, wide), product(&Packed::new(&x, n, b), wide), "{wide:?}");
        // Emptied and filled again: the same product.
        parts.clear();
        parts.push(&x, b);
        assert_eq!(product(&parts, wide), product(&Packed::new(&x, n, b), wide), "{wide:?}");
        // `f` sees each lower entry once, with its row and column, and
        // its value is added to what the matrix held.
        let mut s = faer::Mat::<f64>::from_fn(n, n, |i, j| (i * n + j) as f64);
        syrk_add_with(&parts, s.as_mut(), |i, j, c| f64::from(c) + (1000 * i + j) as f64, wide);
        let plain = product(&parts, wide);
        for j in 0..n {
            for i in 0..n {
                let want = (i * n + j) as f64
                    + if i >= j {
                        plain[(i, j)] + (1000 * i + j) as f64
                    } else {
                        0.0
                    };
                assert_eq!(s[(i, j)], want, "({i}, {j}), {wide:?}");
            }
        }
        let (n, b) = (40, MAX_VARIANTS);
        let twos = vec![2.0; n * b];
        let s = product(&Packed::new(&twos, n, b), wide);
        assert_eq!(s[(n - 1, 0)], (4 * b) as f64);
        assert_eq!(s[(17, 17)], (4 * b) as f64);
    }
}
