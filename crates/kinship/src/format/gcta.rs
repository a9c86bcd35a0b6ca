//! GCTA's binary GRM: `PREFIX.grm.bin` (lower triangle with diagonal,
//! row by row, little-endian `f32`), `PREFIX.grm.N.bin` (the same layout,
//! counts of variants used per pair) and `PREFIX.grm.id` (`FID IID`).
//! GCTA, PLINK 2 (`--make-grm-bin`) and kindred read and write it.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use faer::Mat;
use genotype::{with_extension, AtomicFile, Location, SampleId};

use crate::error::{Error, Result};
use crate::grm::Grm;

fn file(prefix: &Path, ext: &str) -> PathBuf {
    with_extension(prefix, ext)
}

/// Writes `PREFIX.grm.bin`, `PREFIX.grm.N.bin` and `PREFIX.grm.id`, each
/// crash-safe. Values are rounded to `f32` as the format requires.
///
/// # Errors
/// `Io` naming the file on a failed write.
pub fn write(prefix: &Path, grm: &Grm) -> Result<()> {
    let n = grm.n();
    let ids_path = file(prefix, "grm.id");
    let mut ids = AtomicFile::create(&ids_path)?;
    for id in &grm.ids {
        writeln!(ids, "{}\t{}", id.fid, id.iid).map_err(|e| Error::io(&ids_path, e))?;
    }
    let tri = |f: &dyn Fn(usize, usize) -> f32| {
        let mut out = Vec::with_capacity(n * (n + 1) / 2 * 4);
        for i in 0..n {
            for j in 0..=i {
                out.extend_from_slice(&f(i, j).to_le_bytes());
            }
        }
        out
    };
    let bin_path = file(prefix, "grm.bin");
    let mut bin = AtomicFile::create(&bin_path)?;
    bin.write_all(&tri(&|i, j| grm.matrix[(i, j)] as f32))
        .map_err(|e| Error::io(&bin_path, e))?;
    let n_path = file(prefix, "grm.N.bin");
    let mut nb = AtomicFile::create(&n_path)?;
    let m = grm.n_variants as f32;
    let counts = tri(&|i, j| grm.pair_counts.as_ref().map_or(m, |c| c[(i, j)]));
    nb.write_all(&counts).map_err(|e| Error::io(&n_path, e))?;
    ids.commit()?;
    bin.commit()?;
    nb.commit()?;
    Ok(())
}

/// Reads `PREFIX.grm.id` and `PREFIX.grm.bin` (and `PREFIX.grm.N.bin` when
/// present, for the variant count).
///
/// # Errors
/// `Io` for a missing file; `Malformed` when the `.grm.bin` size does not
/// match the number of IDs or an ID line has fewer than two columns.
pub fn read(prefix: &Path) -> Result<Grm> {
    let ids_path = file(prefix, "grm.id");
    let ids: Vec<SampleId> = genotype::read_sample_list(&ids_path)?
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    let n = ids.len();
    let tri_len = n * (n + 1) / 2;
    let read_tri = |path: &Path| -> Result<Vec<f32>> {
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .map_err(|e| Error::io(path, e))?;
        if bytes.len() != tri_len * 4 {
            return Err(Error::Malformed {
                at: Location::file(path),
                what: format!(
                    "has {} bytes but {n} samples in {} need {}",
                    bytes.len(),
                    ids_path.display(),
                    tri_len * 4
                ),
            });
        }
        Ok(bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    };
    let vals = read_tri(&file(prefix, "grm.bin"))?;
    let mut matrix = Mat::<f64>::zeros(n, n);
    let mut k = 0;
    for i in 0..n {
        for j in 0..=i {
            let v = f64::from(vals[k]);
            matrix[(i, j)] = v;
            matrix[(j, i)] = v;
            k += 1;
        }
    }
    let n_path = file(prefix, "grm.N.bin");
    let (n_variants, pair_counts) = if n_path.exists() {
        let c = read_tri(&n_path)?;
        let max = c.iter().copied().fold(0.0f32, f32::max);
        let all_same = c.iter().all(|&x| x == max);
        let counts = (!all_same).then(|| {
            let mut m = Mat::<f32>::zeros(n, n);
            let mut k = 0;
            for i in 0..n {
                for j in 0..=i {
                    m[(i, j)] = c[k];
                    m[(j, i)] = c[k];
                    k += 1;
                }
            }
            m
        });
        (max as usize, counts)
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
