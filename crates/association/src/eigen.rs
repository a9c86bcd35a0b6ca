//! Eigendecomposition of the GRM, computed once (faer, parallel) and
//! optionally written in a binary layout that is memory-mapped back, so
//! that jobs on chunks of the genome share one decomposition.
//!
//! File layout (`PREFIX.eigen.bin`, little-endian): 8 bytes `KDEIGEN1`,
//! `n` as `u64`, `n` eigenvalues (`f64`, ascending), then the `n x n`
//! eigenvector matrix column by column (`f64`). `PREFIX.eigen.id` lists the
//! samples of the rows (`FID IID`).

use std::fs::File;
use std::io::Write;
use std::path::Path;

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::{Mat, MatRef, Par};
use genotype::{with_extension, AtomicFile, Location, SampleId};
use memmap2::Mmap;

use crate::error::{Error, Result};

const MAGIC: &[u8; 8] = b"KDEIGEN1";
const HEADER: usize = 16;

/// Number of tasks the parallel eigensolver is split into, whatever the
/// number of threads (see [`Eigen::decompose`]).
pub const EIGEN_SPLIT: usize = 8;

/// Eigenvalues below this are set to zero before use (GEMMA's rule).
pub const EIGEN_ZERO: f64 = 1e-10;

#[derive(Debug)]
enum Vectors {
    Owned(Mat<f64>),
    Mapped(Mmap),
}

/// `K = U diag(s) Uᵀ`: eigenvalues ascending, eigenvectors in columns.
#[derive(Debug)]
pub struct Eigen {
    values: Vec<f64>,
    vectors: Vectors,
}

/// GEMMA's double centering of a GRM on the analysed samples:
/// `K <- (I - 11ᵀ/n) K (I - 11ᵀ/n)`. A GRM built from genotypes centred on
/// these same samples is unchanged (up to rounding).
pub fn center(k: &mut Mat<f64>) {
    let n = k.nrows();
    let nf = n as f64;
    let row_mean: Vec<f64> = (0..n).map(|i| (0..n).map(|j| k[(i, j)]).sum::<f64>() / nf).collect();
    let total = row_mean.iter().sum::<f64>() / nf;
    for j in 0..n {
        for i in 0..n {
            k[(i, j)] += total - row_mean[i] - row_mean[j];
        }
    }
}

/// What the spectrum looked like, for the log.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spectrum {
    /// Smallest eigenvalue before clipping.
    pub min: f64,
    /// Largest eigenvalue.
    pub max: f64,
    /// Eigenvalues below `-1e-6 * max`: the GRM is not positive semi-definite.
    pub n_negative: usize,
    /// Eigenvalues set to zero (below [`EIGEN_ZERO`]).
    pub n_zeroed: usize,
    /// Mean of the clipped eigenvalues, `tr(K)/n` as GEMMA uses it for PVE.
    pub trace_over_n: f64,
}

impl Eigen {
    /// Decomposes a symmetric matrix (lower triangle read).
    ///
    /// faer's parallel eigensolver splits its work by the thread count it is
    /// given, and different splits round differently. So that results never
    /// depend on `--threads`, any parallel `par` is replaced by a fixed split
    /// of [`EIGEN_SPLIT`] tasks, which the thread pool runs on however many
    /// threads it has; `Par::Seq` stays sequential (and gives other bits).
    ///
    /// # Errors
    /// `NoConvergence` when the eigensolver fails.
    pub fn decompose(k: MatRef<'_, f64>, par: Par) -> Result<Self> {
        let par = match par {
            Par::Seq => Par::Seq,
            _ => Par::rayon(EIGEN_SPLIT),
        };
        let n = k.nrows();
        let mut u = Mat::<f64>::zeros(n, n);
        let mut s = faer::diag::Diag::<f64>::zeros(n);
        let scratch = faer::linalg::evd::self_adjoint_evd_scratch::<f64>(
            n,
            faer::linalg::evd::ComputeEigenvectors::Yes,
            par,
            Default::default(),
        );
        let mut mem = MemBuffer::new(scratch);
        faer::linalg::evd::self_adjoint_evd(
            k,
            s.as_mut(),
            Some(u.as_mut()),
            par,
            MemStack::new(&mut mem),
            Default::default(),
        )
        .map_err(|e| Error::NoConvergence(format!("eigendecomposition of the GRM failed: {e:?}")))?;
        let values = (0..n).map(|i| s[i]).collect();
        Ok(Self {
            values,
            vectors: Vectors::Owned(u),
        })
    }

    /// Number of samples.
    pub fn n(&self) -> usize {
        self.values.len()
    }

    /// Eigenvalues, ascending, as computed (not clipped).
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Eigenvalues with those below [`EIGEN_ZERO`] set to zero, as used by the models.
    pub fn clipped_values(&self) -> Vec<f64> {
        self.values
            .iter()
            .map(|&v| if v < EIGEN_ZERO { 0.0 } else { v })
            .collect()
    }

    /// Summary of the spectrum.
    pub fn spectrum(&self) -> Spectrum {
        let max = self.values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let min = self.values.iter().copied().fold(f64::INFINITY, f64::min);
        let clipped = self.clipped_values();
        Spectrum {
            min,
            max,
            n_negative: self.values.iter().filter(|&&v| v < -1e-6 * max.abs()).count(),
            n_zeroed: self.values.iter().filter(|&&v| v < EIGEN_ZERO).count(),
            trace_over_n: clipped.iter().sum::<f64>() / self.n() as f64,
        }
    }

    /// Eigenvectors `U` (`n x n`, column `i` pairs with eigenvalue `i`).
    pub fn vectors(&self) -> MatRef<'_, f64> {
        let n = self.n();
        match &self.vectors {
            Vectors::Owned(m) => m.as_ref(),
            Vectors::Mapped(map) => {
                let bytes = &map[HEADER + 8 * n..HEADER + 8 * n + 8 * n * n];
                MatRef::from_column_major_slice(as_f64(bytes), n, n)
            }
        }
    }

    /// `U diag(s) Uᵀ` from the (unclipped) eigenpairs.
    pub fn reconstruct(&self) -> Mat<f64> {
        let u = self.vectors();
        let n = self.n();
        let scaled = Mat::from_fn(n, n, |i, j| u[(i, j)] * self.values[j]);
        &scaled * u.transpose()
    }

    /// Writes `PREFIX.eigen.bin` and `PREFIX.eigen.id` (crash-safe).
    ///
    /// # Errors
    /// `Io` naming the file on a failed write.
    pub fn write(&self, prefix: &Path, ids: &[SampleId]) -> Result<()> {
        assert_eq!(ids.len(), self.n());
        let id_path = with_extension(prefix, "eigen.id");
        let mut f = AtomicFile::create(&id_path)?;
        for id in ids {
            writeln!(f, "{}\t{}", id.fid, id.iid).map_err(|e| Error::io(&id_path, e))?;
        }
        let bin_path = with_extension(prefix, "eigen.bin");
        let mut b = AtomicFile::create(&bin_path)?;
        let n = self.n();
        let mut put = |bytes: &[u8]| b.write_all(bytes).map_err(|e| Error::io(&bin_path, e));
        put(MAGIC)?;
        put(&(n as u64).to_le_bytes())?;
        let mut buf = Vec::with_capacity(8 * n);
        for v in &self.values {
            buf.extend_from_slice(&v.to_le_bytes());
        }
        put(&buf)?;
        let u = self.vectors();
        for j in 0..n {
            buf.clear();
            for i in 0..n {
                buf.extend_from_slice(&u[(i, j)].to_le_bytes());
            }
            put(&buf)?;
        }
        f.commit()?;
        b.commit()?;
        Ok(())
    }

    /// Maps `PREFIX.eigen.bin` back and reads `PREFIX.eigen.id`.
    ///
    /// # Errors
    /// `Io` for a missing file; `Malformed` for a wrong magic or size.
    pub fn open(prefix: &Path) -> Result<(Self, Vec<SampleId>)> {
        let id_path = with_extension(prefix, "eigen.id");
        let ids: Vec<SampleId> = genotype::read_sample_list(&id_path)?
            .into_iter()
            .map(|(_, id)| id)
            .collect();
        let bin_path = with_extension(prefix, "eigen.bin");
        let file = File::open(&bin_path).map_err(|e| Error::io(&bin_path, e))?;
        // SAFETY: read-only mapping of a file kindred wrote; it must not be
        // modified while mapped (the usual memory-map contract).
        let map = unsafe { Mmap::map(&file) }.map_err(|e| Error::io(&bin_path, e))?;
        let bad = |what: String| Error::Malformed {
            at: Location::file(&bin_path),
            what,
        };
        if map.len() < HEADER || &map[..8] != MAGIC {
            return Err(bad("not a kindred eigendecomposition (bad magic bytes)".into()));
        }
        let n = u64::from_le_bytes(map[8..16].try_into().map_err(|_| bad("short header".into()))?) as usize;
        let need = HEADER + 8 * n + 8 * n * n;
        if map.len() != need {
            return Err(bad(format!("has {} bytes, {n} samples need {need}", map.len())));
        }
        if n != ids.len() {
            return Err(bad(format!(
                "holds {n} samples but {} lists {}",
                id_path.display(),
                ids.len()
            )));
        }
        let values = as_f64(&map[HEADER..HEADER + 8 * n]).to_vec();
        Ok((
            Self {
                values,
                vectors: Vectors::Mapped(map),
            },
            ids,
        ))
    }
}

/// Views little-endian `f64` bytes in place (the map is page-aligned and
/// every offset used is a multiple of 8).
fn as_f64(bytes: &[u8]) -> &[f64] {
    #[cfg(not(target_endian = "little"))]
    compile_error!("the eigen file layout is little-endian");
    assert_eq!(
        bytes.as_ptr() as usize % std::mem::align_of::<f64>(),
        0,
        "misaligned eigen data"
    );
    // SAFETY: aligned (checked), length is a multiple of 8, every bit pattern is a valid f64,
    // and the lifetime is tied to `bytes`.
    unsafe { std::slice::from_raw_parts(bytes.as_ptr().cast::<f64>(), bytes.len() / 8) }
}
