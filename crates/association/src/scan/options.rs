//! What a scan runs (tests, per-variant or fixed `lambda`, search range,
//! collinearity filter, rotation arithmetic) and what it returns per variant.

use genotype::VariantStats;

use crate::optimize::Search;
use crate::pvalue::{chi2_1_sf, f1_sf, neg_log10_chi2_1, neg_log10_f1};

/// Which tests to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tests {
    /// Wald test (GEMMA `-lmm 1`).
    pub wald: bool,
    /// Likelihood-ratio test (GEMMA `-lmm 2`).
    pub lrt: bool,
    /// Score test (GEMMA `-lmm 3`).
    pub score: bool,
}

/// One of the three tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Test {
    /// Wald.
    Wald,
    /// Likelihood ratio.
    Lrt,
    /// Score.
    Score,
}

impl Tests {
    /// All three (GEMMA `-lmm 4`).
    pub const ALL: Tests = Tests {
        wald: true,
        lrt: true,
        score: true,
    };
    /// Wald only.
    pub const WALD: Tests = Tests {
        wald: true,
        lrt: false,
        score: false,
    };
    /// Likelihood ratio only.
    pub const LRT: Tests = Tests {
        wald: false,
        lrt: true,
        score: false,
    };
    /// Score only.
    pub const SCORE: Tests = Tests {
        wald: false,
        lrt: false,
        score: true,
    };

    /// The test whose p-value is the main one (`p_value` column, genomic
    /// control): Wald when it ran, else the likelihood ratio, else score.
    pub fn main(&self) -> Test {
        if self.wald {
            Test::Wald
        } else if self.lrt {
            Test::Lrt
        } else {
            Test::Score
        }
    }
}

/// How `lambda` is chosen per variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Re-estimated for every variant (GEMMA).
    Exact,
    /// The null model's, for every variant (EMMAX / FaST-LMM).
    FixedRatio,
}

/// Options of a scan.
#[derive(Debug, Clone, Copy)]
pub struct ScanOptions {
    /// Tests to run.
    pub tests: Tests,
    /// Per-variant or fixed `lambda`.
    pub mode: Mode,
    /// Search range for per-variant `lambda`.
    pub search: Search,
    /// Skip variants whose `r²` with the covariates (uncentred, as GEMMA)
    /// exceeds this; only applies with covariates beyond the intercept.
    pub r2_max: f64,
    /// Arithmetic of the rotation `Uᵀ X`: `F32` (default: twice the
    /// multiply rate of f64 on the scan's dominant cost; variants are
    /// centred before rounding and the f32 products carry ~1e-6 relative
    /// error, which moves p-values by a few 1e-6 in log10) or `F64`
    /// (GEMMA's arithmetic, for digit-by-digit comparison).
    pub rotation: kinship::Precision,
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self {
            tests: Tests::WALD,
            mode: Mode::Exact,
            search: Search::default(),
            r2_max: 0.9999,
            rotation: kinship::Precision::F32,
        }
    }
}

/// The statistic behind a p-value, kept so that `-log10 p` can be had in
/// log space where the p-value underflows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Statistic {
    /// `F ~ F(1, df)` (Wald and score tests).
    F1 {
        /// The statistic.
        f: f64,
        /// Residual degrees of freedom.
        df: f64,
    },
    /// `X ~ chi2(1)` (likelihood-ratio test).
    Chi2 {
        /// The statistic.
        x: f64,
    },
}

impl Statistic {
    /// Its p-value (0 where it underflows).
    pub fn p(&self) -> f64 {
        match *self {
            Statistic::F1 { f, df } => f1_sf(f, df),
            Statistic::Chi2 { x } => chi2_1_sf(x),
        }
    }

    /// `-log10` of its p-value, computed in log space (finite for every
    /// finite statistic).
    pub fn neg_log10_p(&self) -> f64 {
        match *self {
            Statistic::F1 { f, df } => neg_log10_f1(f, df),
            Statistic::Chi2 { x } => neg_log10_chi2_1(x),
        }
    }
}

/// One variant's results. Fields not computed are `NaN` (or `None`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AssocRow {
    /// `.bim` position of the variant.
    pub variant: u32,
    /// Genotype counts over the analysed samples.
    pub stats: VariantStats,
    /// Effect of one more copy of A1.
    pub beta: f64,
    /// Standard error of `beta`.
    pub se: f64,
    /// Log-likelihood under H1 (ML when the LRT ran, else REML).
    pub logl_h1: f64,
    /// Per-variant REML `lambda` (Wald).
    pub lambda_remle: f64,
    /// Per-variant ML `lambda` (LRT).
    pub lambda_mle: f64,
    /// Wald p-value.
    pub p_wald: Option<f64>,
    /// Likelihood-ratio p-value.
    pub p_lrt: Option<f64>,
    /// Score p-value.
    pub p_score: Option<f64>,
    /// The statistics behind `p_wald`, `p_lrt`, `p_score` (in that order).
    pub statistics: [Option<Statistic>; 3],
}

impl AssocRow {
    /// A row for `variant` with nothing computed yet.
    pub(crate) fn empty(variant: u32, stats: VariantStats) -> Self {
        Self {
            variant,
            stats,
            beta: f64::NAN,
            se: f64::NAN,
            logl_h1: f64::NAN,
            lambda_remle: f64::NAN,
            lambda_mle: f64::NAN,
            p_wald: None,
            p_lrt: None,
            p_score: None,
            statistics: [None; 3],
        }
    }

    /// Records test `test`'s statistic and its p-value.
    pub(crate) fn set(&mut self, test: Test, stat: Statistic) {
        let p = Some(stat.p());
        match test {
            Test::Wald => self.p_wald = p,
            Test::Lrt => self.p_lrt = p,
            Test::Score => self.p_score = p,
        }
        self.statistics[test as usize] = Some(stat);
    }

    /// `-log10` of the main p-value ([`AssocRow::p_value`]'s test), in log
    /// space (`None` when no test ran).
    pub fn neg_log10_main(&self) -> Option<f64> {
        [Test::Wald, Test::Lrt, Test::Score]
            .into_iter()
            .find_map(|t| self.neg_log10_p(t))
    }

    /// `-log10` of test `test`'s p-value, in log space (`None` when it did
    /// not run).
    pub fn neg_log10_p(&self, test: Test) -> Option<f64> {
        self.statistics[test as usize].map(|s| s.neg_log10_p())
    }

    /// The p-value of one test (`None` when it did not run).
    pub fn p(&self, test: Test) -> Option<f64> {
        match test {
            Test::Wald => self.p_wald,
            Test::Lrt => self.p_lrt,
            Test::Score => self.p_score,
        }
    }

    /// The main p-value (the `p_value` column and genomic control's): the
    /// Wald test's when it ran, else the likelihood ratio's, else the score
    /// test's; `NaN` when none ran.
    pub fn p_value(&self) -> f64 {
        self.p_wald.or(self.p_lrt).or(self.p_score).unwrap_or(f64::NAN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn main_test_and_main_p_value_follow_one_rule() {
        assert_eq!(Tests::ALL.main(), Test::Wald);
        assert_eq!(Tests::LRT.main(), Test::Lrt);
        assert_eq!(Tests::SCORE.main(), Test::Score);
        assert!(AssocRow::empty(0, VariantStats::default()).p_value().is_nan());
        // A row holding exactly the p-values of the tests that ran: the
        // writer's column choice (`Tests::main`) and the row's rule agree.
        for t in [Tests::ALL, Tests::WALD, Tests::LRT, Tests::SCORE] {
            let mut row = AssocRow::empty(0, VariantStats::default());
            row.p_wald = t.wald.then_some(0.1);
            row.p_lrt = t.lrt.then_some(0.2);
            row.p_score = t.score.then_some(0.3);
            assert_eq!(row.p(t.main()), Some(row.p_value()), "{t:?}");
        }
    }
}
