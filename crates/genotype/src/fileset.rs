//! A PLINK 1 binary fileset opened by prefix.

use std::path::{Path, PathBuf};

use crate::bed::Bed;
use crate::error::Result;
use crate::sample::Fam;
use crate::variant::{read_bim, RepeatedIds, Variant};

/// `PREFIX.bed` + `PREFIX.bim` + `PREFIX.fam`, read and cross-checked.
#[derive(Debug)]
pub struct Fileset {
    /// The prefix the files were opened from.
    pub prefix: PathBuf,
    /// Samples and `.fam` phenotypes.
    pub fam: Fam,
    /// Variants, in `.bed` order.
    pub variants: Vec<Variant>,
    /// Variant IDs the `.bim` uses on more than one line.
    pub repeated_ids: RepeatedIds,
    /// The memory-mapped genotype matrix.
    pub bed: Bed,
}

/// `prefix` with an extension appended (`data/x` + `bim` -> `data/x.bim`),
/// keeping any dots already in the prefix.
pub fn with_extension(prefix: &Path, ext: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

impl Fileset {
    /// Opens `PREFIX.{fam,bim,bed}` and checks the `.bed` against the counts.
    ///
    /// # Errors
    /// Any error of [`Fam::read`], [`read_bim`] or [`Bed::open`].
    pub fn open(prefix: &Path) -> Result<Self> {
        let fam = Fam::read(&with_extension(prefix, "fam"))?;
        let bim = read_bim(&with_extension(prefix, "bim"))?;
        let bed = Bed::open(&with_extension(prefix, "bed"), fam.len(), bim.variants.len())?;
        Ok(Self {
            prefix: prefix.to_path_buf(),
            fam,
            variants: bim.variants,
            repeated_ids: bim.repeated_ids,
            bed,
        })
    }
}
