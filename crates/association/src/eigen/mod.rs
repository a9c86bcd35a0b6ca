//! Eigendecomposition of the GRM, computed once (faer, parallel) and
//! optionally written in a binary layout that is memory-mapped back, so
//! that jobs on chunks of the genome share one decomposition (the layout,
//! its checksums and provenance are in `file`).

mod band;
pub(crate) mod file;
mod implicit;
mod mixed;

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::{Mat, MatRef, Par};
use kinship::memory::{ensure, try_zeros};
use memmap2::Mmap;

use crate::error::{Error, Result};

pub(crate) use file::bin_path;
pub use file::{EigenFile, EigenRecord, FitRecord};

/// Number of tasks the parallel eigensolver is split into, whatever the
/// number of threads (see [`Eigen::decompose`]).
pub const EIGEN_SPLIT: usize = 8;

/// `par` with any parallel split replaced by [`EIGEN_SPLIT`] tasks (see
/// [`Eigen::decompose`]): for faer's factorisations, whose rounding
/// depends on the split, so that results do not depend on `--threads`.
pub(crate) fn fixed_split(par: Par) -> Par {
    match par {
        Par::Seq => Par::Seq,
        _ => Par::rayon(EIGEN_SPLIT),
    }
}

/// Bytes of a values-only reduction of `n` samples ([`Eigen::values_only`])
/// beyond the `n x n` matrix it reduces in place: what it holds until it
/// is dropped, and its workspace while it runs.
pub(crate) fn values_only_bytes(n: usize) -> (u64, u64) {
    if n >= band::MIN_N {
        (band::held_bytes(n), band::workspace_bytes(n))
    } else {
        // the reflectors' block factors (faer's block size, at most 128
        // rows) and a few vectors
        (0, (n as u64).saturating_mul(8 * (128 + 16)))
    }
}

/// The arithmetic of an eigendecomposition with eigenvectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Arithmetic {
    /// From 2048 samples on, the dominant eigenpairs in f64
    /// and the rest in f32 (module `mixed`: less than half the time of
    /// f64, p-values within ~1e-5 in log10 of it); f64 below, or when the
    /// mixed decomposition's checks fail.
    #[default]
    Mixed,
    /// All in f64 (GEMMA's arithmetic, for digit-by-digit comparison).
    F64,
}

/// Eigenvalues below this are set to zero before use (GEMMA's rule).
pub const EIGEN_ZERO: f64 = 1e-10;

#[derive(Debug)]
enum Vectors {
    Owned(Mat<f64>),
    /// A mapped eigen file and the byte offset of the vectors in it.
    Mapped(Mmap, usize),
    /// Not formed: a tridiagonal reduction that rotates a few columns at
    /// a time (module `implicit`), with `K` kept.
    Implicit(Box<implicit::Tridiagonal>),
}

/// `K = U diag(s) Uᵀ`: eigenvalues ascending, eigenvectors in columns.
#[derive(Debug)]
pub struct Eigen {
    values: Vec<f64>,
    vectors: Vectors,
    /// How many leading eigenpairs were found in f64 beside an f32
    /// decomposition of the rest (module `mixed`); `None` when all were
    /// found in f64.
    mixed: Option<usize>,
}

/// GEMMA's double centering of a GRM on the analysed samples:
/// `K <- (I - 11ᵀ/n) K (I - 11ᵀ/n)`. A GRM built from genotypes centred on
/// these same samples is unchanged (up to rounding).
pub fn center(k: &mut Mat<f64>) {
    let n = k.nrows();
    let nf = n as f64;
    // Row sums accumulated column by column (contiguous reads; the same
    // additions in the same order as summing each row).
    let mut row_mean = vec![0.0f64; n];
    for j in 0..n {
        for (i, r) in row_mean.iter_mut().enumerate() {
            *r += k[(i, j)];
        }
    }
    for r in &mut row_mean {
        *r /= nf;
    }
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

/// The eigensolver's workspace for `n x n`, in bytes: the f64 one, or
/// from `mixed::MIN_N` samples on, the larger of it and what the mixed
/// decomposition holds (which falls back to f64 when its checks fail).
pub(crate) fn workspace_bytes(n: usize, par: Par) -> u64 {
    let req = faer::linalg::evd::self_adjoint_evd_scratch::<f64>(
        n,
        faer::linalg::evd::ComputeEigenvectors::Yes,
        fixed_split(par),
        Default::default(),
    );
    let f64_bytes = req.size_bytes() as u64;
    if n >= mixed::MIN_N {
        f64_bytes.max(mixed::workspace_bytes(n, fixed_split(par)))
    } else {
        f64_bytes
    }
}

/// The eigensolver's workspaces one decomposition leaves for the next of
/// the same size ([`Eigen::decompose_reusing`]).
#[derive(Default)]
pub(crate) struct Reuse {
    /// The f64 workspace and the `n` it was made for.
    workspace: Option<(usize, MemBuffer)>,
    /// The f32 one of a mixed decomposition and its `n`.
    workspace_f32: Option<(usize, MemBuffer)>,
}

impl Eigen {
    /// Decomposes a symmetric matrix (lower triangle read), in the default
    /// [`Arithmetic`] (mixed from 2048 samples on, see [`Eigen::mixed`]).
    ///
    /// faer's parallel eigensolver splits its work by the thread count it is
    /// given, and different splits round differently. So that results never
    /// depend on `--threads`, any parallel `par` is replaced by a fixed split
    /// of [`EIGEN_SPLIT`] tasks, which the thread pool runs on however many
    /// threads it has; `Par::Seq` stays sequential (and gives other bits).
    ///
    /// # Errors
    /// `NoConvergence` when the eigensolver fails or gives values that are
    /// not finite; `OutOfMemory` (a [`kinship::Error`]) when the
    /// eigenvectors or the workspace do not fit.
    pub fn decompose(k: MatRef<'_, f64>, par: Par) -> Result<Self> {
        Self::decompose_in(k, Arithmetic::default(), par)
    }

    /// [`Eigen::decompose`] in the arithmetic `arith`.
    ///
    /// # Errors
    /// As [`Eigen::decompose`].
    pub fn decompose_in(k: MatRef<'_, f64>, arith: Arithmetic, par: Par) -> Result<Self> {
        Self::decompose_reusing(k, arith, par, &mut Reuse::default())
    }

    /// [`Eigen::decompose`] in the eigensolver's workspace `reuse` holds
    /// from an earlier decomposition of the same size, left there for the
    /// next: a LOCO run decomposes one GRM per chromosome, and a fresh
    /// workspace costs each one a page fault per 4 KB (mouse: 20
    /// decompositions of 1410 samples, 49 MB each). The workspace is
    /// already part of a decomposition's peak, which a scan or the next
    /// chromosome's GRM passes only where its variant blocks outgrow half
    /// an `n x n` matrix (the memory plan counts the workspace in both);
    /// the eigenvectors are not kept, as they would add an `n x n` matrix
    /// to the next GRM's build. The same bits as without it.
    ///
    /// # Errors
    /// As [`Eigen::decompose`].
    pub(crate) fn decompose_reusing(
        k: MatRef<'_, f64>,
        arith: Arithmetic,
        par: Par,
        reuse: &mut Reuse,
    ) -> Result<Self> {
        let par = fixed_split(par);
        let n = k.nrows();
        if arith == Arithmetic::Mixed && n >= mixed::MIN_N {
            if let Some(d) = mixed::decompose(k, par, &mut reuse.workspace_f32)? {
                return Ok(Self {
                    values: d.values,
                    vectors: Vectors::Owned(d.vectors),
                    mixed: Some(d.deflated),
                });
            }
        }
        let mut u = try_zeros::<f64>(n, n, &format!("the eigenvectors of {n} samples"))?;
        let mut s = faer::diag::Diag::<f64>::zeros(n);
        let mut mem = match reuse.workspace.take() {
            Some((size, mem)) if size == n => mem,
            _ => {
                let what = format!("the eigensolver's workspace for {n} samples");
                let scratch = workspace_bytes(n, par);
                ensure(Some(scratch), &what)?;
                let req = faer::linalg::evd::self_adjoint_evd_scratch::<f64>(
                    n,
                    faer::linalg::evd::ComputeEigenvectors::Yes,
                    par,
                    Default::default(),
                );
                MemBuffer::try_new(req).map_err(|_| kinship::Error::OutOfMemory {
                    what,
                    needed: Some(scratch),
                    available: kinship::memory::available(),
                })?
            }
        };
        let done = faer::linalg::evd::self_adjoint_evd(
            k,
            s.as_mut(),
            Some(u.as_mut()),
            par,
            MemStack::new(&mut mem),
            Default::default(),
        );
        reuse.workspace = Some((n, mem));
        done.map_err(|e| Error::NoConvergence(format!("eigendecomposition of the GRM failed: {e:?}")))?;
        let values: Vec<f64> = (0..n).map(|i| s[i]).collect();
        if values.iter().any(|v| !v.is_finite()) {
            return Err(Error::NoConvergence(
                "the eigendecomposition of the GRM gave values that are not finite (values too large?)".into(),
            ));
        }
        Ok(Self {
            values,
            vectors: Vectors::Owned(u),
            mixed: None,
        })
    }

    /// The eigenvalues of a symmetric `k` (lower triangle read) without
    /// the eigenvectors: `k` is reduced to tridiagonal form in its own
    /// storage (which also keeps it, see [`Eigen::kinship`]), and
    /// [`Eigen::rotate`] gives `Uᵀ W` for a few columns at a time. Enough
    /// for null fits and for fixed-ratio scans (which whiten with a
    /// Cholesky factor of `K`), at the cost of the reduction only: the
    /// eigenvectors' part of a decomposition is skipped. The parallel split
    /// is fixed as in [`Eigen::decompose`].
    ///
    /// # Errors
    /// `NoConvergence` when the iteration fails or gives values that are
    /// not finite; `OutOfMemory` for the workspace.
    pub fn values_only(k: Mat<f64>, par: Par) -> Result<Self> {
        Self::values_only_carrying(k, None, par)
    }

    /// [`Eigen::values_only`], with `carry` (`n` rows: what a null fit will
    /// rotate, when known) rotated in the sweeps that find the eigenvalues,
    /// so that [`Eigen::rotate`] of it costs nothing.
    ///
    /// # Errors
    /// As [`Eigen::values_only`].
    pub(crate) fn values_only_carrying(k: Mat<f64>, carry: Option<Mat<f64>>, par: Par) -> Result<Self> {
        let par = fixed_split(par);
        let (t, values) = implicit::Tridiagonal::reduce(k, carry, par)?;
        Ok(Self {
            values,
            vectors: Vectors::Implicit(Box::new(t)),
            mixed: None,
        })
    }

    /// How many leading eigenpairs were found in f64 beside an f32
    /// decomposition of the rest (see [`Eigen::decompose`]); `None` when
    /// all were found in f64.
    pub fn mixed(&self) -> Option<usize> {
        self.mixed
    }

    /// Whether the eigenvectors are held ([`Eigen::vectors`]); not after
    /// [`Eigen::values_only`].
    pub fn has_vectors(&self) -> bool {
        !matches!(self.vectors, Vectors::Implicit(_))
    }

    /// `Uᵀ m` for `m` of `n` rows (a phenotype and its covariates).
    ///
    /// # Errors
    /// `NoConvergence` as in [`Eigen::values_only`].
    pub fn rotate(&self, m: MatRef<'_, f64>, par: Par) -> Result<Mat<f64>> {
        if let Vectors::Implicit(t) = &self.vectors {
            return t.rotate(m);
        }
        let mut rot = Mat::<f64>::zeros(self.n(), m.ncols());
        crate::rotation::rotate_block(self.vectors(), m, rot.as_mut(), par);
        Ok(rot)
    }

    /// The decomposed matrix itself, kept by [`Eigen::values_only`]
    /// (`None` otherwise): a fixed-ratio scan factors `lambda K + I`.
    pub fn kinship(&self) -> Option<Mat<f64>> {
        match &self.vectors {
            Vectors::Implicit(t) => Some(t.kinship()),
            _ => None,
        }
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
    ///
    /// # Panics
    /// After [`Eigen::values_only`], which does not form them (callers
    /// that may meet one ask [`Eigen::has_vectors`]).
    pub fn vectors(&self) -> MatRef<'_, f64> {
        let n = self.n();
        match &self.vectors {
            Vectors::Implicit(_) => panic!("the eigenvectors of a values-only decomposition were asked for"),
            Vectors::Owned(m) => m.as_ref(),
            Vectors::Mapped(map, at) => {
                let bytes = &map[*at..*at + 8 * n * n];
                MatRef::from_column_major_slice(file::as_f64(bytes), n, n)
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_17_6_decomposing_more_samples_than_memory_holds_is_an_error() {
        // A view of a few values stands for a matrix too large to allocate:
        // the eigenvectors are refused before anything is computed.
        let Some(avail) = kinship::memory::available() else {
            return;
        };
        let n = ((avail / 8) as f64).sqrt() as usize + 1000;
        let col = vec![0.0f64; n];
        // column stride 0: every column is `col`
        let k = faer::MatRef::from_column_major_slice_with_stride(&col, n, n, 0);
        let e = Eigen::decompose(k, Par::Seq).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::OutOfMemory, "{e}");
        assert!(
            e.to_string()
                .starts_with(&format!("not enough memory for the eigenvectors of {n} samples: about")),
            "{e}"
        );
    }

    /// A symmetric `n x n` matrix with a GRM's kind of spectrum (`A Aᵀ`),
    /// different for each `seed`.
    fn symmetric(n: usize, seed: u64) -> Mat<f64> {
        let mut x = seed;
        let a = Mat::<f64>::from_fn(n, 2 * n, |_, _| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            f64::from((x >> 40) as u32 % 3) - 1.0
        });
        &a * a.transpose()
    }

    #[test]
    fn a_reused_workspace_gives_the_same_bits_as_a_fresh_one() {
        // LOCO hands one workspace from chromosome to chromosome: what a
        // decomposition left in it must not reach the next one's result,
        // and a workspace of another size is replaced, not used.
        let mut reuse = Reuse::default();
        for (n, seed) in [(150, 1), (150, 2), (90, 3), (150, 4)] {
            let k = symmetric(n, seed);
            for par in [Par::Seq, Par::rayon(2)] {
                let fresh = Eigen::decompose(k.as_ref(), par).expect("decomposes");
                let reused =
                    Eigen::decompose_reusing(k.as_ref(), Arithmetic::Mixed, par, &mut reuse).expect("decomposes");
                assert_eq!(fresh.values(), reused.values(), "n = {n}, seed {seed}");
                assert!(fresh.vectors() == reused.vectors(), "n = {n}, seed {seed}");
            }
        }
    }

    #[test]
    fn the_workspace_grows_with_n() {
        assert!(workspace_bytes(200, Par::Seq) > workspace_bytes(100, Par::Seq));
    }
}
