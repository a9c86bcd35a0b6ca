//! Properties of the GRM builder: blocking, LOCO, thread counts, GCTA's
//! missing-data handling against a direct computation, format round trips.

#![allow(clippy::unwrap_used)] // test helpers: a failed read is a failed test

use std::path::{Path, PathBuf};

use faer::{Mat, Par};
use genotype::VariantMoments;
use genotype::{Encoding, Fileset, Genotypes, NoProgress, SampleSubset};
use kinship::{build_fileset, format, BuildOptions, Grm, GrmKind, GrmSums, Precision};

fn data(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data").join(p)
}

fn sums(fs: &Fileset, variants: &[u32], kind: GrmKind, block: usize, loco: bool, par: Par) -> GrmSums {
    let opts = BuildOptions {
        kind,
        precision: Precision::F64,
        block_size: block,
        loco,
    };
    build_fileset(fs, variants, &opts, par, &NoProgress).unwrap()
}

fn polymorphic(fs: &Fileset) -> Vec<u32> {
    let all = SampleSubset::all(fs.fam.len());
    let g = Genotypes::new(&fs.bed, &all);
    (0..fs.variants.len() as u32)
        .filter(|&v| g.stats(v as usize).n_classes() >= 2)
        .collect()
}

fn mouse() -> Fileset {
    Fileset::open(&data("mouse_hs1940/mouse_hs1940")).unwrap()
}

#[test]
fn blocks_of_three_equal_one_block() {
    let fs = Fileset::open(&data("tiny/multi")).unwrap();
    let v = polymorphic(&fs);
    for kind in [GrmKind::Centered, GrmKind::Standardized, GrmKind::Plink, GrmKind::Gcta] {
        let a = sums(&fs, &v, kind, 3, false, Par::Seq).grm().unwrap();
        let b = sums(&fs, &v, kind, 1000, false, Par::Seq).grm().unwrap();
        assert!(a.max_abs_diff(&b.matrix) < 1e-12, "{kind:?}");
    }
}

#[test]
fn loco_equals_a_direct_build_without_the_chromosome() {
    let fs = mouse();
    let v: Vec<u32> = polymorphic(&fs);
    let s = sums(&fs, &v, GrmKind::Centered, 512, true, Par::rayon(0));
    assert_eq!(s.chromosomes().len(), 19);
    for c in [genotype::Chrom::Auto(1), genotype::Chrom::Auto(19)] {
        let loco = s.loco(&c).unwrap();
        let rest: Vec<u32> = v
            .iter()
            .copied()
            .filter(|&x| fs.variants[x as usize].chrom != c)
            .collect();
        let direct = sums(&fs, &rest, GrmKind::Centered, 512, false, Par::rayon(0))
            .grm()
            .unwrap();
        assert_eq!(loco.n_variants, rest.len());
        let d = loco.max_abs_diff(&direct.matrix);
        assert!(d < 1e-12, "chromosome {c}: {d:e}");
    }
    // the LOCO pass gives the same whole-genome GRM as a plain pass
    let plain = sums(&fs, &v, GrmKind::Centered, 512, false, Par::rayon(0))
        .grm()
        .unwrap();
    assert!(s.grm().unwrap().max_abs_diff(&plain.matrix) < 1e-12);
}

#[test]
fn one_and_two_threads_give_identical_bits() {
    let fs = mouse();
    let v: Vec<u32> = polymorphic(&fs)[..3000].to_vec();
    for kind in [GrmKind::Standardized, GrmKind::Centered] {
        let a = sums(&fs, &v, kind, 1024, false, Par::Seq).grm().unwrap();
        let b = sums(&fs, &v, kind, 1024, false, Par::rayon(2)).grm().unwrap();
        assert_eq!(a.max_abs_diff(&b.matrix), 0.0, "{kind:?}");
    }
}

/// The centered kind sums blocks without missing calls as integers in f32;
/// blocks with missing calls go through f64. Both give the same matrix as a
/// direct f64 sum of centred columns.
#[test]
fn centered_exact_integer_path_equals_direct_f64() {
    for (set, block) in [("mouse_hs1940/mouse_hs1940", 700), ("tiny/tiny", 2)] {
        let fs = Fileset::open(&data(set)).unwrap();
        let v: Vec<u32> = polymorphic(&fs).into_iter().take(2000).collect();
        let ours = sums(&fs, &v, GrmKind::Centered, block, false, Par::rayon(0))
            .grm()
            .unwrap();
        let n = fs.fam.len();
        let all = SampleSubset::all(n);
        let g = Genotypes::new(&fs.bed, &all);
        let mut z = Mat::<f64>::zeros(n, v.len());
        let mut col = vec![0.0; n];
        for (j, &var) in v.iter().enumerate() {
            g.decode_one(var as usize, Encoding::Centered, &mut col);
            for i in 0..n {
                z[(i, j)] = col[i];
            }
        }
        let direct = &z * z.transpose();
        let direct = Mat::from_fn(n, n, |i, j| direct[(i, j)] / v.len() as f64);
        let d = ours.max_abs_diff(&direct);
        assert!(d < 1e-12, "{set}: {d:e}");
    }
}

/// Direct GCTA formula over observed genotypes, pair by pair.
fn gcta_direct(fs: &Fileset, variants: &[u32]) -> Mat<f64> {
    let n = fs.fam.len();
    let all = SampleSubset::all(n);
    let g = Genotypes::new(&fs.bed, &all);
    let mut cols = Vec::new();
    for &v in variants {
        let mut x = vec![0.0; n];
        let st = g.decode_one(v as usize, Encoding::Raw, &mut x);
        cols.push((x, st.a1_freq()));
    }
    Mat::from_fn(n, n, |j, k| {
        let (mut s, mut c) = (0.0, 0.0);
        for (x, p) in &cols {
            let (a, b) = (x[j], x[k]);
            if a.is_nan() || b.is_nan() {
                continue;
            }
            let v = 2.0 * p * (1.0 - p);
            s += if j == k {
                (a * a - (1.0 + 2.0 * p) * a + 2.0 * p * p) / v
            } else {
                (a - 2.0 * p) * (b - 2.0 * p) / v
            };
            c += 1.0;
        }
        if j == k {
            1.0 + s / c
        } else {
            s / c
        }
    })
}

#[test]
fn gcta_kind_handles_missing_genotypes_pair_by_pair() {
    // data/tiny/tiny has missing calls; keep the variants with two classes
    let fs = Fileset::open(&data("tiny/tiny")).unwrap();
    let v = polymorphic(&fs);
    let ours = sums(&fs, &v, GrmKind::Gcta, 2, false, Par::Seq).grm().unwrap();
    let direct = gcta_direct(&fs, &v);
    assert!(ours.max_abs_diff(&direct) < 1e-12);
    assert!(ours.pair_counts.is_some(), "tiny has missing calls");
}

fn assert_round_trip(a: &Grm, b: &Grm, tol: f64) {
    assert_eq!(a.ids, b.ids);
    let d = a.max_abs_diff(&b.matrix);
    assert!(d <= tol, "{d:e}");
}

#[test]
fn formats_round_trip() {
    let fs = Fileset::open(&data("tiny/multi")).unwrap();
    let v = polymorphic(&fs);
    let grm = sums(&fs, &v, GrmKind::Gcta, 4, false, Par::Seq).grm().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("k");
    format::gcta::write(&prefix, &grm, None).unwrap();
    let back = format::gcta::read(&prefix).unwrap();
    assert_round_trip(&grm, &back, 1e-6); // f32 storage
    assert_eq!(back.n_variants, grm.n_variants);
    let text = dir.path().join("k.cXX.txt");
    format::gemma::write(&text, &grm, None).unwrap();
    let back = format::gemma::read(&text, grm.ids.clone()).unwrap();
    assert_round_trip(&grm, &back, 1e-9);
    // a GEMMA file with the wrong number of rows is refused, naming the file
    let short = genotype::SampleId::new("x", "y");
    let e = format::gemma::read(&text, vec![short]).unwrap_err().to_string();
    assert!(e.contains("k.cXX.txt"), "{e}");
}
