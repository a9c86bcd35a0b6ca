use super::*;

fn orthogonal(n: usize) -> Mat<f64> {
    // Eigenvectors of a symmetric matrix are orthogonal.
    let a = Mat::<f64>::from_fn(n, n, |i, j| {
        ((i * 7 + j * 3) % 11) as f64 + if i == j { n as f64 } else { 0.0 }
    });
    let s = Mat::<f64>::from_fn(n, n, |i, j| a[(i, j)] + a[(j, i)]);
    let evd = s.self_adjoint_eigen(faer::Side::Lower).expect("symmetric");
    evd.U().to_owned()
}

fn block(n: usize, b: usize) -> (Mat<f64>, Vec<VariantStats>) {
    let x = Mat::<f64>::from_fn(n, b, |i, j| ((i * 13 + j * 5) % 3) as f64);
    let stats = (0..b)
        .map(|j| {
            let mut st = genotype::AlleleStats::default();
            for i in 0..n {
                match x[(i, j)] as u8 {
                    0 => st.n_hom_a2 += 1,
                    1 => st.n_het += 1,
                    _ => st.n_hom_a1 += 1,
                }
            }
            st.into()
        })
        .collect();
    (x, stats)
}

/// Tiles that do not divide the shape, rectangular inputs and empty
/// ones all give the element-wise transpose.
#[test]
fn tiled_transpose_is_the_transpose() {
    for (r, c) in [(0, 0), (1, 1), (5, 3), (64, 64), (130, 70), (70, 130)] {
        let u = Mat::<f64>::from_fn(r, c, |i, j| (i * 1000 + j) as f64 + 0.25);
        let ut = transpose_f32(u.as_ref());
        assert_eq!((ut.nrows(), ut.ncols()), (c, r));
        for i in 0..c {
            for j in 0..r {
                assert_eq!(ut[(i, j)], u[(j, i)] as f32, "({i}, {j}) of {r} x {c}");
            }
        }
    }
}

#[test]
fn identity_passes_the_block_through() {
    let (x, stats) = block(6, 3);
    let mut r = Rotator::new(None, Precision::F32, 3);
    assert_eq!(r.rotate(x.as_ref(), &stats, Par::Seq), x.as_ref());
}

#[test]
fn f64_rotation_is_u_transpose_x() {
    let n = 20;
    let u = orthogonal(n);
    let (x, stats) = block(n, 4);
    let mut r = Rotator::new(Some(u.as_ref()), Precision::F64, 8);
    let got = r.rotate(x.as_ref(), &stats, Par::Seq).to_owned();
    let want = u.transpose() * &x;
    assert!((&got - &want).norm_max() < 1e-12);
}

/// Both f32 routes (the f32 product, and the digits' integer product,
/// on tiles or, without them, written plainly) stay within the stated
/// bound of f64's: ~1e-6 of the centred values' scale.
#[test]
fn f32_rotation_is_within_its_bound_of_f64() {
    let n = 64;
    let u = orthogonal(n);
    let (x, stats) = block(n, 5);
    let mut r64 = Rotator::new(Some(u.as_ref()), Precision::F64, 5);
    let a = r64.rotate(x.as_ref(), &stats, Par::Seq).to_owned();
    for tiles in [false, true] {
        let mut r32 = Rotator::with_basis(Basis::f32_product(u.as_ref(), tiles), 5);
        let b = r32.rotate(x.as_ref(), &stats, Par::Seq).to_owned();
        let scale = x.norm_max() * (n as f64).sqrt();
        let err = (&a - &b).norm_max();
        assert!(err > 0.0 && err < 1e-6 * scale, "tiles {tiles}: {err} vs {scale}");
    }
}

/// A variant's rotation has the same bits whatever block it is in
/// (so a chunk of a scan equals the whole run's rows): hard-call
/// columns and dosage columns mixed, in blocks of any width, on the
/// tile route (digits; on tiles or written plainly) and the f32 one.
#[test]
fn a_variant_rotates_to_the_same_bits_in_any_block() {
    let (n, b) = (70, 23);
    let u = orthogonal(n);
    let (mut x, mut stats) = block(n, b);
    for j in [2, 3, 11, 22] {
        let mut st = genotype::AlleleStats::default();
        for i in 0..n {
            x[(i, j)] = ((i * 7 + j) % 19) as f64 * 0.1 + 0.05;
            st.n_het += 1;
        }
        stats[j] = st.into();
    }
    for tiles in [None, Some(Digits::Three), Some(Digits::Four)] {
        let run = |cap: usize| {
            let mut r = Rotator::with_basis(Basis::f32_product_in(u.as_ref(), tiles), cap);
            let mut got = Mat::<f64>::zeros(n, b);
            for j0 in (0..b).step_by(cap) {
                let w = cap.min(b - j0);
                let out = r.rotate(x.as_ref().subcols(j0, w), &stats[j0..j0 + w], Par::Seq);
                got.as_mut().subcols_mut(j0, w).copy_from(out);
            }
            got
        };
        let whole = run(b);
        for cap in [1, 2, 3, 5, 16] {
            assert_eq!(run(cap), whole, "tiles {tiles:?}, blocks of {cap}");
        }
    }
}

/// The triangular f32 route is `L⁻¹ x` within the f32 bound (`L` well
/// conditioned, as a whitening factor is: `κ(L) = √κ(λK + I)`), reads
/// only `L`'s lower triangle (the upper one here is garbage), and gives
/// the same bits on one thread or two, in blocks of any width (so
/// chunks of a scan equal one run).
#[test]
fn solve_lower_f32_applies_the_inverse_of_the_lower_triangle() {
    let n = 520;
    let l = Mat::<f64>::from_fn(n, n, |i, j| match i.cmp(&j) {
        std::cmp::Ordering::Greater => (((i * 7 + j * 3) % 11) as f64 - 5.0) * 2e-3,
        std::cmp::Ordering::Equal => 1.0 + (i % 5) as f64,
        std::cmp::Ordering::Less => 1e3,
    });
    let l32 = Mat::<f32>::from_fn(n, n, |i, j| l[(i, j)] as f32);
    let lower = Mat::<f64>::from_fn(n, n, |i, j| if i >= j { l[(i, j)] } else { 0.0 });
    let mut one = Mat::<f64>::from_fn(n, 1, |_, _| 1.0);
    solve_lower_triangular_in_place(lower.as_ref(), one.as_mut(), Par::Seq);
    let one: Vec<f64> = one.col(0).iter().copied().collect();
    let (x, stats) = block(n, 70);
    let mut want = x.clone();
    solve_lower_triangular_in_place(lower.as_ref(), want.as_mut(), Par::Seq);
    let run = |threads: usize, cap: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            let mut r = Rotator::solve_lower_f32(l32.clone(), one.clone(), cap);
            let mut got = Mat::<f64>::zeros(n, 70);
            for j0 in (0..70).step_by(cap) {
                let b = cap.min(70 - j0);
                let xs = x.as_ref().subcols(j0, b);
                let out = r.rotate(xs, &stats[j0..j0 + b], Par::rayon(threads));
                got.as_mut().subcols_mut(j0, b).copy_from(out);
            }
            got
        })
    };
    let a = run(1, 70);
    let scale = x.norm_max() * (n as f64).sqrt();
    let err = (&a - &want).norm_max();
    assert!(err > 0.0 && err < 1e-6 * scale, "{err} vs {scale}");
    assert_eq!(a, run(2, 70));
    // (widths 3 and 23 leave a lone last variant)
    for w in [1, 2, 3, 16, 23] {
        assert_eq!(a, run(1, w), "width {w}");
        assert_eq!(a, run(2, w), "width {w}");
    }
}

/// `L⁻¹` of `lambda K + I` for a GRM-like `K` with close relatives (pairs
/// of near-identical samples): rows whose entries are far larger than the
/// whitened values they sum to.
fn whitening_inverse(n: usize, lambda: f64) -> Mat<f64> {
    let m = 3 * n;
    let a = Mat::<f64>::from_fn(n, m, |i, j| {
        let s = i - i % 2; // samples 2k and 2k + 1 share most of their genotypes
        let g = ((s * 31 + j * 17 + (if j % 7 == 0 { i } else { s }) * 5) % 3) as f64;
        g - 1.0
    });
    let k = &a * a.transpose() * (1.0 / m as f64);
    let h = Mat::<f64>::from_fn(n, n, |i, j| lambda * k[(i, j)] + f64::from(u8::from(i == j)));
    let l = h.llt(faer::Side::Lower).expect("positive definite").L().to_owned();
    let mut inv_t = Mat::<f64>::zeros(n, n);
    faer::linalg::triangular_inverse::invert_upper_triangular(inv_t.as_mut(), l.transpose(), Par::Seq);
    inv_t
}

/// Whitening by a multiply with `L⁻¹`'s digits: four digits stay within
/// the f32 bound of the f64 product where three do not (the rows'
/// cancellation), and a variant's bits do not depend on its block.
#[test]
fn four_digits_whiten_within_the_f32_bound() {
    let n = 96;
    let inv_t = whitening_inverse(n, 20.0);
    let (x, stats) = block(n, 7);
    let want = inv_t.transpose() * &x;
    let scale = x.norm_max() * (n as f64).sqrt();
    let err = |digits| {
        let mut r = Rotator::with_basis(Basis::f32_product_in(inv_t.as_ref(), Some(digits)), 7);
        (&want - r.rotate(x.as_ref(), &stats, Par::Seq)).norm_max()
    };
    let (three, four) = (err(Digits::Three), err(Digits::Four));
    let mut f32 = Rotator::with_basis(Basis::f32_product(inv_t.as_ref(), false), 7);
    let plain = (&want - f32.rotate(x.as_ref(), &stats, Par::Seq)).norm_max();
    // (measured: three 1.1e-7, four 4.1e-10, the f32 product 1.1e-7, of a
    // scale of 19.6)
    assert!(
        four < 1e-6 * scale && four * 20.0 < three && four * 20.0 < plain,
        "{four} vs {three}, {plain}"
    );
}

/// `L⁻¹` given as the operator makes the same rotator as `L⁻ᵀ` given as
/// the eigenvectors would: the same bits, with the digits (read along
/// `L⁻¹`'s columns, and along `L⁻ᵀ`'s contiguous columns: both orders)
/// and without, over a previous f32 matrix's garbage.
#[test]
fn the_inverse_rotates_as_its_transpose_taken_for_eigenvectors() {
    let n = 150;
    let inv_t = whitening_inverse(n, 5.0);
    let inv = inv_t.transpose().to_owned();
    let (x, stats) = block(n, 9);
    for tiles in [false, true] {
        let garbage = Mat::<f32>::from_fn(n, n, |i, j| (i * n + j) as f32);
        let mut a = Rotator::inverse_f32_in(inv.as_ref(), 9, Some(garbage), tiles);
        let digits = tiles.then_some(Digits::Four);
        let mut b = Rotator::with_basis(Basis::f32_product_in(inv_t.as_ref(), digits), 9);
        let got = a.rotate(x.as_ref(), &stats, Par::Seq).to_owned();
        assert_eq!(got, b.rotate(x.as_ref(), &stats, Par::Seq).to_owned(), "tiles {tiles}");
    }
}
