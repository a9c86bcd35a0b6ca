//! Sums over one set of variants (the whole pass, one chromosome, one run
//! of blocks), and their addition and subtraction for LOCO.

use faer::Mat;
use rayon::prelude::*;

use crate::error::Result;
use crate::kind::GrmKind;
use crate::memory::try_zeros;

/// Sums over one set of variants (all of them, or one chromosome's).
#[derive(Debug, Clone)]
pub(crate) struct Part {
    /// `Σ z zᵀ`, lower triangle.
    pub(crate) s: Mat<f64>,
    /// Variants summed.
    pub(crate) m: usize,
    /// GCTA only: per-sample sums of the diagonal terms.
    pub(crate) diag: Vec<f64>,
    /// GCTA only: per-sample observed counts.
    pub(crate) obs_diag: Vec<f64>,
    /// GCTA only: per-pair observed counts among variants with missing calls
    /// (lower triangle); variants without missing calls add to `m_full`.
    pub(crate) pair_obs: Option<Mat<f64>>,
    /// GCTA only: variants observed in every sample.
    pub(crate) m_full: usize,
}

impl Part {
    /// Zero sums for `n` samples (GCTA's extra sums only for that kind).
    ///
    /// # Errors
    /// `OutOfMemory` when `n x n` sums do not fit.
    pub(crate) fn new(n: usize, kind: GrmKind) -> Result<Self> {
        Self::new_in(n, kind, &mut None)
    }

    /// [`Part::new`] in `spare`'s matrix when it holds an `n x n` one
    /// (taken and zeroed; its contents do not matter): a LOCO scan's next
    /// chromosome reuses the last one's storage instead of fresh pages.
    ///
    /// # Errors
    /// `OutOfMemory` when new `n x n` sums do not fit.
    pub(crate) fn new_in(n: usize, kind: GrmKind, spare: &mut Option<Mat<f64>>) -> Result<Self> {
        let gcta = kind == GrmKind::Gcta;
        let s = match spare.take() {
            Some(mut m) if m.nrows() == n && m.ncols() == n => {
                m.as_mut().par_col_chunks_mut(64).for_each(|mut c| c.fill(0.0));
                m
            }
            _ => square(n)?,
        };
        Ok(Self {
            s,
            m: 0,
            diag: if gcta { vec![0.0; n] } else { Vec::new() },
            obs_diag: if gcta { vec![0.0; n] } else { Vec::new() },
            pair_obs: None,
            m_full: 0,
        })
    }

    /// `self - other` (LOCO: everything but one chromosome).
    ///
    /// # Errors
    /// `OutOfMemory` when the difference does not fit.
    pub(crate) fn minus(&self, other: &Part) -> Result<Part> {
        let n = self.s.nrows();
        let sub = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x - y).collect::<Vec<_>>();
        let diff = |a: Option<&Mat<f64>>, b: Option<&Mat<f64>>| -> Result<Mat<f64>> {
            let mut d = square(n)?;
            for j in 0..n {
                for i in 0..n {
                    d[(i, j)] = a.map_or(0.0, |a| a[(i, j)]) - b.map_or(0.0, |b| b[(i, j)]);
                }
            }
            Ok(d)
        };
        let pair_obs = match (&self.pair_obs, &other.pair_obs) {
            (None, None) => None,
            (a, b) => Some(diff(a.as_ref(), b.as_ref())?),
        };
        Ok(Part {
            s: diff(Some(&self.s), Some(&other.s))?,
            m: self.m - other.m,
            diag: sub(&self.diag, &other.diag),
            obs_diag: sub(&self.obs_diag, &other.obs_diag),
            pair_obs,
            m_full: self.m_full - other.m_full,
        })
    }

    /// `self = total - self`, in place (LOCO one chromosome at a time:
    /// the chromosome's own sums become the rest's, with no third matrix).
    ///
    /// # Errors
    /// `OutOfMemory` when pair counts must be made and do not fit.
    pub(crate) fn subtract_from(&mut self, total: &Part) -> Result<()> {
        let n = self.s.nrows();
        for j in 0..n {
            for i in 0..n {
                self.s[(i, j)] = total.s[(i, j)] - self.s[(i, j)];
            }
        }
        self.m = total.m - self.m;
        for (a, b) in self.diag.iter_mut().zip(&total.diag) {
            *a = b - *a;
        }
        for (a, b) in self.obs_diag.iter_mut().zip(&total.obs_diag) {
            *a = b - *a;
        }
        // GCTA's pair counts are `m_full + pair_obs`, split by blocks: a
        // block with a missing call counts in `pair_obs`. Sums built in
        // other blocks split them otherwise, so subtract the whole counts.
        self.pair_obs = match (self.pair_obs.take(), &total.pair_obs) {
            (None, None) => {
                self.m_full = total.m_full - self.m_full;
                None
            }
            (own, t) => {
                let (own_full, t_full) = (self.m_full as f64, total.m_full as f64);
                let mut d = match own {
                    Some(d) => d,
                    None => square(n)?,
                };
                for j in 0..n {
                    for i in 0..n {
                        d[(i, j)] = (t.as_ref().map_or(0.0, |t| t[(i, j)]) + t_full) - (d[(i, j)] + own_full);
                    }
                }
                self.m_full = 0;
                Some(d)
            }
        };
        Ok(())
    }

    /// `self += other` (a run of variants joins the sums).
    ///
    /// # Errors
    /// `OutOfMemory` when pair counts must be copied and do not fit.
    pub(crate) fn add(&mut self, other: &Part) -> Result<()> {
        self.s += &other.s;
        self.m += other.m;
        self.m_full += other.m_full;
        for (a, b) in self.diag.iter_mut().zip(&other.diag) {
            *a += b;
        }
        for (a, b) in self.obs_diag.iter_mut().zip(&other.obs_diag) {
            *a += b;
        }
        if let Some(b) = &other.pair_obs {
            match &mut self.pair_obs {
                Some(a) => *a += b,
                None => {
                    let mut a = square(b.nrows())?;
                    a.copy_from(b);
                    self.pair_obs = Some(a);
                }
            }
        }
        Ok(())
    }
}

/// A zero `n x n` matrix of sums, allocated fallibly.
fn square(n: usize) -> Result<Mat<f64>> {
    try_zeros(n, n, &format!("the GRM sums of {n} samples"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled(n: usize, seed: f64, obs: bool) -> Part {
        let mut p = Part::new(n, GrmKind::Gcta).unwrap();
        p.s = Mat::from_fn(n, n, |i, j| seed + (i * n + j) as f64);
        p.m = 3 + seed as usize;
        p.m_full = 1 + seed as usize;
        p.diag = (0..n).map(|i| seed * i as f64).collect();
        p.obs_diag = (0..n).map(|i| seed + i as f64).collect();
        p.pair_obs = obs.then(|| Mat::from_fn(n, n, |i, j| (i + j) as f64 + seed));
        p
    }

    fn same(a: &Part, b: &Part) -> bool {
        let mats = |x: &Mat<f64>, y: &Mat<f64>| (0..x.nrows()).all(|i| (0..x.ncols()).all(|j| x[(i, j)] == y[(i, j)]));
        let pair = match (&a.pair_obs, &b.pair_obs) {
            (Some(x), Some(y)) => mats(x, y),
            (None, None) => true,
            (Some(x), None) | (None, Some(x)) => mats(x, &Mat::zeros(x.nrows(), x.ncols())),
        };
        mats(&a.s, &b.s) && a.m == b.m && a.m_full == b.m_full && a.diag == b.diag && a.obs_diag == b.obs_diag && pair
    }

    #[test]
    fn new_keeps_gcta_sums_only_for_that_kind() {
        let p = Part::new(4, GrmKind::Centered).unwrap();
        assert!(p.diag.is_empty() && p.obs_diag.is_empty() && p.pair_obs.is_none());
        let q = Part::new(4, GrmKind::Gcta).unwrap();
        assert_eq!((q.diag.len(), q.obs_diag.len(), q.m, q.m_full), (4, 4, 0, 0));
    }

    #[test]
    fn minus_undoes_add() {
        for (obs_a, obs_b) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = filled(3, 2.0, obs_a);
            let b = filled(3, 5.0, obs_b);
            let mut sum = a.clone();
            sum.add(&b).unwrap();
            assert_eq!((sum.m, sum.m_full), (a.m + b.m, a.m_full + b.m_full));
            assert_eq!(sum.pair_obs.is_some(), obs_a || obs_b);
            assert!(same(&sum.minus(&b).unwrap(), &a), "{obs_a} {obs_b}");
            assert!(same(&sum.minus(&a).unwrap(), &b), "{obs_a} {obs_b}");
            // In place, the whole pair counts (m_full + pair_obs) agree.
            let mut rest = b.clone();
            rest.subtract_from(&sum).unwrap();
            let pairs = |p: &Part| {
                Mat::from_fn(3, 3, |i, j| {
                    p.m_full as f64 + p.pair_obs.as_ref().map_or(0.0, |o| o[(i, j)])
                })
            };
            let flat = |p: &Part| {
                let mut q = p.clone();
                q.pair_obs = Some(pairs(p));
                q.m_full = 0;
                q
            };
            assert!(same(&flat(&rest), &flat(&a)), "{obs_a} {obs_b}: in place");
        }
    }
}
