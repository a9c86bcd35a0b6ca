//! GRM kinds: how genotypes are scaled before `K = Z Zᵀ / M`.

use genotype::Encoding;

/// The scaling of genotype columns that defines a GRM.
///
/// With `x` a variant's A1 counts over the samples, `m` their mean over
/// observed samples and `p = m / 2` (missing genotypes mean-imputed):
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GrmKind {
    /// `z = x - m`; `K = Z Zᵀ / M`. GEMMA `-gk 1` (`.cXX.txt`). Blocks
    /// without missing calls are summed as integers in `f32`, exactly.
    Centered,
    /// `z = (x - m) / sd`, `sd` the population SD of the mean-imputed
    /// column; `K = Z Zᵀ / M`. GEMMA `-gk 2` (`.sXX.txt`).
    Standardized,
    /// `z = (x - 2p) / sqrt(2p(1-p))` (missing -> 0), `K = Z Zᵀ / M`, with
    /// monomorphic variants counted in `M`: PLINK 2's `--make-rel` and
    /// `--make-grm-bin`.
    Plink,
    /// `z = (x - 2p) / sqrt(2p(1-p))` over observed genotypes; off-diagonal
    /// `K_jk = Σ z_ij z_ik / N_jk` with `N_jk` the variants observed in both
    /// samples, diagonal `K_jj = 1 + Σ (x² - (1+2p)x + 2p²) / (2p(1-p)) / N_jj`
    /// (Yang et al. 2011, GCTA `--make-grm`).
    Gcta,
}

impl GrmKind {
    /// The decoding that produces this kind's columns.
    pub fn encoding(self) -> Encoding {
        match self {
            GrmKind::Centered => Encoding::Centered,
            GrmKind::Standardized => Encoding::UnitVariance,
            GrmKind::Plink | GrmKind::Gcta => Encoding::Standardized,
        }
    }

    /// GEMMA's file suffix for this kind (`cXX` or `sXX`); GCTA's kind has none.
    pub fn gemma_suffix(self) -> &'static str {
        match self {
            GrmKind::Centered => "cXX",
            GrmKind::Standardized | GrmKind::Plink | GrmKind::Gcta => "sXX",
        }
    }

    /// Name used in logs and JSON.
    pub fn name(self) -> &'static str {
        match self {
            GrmKind::Centered => "centered",
            GrmKind::Standardized => "standardized",
            GrmKind::Plink => "plink",
            GrmKind::Gcta => "gcta",
        }
    }
}
