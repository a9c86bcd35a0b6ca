//! A PLINK 1 binary fileset opened by prefix.

use std::path::{Path, PathBuf};

use crate::bed::Bed;
use crate::error::Result;
use crate::sample::{Fam, EMPTY_FAM};
use crate::text::TextFile;
use crate::variant::{parse_bim, RepeatedIds, Variant, EMPTY_BIM};

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
    /// The `.bed` size is checked against the line counts of the `.fam` and
    /// `.bim` (a byte scan) before either is parsed, so that a huge text file
    /// beside a small `.bed` is refused without building its IDs.
    ///
    /// # Errors
    /// Any error of [`Fam::read`], [`crate::read_bim`] or [`Bed::open`].
    pub fn open(prefix: &Path) -> Result<Self> {
        let fam = TextFile::read(&with_extension(prefix, "fam"))?;
        let bim = TextFile::read(&with_extension(prefix, "bim"))?;
        let n_samples = fam.count_records(EMPTY_FAM)?;
        let n_variants = bim.count_records(EMPTY_BIM)?;
        let bed = Bed::open(&with_extension(prefix, "bed"), n_samples, n_variants)?;
        let fam = Fam::parse(&fam)?;
        let bim = parse_bim(&bim)?;
        debug_assert_eq!((fam.len(), bim.variants.len()), (n_samples, n_variants));
        Ok(Self {
            prefix: prefix.to_path_buf(),
            fam,
            variants: bim.variants,
            repeated_ids: bim.repeated_ids,
            bed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    /// A 7-byte `.bed` beside a long `.fam` is refused by its size before
    /// the `.fam` is parsed: the bad last line of the `.fam` is never reached.
    #[test]
    fn issue_17_6b_bed_size_is_checked_before_parsing_ids() {
        let dir = tempfile::tempdir().unwrap();
        let prefix = dir.path().join("big");
        let mut fam: String = (0..5000).map(|i| format!("F{i} I{i} 0 0 1 1.0\n")).collect();
        fam.push_str("broken line\n");
        std::fs::write(with_extension(&prefix, "fam"), fam).unwrap();
        std::fs::write(with_extension(&prefix, "bim"), "1 v1 0 100 A G\n").unwrap();
        std::fs::write(with_extension(&prefix, "bed"), [0x6c, 0x1b, 0x01, 0, 0, 0, 0]).unwrap();
        let e = Fileset::open(&prefix).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InconsistentInput, "{e}");
        let msg = e.to_string();
        assert!(
            msg.contains("big.bed: has 7 bytes but 5001 samples (.fam) x 1 variants (.bim) need 1254"),
            "{msg}"
        );
    }
}
