//! The eigendecomposition: reconstruction of K, the file round trip, and a
//! fit from a memory-mapped decomposition equal to one from memory.

#![allow(clippy::unwrap_used)] // test helpers: a failed read is a failed test

use std::path::{Path, PathBuf};

use association::{center, fit_null, Eigen, Method, Rotated, Search};
use association::{groups, prepare, Arithmetic, GrmSource};
use faer::{Mat, Par};
use genotype::{Dataset, NoProgress, PhenoSpec, Qc, SampleFilter, SampleId, VariantFilter};

fn data(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data").join(p)
}

fn random_psd(n: usize, rank: usize, seed: u64) -> Mat<f64> {
    // deterministic pseudo-random factors (xorshift), K = F Fᵀ / rank
    let mut x = seed;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % 1000) as f64 / 500.0 - 1.0
    };
    let f = Mat::from_fn(n, rank, |_, _| next());
    let k = &f * f.transpose();
    Mat::from_fn(n, n, |i, j| k[(i, j)] / rank as f64)
}

#[test]
fn reconstruction_matches_k() {
    for (n, rank) in [(50, 200), (120, 30)] {
        let mut k = random_psd(n, rank, 7 + n as u64);
        center(&mut k);
        let e = Eigen::decompose(k.as_ref(), Par::rayon(0)).unwrap();
        let r = e.reconstruct();
        let norm = (0..n)
            .map(|i| (0..n).map(|j| k[(i, j)].abs()).sum::<f64>())
            .fold(0.0, f64::max);
        let mut d = 0.0f64;
        for j in 0..n {
            for i in 0..n {
                d = d.max((r[(i, j)] - k[(i, j)]).abs());
            }
        }
        // faer's bound: ~ eps * sqrt(n) * ||K||
        assert!(d <= 1e-13 * (n as f64).sqrt() * norm, "n {n}: {d:e}");
        assert!(e.values().windows(2).all(|w| w[0] <= w[1]), "ascending eigenvalues");
        if rank < n {
            assert!(
                e.spectrum().n_zeroed >= n - rank,
                "rank-deficient K has zero eigenvalues"
            );
        }
    }
}

#[test]
fn written_then_mapped_eigen_reproduces_the_fit_exactly() {
    let spec = PhenoSpec::fam_column(1);
    let ds = Dataset::open(
        &data("mouse_hs1940/mouse_hs1940"),
        &SampleFilter::default(),
        &VariantFilter {
            chromosomes: Some(vec![genotype::Chrom::Auto(1), genotype::Chrom::Auto(2)]),
            ..Default::default()
        },
        &spec,
    )
    .unwrap();
    let group = groups(&ds).remove(0);
    let build = GrmSource::Build {
        kind: kinship::GrmKind::Centered,
        precision: kinship::Precision::F64,
    };
    let qc = Qc::default();
    let prep = prepare(
        &ds,
        group.clone(),
        &build,
        &qc,
        false,
        Arithmetic::default(),
        Par::rayon(0),
        &NoProgress,
    )
    .unwrap();
    let direct = prep.fit(&ds, Method::Reml, &Search::default(), Par::rayon(0)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("e");
    prep.write_eigen(&prefix, Vec::new()).unwrap();
    let back = Eigen::open(&prefix).unwrap();
    assert_eq!(back.record.provenance, prep.provenance);
    let (mapped, ids) = (back.eigen, back.ids);
    assert_eq!(ids, prep.ids);
    assert_eq!(mapped.values(), prep.eigen.values());
    assert_eq!(mapped.vectors(), prep.eigen.vectors());
    let from_file = GrmSource::Eigen {
        prefix: prefix.clone(),
        kind: kinship::GrmKind::Centered,
        grm_fileset: None,
    };
    let prep2 = prepare(
        &ds,
        group,
        &from_file,
        &qc,
        false,
        Arithmetic::default(),
        Par::rayon(0),
        &NoProgress,
    )
    .unwrap();
    let again = prep2.fit(&ds, Method::Reml, &Search::default(), Par::rayon(0)).unwrap();
    assert_eq!(direct[0].null, again[0].null, "bit-identical null model");

    // An eigendecomposition for other samples is refused.
    let f = Eigen::open(&prefix).unwrap();
    let wrong: Vec<SampleId> = prep.ids.iter().rev().cloned().collect();
    f.eigen.write(&dir.path().join("w"), &wrong, &f.record).unwrap();
    let other = GrmSource::Eigen {
        prefix: dir.path().join("w"),
        kind: kinship::GrmKind::Centered,
        grm_fileset: None,
    };
    let err = prepare(
        &ds,
        groups(&ds).remove(0),
        &other,
        &qc,
        false,
        Arithmetic::default(),
        Par::rayon(0),
        &NoProgress,
    )
    .unwrap_err();
    assert!(err.to_string().contains("other samples"), "{err}");
}

#[test]
fn a_damaged_eigen_file_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("bad");
    std::fs::write(dir.path().join("bad.eigen.id"), "a 1\nb 2\n").unwrap();
    std::fs::write(dir.path().join("bad.eigen.bin"), b"KDEIGEN2\x02\0\0\0\0\0\0\0short").unwrap();
    let e = Eigen::open(&prefix).unwrap_err().to_string();
    assert!(e.contains("bad.eigen.bin") && e.contains("bytes"), "{e}");
}

#[test]
fn boundary_and_degenerate_null_models() {
    // y in the span of K's null space: no genetic signal at all, so lambda
    // sits at the lower end of its range, pve ~ 0, and the fit says so.
    let n = 60;
    let mut k = random_psd(n, 20, 3);
    center(&mut k);
    let e = Eigen::decompose(k.as_ref(), Par::Seq).unwrap();
    let u = e.vectors();
    let zero: Vec<usize> = (0..n).filter(|&i| e.values()[i] < 1e-10).collect();
    assert!(zero.len() >= n - 20);
    let y: Vec<f64> = (0..n)
        .map(|r| {
            zero[1..6]
                .iter()
                .enumerate()
                .map(|(t, &c)| u[(r, c)] * (t as f64 + 1.0))
                .sum()
        })
        .collect();
    let w = Mat::from_fn(n, 1, |_, _| 1.0);
    let names = vec!["intercept".to_string()];
    let rot = Rotated::new(&e, w.as_ref(), &names, &y, Par::Seq).unwrap();
    let m = fit_null(&rot, Method::Reml, &Search::default()).unwrap();
    assert!(m.at_boundary, "{m:?}");
    assert_eq!(m.lambda, 1e-5);
    assert!(m.pve < 1e-4, "{}", m.pve);
    // constant phenotype
    let flat = vec![2.5; n];
    let err = Rotated::new(&e, w.as_ref(), &names, &flat, Par::Seq)
        .unwrap_err()
        .to_string();
    assert!(err.contains("constant"), "{err}");
    // collinear covariates name the culprit
    let w2 = Mat::from_fn(n, 3, |i, j| if j == 0 { 1.0 } else { (i % 5) as f64 });
    let names2 = vec!["intercept".to_string(), "a".to_string(), "b".to_string()];
    let err = Rotated::new(&e, w2.as_ref(), &names2, &y, Par::Seq)
        .unwrap_err()
        .to_string();
    assert!(err.contains("'b'"), "{err}");
    // too few samples
    let e3 = Eigen::decompose(Mat::<f64>::identity(3, 3).as_ref(), Par::Seq).unwrap();
    let w3 = Mat::from_fn(3, 2, |i, j| if j == 0 { 1.0 } else { i as f64 });
    let err = Rotated::new(&e3, w3.as_ref(), &names2[..2], &[1.0, 2.0, 4.0], Par::Seq)
        .unwrap_err()
        .to_string();
    assert!(err.contains("samples"), "{err}");
}
