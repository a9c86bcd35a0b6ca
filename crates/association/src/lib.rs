//! The statistics of kindred: eigendecomposition of the GRM, the null
//! linear mixed model (REML / ML, heritability), per-variant tests on
//! rotated data, ordinary least squares for comparison, genomic control.
//!
//! | item | what it does |
//! |---|---|
//! | [`Eigen`] | `K = U diag(s) Uᵀ` (faer), written and memory-mapped back |
//! | [`Rotated`] | one phenotype and its covariates in the eigenbasis |
//! | [`fit_null`] | REML / ML `lambda`, `sigma_g2`, `sigma_e2`, covariate effects, PVE and its SE |
//! | [`Scanner`] | Wald / LRT / score per variant, exact or fixed-ratio, parallel |
//! | [`lambda_gc`] | genomic-control inflation |
//!
//! The model, its likelihoods and derivatives are documented in the
//! `likelihood` module; conventions follow GEMMA (Zhou & Stephens 2012) so
//! that results agree with it to printed precision.

mod eigen;
mod error;
mod likelihood;
mod null_model;
mod optimize;
pub mod output;
pub mod pipeline;
mod pvalue;
mod scan;

pub use eigen::{center, Eigen, Spectrum, EIGEN_ZERO};
pub use error::{Error, ErrorKind, Result};
pub use likelihood::{LikEval, Method};
pub use null_model::{fit_null, NullModel, Rotated};
pub use optimize::{Optimum, Search};
pub use pvalue::{chi2_1_isf, chi2_1_sf, f1_sf, lambda_gc, CHI2_1_MEDIAN};
pub use scan::{rotate_block, AssocRow, Mode, ScanOptions, Scanner, Tests};
