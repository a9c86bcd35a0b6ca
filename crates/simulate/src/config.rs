//! The parameters of a simulation, checked before any work.

use crate::error::{Error, Result};

/// Largest number of chromosomes: PLINK reads codes above 22 as X, Y, XY, MT.
pub const MAX_CHROMOSOMES: usize = 22;

/// Kind of the pairs of relatives in a family. Every family contributes two
/// output samples; the parents not in the output are simulated all the same
/// (their genotypes are drawn and transmitted, then dropped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relation {
    /// Two children of the same two (unobserved) parents: kinship 1/4,
    /// relatedness (GRM value) 1/2.
    FullSibs,
    /// A parent and its child (the other parent unobserved): kinship 1/4,
    /// relatedness 1/2. The child's `.fam` record names the parent.
    ParentOffspring,
    /// Two children sharing one (unobserved) parent, each with a different
    /// other parent: kinship 1/8, relatedness 1/4.
    HalfSibs,
}

impl Relation {
    /// Expected genomic relatedness of the pair (twice the kinship
    /// coefficient), the value a GRM shows for it in an unstructured sample.
    pub fn relatedness(self) -> f64 {
        match self {
            Relation::FullSibs | Relation::ParentOffspring => 0.5,
            Relation::HalfSibs => 0.25,
        }
    }

    /// Short name, as used in sample IDs and logs.
    pub fn name(self) -> &'static str {
        match self {
            Relation::FullSibs => "full-sibs",
            Relation::ParentOffspring => "parent-offspring",
            Relation::HalfSibs => "half-sibs",
        }
    }
}

/// Everything a simulation needs. Build one with [`SimConfig::new`], change
/// the fields, and [`simulate`](crate::simulate) checks them with
/// [`SimConfig::validate`] before writing anything.
///
/// The output is a function of this struct alone (the thread count does not
/// matter): the same values, the same bytes.
///
/// ## Models
///
/// * **Frequencies.** Each variant's ancestral frequency of allele A1 is
///   `p ~ Uniform(lo, hi)` ([`ancestral_freq`](Self::ancestral_freq)); each of
///   the [`n_pops`](Self::n_pops) subpopulations then draws its own frequency
///   by the Balding-Nichols model at [`fst`](Self::fst) = F:
///   `p_k ~ Beta(p (1 - F) / F, (1 - p)(1 - F) / F)`, so that
///   `E[p_k] = p` and `Var[p_k] = F p (1 - p)`.
/// * **Founders** (every sample not born in a family, and the unobserved
///   parents) carry two haplotypes whose alleles are independent
///   Bernoulli(`p_k`) draws of their subpopulation.
/// * **Families** ([`family_fraction`](Self::family_fraction),
///   [`relations`](Self::relations)) are made by Mendelian transmission: a
///   child receives one of the two alleles of each parent, chosen by a fair
///   coin at every variant. Variants are unlinked (no LD, no recombination
///   map), so relatives share alleles variant by variant in the expected
///   proportions.
/// * **Phenotypes**: see [`simulate`](crate::simulate) and the crate docs.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// Output samples (rows of the `.fam`).
    pub n_samples: usize,
    /// Variants (rows of the `.bim`).
    pub n_variants: usize,
    /// Seed of every random draw.
    pub seed: u64,
    /// Number of subpopulations (1 = no structure). Samples and families are
    /// dealt to subpopulations in turn, so their sizes differ by at most one
    /// unit.
    pub n_pops: usize,
    /// Balding-Nichols F (Fst) of each subpopulation against the ancestral
    /// population, in `[0, 1)`. 0 gives every subpopulation the ancestral
    /// frequencies.
    pub fst: f64,
    /// Range `(lo, hi)` of the uniform ancestral A1 frequency, `0 < lo <= hi < 1`.
    pub ancestral_freq: (f64, f64),
    /// Fraction of the output samples that belong to families (pairs of
    /// relatives), in `[0, 1]`. Rounded down to whole pairs.
    pub family_fraction: f64,
    /// Kinds of family, dealt to families in turn (the first family gets
    /// `relations[0]`, the second `relations[1]`, ...). Must not be empty
    /// when `family_fraction > 0`.
    pub relations: Vec<Relation>,
    /// Number of chromosomes (autosomes `1..=n_chrom`, at most
    /// [`MAX_CHROMOSOMES`]); the variants are split into equal consecutive
    /// runs, one per chromosome, at increasing positions.
    pub n_chrom: usize,
    /// Probability that a genotype call is missing, independently per call,
    /// in `[0, 1)`. Phenotypes are made from the complete genotypes.
    pub missing_rate: f64,
    /// Number of phenotypes with causal variants anywhere in the genome.
    pub n_phenos: usize,
    /// Number of null phenotypes: the same polygenic model, but every causal
    /// variant lies outside the test set (the last chromosomes, see
    /// [`Layout::test_set`](crate::Layout::test_set)), so every test-set
    /// variant is truly null.
    pub n_null: usize,
    /// Heritability of every phenotype, in `[0, 1]`: the share of
    /// `var(g) + var(e)` that is genetic.
    pub h2: f64,
    /// Causal variants per phenotype (none are drawn when `h2 = 0`).
    pub n_causal: usize,
    /// Mean shift between adjacent subpopulations, in units where
    /// `var(g) + var(e) = 1`: subpopulation `k` (0-based) adds `k * strat_shift`
    /// to every phenotype. A confounder for tests that ignore structure.
    pub strat_shift: f64,
    /// Number of covariates (independent standard normal columns, written
    /// to `PREFIX.covar.tsv`).
    pub n_covar: usize,
    /// Variance of the covariates' combined effect on each phenotype, in
    /// units where `var(g) + var(e) = 1` (0 = covariates have no effect).
    pub covar_var: f64,
    /// Variants per block of work: the grain of parallelism and of memory
    /// (a few blocks of `n_samples / 4` bytes per variant are in flight).
    /// It does not change the output. 0 = automatic (about 4 MiB of packed
    /// genotypes per block).
    pub block_variants: usize,
}

impl SimConfig {
    /// The defaults of `kindred simulate` for `n_samples` x `n_variants`:
    /// 2 subpopulations at Fst 0.05, ancestral frequencies in [0.05, 0.95],
    /// 30 % of samples in families of all three kinds, 10 chromosomes, no
    /// missing calls, one phenotype with h2 = 0.5 and 100 causal variants, no
    /// null phenotype, no stratification shift, 2 covariates explaining 0.1,
    /// seed 1, automatic block size.
    pub fn new(n_samples: usize, n_variants: usize) -> Self {
        Self {
            n_samples,
            n_variants,
            seed: 1,
            n_pops: 2,
            fst: 0.05,
            ancestral_freq: (0.05, 0.95),
            family_fraction: 0.3,
            relations: vec![Relation::FullSibs, Relation::ParentOffspring, Relation::HalfSibs],
            n_chrom: 10,
            missing_rate: 0.0,
            n_phenos: 1,
            n_null: 0,
            h2: 0.5,
            n_causal: 100,
            strat_shift: 0.0,
            n_covar: 2,
            covar_var: 0.1,
            block_variants: 0,
        }
    }

    /// Total phenotype columns: [`n_phenos`](Self::n_phenos) then
    /// [`n_null`](Self::n_null).
    pub fn n_traits(&self) -> usize {
        self.n_phenos + self.n_null
    }

    /// Checks every parameter and their combinations.
    ///
    /// # Errors
    /// `InvalidArgument` naming the parameter (by its `kindred simulate`
    /// flag) and the allowed range.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::InvalidArgument(m));
        let unit = |x: f64| (0.0..=1.0).contains(&x);
        if self.n_samples < 2 {
            return bad(format!("--n-samples must be at least 2, got {}", self.n_samples));
        }
        if self.n_samples > u32::MAX as usize / 4 {
            return bad(format!("--n-samples {} is too large", self.n_samples));
        }
        if self.n_variants == 0 || self.n_variants > u32::MAX as usize {
            return bad(format!(
                "--n-variants must be between 1 and {}, got {}",
                u32::MAX,
                self.n_variants
            ));
        }
        if self.n_pops == 0 || self.n_pops > self.n_samples || self.n_pops > usize::from(u16::MAX) {
            return bad(format!(
                "--n-pops must be between 1 and the number of samples, got {}",
                self.n_pops
            ));
        }
        if !(0.0..1.0).contains(&self.fst) {
            return bad(format!("--fst must be in [0, 1), got {}", self.fst));
        }
        let (lo, hi) = self.ancestral_freq;
        if !(lo > 0.0 && lo <= hi && hi < 1.0) {
            return bad(format!(
                "the ancestral frequency range (--af-min, --af-max) must satisfy 0 < min <= max < 1, got [{lo}, {hi}]"
            ));
        }
        if !unit(self.family_fraction) {
            return bad(format!(
                "--family-fraction must be in [0, 1], got {}",
                self.family_fraction
            ));
        }
        if self.family_fraction > 0.0 && self.relations.is_empty() {
            return bad("--family-fraction > 0 needs at least one kind of relation".into());
        }
        if self.n_chrom == 0 || self.n_chrom > MAX_CHROMOSOMES {
            return bad(format!(
                "--n-chrom must be between 1 and {MAX_CHROMOSOMES}, got {}",
                self.n_chrom
            ));
        }
        if self.n_chrom > self.n_variants {
            return bad(format!(
                "--n-chrom {} exceeds --n-variants {}: every chromosome needs a variant",
                self.n_chrom, self.n_variants
            ));
        }
        if !(0.0..1.0).contains(&self.missing_rate) {
            return bad(format!("--missing-rate must be in [0, 1), got {}", self.missing_rate));
        }
        if !unit(self.h2) {
            return bad(format!("--h2 must be in [0, 1], got {}", self.h2));
        }
        if !self.strat_shift.is_finite() {
            return bad(format!(
                "--strat-shift must be a finite number, got {}",
                self.strat_shift
            ));
        }
        if !(self.covar_var >= 0.0 && self.covar_var.is_finite()) {
            return bad(format!(
                "--covar-var must be a finite number >= 0, got {}",
                self.covar_var
            ));
        }
        if self.h2 == 0.0 {
            return Ok(()); // no causal variants are drawn
        }
        if self.n_traits() > 0 && self.n_causal == 0 {
            return bad("--h2 > 0 needs --n-causal >= 1".into());
        }
        if self.n_phenos > 0 && self.n_causal > self.n_variants {
            return bad(format!(
                "--n-causal {} exceeds --n-variants {}",
                self.n_causal, self.n_variants
            ));
        }
        if self.n_null > 0 {
            let layout = crate::Layout::new(self.n_variants, self.n_chrom);
            let background = layout.test_set().start;
            if layout.test_set().is_empty() || background == 0 {
                return bad("null phenotypes need at least 2 variants (a background and a test set)".into());
            }
            if self.n_causal > background {
                return bad(format!(
                    "--n-causal {} exceeds the {background} variants outside the null phenotypes' test set",
                    self.n_causal
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_errors_name_the_flag() {
        assert!(SimConfig::new(100, 1000).validate().is_ok());
        let mut c = SimConfig::new(100, 1000);
        c.fst = 1.0;
        assert!(c.validate().unwrap_err().to_string().starts_with("--fst"));
        let mut c = SimConfig::new(100, 5);
        assert!(c.validate().unwrap_err().to_string().contains("--n-chrom 10 exceeds"));
        c.n_chrom = 1;
        assert!(c.validate().unwrap_err().to_string().contains("--n-causal 100 exceeds"));
        c.n_causal = 2;
        c.n_null = 1;
        assert!(c.validate().is_ok());
        c.n_causal = 4;
        assert!(c.validate().unwrap_err().to_string().contains("outside the null"));
        let mut c = SimConfig::new(100, 1000);
        c.relations.clear();
        assert_eq!(c.validate().unwrap_err().kind(), crate::ErrorKind::InvalidArgument);
    }
}
