//! GCTA's binary GRM: `PREFIX.grm.bin` (lower triangle with diagonal,
//! row by row, little-endian `f32`), `PREFIX.grm.N.bin` (the same layout,
//! counts of variants used per pair) and `PREFIX.grm.id` (`FID IID`).
//! GCTA, PLINK 2 (`--make-grm-bin`) and kindred read and write it.
//!
//! kindred also writes `PREFIX.grm.kindred.json` ([`super::sidecar`]): the
//! sizes and checksums of the three files, the fileset and the GRM's
//! settings. When it is present, [`read`] verifies the files against it.

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

use faer::Mat;
use genotype::{with_extension, AtomicFile, Location, SampleId};

use super::sidecar::{self, Entry, Sidecar};
use crate::checksum::{checksum, checksum_file, Checksum};
use crate::error::{Error, Result};
use crate::grm::Grm;
use crate::memory::try_zeros;
use crate::provenance::Provenance;

fn file(prefix: &Path, ext: &str) -> PathBuf {
    with_extension(prefix, ext)
}

/// Writes `PREFIX.grm.bin`, `PREFIX.grm.N.bin` and `PREFIX.grm.id`, each
/// crash-safe, and with `provenance` the record `PREFIX.grm.kindred.json`.
/// Values are rounded to `f32` as the format requires.
///
/// # Errors
/// `Io` naming the file on a failed write.
pub fn write(prefix: &Path, grm: &Grm, provenance: Option<&Provenance>) -> Result<()> {
    let n = grm.n();
    let ids_path = file(prefix, "grm.id");
    let mut ids = AtomicFile::create(&ids_path)?;
    let mut id_text = String::new();
    for id in &grm.ids {
        id_text.push_str(&format!("{}\t{}\n", id.fid, id.iid));
    }
    ids.write_all(id_text.as_bytes()).map_err(|e| Error::io(&ids_path, e))?;
    // One row at a time: no second copy of the matrix.
    let tri = |path: &Path, role: &str, f: &dyn Fn(usize, usize) -> f32| -> Result<(AtomicFile, Entry)> {
        let mut out = AtomicFile::create(path)?;
        let mut sum = Checksum::new();
        let mut row = Vec::with_capacity(4 * n);
        for i in 0..n {
            row.clear();
            for j in 0..=i {
                row.extend_from_slice(&f(i, j).to_le_bytes());
            }
            sum.update(&row);
            out.write_all(&row).map_err(|e| Error::io(path, e))?;
        }
        let bytes = (n as u64) * (n as u64 + 1) / 2 * 4;
        Ok((out, Entry::new(role, bytes, sum.finish())))
    };
    let (bin, matrix) = tri(&file(prefix, "grm.bin"), "matrix", &|i, j| grm.matrix[(i, j)] as f32)?;
    let m = grm.n_variants as f32;
    let (nb, counts) = tri(&file(prefix, "grm.N.bin"), "counts", &|i, j| {
        grm.pair_counts.as_ref().map_or(m, |c| c[(i, j)])
    })?;
    ids.commit()?;
    bin.commit()?;
    nb.commit()?;
    if let Some(p) = provenance {
        let id_entry = Entry::new("ids", id_text.len() as u64, checksum(id_text.as_bytes()));
        sidecar::write(&sidecar::gcta_path(prefix), vec![matrix, counts, id_entry], p)?;
    }
    Ok(())
}

/// The record kindred wrote beside `PREFIX.grm.bin`, if any.
///
/// # Errors
/// As [`sidecar::read`].
pub(crate) fn recorded(prefix: &Path) -> Result<Option<Sidecar>> {
    sidecar::read(&sidecar::gcta_path(prefix))
}

/// Opens a lower triangle of `n` samples (as listed in `ids_path`),
/// checking its size.
fn open_tri(path: &Path, n: usize, ids_path: &Path) -> Result<(BufReader<File>, u64)> {
    let need = (n as u64)
        .checked_mul(n as u64 + 1)
        .map(|x| x / 2 * 4)
        .ok_or_else(|| Error::Malformed {
            at: Location::file(ids_path),
            what: format!("{n} samples are too many"),
        })?;
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    let len = f.metadata().map_err(|e| Error::io(path, e))?.len();
    if len != need {
        return Err(Error::Malformed {
            at: Location::file(path),
            what: format!("has {len} bytes but {n} samples in {} need {need}", ids_path.display()),
        });
    }
    Ok((BufReader::with_capacity(1 << 20, f), len))
}

/// Passes each value `(row i, column j <= i)` of an opened lower triangle
/// to `f`, row by row; `check(value)` says what is wrong with a value.
/// Returns the file's checksum.
fn visit_tri(
    mut r: BufReader<File>,
    path: &Path,
    ids: &[SampleId],
    check: impl Fn(f32) -> Option<&'static str>,
    mut f: impl FnMut(usize, usize, f32),
) -> Result<u64> {
    let n = ids.len();
    let mut sum = Checksum::new();
    let mut row = vec![0u8; 4 * n];
    for i in 0..n {
        let bytes = &mut row[..4 * (i + 1)];
        r.read_exact(bytes).map_err(|e| Error::io(path, e))?;
        sum.update(bytes);
        for (j, c) in bytes.chunks_exact(4).enumerate() {
            let v = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
            if let Some(what) = check(v) {
                return Err(Error::Malformed {
                    at: Location::file(path),
                    what: format!(
                        "the value {v} for samples '{}' and '{}' (row {}, column {}) is {what}",
                        ids[i],
                        ids[j],
                        i + 1,
                        j + 1
                    ),
                });
            }
            f(i, j, v);
        }
    }
    Ok(sum.finish())
}

/// Reads a lower triangle of `n` samples into both triangles of a new
/// matrix; `check(value)` says what is wrong with a value. Returns the
/// matrix and the file's size and checksum.
fn read_tri<T: Copy + Default>(
    path: &Path,
    n: usize,
    ids: &[SampleId],
    ids_path: &Path,
    check: impl Fn(f32) -> Option<&'static str>,
    conv: impl Fn(f32) -> T,
) -> Result<(Mat<T>, u64, u64)> {
    let (r, len) = open_tri(path, n, ids_path)?;
    let mut matrix = try_zeros::<T>(n, n, &format!("reading the GRM {} of {n} samples", path.display()))?;
    // Row i of the lower triangle is column i of the upper one: contiguous
    // writes here, mirrored below in tiles.
    let sum = visit_tri(r, path, ids, check, |i, j, v| matrix[(j, i)] = conv(v))?;
    mirror_upper(&mut matrix);
    Ok((matrix, len, sum))
}

/// The largest value of a lower triangle of `n` samples, whether all its
/// values are equal, and the file's size and checksum, with no matrix.
fn tri_summary(
    path: &Path,
    n: usize,
    ids: &[SampleId],
    ids_path: &Path,
    check: impl Fn(f32) -> Option<&'static str>,
) -> Result<(f32, bool, u64, u64)> {
    let (r, len) = open_tri(path, n, ids_path)?;
    let (mut max, mut first, mut all_same) = (0.0f32, None, true);
    let sum = visit_tri(r, path, ids, check, |_, _, v| {
        max = max.max(v);
        all_same &= *first.get_or_insert(v) == v;
    })?;
    Ok((max, all_same, len, sum))
}

/// Copies the upper triangle of a square matrix onto the lower, tile by
/// tile so that the strided reads stay in cache (writing both triangles
/// as the rows are read made one cache miss per value: 20 s for a
/// 20,000-sample file).
fn mirror_upper<T: Copy>(m: &mut Mat<T>) {
    const TILE: usize = 64;
    let n = m.nrows();
    for jb in (0..n).step_by(TILE) {
        for ib in (jb..n).step_by(TILE) {
            for j in jb..(jb + TILE).min(n) {
                for i in ib.max(j + 1)..(ib + TILE).min(n) {
                    m[(i, j)] = m[(j, i)];
                }
            }
        }
    }
}

/// Reads `PREFIX.grm.id` and `PREFIX.grm.bin` (and `PREFIX.grm.N.bin` when
/// present, for the variant count), verified against
/// `PREFIX.grm.kindred.json` when kindred wrote one.
///
/// # Errors
/// `Io` for a missing file; `Malformed` naming the file when the
/// `.grm.bin` size does not match the number of IDs, an ID line has fewer
/// than two columns, a value is not finite (or a count negative), or a file
/// differs from its record; `OutOfMemory` when the matrix does not fit.
pub fn read(prefix: &Path) -> Result<Grm> {
    let ids_path = file(prefix, "grm.id");
    let ids: Vec<SampleId> = genotype::read_unique_sample_list(&ids_path)?;
    let record = recorded(prefix)?;
    let at = sidecar::gcta_path(prefix);
    if let Some(s) = &record {
        let (len, sum) = checksum_file(&ids_path).map_err(|e| Error::io(&ids_path, e))?;
        s.verify(&at, "ids", &ids_path, len, sum)?;
    }
    let n = ids.len();
    let bin = file(prefix, "grm.bin");
    let finite = |v: f32| (!v.is_finite()).then_some("not a finite number");
    let (matrix, len, sum) = read_tri(&bin, n, &ids, &ids_path, finite, f64::from)?;
    if let Some(s) = &record {
        s.verify(&at, "matrix", &bin, len, sum)?;
    }
    let n_path = file(prefix, "grm.N.bin");
    let (n_variants, pair_counts) = if n_path.exists() {
        let count = |v: f32| match v {
            v if !v.is_finite() => Some("not a finite number"),
            v if v < 0.0 => Some("a negative count"),
            _ => None,
        };
        // Counts are usually one number (no missing calls): scan them
        // first and make the matrix only when they differ.
        let (max, all_same, len, sum) = tri_summary(&n_path, n, &ids, &ids_path, count)?;
        if let Some(s) = &record {
            s.verify(&at, "counts", &n_path, len, sum)?;
        }
        let c = if all_same {
            None
        } else {
            Some(read_tri(&n_path, n, &ids, &ids_path, count, |v| v)?.0)
        };
        (max as usize, c)
    } else {
        (0, None)
    };
    Ok(Grm {
        matrix,
        ids,
        n_variants,
        pair_counts,
        kind: None,
    })
}

/// Whether `PREFIX.grm.bin` exists.
pub fn exists(prefix: &Path) -> bool {
    file(prefix, "grm.bin").exists()
}

#[cfg(test)]
mod tests {
    #[test]
    fn mirror_upper_fills_the_lower_triangle_at_any_size() {
        for n in [0, 1, 5, 64, 65, 130] {
            let mut m = faer::Mat::from_fn(n, n, |i, j| if i <= j { (i * 1000 + j) as f64 } else { -1.0 });
            super::mirror_upper(&mut m);
            for j in 0..n {
                for i in 0..n {
                    assert_eq!(m[(i, j)], (i.min(j) * 1000 + i.max(j)) as f64, "n {n} ({i}, {j})");
                }
            }
        }
    }

    use super::*;
    use crate::ErrorKind;

    fn grm() -> Grm {
        Grm {
            matrix: Mat::from_fn(3, 3, |i, j| if i == j { 1.0 } else { 0.1 * (i + j) as f64 }),
            ids: ["a", "b", "c"].map(|i| SampleId::new("F", i)).to_vec(),
            n_variants: 4,
            pair_counts: None,
            kind: None,
        }
    }

    #[test]
    fn pair_counts_read_back_only_when_they_differ() {
        let dir = tempfile::tempdir().unwrap();
        let same = dir.path().join("same");
        write(&same, &grm(), None).unwrap();
        let back = read(&same).unwrap();
        assert_eq!((back.n_variants, back.pair_counts.is_none()), (4, true));
        let mut g = grm();
        g.pair_counts = Some(Mat::from_fn(3, 3, |i, j| 4.0 - (i.max(j) - i.min(j)) as f32));
        let differ = dir.path().join("differ");
        write(&differ, &g, None).unwrap();
        let back = read(&differ).unwrap();
        assert_eq!(back.n_variants, 4);
        assert_eq!(back.pair_counts, g.pair_counts);
        assert!(back.max_abs_diff(&g.matrix) < 1e-7);
    }

    #[test]
    fn issue_17_4_non_finite_gcta_values_are_refused_naming_the_file_and_samples() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k");
        write(&p, &grm(), None).unwrap();
        let bin = file(&p, "grm.bin");
        let mut b = std::fs::read(&bin).unwrap();
        // row 3, column 2: the fifth value
        b[16..20].copy_from_slice(&f32::NAN.to_le_bytes());
        std::fs::write(&bin, &b).unwrap();
        let e = read(&p).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::MalformedInput);
        assert_eq!(
            e.to_string(),
            format!(
                "{}: the value NaN for samples 'F c' and 'F b' (row 3, column 2) is not a finite number",
                bin.display()
            )
        );
        b[16..20].copy_from_slice(&f32::INFINITY.to_le_bytes());
        std::fs::write(&bin, &b).unwrap();
        assert!(read(&p).unwrap_err().to_string().contains("value inf"));
    }

    #[test]
    fn issue_17_4_a_changed_gcta_file_is_refused_against_its_record() {
        use crate::provenance::{FilesetFingerprint, GrmOrigin};
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k");
        let prov = Provenance {
            fileset: FilesetFingerprint::example(),
            grm: GrmOrigin::File {
                path: "g".into(),
                n_variants: 4,
            },
        };
        write(&p, &grm(), Some(&prov)).unwrap();
        assert_eq!(recorded(&p).unwrap().unwrap().provenance, prov);
        let back = read(&p).unwrap();
        assert_eq!((back.n_variants, back.max_abs_diff(&grm().matrix) < 1e-7), (4, true));
        // a plausible, finite value changed in place
        let bin = file(&p, "grm.bin");
        let mut b = std::fs::read(&bin).unwrap();
        b[4..8].copy_from_slice(&0.5f32.to_le_bytes());
        std::fs::write(&bin, &b).unwrap();
        let e = read(&p).unwrap_err().to_string();
        assert!(e.starts_with(&format!("{}: its checksum is", bin.display())), "{e}");
        // a reordered ID file
        write(&p, &grm(), Some(&prov)).unwrap();
        std::fs::write(file(&p, "grm.id"), "F\tb\nF\ta\nF\tc\n").unwrap();
        let e = read(&p).unwrap_err().to_string();
        assert!(e.contains("k.grm.id: its checksum is"), "{e}");
    }

    #[test]
    fn a_size_that_does_not_match_the_ids_is_malformed() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k");
        write(&p, &grm(), None).unwrap();
        std::fs::write(file(&p, "grm.id"), "F a\nF b\n").unwrap();
        let e = read(&p).unwrap_err().to_string();
        assert!(e.contains("has 24 bytes but 2 samples"), "{e}");
    }
}
