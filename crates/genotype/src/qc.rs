//! Variant quality control on the analysed samples: the thresholds ([`Qc`]),
//! why one variant fails ([`QcFail`]) and the outcome over many variants
//! ([`QcOutcome`], counted in a [`QcReport`]).

use crate::error::Result;
use crate::moments::VariantMoments;
use crate::source::Decoder;
use crate::variant_stats::VariantStats;

/// Quality-control thresholds on the analysed samples. Defaults are GEMMA's:
/// minor allele frequency at least 0.01, missing rate at most 0.05, and at
/// least two genotype classes observed; no imputation-quality threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Qc {
    /// Minimum minor allele frequency (`--maf`).
    pub min_maf: f64,
    /// Maximum fraction of missing genotypes (`--geno`).
    pub max_missing: f64,
    /// Minimum imputation quality (`--min-info`): the source's
    /// [`crate::InfoMeasure`] over the analysed samples. Hard calls have
    /// none and always pass.
    pub min_info: Option<f64>,
}

impl Default for Qc {
    fn default() -> Self {
        Self {
            min_maf: 0.01,
            max_missing: 0.05,
            min_info: None,
        }
    }
}

/// Why a variant failed [`Qc`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QcFail {
    /// Missing rate above the threshold.
    Missing,
    /// Minor allele frequency below the threshold.
    Maf,
    /// Fewer than two genotype classes observed (dosages: all equal).
    Monomorphic,
    /// Imputation quality below the threshold (or undefined).
    Info,
}

impl Qc {
    /// Checks one variant, in GEMMA's order (missingness, then frequency,
    /// then the genotype classes), then the imputation quality.
    pub fn check<S: Into<VariantStats> + Copy>(&self, st: &S) -> std::result::Result<(), QcFail> {
        let st: VariantStats = (*st).into();
        if st.n_obs() == 0 || st.missing_rate() > self.max_missing {
            return Err(QcFail::Missing);
        }
        if st.maf() < self.min_maf {
            return Err(QcFail::Maf);
        }
        if st.is_monomorphic() {
            return Err(QcFail::Monomorphic);
        }
        match (self.min_info, st.info()) {
            // NaN (no data) fails too
            (Some(min), Some(info)) if info.is_nan() || info < min => Err(QcFail::Info),
            _ => Ok(()),
        }
    }
}

/// How many variants failed [`Qc`] and why, in [`Qc::check`]'s order (a
/// variant is counted under its first failed test only).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QcReport {
    /// Variants considered (after lists and chromosome choice).
    pub n_candidates: usize,
    /// Failed the missing-rate threshold.
    pub n_missing: usize,
    /// Failed the allele-frequency threshold.
    pub n_maf: usize,
    /// Fewer than two genotype classes.
    pub n_monomorphic: usize,
    /// Imputation quality below `--min-info`.
    pub n_info: usize,
    /// Passed.
    pub n_pass: usize,
}

/// Outcome of [`Qc::apply`]: the passing variants, their counts and the report.
#[derive(Debug, Clone, PartialEq)]
pub struct QcOutcome {
    /// Variants passing, `.bim` positions in the order given.
    pub variants: Vec<u32>,
    /// Their summaries on the samples of the view (one per variant).
    pub stats: Vec<VariantStats>,
    /// Counts of failures by reason.
    pub report: QcReport,
}

impl Qc {
    /// Summarises `variants` (positions in the source's variant list) on
    /// the samples of `g` and keeps those passing [`Qc::check`], in the
    /// order given.
    ///
    /// # Errors
    /// Those of [`Decoder::stats_many`].
    ///
    /// ```
    /// use genotype::{Fileset, Genotypes, Qc, SampleSubset};
    /// let fs = Fileset::open(std::path::Path::new("../../data/tiny/tiny")).unwrap();
    /// let samples = SampleSubset::all(fs.fam.len());
    /// let out = Qc::default().apply(Genotypes::new(&fs.bed, &samples), &[0, 1, 2]).unwrap();
    /// assert_eq!(out.variants, [0]); // rs2 is all missing, rs3 monomorphic
    /// assert_eq!((out.report.n_missing, out.report.n_maf), (1, 1));
    /// ```
    pub fn apply<'a>(&self, g: impl Into<Decoder<'a>>, variants: &[u32]) -> Result<QcOutcome> {
        Ok(self.apply_stats(variants, &g.into().stats_many(variants)?))
    }

    /// [`Qc::apply`] on counts already computed: `stats[i]` belongs to
    /// `variants[i]`.
    ///
    /// # Panics
    /// If the lengths differ.
    pub fn apply_stats<S: Into<VariantStats> + Copy>(&self, variants: &[u32], stats: &[S]) -> QcOutcome {
        assert_eq!(variants.len(), stats.len(), "one count per variant");
        let mut report = QcReport {
            n_candidates: stats.len(),
            ..Default::default()
        };
        let mut kept = Vec::new();
        let mut kept_stats = Vec::new();
        for (&v, st) in variants.iter().zip(stats) {
            match self.check(st) {
                Ok(()) => {
                    kept.push(v);
                    kept_stats.push((*st).into());
                }
                Err(QcFail::Missing) => report.n_missing += 1,
                Err(QcFail::Maf) => report.n_maf += 1,
                Err(QcFail::Monomorphic) => report.n_monomorphic += 1,
                Err(QcFail::Info) => report.n_info += 1,
            }
        }
        report.n_pass = kept.len();
        QcOutcome {
            variants: kept,
            stats: kept_stats,
            report,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{AlleleStats, Genotypes};

    #[test]
    fn qc_order_and_defaults() {
        let qc = Qc::default();
        let ok = AlleleStats {
            n_hom_a1: 10,
            n_het: 40,
            n_hom_a2: 50,
            n_missing: 0,
        };
        assert_eq!(qc.check(&ok), Ok(()));
        let miss = AlleleStats { n_missing: 6, ..ok };
        assert_eq!(qc.check(&miss), Err(QcFail::Missing));
        let rare = AlleleStats {
            n_hom_a1: 0,
            n_het: 1,
            n_hom_a2: 99,
            n_missing: 0,
        };
        assert_eq!(qc.check(&rare), Err(QcFail::Maf));
        let allhet = AlleleStats {
            n_hom_a1: 0,
            n_het: 100,
            n_hom_a2: 0,
            n_missing: 0,
        };
        assert_eq!(qc.check(&allhet), Err(QcFail::Monomorphic));
        let none = AlleleStats {
            n_missing: 5,
            ..Default::default()
        };
        assert_eq!(qc.check(&none), Err(QcFail::Missing));
    }

    fn tiny() -> crate::Fileset {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        crate::Fileset::open(&dir.join("../../data/tiny/tiny")).unwrap()
    }

    /// data/tiny/tiny: rs1 ok, rs2 all missing, rs3 monomorphic, rs4 2 of 7
    /// missing, rs5 and rs6 ok (see data/tiny/README.md).
    #[test]
    fn apply_counts_each_variant_under_its_first_failure() {
        let fs = tiny();
        let all = crate::SampleSubset::all(fs.fam.len());
        let g = Genotypes::new(&fs.bed, &all);
        let out = Qc::default().apply(g, &[0, 1, 2, 3, 4, 5]).unwrap();
        assert_eq!(out.variants, [0, 4, 5]);
        let want: Vec<VariantStats> = g.stats_many(&[0, 4, 5]).into_iter().map(Into::into).collect();
        assert_eq!(out.stats, want);
        let want = QcReport {
            n_candidates: 6,
            n_missing: 2,
            n_maf: 1,
            n_monomorphic: 0,
            n_info: 0,
            n_pass: 3,
        };
        assert_eq!(out.report, want);
    }

    #[test]
    fn apply_keeps_the_given_order_and_thresholds() {
        let fs = tiny();
        let all = crate::SampleSubset::all(fs.fam.len());
        let g = Genotypes::new(&fs.bed, &all);
        let lax = Qc {
            min_maf: 0.0,
            max_missing: 0.5,
            min_info: None,
        };
        // rs3 (all A1) now passes the MAF test and fails as monomorphic;
        // rs4 (2/7 missing) passes.
        let out = lax.apply(g, &[5, 3, 2, 1, 0]).unwrap();
        assert_eq!(out.variants, [5, 3, 0]);
        assert_eq!(
            (out.report.n_missing, out.report.n_maf, out.report.n_monomorphic),
            (1, 0, 1)
        );
        assert_eq!(out.report.n_candidates, 5);
        assert_eq!(out.report.n_pass, 3);
    }

    #[test]
    fn apply_on_a_sample_subset_and_on_nothing() {
        let fs = tiny();
        // S1, S2, S4, S5: rs4 has no missing call there.
        let some = crate::SampleSubset::new(vec![0, 1, 3, 4], fs.fam.len());
        let g = Genotypes::new(&fs.bed, &some);
        let out = Qc::default().apply(g, &[3]).unwrap();
        assert_eq!(out.variants, [3]);
        assert_eq!(out.stats[0].n_missing(), 0);
        let none = Qc::default().apply(g, &[]).unwrap();
        assert_eq!(none.report, QcReport::default());
        assert!(none.variants.is_empty() && none.stats.is_empty());
    }
}
