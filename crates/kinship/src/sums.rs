//! The sums of one pass and the matrices formed from them: the GRM over
//! every variant, and the GRM leaving one chromosome out (LOCO).

use std::collections::BTreeMap;

use faer::Mat;
use genotype::{Chrom, SampleId};

use crate::error::{Error, Result};
use crate::grm::Grm;
use crate::kind::GrmKind;
use crate::memory::try_zeros;
use crate::part::Part;

/// The sums of one pass: enough to form the GRM and every LOCO GRM.
#[derive(Debug)]
pub struct GrmSums {
    pub(crate) kind: GrmKind,
    pub(crate) ids: Vec<SampleId>,
    pub(crate) total: Part,
    pub(crate) per_chrom: BTreeMap<Chrom, Part>,
}

impl GrmSums {
    /// The GRM over every variant of the pass.
    ///
    /// # Errors
    /// `OutOfMemory` when the `n x n` matrix does not fit.
    pub fn grm(&self) -> Result<Grm> {
        self.finish(&self.total)
    }

    /// [`GrmSums::grm`] when the sums are no longer needed: for all kinds
    /// but GCTA's, the GRM is formed in the sums' own matrix, so the pass
    /// ends holding one `n x n` matrix, not two (the peak of `kindred grm`).
    ///
    /// # Errors
    /// `OutOfMemory` when GCTA's matrices do not fit.
    pub fn into_grm(mut self) -> Result<Grm> {
        if self.kind == GrmKind::Gcta {
            return self.grm();
        }
        self.per_chrom.clear();
        let total = std::mem::replace(&mut self.total, Part::new(0, self.kind)?);
        self.finish_owned(total)
    }

    /// Chromosomes with a partial sum (empty without LOCO).
    pub fn chromosomes(&self) -> Vec<Chrom> {
        self.per_chrom.keys().cloned().collect()
    }

    /// The GRM without chromosome `c`'s variants, from the partial sums.
    ///
    /// # Errors
    /// `Degenerate` when LOCO sums were not kept, `c` has none, or nothing
    /// would be left; `OutOfMemory` when the matrices do not fit.
    pub fn loco(&self, c: &Chrom) -> Result<Grm> {
        let part = self
            .per_chrom
            .get(c)
            .ok_or_else(|| Error::Degenerate(format!("no LOCO sums for chromosome {c}")))?;
        if part.m == self.total.m {
            return Err(Error::Degenerate(format!(
                "leaving chromosome {c} out leaves no variant for the GRM"
            )));
        }
        self.finish(&self.total.minus(part)?)
    }

    /// The GRM without the variants of `part`: sums of some of this pass's
    /// variants (one chromosome's), built alone over the same samples and
    /// kind. LOCO one chromosome at a time: two sums held, not one per
    /// chromosome; `part`'s matrix is reused for the difference.
    ///
    /// # Errors
    /// `Degenerate` when `part` is of another kind or other samples, or
    /// leaves no variant; `OutOfMemory` when the GRM does not fit.
    pub fn without(&self, part: GrmSums) -> Result<Grm> {
        if part.kind != self.kind || part.ids != self.ids {
            return Err(Error::Degenerate(
                "the sums to leave out were built for another kind or other samples".into(),
            ));
        }
        if part.total.m >= self.total.m {
            return Err(Error::Degenerate(format!(
                "leaving {} of {} variants out leaves none for the GRM",
                part.total.m, self.total.m
            )));
        }
        let mut rest = part.total;
        rest.subtract_from(&self.total)?;
        self.finish_owned(rest)
    }

    /// Variants summed in the whole pass.
    pub fn n_variants(&self) -> usize {
        self.total.m
    }

    /// [`GrmSums::finish`] of sums no longer needed: where the GRM is the
    /// sums over the variant count (all but GCTA's kind), formed in their
    /// own matrix, the same arithmetic with no second `n x n` matrix
    /// (each chromosome of a LOCO scan paid one: 200 MB of fresh pages at
    /// n = 5000, ~5% of the scan in the kernel's page clearing).
    fn finish_owned(&self, p: Part) -> Result<Grm> {
        if self.kind == GrmKind::Gcta {
            return self.finish(&p);
        }
        let Part {
            s: mut k,
            m: n_variants,
            ..
        } = p;
        over_count(&mut k, n_variants as f64);
        Ok(Grm {
            matrix: k,
            ids: self.ids.clone(),
            n_variants,
            pair_counts: None,
            kind: Some(self.kind),
        })
    }

    fn finish(&self, p: &Part) -> Result<Grm> {
        let n = p.s.nrows();
        let m = p.m as f64;
        let mut k = try_zeros::<f64>(n, n, &format!("the GRM of {n} samples"))?;
        let mut counts = None;
        match self.kind {
            GrmKind::Centered | GrmKind::Standardized | GrmKind::Plink => {
                k.copy_from(&p.s);
                over_count(&mut k, m);
            }
            GrmKind::Gcta => {
                let full = p.m_full as f64;
                let pair = |i: usize, j: usize| full + p.pair_obs.as_ref().map_or(0.0, |o| o[(i, j)]);
                for j in 0..n {
                    k[(j, j)] = 1.0 + p.diag[j] / p.obs_diag[j];
                    for i in j + 1..n {
                        let v = p.s[(i, j)] / pair(i, j);
                        k[(i, j)] = v;
                        k[(j, i)] = v;
                    }
                }
                if p.pair_obs.is_some() {
                    let mut c = try_zeros::<f32>(n, n, &format!("GCTA's pair counts of {n} samples"))?;
                    for j in 0..n {
                        c[(j, j)] = p.obs_diag[j] as f32;
                        for i in j + 1..n {
                            let v = pair(i, j) as f32;
                            c[(i, j)] = v;
                            c[(j, i)] = v;
                        }
                    }
                    counts = Some(c);
                }
            }
        }
        Ok(Grm {
            matrix: k,
            ids: self.ids.clone(),
            n_variants: p.m,
            pair_counts: counts,
            kind: Some(self.kind),
        })
    }
}

/// `k <- S / m` from the sums `S` in `k`'s lower triangle, both triangles
/// written: the GRM of every kind but GCTA's.
fn over_count(k: &mut Mat<f64>, m: f64) {
    let n = k.nrows();
    for j in 0..n {
        k[(j, j)] /= m;
        for i in j + 1..n {
            let v = k[(i, j)] / m;
            k[(i, j)] = v;
            k[(j, i)] = v;
        }
    }
}

#[cfg(test)]
mod tests {
    use genotype::Chrom;

    use crate::block::Precision;
    use crate::builder::tests::{multi, sums_of, KINDS};
    use crate::ErrorKind;

    #[test]
    fn loco_equals_the_grm_built_without_the_chromosome() {
        let fs = multi();
        // runs out of chromosome order, chromosome 1 in two runs
        let v = [8, 9, 0, 1, 4, 5, 6, 7, 2, 3, 10, 11];
        for kind in KINDS {
            let s = sums_of(&fs, &v, kind, Precision::F64, 3, true);
            for c in [1, 2, 3].map(Chrom::Auto) {
                let rest: Vec<u32> = v
                    .iter()
                    .copied()
                    .filter(|&x| fs.variants[x as usize].chrom != c)
                    .collect();
                let direct = sums_of(&fs, &rest, kind, Precision::F64, 3, false).grm().unwrap();
                let loco = s.loco(&c).unwrap();
                assert_eq!(loco.n_variants, 8);
                let d = loco.max_abs_diff(&direct.matrix);
                assert!(d < 1e-12, "{kind:?} without chromosome {c}: {d:e}");
                assert_eq!(loco.pair_counts.is_some(), direct.pair_counts.is_some());
            }
            let plain = sums_of(&fs, &v, kind, Precision::F64, 3, false).grm().unwrap();
            assert!(s.grm().unwrap().max_abs_diff(&plain.matrix) < 1e-12, "{kind:?}");
            // formed in the sums' own matrix: the same bits
            let owned = sums_of(&fs, &v, kind, Precision::F64, 3, false).into_grm().unwrap();
            assert_eq!(owned.max_abs_diff(&plain.matrix), 0.0, "{kind:?}");
            assert_eq!((owned.n_variants, owned.kind), (plain.n_variants, plain.kind));
            assert_eq!(owned.pair_counts.is_some(), plain.pair_counts.is_some(), "{kind:?}");
            assert_eq!(s.n_variants(), 12);
        }
    }

    #[test]
    fn without_a_chromosome_built_alone_equals_the_one_pass_loco() {
        let fs = multi();
        let v = [8, 9, 0, 1, 4, 5, 6, 7, 2, 3, 10, 11];
        for kind in KINDS {
            let all = sums_of(&fs, &v, kind, Precision::F64, 3, true);
            let plain = sums_of(&fs, &v, kind, Precision::F64, 3, false);
            for c in [1, 2, 3].map(Chrom::Auto) {
                let own: Vec<u32> = v
                    .iter()
                    .copied()
                    .filter(|&x| fs.variants[x as usize].chrom == c)
                    .collect();
                let part = sums_of(&fs, &own, kind, Precision::F64, 3, false);
                let got = plain.without(part).unwrap();
                let want = all.loco(&c).unwrap();
                assert_eq!(got.n_variants, want.n_variants);
                let d = got.max_abs_diff(&want.matrix);
                assert!(d < 1e-12, "{kind:?} without chromosome {c}: {d:e}");
                assert_eq!(got.pair_counts.is_some(), want.pair_counts.is_some());
            }
            let everything = sums_of(&fs, &v, kind, Precision::F64, 3, false);
            let e = plain.without(everything).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::DegenerateData, "{kind:?}");
        }
        let other = sums_of(&fs, &[0], crate::GrmKind::Gcta, Precision::F64, 3, false);
        let centered = sums_of(&fs, &v, crate::GrmKind::Centered, Precision::F64, 3, false);
        assert_eq!(centered.without(other).unwrap_err().kind(), ErrorKind::DegenerateData);
    }

    #[test]
    fn chromosomes_are_listed_in_chromosome_order() {
        let fs = multi();
        let s = sums_of(
            &fs,
            &[10, 4, 0, 5, 11],
            crate::GrmKind::Centered,
            Precision::F64,
            2,
            true,
        );
        assert_eq!(s.chromosomes(), [1, 2, 3].map(Chrom::Auto));
        let plain = sums_of(&fs, &[10, 4, 0], crate::GrmKind::Centered, Precision::F64, 2, false);
        assert!(plain.chromosomes().is_empty());
    }

    #[test]
    fn loco_without_sums_or_without_anything_left_is_degenerate() {
        let fs = multi();
        let plain = sums_of(&fs, &[0, 4], crate::GrmKind::Centered, Precision::F64, 2, false);
        let e = plain.loco(&Chrom::Auto(1)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::DegenerateData);
        assert_eq!(e.to_string(), "no LOCO sums for chromosome 1");
        let one = sums_of(&fs, &[0, 1], crate::GrmKind::Centered, Precision::F64, 2, true);
        let e = one.loco(&Chrom::Auto(1)).unwrap_err();
        assert_eq!(e.to_string(), "leaving chromosome 1 out leaves no variant for the GRM");
    }
}
