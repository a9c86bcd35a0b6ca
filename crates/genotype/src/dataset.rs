//! Everything an analysis reads before any statistics: the genotype source
//! (any of the four formats, [`GenotypeSource`]), the samples kept by `--keep/--remove`, the variants kept by
//! `--extract/--exclude/--chr`, the phenotypes and the covariates, all
//! aligned to the source's sample order (called `.fam` order below).

use std::path::{Path, PathBuf};

use crate::covariate::{CovariateTable, Covariates};
use crate::decode::SampleSubset;
use crate::error::{Error, Result};
use crate::sample::{Fam, Sample, SampleId};
use crate::select::{SampleFilter, VariantFilter, VariantSelection};
use crate::source::{Decoder, GenotypeSource, SourceSpec};
use crate::table::{RowMatch, Table};
use crate::variant::Variant;

/// Which phenotype columns to analyse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhenoSelect {
    /// The K-th column, 1-based (GEMMA's `-n K`; `.fam` column 6 is 1).
    Column(usize),
    /// The column with this header name.
    Name(String),
    /// Every column.
    All,
}

/// Where phenotypes and covariates come from.
#[derive(Debug, Clone)]
pub struct PhenoSpec {
    /// A phenotype table; `None` = the `.fam` columns 6 onwards (BIMBAM:
    /// the `-p` file's columns).
    pub file: Option<PathBuf>,
    /// Which columns.
    pub select: PhenoSelect,
    /// A covariate table (an intercept is always added by the model).
    pub covar: Option<PathBuf>,
}

impl PhenoSpec {
    /// The `.fam`'s phenotype column `k` (1 = the sixth column, GEMMA's
    /// `-n k`), no covariates: the usual choice of tests and benchmarks.
    pub fn fam_column(k: usize) -> Self {
        PhenoSpec {
            file: None,
            select: PhenoSelect::Column(k),
            covar: None,
        }
    }
}

/// One phenotype aligned to `.fam` order.
#[derive(Debug, Clone)]
pub struct Phenotype {
    /// Column name.
    pub name: String,
    /// Value per `.fam` sample (`None` = missing or absent).
    pub values: Vec<Option<f64>>,
}

/// Inputs of an analysis, aligned to the `.fam`.
#[derive(Debug)]
pub struct Dataset {
    /// The genotype files.
    pub source: GenotypeSource,
    /// `.fam` rows kept by the sample lists.
    pub sample_mask: Vec<bool>,
    /// Variants kept by lists and chromosomes (before frequency filters).
    pub variants: VariantSelection,
    /// Selected phenotypes.
    pub phenotypes: Vec<Phenotype>,
    /// Covariates (without the intercept) in `.fam` order, categorical
    /// columns not yet expanded: [`Covariates::expand`] on the analysed
    /// samples gives the model's columns.
    pub covariates: Covariates,
    /// How the phenotype table's rows matched the `.fam` (`None` when the
    /// phenotypes are the `.fam`'s own).
    pub pheno_match: Option<TableMatch>,
    /// How the covariate table's rows matched the `.fam`.
    pub covar_match: Option<TableMatch>,
}

/// How the rows of a phenotype or covariate file matched the `.fam`
/// samples, for warnings that name the file and a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableMatch {
    /// The file.
    pub file: PathBuf,
    /// Rows whose (FID, IID) is not in the `.fam` (ignored).
    pub n_unknown: usize,
    /// The first of them: its 1-based line and its sample.
    pub first_unknown: Option<(usize, SampleId)>,
    /// `.fam` samples kept by the sample lists.
    pub n_kept: usize,
    /// Kept `.fam` samples with no row in the file (not analysed).
    pub n_absent: usize,
    /// The first of them, in `.fam` order.
    pub first_absent: Option<SampleId>,
}

impl TableMatch {
    fn new(file: &Path, ids: &[SampleId], lines: &[usize], rows: &RowMatch, fam: &Fam, kept: &[bool]) -> Self {
        let mut absent = (0..fam.len()).filter(|&s| kept[s] && rows.row_of[s].is_none());
        let first_absent = absent.next();
        Self {
            file: file.to_path_buf(),
            n_unknown: rows.n_unknown,
            first_unknown: rows.first_unknown.map(|r| (lines[r], ids[r].clone())),
            n_kept: kept.iter().filter(|&&k| k).count(),
            n_absent: first_absent.map_or(0, |_| 1 + absent.count()),
            first_absent: first_absent.map(|s| fam.samples[s].id.clone()),
        }
    }
}

impl Dataset {
    /// Opens a PLINK 1 fileset and applies lists, phenotype and covariate
    /// choices: [`Dataset::open_source`] of [`SourceSpec::Bed`].
    ///
    /// # Errors
    /// As [`Dataset::open_source`].
    pub fn open(
        prefix: &Path,
        samples: &SampleFilter<'_>,
        variants: &VariantFilter<'_>,
        pheno: &PhenoSpec,
    ) -> Result<Self> {
        Self::open_source(&SourceSpec::Bed(prefix.to_path_buf()), samples, variants, pheno)
    }

    /// Opens the genotype source and applies lists, phenotype and
    /// covariate choices.
    ///
    /// # Errors
    /// Those of the readers; `InvalidArgument` for a phenotype column that
    /// does not exist.
    pub fn open_source(
        spec: &SourceSpec,
        samples: &SampleFilter<'_>,
        variants: &VariantFilter<'_>,
        pheno: &PhenoSpec,
    ) -> Result<Self> {
        let source = GenotypeSource::open(spec)?;
        let fam_of_source = source.fam();
        let fam = fam_of_source.as_ref();
        let sample_mask = samples.apply(fam)?;
        let variants = variants.apply(source.variants())?;
        let (table, origin) = match (&pheno.file, spec) {
            (Some(p), _) => (Table::read_phenotypes(p)?, p.display().to_string()),
            (None, SourceSpec::Bimbam(files)) => (
                Table::from_fam(fam),
                files
                    .pheno
                    .as_ref()
                    .map_or("the BIMBAM files (no phenotype file given)".into(), |p| {
                        p.display().to_string()
                    }),
            ),
            (None, _) => (Table::from_fam(fam), source_fam_name(spec)),
        };
        let rows = RowMatch::new(&table.ids, fam);
        let pheno_match = pheno
            .file
            .as_deref()
            .map(|p| TableMatch::new(p, &table.ids, &table.lines, &rows, fam, &sample_mask));
        let pick = |j: usize| Phenotype {
            name: table.names[j].clone(),
            values: rows.gather(&table.columns[j], None),
        };
        let phenotypes = match &pheno.select {
            PhenoSelect::All => (0..table.names.len()).map(pick).collect(),
            PhenoSelect::Column(k) => {
                if *k == 0 || *k > table.names.len() {
                    return Err(Error::InvalidArgument(format!(
                        "phenotype column {k} does not exist: {origin} has {} phenotype column(s)",
                        table.names.len()
                    )));
                }
                vec![pick(k - 1)]
            }
            PhenoSelect::Name(name) => {
                let j = table.column_index(name).ok_or_else(|| {
                    Error::InvalidArgument(format!(
                        "no phenotype named '{name}' in {origin} (columns: {})",
                        table.names.join(", ")
                    ))
                })?;
                vec![pick(j)]
            }
        };
        let (covariates, covar_match) = match &pheno.covar {
            Some(p) => {
                let t = CovariateTable::read(p)?;
                let rows = RowMatch::new(&t.ids, fam);
                let m = TableMatch::new(p, &t.ids, &t.lines, &rows, fam, &sample_mask);
                (t.covariates.gather(&rows), Some(m))
            }
            None => (Covariates::default(), None),
        };
        drop(fam_of_source);
        Ok(Self {
            source,
            sample_mask,
            variants,
            phenotypes,
            covariates,
            pheno_match,
            covar_match,
        })
    }

    /// The samples, in the source's order (positions index this list).
    pub fn samples(&self) -> &[Sample] {
        self.source.samples()
    }

    /// Number of samples in the source.
    pub fn n_samples(&self) -> usize {
        self.source.n_samples()
    }

    /// The variants, in the source's order (positions index this list).
    pub fn variants(&self) -> &[Variant] {
        self.source.variants()
    }

    /// A decoder of the source over `subset`.
    ///
    /// # Panics
    /// If the subset refers to a sample the source does not have.
    pub fn decoder<'a>(&'a self, subset: &'a SampleSubset) -> Decoder<'a> {
        self.source.decoder(subset)
    }

    /// `.fam` positions analysed for phenotype `k`: kept by the lists, with
    /// the phenotype and every covariate present.
    pub fn analysed_samples(&self, k: usize) -> Vec<u32> {
        let ph = &self.phenotypes[k].values;
        (0..self.n_samples())
            .filter(|&s| self.sample_mask[s] && ph[s].is_some() && self.covariates.is_complete(s))
            .map(|s| s as u32)
            .collect()
    }
}

/// The name of the sample file whose phenotype columns a source without a
/// `--pheno` table offers, for messages.
fn source_fam_name(spec: &SourceSpec) -> String {
    match spec {
        SourceSpec::Bed(prefix) => format!("{}.fam", prefix.display()),
        SourceSpec::Pgen(prefix) => format!(
            "{}.psam (phenotypes are not read from it; give --pheno)",
            prefix.display()
        ),
        SourceSpec::Bgen { file, .. } => format!("{} (BGEN holds no phenotypes; give --pheno)", file.display()),
        SourceSpec::Bimbam(files) => files.geno.display().to_string(),
    }
}
