//! GEMMA's BIMBAM input: the mean-genotype file (`-g`), the phenotype file
//! (`-p`) and the annotation file (`-a`), read whole on open and decoded
//! into dosage blocks shaped like the `.bed` and BGEN paths'.
//!
//! The formats are those of the BIMBAM manual (Guan & Stephens) as GEMMA
//! 0.98.5 reads them (`ReadFile_geno`, `ReadFile_pheno`, `ReadFile_anno` in
//! its `src/gemma_io.cpp`); the submodules give the rules field by field:
//! - mean genotypes: `rsid, allele1, allele0, dosage_1 ... dosage_n`, one
//!   line per variant, dosages in `[0, 2]` or `NA` (module `geno`);
//! - phenotypes: one line per sample, columns `-n 1, 2, ...`, `NA` missing
//!   (only `NA`: `-9` is the number -9 here, as in GEMMA) (module `pheno`);
//! - annotation: `rsid, position[, chromosome[, cM]]`, position `NA` for
//!   unknown; lines for IDs not in the genotype file are ignored and
//!   variants without a line stay unplaced, as in GEMMA, both counted in an
//!   [`AnnotationMatch`] (module `anno`).
//!
//! Fields are separated by any run of spaces, commas and tabs, as in GEMMA.
//! Each file may be gzipped (recognised by its first bytes, not its name).
//!
//! **Conventions.** The decoded value is the file's dosage: the expected
//! count of **allele 1** (the second field), which is [`Variant::a1`] and
//! GEMMA's `allele1` column; `a2` is allele 0. BIMBAM has no sample IDs:
//! sample `k` (1-based, the `k`-th dosage column and the `k`-th phenotype
//! line) gets FID = IID = `k` (`"1"`, `"2"`, ...), so files keyed by
//! (FID, IID) can name them. Without an annotation line a variant is on
//! chromosome [`Chrom::Unplaced`] (GEMMA prints `-9`) at position
//! [`UNKNOWN_POSITION`] (`-9`, as GEMMA prints); [`Variant::cm`] is 0 when
//! unknown. GEMMA checks none of the values it reads (a word is 0, a dosage
//! of 7 is used as is); kindred refuses them on open, naming file, line and
//! variant.
//!
//! The dosages are kept exactly as parsed (the doubles GEMMA uses), at 2
//! bytes each when the file has at most 65,536 distinct values (the mouse
//! example has 1,160), else 8.
//!
//! [`Chrom::Unplaced`]: crate::Chrom::Unplaced

mod anno;
mod geno;
mod lines;
mod pheno;
mod store;

#[cfg(test)]
mod malformed_tests;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

use crate::bgen::DosageStats;
use crate::dosage_block::DosageReader;
use crate::error::Result;
use crate::sample::{Fam, Sample, SampleId, Sex};
use crate::variant::Variant;

pub use anno::AnnotationMatch;
pub use geno::UNKNOWN_POSITION;

use lines::Lines;
use store::Store;

/// The files of one BIMBAM data set: GEMMA's `-g`, `-p` and `-a`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BimbamFiles {
    /// Mean-genotype file (required).
    pub geno: PathBuf,
    /// Phenotype file; without it the samples have no phenotype columns.
    pub pheno: Option<PathBuf>,
    /// Annotation file; without it every variant is unplaced.
    pub anno: Option<PathBuf>,
}

impl BimbamFiles {
    /// A mean-genotype file alone.
    pub fn new(geno: impl Into<PathBuf>) -> Self {
        Self {
            geno: geno.into(),
            pheno: None,
            anno: None,
        }
    }

    /// With a phenotype file.
    pub fn pheno(mut self, path: impl Into<PathBuf>) -> Self {
        self.pheno = Some(path.into());
        self
    }

    /// With an annotation file.
    pub fn anno(mut self, path: impl Into<PathBuf>) -> Self {
        self.anno = Some(path.into());
        self
    }
}

/// A BIMBAM data set parsed into memory: samples (with their phenotypes),
/// variants (placed by the annotation file) and every dosage. `Send + Sync`.
///
/// Decoding ([`DosageDecode`](crate::DosageDecode)) gives each variant's
/// allele-1 dosages and cannot fail (the file was checked on open; the
/// `Result` is the other formats' shape). `sum_second_moment`, and so
/// `impute_info`, is `NaN`: mean genotypes carry no genotype
/// probabilities.
///
/// ```
/// use genotype::{Bimbam, BimbamFiles, DosageDecode, DosageStats, Encoding, SampleSubset, VariantMoments};
/// let dir = tempfile::tempdir().unwrap();
/// let (g, p) = (dir.path().join("g.txt"), dir.path().join("p.txt"));
/// std::fs::write(&g, "rs1, A, T, 0, 1.5, NA\nrs2, C, G, 2, 2, 1\n").unwrap();
/// std::fs::write(&p, "0.1\nNA\n-0.4\n").unwrap();
/// let b = Bimbam::open(&BimbamFiles::new(&g).pheno(&p)).unwrap();
/// assert_eq!((b.n_samples(), b.samples()[2].id.iid.as_ref()), (3, "3"));
/// assert_eq!(b.phenotypes()[0], [Some(0.1), None, Some(-0.4)]);
/// let all = SampleSubset::all(3);
/// let mut block = vec![0.0; 3 * 2];
/// let mut stats = vec![DosageStats::default(); 2];
/// b.decode_block(&[0, 1], &all, Encoding::MeanImputed, &mut block, &mut stats).unwrap();
/// assert_eq!(block, [0.0, 1.5, 0.75, 2.0, 2.0, 1.0]); // the missing dosage takes the mean
/// assert_eq!((stats[0].n_missing, stats[0].a1_freq()), (1, 0.375));
/// ```
#[derive(Debug)]
pub struct Bimbam {
    files: BimbamFiles,
    fam: Fam,
    variants: Vec<Variant>,
    store: Store,
    annotation: Option<AnnotationMatch>,
}

impl Bimbam {
    /// Parses the files of `files`: the phenotype file first, then the
    /// mean-genotype file (checked against it as soon as its first line
    /// gives the number of samples), then the annotation file.
    ///
    /// # Errors
    /// `Io` when a file cannot be read; `MalformedInput` naming the file and
    /// line (and the variant ID) for a field that breaks the format (see
    /// the module documentation), a variant ID used twice, or an empty
    /// file; `InconsistentInput` when the phenotype file has another number
    /// of lines than the mean-genotype file has dosage columns, or no
    /// variant of the annotation file is in the mean-genotype file.
    pub fn open(files: &BimbamFiles) -> Result<Self> {
        let pheno = files
            .pheno
            .as_deref()
            .map(|p| pheno::read(&mut Lines::open(p)?))
            .transpose()?;
        let mut geno_lines = Lines::open(&files.geno)?;
        let mut geno = geno::read(&mut geno_lines, |n, line| match (&pheno, &files.pheno) {
            (Some(ph), Some(path)) => ph.check_sample_count(path, n, &files.geno, line),
            _ => Ok(()),
        })?;
        let annotation = files
            .anno
            .as_deref()
            .map(|a| anno::apply(&mut Lines::open(a)?, &mut geno.variants, &geno.index, &files.geno))
            .transpose()?;
        let samples = (1..=geno.n_samples)
            .map(|k| Sample {
                id: SampleId::new(&k.to_string(), &k.to_string()),
                father: None,
                mother: None,
                sex: Sex::Unknown,
            })
            .collect();
        Ok(Self {
            files: files.clone(),
            fam: Fam {
                samples,
                phenotypes: pheno.map(|p| p.columns).unwrap_or_default(),
            },
            variants: geno.variants,
            store: geno.store,
            annotation,
        })
    }

    /// The files this data set was read from.
    pub fn files(&self) -> &BimbamFiles {
        &self.files
    }

    /// Number of samples (dosage columns; rows of a block decoded over all
    /// samples).
    pub fn n_samples(&self) -> usize {
        self.fam.samples.len()
    }

    /// Samples in file order, named `1`, `2`, ... (FID = IID).
    pub fn samples(&self) -> &[Sample] {
        &self.fam.samples
    }

    /// The samples and phenotype columns as a [`Fam`], for code that takes
    /// a `.fam` (phenotype `k` is GEMMA's `-n k`).
    pub fn fam(&self) -> &Fam {
        &self.fam
    }

    /// Phenotype columns (GEMMA's `-n 1`, `-n 2`, ...), each one value per
    /// sample (`None` = `NA`); empty without a phenotype file.
    pub fn phenotypes(&self) -> &[Vec<Option<f64>>] {
        &self.fam.phenotypes
    }

    /// Variants in file order; `decode_block` takes positions in this list.
    /// `a1` is allele 1, the allele the dosages count.
    pub fn variants(&self) -> &[Variant] {
        &self.variants
    }

    /// How the annotation file matched the variants (`None` without one).
    pub fn annotation(&self) -> Option<&AnnotationMatch> {
        self.annotation.as_ref()
    }

    /// Bytes of memory the dosages take (2 or 8 per dosage, see the module
    /// documentation).
    pub fn dosage_bytes(&self) -> usize {
        self.store.heap_bytes()
    }
}

impl DosageReader for Bimbam {
    type Scratch = ();
    const FORMAT: &'static str = "BIMBAM";
    const MIN_LEN: usize = 8;

    fn file_samples(&self) -> usize {
        self.n_samples()
    }

    fn scratch(&self) {}

    fn fill(&self, v: usize, positions: &[u32], col: &mut [f64], _: &mut ()) -> Result<DosageStats> {
        assert!(v < self.variants.len(), "variant position {v} out of range");
        Ok(self.store.fill(v, self.n_samples(), positions, col))
    }
}
