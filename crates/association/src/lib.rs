//! The statistics of kindred: one analysis from a genotype dataset to
//! null models and per-variant tests, and the files it writes.
//!
//! | item | what it does |
//! |---|---|
//! | [`analysis::run`] | the one entry point: groups, QC, GRM, eigendecomposition, null fits, scan (LMM exact / fixed-ratio / LOCO, or linear), reported through a [`Reporter`] |
//! | [`GrmSource`], [`prepare`] | where the GRM comes from; one group's QC, GRM and eigendecomposition |
//! | [`Eigen`] | `K = U diag(s) Uᵀ` (faer), written and memory-mapped back |
//! | [`Rotated`], [`fit_null`], [`fit_group`] | a phenotype in the eigenbasis; REML / ML `lambda`, variance components, PVE and its SE |
//! | [`components::fit_components`] | several variance components (GRMs of chromosome sets, grouping factors): AI-REML or Haseman-Elston, shares and SEs |
//! | [`Rotator`] | `Uᵀ X` for variant blocks, in f64 or f32 |
//! | [`Scanner`], [`scan_variants`] | Wald / LRT / score per variant, exact or fixed-ratio, parallel |
//! | [`scan_loco`] | each chromosome against the GRM without it (sums or `E.loco.CHR` eigen files) |
//! | [`merge::merge`] | the gather step of a scan cut into `--chunk`/`--range` jobs: checks and joins their outputs |
//! | [`estimate`] | the memory (peak resident set, step by step) and work of an analysis, before it runs |
//! | [`lambda_gc`] | genomic-control inflation |
//! | [`output`], [`report`] | summary statistics, `.reml.tsv`, the typed JSON run summary |
//!
//! Modules: `group` (phenotypes sharing samples), `prepare`, `fit`,
//! `rotation`, `scan` (options and rows, the scanner, GLS estimates, the
//! exact mode's cached sums), `loco`, `likelihood` (the formulas, their
//! sums, caches and dense helpers), `optimize`, `null_model`, `eigen`,
//! `pvalue`. The model, its likelihoods and derivatives are documented in
//! `likelihood`; conventions follow GEMMA (Zhou & Stephens 2012) so that
//! results agree with it to printed precision.

pub mod analysis;
pub mod blup;
pub mod components;
mod eigen;
mod error;
mod estimate;
mod factored;
mod fit;
mod group;
mod likelihood;
mod loco;
pub mod merge;
mod null_model;
mod optimize;
pub mod output;
mod prepare;
mod pvalue;
pub mod report;
mod rotation;
mod scan;
mod standardize;

pub use analysis::{Event, Options, PhenotypeResult, Reporter, Stage};
pub use eigen::{center, Arithmetic, Eigen, EigenFile, EigenRecord, FitRecord, Spectrum, EIGEN_ZERO};
pub use error::{Error, ErrorKind, Result};
pub use estimate::{estimate, estimate_grm, MemoryEstimate, Step, StepMemory};
pub use fit::{fit_group, fit_linear, PhenoFit};
pub use group::{groups, Group};
pub use likelihood::{LikEval, Method};
pub use loco::{loco_eigen_prefix, scan_loco, LocoPart, LocoPlan, LocoRatio};
pub use null_model::{fit_null, H2Test, NullModel, Rotated, MIN_SAMPLES};
pub use optimize::{Optimum, Search};
pub use prepare::{prepare, GrmFileset, GrmSource, Prepared, Unmatched};
pub use pvalue::{as_written, chi2_1_isf, chi2_1_sf, f1_sf, lambda_gc, neg_log10_chi2_1, neg_log10_f1, CHI2_1_MEDIAN};
pub use rotation::{rotate_block, Rotator};
pub use scan::{
    scan_variants, AssocRow, Fitted, Mode, Model, ScanOptions, Scanner, Statistic, Test, Tests, SCAN_BLOCK,
};
pub use standardize::Scaling;
