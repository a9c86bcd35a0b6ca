//! PLINK 1 binary genotypes for kindred: a memory-mapped `.bed` with strict
//! checks, `.bim` / `.fam` parsers, phenotype and covariate tables, sample and
//! variant selection, and parallel decoding of variant blocks into
//! column-major `f64` matrices with per-variant allele counts.
//!
//! | item | what it does |
//! |---|---|
//! | [`Fileset::open`] | reads `PREFIX.fam`, `PREFIX.bim`, maps and validates `PREFIX.bed` |
//! | [`GenotypeSource::open`], [`GenotypeSource::decoder`], [`Decoder::decode_block`] | any of the four formats behind one type: samples, variants, and blocks decoded with [`VariantStats`] (what the GRM, QC and the scan read) |
//! | [`Genotypes::decode_block`] | decodes variants for a [`SampleSubset`] into an `n x B` block ([`Encoding`]) |
//! | [`Genotypes::stats_many`] | genotype counts ([`AlleleStats`]) without decoding values |
//! | [`VariantMoments`], [`encode_in_place`] | mean, frequency, MAF, missing rate and variance of hard calls and dosages alike, and the encodings built on them |
//! | [`Bgen::open`], [`Bgen::decode_block`] | BGEN v1.2/v1.3 (layout 2; zlib, zstd, 1-32 bits): first-allele dosages into the same blocks, with [`DosageStats`] (mean, MAF, IMPUTE2 info, MACH r2) |
//! | [`Bimbam::open`], [`Bimbam::decode_block`] | GEMMA's BIMBAM mean genotypes (`-g`, plain or gzipped), phenotypes (`-p`) and annotation (`-a`), parsed exactly into memory: allele-1 dosages into the same blocks |
//! | [`Pgen::open`], [`Pgen::decode_block`] | PLINK 2 `.pgen` (fixed-width and plink2's default compressed records: LD, difflists, dosages; phase stepped over) with `.pvar`/`.pvar.zst` and `.psam`: ALT dosages into the same blocks, multiallelic variants counted and left out |
//! | [`Table`], [`CovariateTable`] | phenotype / covariate files matched to samples by (FID, IID) ([`RowMatch`]) |
//! | [`SampleFilter`], [`VariantFilter`], [`Qc`] | `--keep/--remove`, `--extract/--exclude/--chr`, `--maf/--geno` |
//! | [`Window`] | `--chunk I/N`, `--range C:A-B`: the variants one job of a scattered scan tests |
//! | [`Qc::apply`] | variants passing QC on a sample subset, their counts, and a [`QcReport`] of failures ([`QcOutcome`]) |
//! | [`BedWriter`], [`write_bim`], [`write_fam`], [`AtomicFile`] | crash-safe writers |
//! | [`OutputSet`] | a run's outputs published together, or none of them |
//! | [`stop_outputs`] | an interrupted run: its temporary files removed, no set published in part |
//!
//! Genotype values count allele A1 (`.bim` column 5). Every error names the
//! file and, where there is one, the line ([`Error`]).
//!
//! ```
//! use genotype::{Encoding, Fileset, Genotypes, SampleSubset, VariantMoments};
//! let fs = Fileset::open(std::path::Path::new("../../data/tiny/tiny")).unwrap();
//! let samples = SampleSubset::all(fs.fam.len());
//! let g = Genotypes::new(&fs.bed, &samples);
//! let mut block = vec![0.0; samples.len() * 2];
//! let mut stats = vec![genotype::AlleleStats::default(); 2];
//! g.decode_block(&[0, 1], Encoding::Raw, &mut block, &mut stats);
//! assert_eq!(stats[0].n_total() as usize, fs.fam.len());
//! ```

mod atomic;
mod bed;
mod bgen;
mod bimbam;
mod covariate;
mod dataset;
mod decode;
mod dosage_block;
mod error;
mod fileset;
mod moments;
mod pgen;
mod progress;
mod qc;
mod sample;
mod select;
mod source;
mod table;
mod text;
mod variant;
mod variant_stats;
mod window;
mod write;

pub use atomic::{staged_file, stop_outputs, AtomicFile, OutputSet, OutputsStopped};
pub use bed::{bytes_per_variant, Bed, BED_MAGIC};
pub use bgen::{
    read_sample_file, Bgen, BgenHeader, BlockInfo, Compression, DosageStats, SkippedVariant, SkippedVariants,
    SINGLE_ID_FID,
};
pub use bimbam::{AnnotationMatch, Bimbam, BimbamFiles, UNKNOWN_POSITION};
pub use covariate::{Covariate, CovariateTable, CovariateValues, Covariates};
pub use dataset::{Dataset, PhenoSelect, PhenoSpec, Phenotype, TableMatch};
pub use decode::{AlleleStats, Encoding, Genotypes, SampleSubset};
pub use dosage_block::DosageDecode;
pub use error::{Error, ErrorKind, Location, Result};
pub use fileset::{with_extension, Fileset};
pub use moments::{encode_in_place, VariantMoments};
pub use pgen::{Pgen, PgenHeader, RecordType, StorageMode};
pub use progress::{NoProgress, Progress};
pub use qc::{Qc, QcFail, QcOutcome, QcReport};
pub use sample::{Fam, Sample, SampleId, Sex};
pub use select::{
    read_sample_list, read_unique_sample_list, read_variant_list, ListedId, SampleFilter, VariantFilter,
    VariantSelection,
};
pub use source::{Decoder, GenotypeSource, SourceFiles, SourceSpec};
pub use table::{Aligned, RowMatch, Table};
pub use text::is_missing_token;
pub use variant::{read_bim, Bim, Chrom, RepeatedId, RepeatedIds, Variant};
pub use variant_stats::{InfoMeasure, VariantStats};
pub use window::Window;
pub use write::{pack_variant, write_bim, write_fam, BedWriter};
