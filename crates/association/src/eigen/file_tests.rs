//! Tests of the eigen file: round trip, checksums, provenance, the header's
//! arithmetic and the range of the eigenvalues.

use faer::Mat;
use kinship::{FilesetFingerprint, GrmKind, GrmOrigin, Precision};

use super::*;
use crate::ErrorKind;

fn record() -> EigenRecord {
    EigenRecord {
        provenance: provenance(),
        left_out: Some("3".into()),
        null_fits: vec![FitRecord::new("y", 5, 0.1 + 0.2)],
    }
}

fn provenance() -> Provenance {
    Provenance {
        fileset: FilesetFingerprint {
            prefix: "data/x".into(),
            bed_bytes: 3,
            bim_bytes: 4,
            fam_bytes: 5,
            bim_checksum: hex(1),
            fam_checksum: hex(2),
        },
        grm: GrmOrigin::built(GrmKind::Centered, Precision::F64, 0.01, 0.05, 9),
    }
}

fn ids(n: usize) -> Vec<SampleId> {
    (0..n).map(|i| SampleId::new("F", &format!("s{i}"))).collect()
}

/// An eigendecomposition with the given values and identity vectors.
fn eigen(values: &[f64]) -> Eigen {
    let n = values.len();
    Eigen {
        values: values.to_vec(),
        vectors: Vectors::Owned(Mat::identity(n, n)),
        mixed: None,
    }
}

fn written(dir: &Path, values: &[f64]) -> PathBuf {
    let p = dir.join("e");
    eigen(values).write(&p, &ids(values.len()), &record()).unwrap();
    p
}

fn open_err(p: &Path) -> String {
    let e = Eigen::open(p).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MalformedInput, "{e}");
    e.to_string()
}

#[test]
fn issue_17_4_eigen_file_round_trips_with_its_provenance() {
    let dir = tempfile::tempdir().unwrap();
    let k = Mat::from_fn(5, 5, |i, j| if i == j { 2.0 } else { 0.3 / (1 + i + j) as f64 });
    let e = Eigen::decompose(k.as_ref(), faer::Par::Seq).unwrap();
    let p = dir.path().join("e");
    e.write(&p, &ids(5), &record()).unwrap();
    let back = Eigen::open(&p).unwrap();
    assert_eq!(back.ids, ids(5));
    assert_eq!(back.record.provenance, provenance());
    assert_eq!(back.record.left_out.as_deref(), Some("3"));
    // The fit's lambda comes back to the bit (its hex bits are recorded).
    assert_eq!(back.record.null_fits, record().null_fits);
    assert_eq!(
        back.record.null_fits[0].lambda_bits,
        format!("{:016x}", (0.1f64 + 0.2).to_bits())
    );
    assert_eq!(back.eigen.values(), e.values());
    assert_eq!(back.eigen.vectors(), e.vectors());
    let bytes = std::fs::read(bin_path(&p)).unwrap();
    assert_eq!(&bytes[..8], b"KDEIGEN2");
    let meta_len = u64::from_le_bytes(bytes[16..24].try_into().unwrap()) as usize;
    assert_eq!(bytes.len(), HEADER + meta_len + 8 * 5 + 8 * 25);
}

#[test]
fn issue_17_4_eight_changed_bytes_anywhere_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = written(dir.path(), &[0.5, 1.0, 2.0, 3.0]);
    let bin = bin_path(&p);
    let good = std::fs::read(&bin).unwrap();
    let len = good.len();
    // a vector entry, an eigenvalue, the metadata, the header's n
    for (at, what) in [
        (len - 40, "eigenvalues and eigenvectors"),
        (len - 8 * 16 - 16, "eigenvalues"),
        (48, "header"),
        (8, ""),
    ] {
        let mut b = good.clone();
        b[at..at + 8].copy_from_slice(&0.75f64.to_le_bytes());
        std::fs::write(&bin, &b).unwrap();
        let e = open_err(&p);
        assert!(
            e.starts_with(&bin.display().to_string()) && e.contains(what),
            "{at}: {e}"
        );
        assert!(e.contains("checksum"), "{at}: {e}");
    }
    std::fs::write(&bin, &good).unwrap();
    // the sample list changed (same samples, other order)
    let id_path = with_extension(&p, "eigen.id");
    std::fs::write(&id_path, "F\ts1\nF\ts0\nF\ts2\nF\ts3\n").unwrap();
    let e = open_err(&p);
    assert!(e.contains("e.eigen.id: differs from the sample list"), "{e}");
}

/// A file with consistent checksums around the header fields given.
fn forged(n: u64, meta: &str, payload: &[u8]) -> Vec<u8> {
    let mut json = meta.to_string();
    while !json.len().is_multiple_of(8) {
        json.push(' ');
    }
    let mut h = Vec::new();
    h.extend_from_slice(MAGIC);
    h.extend_from_slice(&n.to_le_bytes());
    h.extend_from_slice(&(json.len() as u64).to_le_bytes());
    h.extend_from_slice(&checksum(payload).to_le_bytes());
    let mut c = Checksum::new();
    c.update(&h);
    c.update(json.as_bytes());
    h.extend_from_slice(&c.finish().to_le_bytes());
    h.extend_from_slice(json.as_bytes());
    h.extend_from_slice(payload);
    h
}

#[test]
fn issue_17_4_a_header_claiming_2_pow_61_samples_is_refused_without_wrapping() {
    let dir = tempfile::tempdir().unwrap();
    let p = written(dir.path(), &[1.0, 2.0]);
    let bin = bin_path(&p);
    let good = std::fs::read(&bin).unwrap();
    let meta_len = u64::from_le_bytes(good[16..24].try_into().unwrap()) as usize;
    let meta = std::str::from_utf8(&good[HEADER..HEADER + meta_len]).unwrap();
    for n in [1u64 << 61, 1 << 32, u64::MAX] {
        std::fs::write(&bin, forged(n, meta, &[])).unwrap();
        let e = open_err(&p);
        assert!(e.ends_with(&format!("which {n} samples do not fill")), "{e}");
    }
    // a metadata length beyond the file
    let mut b = good.clone();
    b[16..24].copy_from_slice(&(1u64 << 62).to_le_bytes());
    std::fs::write(&bin, &b).unwrap();
    assert!(open_err(&p).contains("bytes of metadata"));
    std::fs::write(&bin, &good[..20]).unwrap();
    assert!(open_err(&p).contains("shorter than its header"));
}

#[test]
fn issue_17_4_the_old_format_and_other_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = written(dir.path(), &[1.0]);
    let bin = bin_path(&p);
    let mut v1 = b"KDEIGEN1".to_vec();
    v1.extend_from_slice(&1u64.to_le_bytes());
    v1.extend_from_slice(&1f64.to_le_bytes());
    v1.extend_from_slice(&1f64.to_le_bytes());
    std::fs::write(&bin, &v1).unwrap();
    let e = open_err(&p);
    assert!(
        e.contains("KDEIGEN1") && e.ends_with("write it again with --write-eigen"),
        "{e}"
    );
    std::fs::write(&bin, b"PK\x03\x04 not an eigen file at all").unwrap();
    assert!(open_err(&p).contains("bad magic bytes"));
}

#[test]
fn issue_17_4_eigenvalues_out_of_range_are_refused_even_with_good_checksums() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[f64], &str); 5] = [
        (&[0.5, f64::INFINITY], "eigenvalue 2 is inf, not a finite number"),
        (&[f64::NAN, 1.0], "eigenvalue 1 is NaN"),
        (&[0.5, 1e300], "largest eigenvalue is 1e300"),
        (&[-1e10, 1.0], "smallest eigenvalue -1e10 is below -1e-6"),
        (&[-1.0, -0.5], "largest eigenvalue is -5e-1"),
    ];
    for (values, msg) in cases {
        let p = written(dir.path(), values);
        let e = open_err(&p);
        assert!(e.contains(msg), "{values:?}: {e}");
    }
    // rounding below zero is fine; a GCTA-kind GRM may be indefinite
    written(dir.path(), &[-1e-12, 0.0, 2.0]);
    Eigen::open(&dir.path().join("e")).unwrap();
    assert!(check_values(&[-0.5, 1.0], false).is_ok());
    assert!(check_values(&[-0.5, 1.0], true).is_err());
}

/// Eigenvalues out of order and non-finite vectors are refused even when
/// the checksums agree (a file written by something else).
#[test]
fn issue_17_4_unordered_values_and_non_finite_vectors_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = written(dir.path(), &[1.0, 0.5, 2.0]);
    let e = open_err(&p);
    assert!(
        e.contains("eigenvalue 2 (5e-1) is below eigenvalue 1 (1e0): kindred writes them in ascending order"),
        "{e}"
    );
    let mut v = Mat::<f64>::identity(3, 3);
    v[(2, 1)] = f64::NAN;
    let bad = Eigen {
        values: vec![0.5, 1.0, 2.0],
        vectors: Vectors::Owned(v),
        mixed: None,
    };
    let p = dir.path().join("v");
    bad.write(&p, &ids(3), &record()).unwrap();
    let e = open_err(&p);
    assert!(
        e.contains("eigenvector 2 holds NaN in row 3, not a finite number"),
        "{e}"
    );
}
