//! The memory one group's preparation will need at its peak, estimated
//! before anything large is allocated, so that too many samples for the
//! machine are refused at once, with the estimate, and not after a long
//! GRM pass or by an allocation failure.

use faer::Par;
use kinship::memory::{ensure, format_bytes, square_bytes};
use kinship::GrmKind;

use crate::eigen::workspace_bytes;
use crate::error::Result;

/// What is built: the GRM's kind and, with LOCO, how many chromosomes
/// have per-chromosome sums (`None` without LOCO).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    /// Samples.
    pub(crate) n: usize,
    /// Built from the genotypes (`Some(kind)`) or read from a file.
    pub(crate) built: Option<GrmKind>,
    /// Chromosomes with LOCO sums.
    pub(crate) loco_chroms: Option<usize>,
}

impl Plan {
    /// Peak bytes: the largest of the build (sums, the f32 block product),
    /// the GRM formed from the sums, its eigendecomposition (matrix,
    /// vectors, workspace) and, with LOCO, each chromosome's GRM and
    /// decomposition next to the sums and the whole-genome vectors.
    /// `None` when it is beyond what can be addressed.
    pub(crate) fn peak_bytes(&self, par: Par) -> Option<u64> {
        let a = square_bytes(self.n)?;
        let evd = workspace_bytes(self.n, par);
        // GCTA's kind may add per-pair counts to each part of the sums.
        let part = match self.built {
            Some(GrmKind::Gcta) => a.checked_mul(2)?,
            _ => a,
        };
        let decompose = a.checked_mul(2)?.checked_add(evd)?;
        let Some(kind) = self.built else {
            // A file's matrix and the analysed samples' copy of it.
            return Some(decompose.max(a.checked_mul(2)?));
        };
        let prod32 = if kind == GrmKind::Centered { a / 2 } else { 0 };
        let counts = if kind == GrmKind::Gcta { a / 2 } else { 0 };
        // The sums and the f32 block product; the GRM formed from the sums
        // (kept with LOCO, for the chromosomes' GRMs).
        let build = part.checked_add(prod32)?;
        let form = part.checked_add(a)?.checked_add(counts)?;
        let kept = if self.loco_chroms.is_some() { part } else { 0 };
        let mut peak = build.max(form).max(kept.checked_add(decompose)?);
        if self.loco_chroms.is_some() {
            // The sums and the whole-genome vectors held, then one
            // chromosome at a time: its own sums built, turned into the
            // rest's and formed into its GRM, decomposed. The number of
            // chromosomes does not matter.
            let one = build.max(form).max(decompose);
            peak = peak.max(part.checked_add(a)?.checked_add(one)?);
        }
        Some(peak)
    }

    /// Refuses the plan when its peak is more than the free memory.
    ///
    /// # Errors
    /// `OutOfMemory` with the estimate.
    pub(crate) fn check(&self, par: Par) -> Result<()> {
        let what = format!(
            "the GRM of {} samples and its eigendecomposition ({} per n x n matrix)",
            self.n,
            square_bytes(self.n).map_or("too much".into(), format_bytes)
        );
        Ok(ensure(self.peak_bytes(par), &what)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_17_6_the_peak_grows_with_loco_and_refuses_60000_samples() {
        let plan = |n, built, loco_chroms| Plan { n, built, loco_chroms };
        let a = square_bytes(1000).unwrap();
        let plain = plan(1000, Some(GrmKind::Centered), None).peak_bytes(Par::Seq).unwrap();
        // the GRM, its eigenvectors and the eigensolver's workspace
        assert_eq!(plain, 2 * a + workspace_bytes(1000, Par::Seq));
        let loco = plan(1000, Some(GrmKind::Centered), Some(19))
            .peak_bytes(Par::Seq)
            .unwrap();
        // The sums and the whole-genome vectors besides one decomposition
        // (issue 18: not a matrix per chromosome).
        assert_eq!(loco, 2 * a + plain);
        let two = plan(1000, Some(GrmKind::Centered), Some(2)).peak_bytes(Par::Seq);
        assert_eq!(two, Some(loco));
        let file = plan(1000, None, None).peak_bytes(Par::Seq).unwrap();
        assert!(file >= 2 * a);
        assert_eq!(plan(usize::MAX, None, None).peak_bytes(Par::Seq), None);
        plan(100, Some(GrmKind::Gcta), Some(3)).check(Par::Seq).unwrap();
        // 60,000 samples here (28.8 GB per matrix); on any machine, two
        // matrices larger than its free memory
        let Some(avail) = kinship::memory::available() else {
            return;
        };
        let n = (((avail / 16) as f64).sqrt() as usize + 1000).max(60_000);
        let e = plan(n, Some(GrmKind::Centered), None).check(Par::Seq).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::OutOfMemory);
        let msg = e.to_string();
        let each = format_bytes(square_bytes(n).unwrap());
        let head = format!(
            "not enough memory for the GRM of {n} samples and its eigendecomposition ({each} per n x n matrix): about"
        );
        assert!(msg.starts_with(&head), "{msg}");
    }
}
