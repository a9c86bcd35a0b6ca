//! Simulated GWAS data with known truth: genotypes with population structure
//! and relatedness, phenotypes with a chosen heritability, written as a
//! PLINK 1 fileset plus phenotype, covariate and truth tables. This is the
//! linear mixed model run forwards, for tests, benchmarks, and power and
//! calibration checks before a study.
//!
//! | item | what it does |
//! |---|---|
//! | [`SimConfig`] | every parameter, with [`SimConfig::new`] defaults and [`SimConfig::validate`] |
//! | [`simulate`] | makes and writes everything, streaming variant blocks; returns a [`SimReport`] |
//! | [`Pedigree`] | the samples, their subpopulations and [`Family`] pairs ([`Relation`]) |
//! | [`Layout`] | chromosomes, positions and the null phenotypes' test set |
//! | [`balding_nichols`] | a subpopulation frequency from the ancestral one |
//! | [`TraitTruth`], [`CausalVariant`] | what the truth file says about each phenotype |
//!
//! ## Models
//!
//! **Genotypes.** Variant `i` has ancestral A1 frequency `p ~ Uniform(lo, hi)`;
//! subpopulation `k` has `p_k ~ Beta(p (1-F)/F, (1-p)(1-F)/F)` (Balding-Nichols,
//! `F` = Fst). Founders draw two alleles from `p_k`; children get one allele
//! from each parent by Mendelian transmission, independently at each variant
//! (unlinked variants). Families are pairs of relatives: full sibs and
//! parent-offspring (relatedness 1/2) and half sibs (1/4). Calls are then
//! made missing at random at the requested rate.
//!
//! **Phenotypes.** For phenotype `q` with causal set `S_q` (`n_causal`
//! variants drawn uniformly, outside the test set for null phenotypes) and
//! standardized effects `beta_j ~ N(0, 1)`:
//!
//! `y = s * sum_{j in S_q} x_j beta_j / sqrt(2 p_j (1 - p_j)) + c + e + C a + k * shift`
//!
//! with `x_j` the complete A1 counts, `p_j` the ancestral frequency,
//! `s` such that the genetic term has sample variance exactly `h2`, `c` the
//! intercept that gives it mean 0,
//! `e ~ N(0, 1 - h2)`, covariates `C ~ N(0, 1)` with `|a|^2 = covar_var`, and
//! `k` the sample's subpopulation (0-based). The truth file reports the
//! realised `h2 = var(g) / var(g + e)` and the per-allele effects
//! `s beta_j / sqrt(2 p_j (1 - p_j))`.
//!
//! **Determinism.** Every variant draws from its own ChaCha8 stream keyed by
//! the seed, so files are byte-identical whatever the thread count and block
//! size.
//!
//! ## Truth file
//!
//! `PREFIX.truth.tsv` starts with `#` lines: `#run` (the parameters),
//! `#test_set` (first and last variant IDs and chromosomes of the null
//! phenotypes' test set) and one `#phenotype` line per phenotype (`name`,
//! `kind`, `h2`, `realised_h2`, `n_causal`, `intercept`, `covariate_effects`). Then a
//! tab-separated table with header `phenotype kind variant chrom pos a1 a2
//! ancestral_freq a1_freq effect`, one row per causal variant of each
//! phenotype (`effect` per copy of `a1`).
//!
//! ```
//! use simulate::{simulate, SimConfig};
//! let dir = tempfile::tempdir().unwrap();
//! let mut cfg = SimConfig::new(40, 300);
//! cfg.n_causal = 10;
//! let report = simulate(&cfg, &dir.path().join("sim"), &genotype::NoProgress).unwrap();
//! assert_eq!(report.traits[0].causal.len(), 10);
//! let fs = genotype::Fileset::open(&dir.path().join("sim")).unwrap();
//! assert_eq!((fs.fam.len(), fs.variants.len()), (40, 300));
//! ```

mod config;
mod error;
mod frequency;
mod genotypes;
mod layout;
mod output;
mod pedigree;
mod phenotype;
mod rng;
mod run;

pub use config::{Relation, SimConfig, MAX_CHROMOSOMES};
pub use error::{Error, ErrorKind, Result};
pub use frequency::balding_nichols;
pub use layout::{Layout, CHROM_BP};
pub use pedigree::{Family, Pedigree};
pub use phenotype::{CausalVariant, TraitKind, TraitTruth};
pub use run::{simulate, SimReport};
