//! One genotype source for every analysis: a PLINK 1 fileset, a BGEN file,
//! a PLINK 2 fileset or a BIMBAM data set ([`GenotypeSource`]), its samples
//! and variants, and a per-sample-subset [`Decoder`] that dispatches once
//! per block to the format's reader, so the `.bed` path runs exactly the
//! code it ran before (an enum match per block of variants costs nothing
//! next to decoding the block).
//!
//! Per-variant summaries come back as [`VariantStats`] (see
//! `variant_stats.rs`).

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use crate::bgen::{Bgen, DosageStats};
use crate::bimbam::{Bimbam, BimbamFiles};
use crate::decode::{Encoding, Genotypes, SampleSubset};
use crate::dosage_block;
use crate::error::Result;
use crate::fileset::{with_extension, Fileset};
use crate::pgen::Pgen;
use crate::sample::{Fam, Sample};
use crate::variant::Variant;
use crate::variant_stats::{InfoMeasure, VariantStats};

/// What to open: the flags `--bfile`, `--bgen [--sample]`, `--pfile`,
/// `--bimbam [--bimbam-pheno] [--bimbam-anno]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    /// A PLINK 1 fileset prefix.
    Bed(PathBuf),
    /// A BGEN file and, optionally, its Oxford `.sample` file.
    Bgen {
        /// The `.bgen`.
        file: PathBuf,
        /// The `.sample` (sample IDs; wins over the file's own).
        sample: Option<PathBuf>,
    },
    /// A PLINK 2 fileset prefix.
    Pgen(PathBuf),
    /// GEMMA's BIMBAM files.
    Bimbam(BimbamFiles),
}

/// The files a source was read from, for fingerprints of derived files:
/// the genotypes (compared by size), the variant and sample files
/// (compared by contents) where the format has separate ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFiles {
    /// Shown in messages: the prefix or the genotype file.
    pub label: PathBuf,
    /// `.bed`, `.bgen`, `.pgen` or the mean-genotype file.
    pub genotypes: PathBuf,
    /// `.bim`, `.pvar` or the annotation file (BGEN: none, the variants
    /// are in the `.bgen`).
    pub variants: Option<PathBuf>,
    /// `.fam`, `.psam`, `.sample` or the BIMBAM phenotype file.
    pub samples: Option<PathBuf>,
}

/// Genotypes in any of the four formats, opened and checked.
#[derive(Debug)]
pub enum GenotypeSource {
    /// PLINK 1 `.bed/.bim/.fam`: hard calls, the fast path.
    Bed(Fileset),
    /// BGEN v1.2/v1.3 dosages.
    Bgen(Bgen),
    /// PLINK 2 `.pgen/.pvar/.psam` hard calls and dosages.
    Pgen(Pgen),
    /// BIMBAM mean genotypes.
    Bimbam(Bimbam),
}

impl GenotypeSource {
    /// Opens what `spec` names.
    ///
    /// # Errors
    /// Those of [`Fileset::open`], [`Bgen::open`], [`Pgen::open`] and
    /// [`Bimbam::open`].
    pub fn open(spec: &SourceSpec) -> Result<Self> {
        Ok(match spec {
            SourceSpec::Bed(prefix) => GenotypeSource::Bed(Fileset::open(prefix)?),
            SourceSpec::Bgen { file, sample } => GenotypeSource::Bgen(Bgen::open(file, sample.as_deref())?),
            SourceSpec::Pgen(prefix) => GenotypeSource::Pgen(Pgen::open(prefix)?),
            SourceSpec::Bimbam(files) => GenotypeSource::Bimbam(Bimbam::open(files)?),
        })
    }

    /// The format's name, for logs.
    pub fn format(&self) -> &'static str {
        match self {
            GenotypeSource::Bed(_) => "PLINK 1 .bed",
            GenotypeSource::Bgen(_) => "BGEN",
            GenotypeSource::Pgen(_) => "PLINK 2 .pgen",
            GenotypeSource::Bimbam(_) => "BIMBAM",
        }
    }

    /// The PLINK 1 fileset, when that is the source.
    pub fn fileset(&self) -> Option<&Fileset> {
        match self {
            GenotypeSource::Bed(fs) => Some(fs),
            _ => None,
        }
    }

    /// Samples in file order (the rows of a block decoded over all).
    pub fn samples(&self) -> &[Sample] {
        match self {
            GenotypeSource::Bed(fs) => &fs.fam.samples,
            GenotypeSource::Bgen(b) => b.samples(),
            GenotypeSource::Pgen(p) => p.samples(),
            GenotypeSource::Bimbam(b) => b.samples(),
        }
    }

    /// Number of samples.
    pub fn n_samples(&self) -> usize {
        self.samples().len()
    }

    /// The samples with the phenotype columns the source carries (the
    /// `.fam`'s, BIMBAM's `-p` file; none for BGEN and PGEN), for the code
    /// that matches tables and lists to samples.
    pub fn fam(&self) -> Cow<'_, Fam> {
        match self {
            GenotypeSource::Bed(fs) => Cow::Borrowed(&fs.fam),
            GenotypeSource::Bimbam(b) => Cow::Borrowed(b.fam()),
            GenotypeSource::Bgen(_) | GenotypeSource::Pgen(_) => Cow::Owned(Fam {
                samples: self.samples().to_vec(),
                phenotypes: Vec::new(),
            }),
        }
    }

    /// Variants in file order; decoders take positions in this list.
    /// Genotype values count [`Variant::a1`].
    pub fn variants(&self) -> &[Variant] {
        match self {
            GenotypeSource::Bed(fs) => &fs.variants,
            GenotypeSource::Bgen(b) => b.variants(),
            GenotypeSource::Pgen(p) => p.variants(),
            GenotypeSource::Bimbam(b) => b.variants(),
        }
    }

    /// The imputation quality the source reports (`None` for hard calls).
    pub fn info_measure(&self) -> Option<InfoMeasure> {
        match self {
            GenotypeSource::Bed(_) => None,
            GenotypeSource::Bgen(_) => Some(InfoMeasure::Impute2),
            GenotypeSource::Pgen(_) | GenotypeSource::Bimbam(_) => Some(InfoMeasure::MachR2),
        }
    }

    /// The files read, for fingerprints.
    pub fn files(&self) -> SourceFiles {
        match self {
            GenotypeSource::Bed(fs) => SourceFiles {
                label: fs.prefix.clone(),
                genotypes: with_extension(&fs.prefix, "bed"),
                variants: Some(with_extension(&fs.prefix, "bim")),
                samples: Some(with_extension(&fs.prefix, "fam")),
            },
            GenotypeSource::Bgen(b) => SourceFiles {
                label: b.path().to_path_buf(),
                genotypes: b.path().to_path_buf(),
                variants: None,
                samples: b.sample_file().map(Path::to_path_buf),
            },
            GenotypeSource::Pgen(p) => SourceFiles {
                label: p.path().to_path_buf(),
                genotypes: p.path().to_path_buf(),
                variants: Some(p.pvar_path().to_path_buf()),
                samples: Some(p.psam_path().to_path_buf()),
            },
            GenotypeSource::Bimbam(b) => SourceFiles {
                label: b.files().geno.clone(),
                genotypes: b.files().geno.clone(),
                variants: b.files().anno.clone(),
                samples: b.files().pheno.clone(),
            },
        }
    }

    /// A decoder of this source's variants over `samples` (positions in
    /// [`GenotypeSource::samples`]).
    ///
    /// # Panics
    /// If the subset refers to a sample the source does not have.
    pub fn decoder<'a>(&'a self, samples: &'a SampleSubset) -> Decoder<'a> {
        let n = self.n_samples();
        assert!(
            samples.positions().iter().all(|&i| (i as usize) < n),
            "sample position out of range for a source of {n} samples"
        );
        let reader = match self {
            GenotypeSource::Bed(fs) => Reader::Bed(Genotypes::new(&fs.bed, samples)),
            GenotypeSource::Bgen(b) => Reader::Bgen(b),
            GenotypeSource::Pgen(p) => Reader::Pgen(p),
            GenotypeSource::Bimbam(b) => Reader::Bimbam(b),
        };
        Decoder { reader, samples }
    }
}

/// The reader behind a [`Decoder`].
#[derive(Debug, Clone, Copy)]
enum Reader<'a> {
    Bed(Genotypes<'a>),
    Bgen(&'a Bgen),
    Pgen(&'a Pgen),
    Bimbam(&'a Bimbam),
}

/// A [`GenotypeSource`] restricted to a subset of samples: decodes any list
/// of variants into a caller-owned column-major block, dispatching once
/// per call to the format's reader. `Send + Sync`, `Copy`.
#[derive(Debug, Clone, Copy)]
pub struct Decoder<'a> {
    reader: Reader<'a>,
    samples: &'a SampleSubset,
}

impl<'a> From<Genotypes<'a>> for Decoder<'a> {
    fn from(g: Genotypes<'a>) -> Self {
        Decoder {
            reader: Reader::Bed(g),
            samples: g.samples(),
        }
    }
}

impl<'a> From<&Genotypes<'a>> for Decoder<'a> {
    fn from(g: &Genotypes<'a>) -> Self {
        Decoder::from(*g)
    }
}

impl<'a> From<&Decoder<'a>> for Decoder<'a> {
    fn from(d: &Decoder<'a>) -> Self {
        *d
    }
}

impl Decoder<'_> {
    /// Whether the values are hard calls (0, 1, 2 or missing): a `.bed`.
    pub fn is_hard_calls(&self) -> bool {
        matches!(self.reader, Reader::Bed(_))
    }

    /// Number of samples (rows of a decoded block).
    pub fn n_samples(&self) -> usize {
        self.samples.len()
    }

    /// The sample subset.
    pub fn samples(&self) -> &SampleSubset {
        self.samples
    }

    /// The imputation quality its dosages report (`None` for hard calls).
    pub fn info_measure(&self) -> Option<InfoMeasure> {
        match self.reader {
            Reader::Bed(_) => None,
            Reader::Bgen(_) => Some(InfoMeasure::Impute2),
            Reader::Pgen(_) | Reader::Bimbam(_) => Some(InfoMeasure::MachR2),
        }
    }

    /// Decodes `variants` (positions in the source's variant list, any
    /// order) into `out`, a column-major `n x variants.len()` block, and
    /// their summaries into `stats`: [`Genotypes::decode_block`] for a
    /// `.bed`, the dosage readers' `decode_block` otherwise (same
    /// encodings; missing values mean-imputed except with
    /// [`Encoding::Raw`]). Parallel over variants.
    ///
    /// # Errors
    /// Those of the dosage readers' `decode_block` (a `.bed` was checked
    /// on open and cannot fail here).
    ///
    /// # Panics
    /// If `out.len() != n * variants.len()` or `stats.len() !=
    /// variants.len()`, or a variant position is out of range.
    pub fn decode_block(
        &self,
        variants: &[u32],
        enc: Encoding,
        out: &mut [f64],
        stats: &mut [VariantStats],
    ) -> Result<()> {
        let s = self.samples;
        match self.reader {
            Reader::Bed(g) => {
                g.decode_block(variants, enc, out, stats);
                Ok(())
            }
            Reader::Bgen(b) => {
                dosage_block::decode_block(b, variants, s, enc, out, stats, dosages(InfoMeasure::Impute2))
            }
            Reader::Pgen(p) => {
                dosage_block::decode_block(p, variants, s, enc, out, stats, dosages(InfoMeasure::MachR2))
            }
            Reader::Bimbam(b) => {
                dosage_block::decode_block(b, variants, s, enc, out, stats, dosages(InfoMeasure::MachR2))
            }
        }
    }

    /// Summaries of many variants without keeping their values, in
    /// parallel (for QC before decoding).
    ///
    /// # Errors
    /// As [`Decoder::decode_block`].
    pub fn stats_many(&self, variants: &[u32]) -> Result<Vec<VariantStats>> {
        let s = self.samples;
        match self.reader {
            Reader::Bed(g) => Ok(g.stats_many(variants).into_iter().map(VariantStats::Calls).collect()),
            Reader::Bgen(b) => dosage_block::stats_many(b, variants, s, dosages(InfoMeasure::Impute2)),
            Reader::Pgen(p) => dosage_block::stats_many(p, variants, s, dosages(InfoMeasure::MachR2)),
            Reader::Bimbam(b) => dosage_block::stats_many(b, variants, s, dosages(InfoMeasure::MachR2)),
        }
    }
}

/// Wraps dosage sums with their source's quality measure.
fn dosages(info: InfoMeasure) -> impl Fn(DosageStats) -> VariantStats + Sync {
    move |stats| VariantStats::Dosages { stats, info }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::AlleleStats;

    /// The monomorphic test agrees with the genotype classes on hard calls
    /// written as dosages, and sees identical non-integer dosages.
    #[test]
    fn monomorphic_calls_and_dosages() {
        let d = |xs: &[f64]| {
            let mut st = DosageStats::default();
            for &x in xs {
                st.n_obs += 1;
                st.sum += x;
                st.sum_sq += x * x;
            }
            VariantStats::Dosages {
                stats: st,
                info: InfoMeasure::MachR2,
            }
        };
        assert!(d(&[1.0, 1.0, 1.0]).is_monomorphic());
        assert!(d(&[0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3]).is_monomorphic());
        assert!(!d(&[0.3, 0.3, 0.301]).is_monomorphic());
        assert!(!d(&[0.0, 2.0]).is_monomorphic());
        let het = AlleleStats {
            n_het: 4,
            ..Default::default()
        };
        assert!(VariantStats::from(het).is_monomorphic());
        assert_eq!(VariantStats::from(het).info(), None);
    }

    /// A `.bed` opened as a source decodes exactly what its `Genotypes`
    /// view decodes.
    #[test]
    fn bed_source_decodes_like_its_view() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let src = GenotypeSource::open(&SourceSpec::Bed(dir.join("../../data/tiny/tiny"))).unwrap();
        let fs = src.fileset().unwrap();
        let all = SampleSubset::all(src.n_samples());
        let g = Genotypes::new(&fs.bed, &all);
        let dec = src.decoder(&all);
        let v = [5, 0, 3];
        let n = all.len();
        let (mut a, mut b) = (vec![0.0; n * 3], vec![0.0; n * 3]);
        let mut sa = vec![AlleleStats::default(); 3];
        let mut sb = vec![VariantStats::default(); 3];
        g.decode_block(&v, Encoding::Standardized, &mut a, &mut sa);
        dec.decode_block(&v, Encoding::Standardized, &mut b, &mut sb).unwrap();
        assert_eq!(a, b);
        assert_eq!(sb, sa.iter().map(|&s| VariantStats::Calls(s)).collect::<Vec<_>>());
        assert_eq!(dec.stats_many(&v).unwrap(), sb);
        assert_eq!(dec.info_measure(), None);
    }
}
