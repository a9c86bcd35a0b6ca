//! The JSON run summaries (`PREFIX.json`) as typed, versioned structs:
//! what workflows read. Written by [`crate::output::write_json`] with keys
//! in alphabetical order.

use genotype::Dataset;
use kinship::FilesetFingerprint;
use serde::{Deserialize, Serialize};

use crate::analysis::PhenotypeResult;
use crate::likelihood::Method;
use crate::null_model::NullModel;
use crate::output::SumstatsMeta;
use crate::scan::AssocRow;

mod components;
mod nan;

pub use components::{ComponentReport, ComponentsPhenotype, ComponentsReport};

/// Version of the JSON layout: raised when a field changes meaning or
/// disappears (adding a field does not raise it).
pub const SCHEMA_VERSION: u32 = 1;

/// One phenotype's null model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NullModelReport {
    /// Phenotype name.
    pub name: String,
    /// Analysed samples.
    pub n: usize,
    /// Covariates, intercept included.
    pub n_covariates: usize,
    /// `reml` or `ml`.
    pub method: String,
    /// Proportion of variance explained (GEMMA's definition).
    #[serde(deserialize_with = "nan::f64")]
    pub pve: f64,
    /// Its standard error.
    #[serde(deserialize_with = "nan::f64")]
    pub pve_se: f64,
    /// Genetic variance.
    #[serde(deserialize_with = "nan::f64")]
    pub sigma_g2: f64,
    /// Residual variance.
    #[serde(deserialize_with = "nan::f64")]
    pub sigma_e2: f64,
    /// `sigma_g2 / sigma_e2`.
    #[serde(deserialize_with = "nan::f64")]
    pub lambda: f64,
    /// Whether `lambda` is at an end of its search range.
    pub at_boundary: bool,
    /// REML log-likelihood at the REML optimum.
    #[serde(deserialize_with = "nan::f64")]
    pub loglik_reml: f64,
    /// ML log-likelihood at the ML optimum.
    #[serde(deserialize_with = "nan::f64")]
    pub loglik_ml: f64,
    /// Log-likelihood of `method` without the genetic effect.
    #[serde(default, deserialize_with = "nan::f64")]
    pub loglik_no_grm: f64,
    /// Likelihood-ratio statistic of `sigma_g2 = 0`.
    #[serde(default, deserialize_with = "nan::f64")]
    pub h2_lrt: f64,
    /// Its p-value (50:50 mixture of chi-square 0 and 1).
    #[serde(default, deserialize_with = "nan::f64")]
    pub h2_p: f64,
    /// Akaike's criterion of the fitted model.
    #[serde(default, deserialize_with = "nan::f64")]
    pub aic: f64,
    /// The Bayesian criterion of the fitted model.
    #[serde(default, deserialize_with = "nan::f64")]
    pub bic: f64,
    /// REML `lambda`.
    #[serde(deserialize_with = "nan::f64")]
    pub lambda_reml: f64,
    /// ML `lambda`.
    #[serde(deserialize_with = "nan::f64")]
    pub lambda_ml: f64,
    /// Covariate effects, intercept first.
    #[serde(deserialize_with = "nan::vec")]
    pub beta: Vec<f64>,
    /// Their standard errors.
    #[serde(deserialize_with = "nan::vec")]
    pub beta_se: Vec<f64>,
}

impl NullModelReport {
    /// The report of phenotype `name`'s null model.
    pub fn new(name: &str, m: &NullModel) -> Self {
        let h2 = m.h2_test();
        Self {
            name: name.to_string(),
            n: m.n,
            n_covariates: m.n_covariates,
            method: match m.method {
                Method::Reml => "reml",
                Method::Ml => "ml",
            }
            .into(),
            pve: m.pve,
            pve_se: m.pve_se,
            sigma_g2: m.sigma_g2,
            sigma_e2: m.sigma_e2,
            lambda: m.lambda,
            at_boundary: m.at_boundary,
            loglik_reml: m.reml.1,
            loglik_ml: m.ml.1,
            loglik_no_grm: m.loglik_no_grm,
            h2_lrt: h2.statistic,
            h2_p: h2.p_value,
            aic: m.aic(),
            bic: m.bic(),
            lambda_reml: m.reml.0,
            lambda_ml: m.ml.0,
            beta: m.beta.clone(),
            beta_se: m.beta_se.clone(),
        }
    }
}

/// `kindred reml`'s summary.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RemlReport {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// `reml`.
    pub command: String,
    /// Null models in phenotype-column order.
    pub phenotypes: Vec<NullModelReport>,
    /// The PLINK 1 fileset K was built from when not the analysed one
    /// (`--grm-bfile`; also when an eigen file's GRM was built from it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grm_fileset: Option<FilesetFingerprint>,
    /// Warnings of the run.
    pub warnings: Vec<String>,
}

impl RemlReport {
    /// The summary of null-model results.
    pub fn new(ds: &Dataset, results: &[PhenotypeResult], warnings: Vec<String>) -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            command: "reml".into(),
            phenotypes: results
                .iter()
                .filter_map(|r| {
                    r.null
                        .as_ref()
                        .map(|m| NullModelReport::new(&ds.phenotypes[r.phenotype].name, m))
                })
                .collect(),
            grm_fileset: None,
            warnings,
        }
    }
}

/// One of the strongest associations.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TopHit {
    /// `.bim` variant ID.
    pub variant_id: String,
    /// Chromosome code.
    pub chromosome: String,
    /// Base-pair position.
    pub position: i64,
    /// Effect of one more copy of A1.
    #[serde(deserialize_with = "nan::f64")]
    pub beta: f64,
    /// Main p-value (0 where it underflows a double).
    #[serde(deserialize_with = "nan::f64")]
    pub p_value: f64,
    /// Its `-log10`, computed in log space (never infinite for a finite
    /// statistic).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neg_log_10_p_value: Option<f64>,
}

/// A file a run wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileReport {
    /// Its path.
    pub path: String,
    /// md5 of its bytes, for data files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub md5: Option<String>,
}

/// One phenotype's scan.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScanReport {
    /// Phenotype name.
    pub name: String,
    /// Rows written.
    pub n_variants_tested: usize,
    /// Genomic control of the main p-values.
    pub lambda_gc: Option<f64>,
    /// The summary-statistics file.
    pub file: String,
    /// The ten strongest associations, strongest first.
    pub top_hits: Vec<TopHit>,
    /// The null model (absent for ordinary least squares).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub null_model: Option<NullModelReport>,
    /// Analysed samples (with a null model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<usize>,
    /// Proportion of variance explained (with a null model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pve: Option<f64>,
    /// Its standard error (with a null model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pve_se: Option<f64>,
    /// Mean of the phenotype over the analysed samples.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trait_mean: Option<f64>,
    /// Its standard deviation (n - 1 denominator), as colocalisation needs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trait_sd: Option<f64>,
    /// Every file written for the phenotype (data file with its md5, tabix
    /// index, metadata).
    #[serde(default)]
    pub files: Vec<FileReport>,
    /// What the GWAS-SSF metadata file says (for `kindred merge`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sumstats_meta: Option<SumstatsMeta>,
}

/// The `n` strongest rows (smallest main p-value first; ties in `.bim` order).
pub fn top_hits(rows: &[AssocRow], n: usize) -> Vec<&AssocRow> {
    let mut top: Vec<&AssocRow> = rows.iter().collect();
    top.sort_by(|x, y| x.p_value().total_cmp(&y.p_value()));
    top.truncate(n);
    top
}

impl ScanReport {
    /// The report of one phenotype's results, written to `file`.
    pub fn new(ds: &Dataset, r: &PhenotypeResult, file: String) -> Self {
        let name = ds.phenotypes[r.phenotype].name.clone();
        let top_hits = top_hits(&r.rows, 10)
            .into_iter()
            .map(|row| {
                let v = &ds.variants()[row.variant as usize];
                TopHit {
                    variant_id: v.id.to_string(),
                    chromosome: v.chrom.to_string(),
                    position: v.pos,
                    beta: row.beta,
                    p_value: row.p_value(),
                    neg_log_10_p_value: row.neg_log10_main(),
                }
            })
            .collect();
        Self {
            null_model: r.null.as_ref().map(|m| NullModelReport::new(&name, m)),
            n: r.null.as_ref().map(|m| m.n),
            pve: r.null.as_ref().map(|m| m.pve),
            pve_se: r.null.as_ref().map(|m| m.pve_se),
            name,
            n_variants_tested: r.rows.len(),
            lambda_gc: r.lambda_gc,
            file,
            top_hits,
            trait_mean: Some(r.trait_mean),
            trait_sd: Some(r.trait_sd),
            files: Vec::new(),
            sumstats_meta: None,
        }
    }
}

/// `kindred assoc`'s and `gwas`'s summary.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AssocReport {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// `assoc` or `gwas`.
    pub command: String,
    /// `lmm` or `linear`.
    pub model: String,
    /// `exact` or `fixed-ratio`.
    pub mode: String,
    /// Whether each chromosome was tested against a GRM without it.
    pub loco: bool,
    /// Variants in the `.bim`.
    pub n_variants_in_bim: usize,
    /// The fileset analysed (sizes, `.bim`/`.fam` checksums).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fileset: Option<FilesetFingerprint>,
    /// The PLINK 1 fileset K was built from when not the analysed one
    /// (`--grm-bfile`; also when an eigen file's GRM was built from it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grm_fileset: Option<FilesetFingerprint>,
    /// The part of the `.bim` tested (`--chunk`, `--range`); absent for
    /// the whole genome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<WindowReport>,
    /// Per phenotype, in phenotype-column order.
    pub phenotypes: Vec<ScanReport>,
    /// The chunks a `kindred merge` gathered, in `.bim` order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chunks: Vec<ChunkReport>,
    /// Wall time of the run, in seconds.
    #[serde(default)]
    pub seconds: f64,
    /// Warnings of the run.
    pub warnings: Vec<String>,
}

/// The part of the `.bim` one job of a scattered scan tested.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowReport {
    /// `chunk I/N` or `range C:A-B`.
    pub window: String,
    /// `[I, N]` for a chunk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunk: Option<[usize; 2]>,
    /// `.bim` lines the window spans, `[first, end)`, 0-based.
    pub bim_span: [usize; 2],
}

/// One chunk of a merged scan.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChunkReport {
    /// Its JSON summary.
    pub json: String,
    /// Its window.
    pub window: WindowReport,
    /// Rows per phenotype, in phenotype order.
    pub n_variants_tested: Vec<usize>,
    /// Its wall time, in seconds.
    pub seconds: f64,
}

/// `kindred grm`'s summary.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GrmReport {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// `grm`.
    pub command: String,
    /// GRM kind.
    pub kind: String,
    /// Samples in the GRM.
    pub n_samples: usize,
    /// Variants in the GRM.
    pub n_variants: usize,
    /// The GRM file.
    pub file: String,
    /// One matrix per chromosome left out, with `--loco`.
    pub loco: Vec<LocoGrmReport>,
    /// Wall time of the build.
    pub seconds: f64,
    /// Multiply rate of the build.
    pub gflops: f64,
}

/// A GRM without one chromosome.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LocoGrmReport {
    /// The chromosome left out.
    pub chromosome: String,
    /// Its file.
    pub file: String,
    /// Variants in it.
    pub n_variants: usize,
}
