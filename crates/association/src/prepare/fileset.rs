//! A PLINK 1 fileset the GRM is built from when it is not the one scanned
//! (`--grm-bfile`: scan imputed dosages, build K from the hard-called
//! array data): its samples matched by ID to the analysed ones, in the
//! analysis's order.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use genotype::{Dataset, GenotypeSource, SampleId, SourceSpec, Variant};
use kinship::FilesetFingerprint;

use crate::error::{Error, Result};

/// The genotypes of a GRM built from another PLINK 1 fileset than the
/// analysed one, with its fingerprint (recorded in eigen files) and an
/// index of its samples by (FID, IID).
#[derive(Debug)]
pub struct GrmFileset {
    prefix: PathBuf,
    source: GenotypeSource,
    fingerprint: FilesetFingerprint,
    index: HashMap<SampleId, u32>,
}

/// What [`GrmFileset::restrict`] left out of the analysis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmatched {
    /// Kept samples of the analysed source with no row in the GRM fileset
    /// (no longer analysed).
    pub n_dropped: usize,
    /// The first of them, in the analysed source's order.
    pub first_dropped: Option<SampleId>,
    /// Samples of the GRM fileset with no match among the analysed
    /// source's kept samples (ignored).
    pub n_unused: usize,
}

impl GrmFileset {
    /// Opens the PLINK 1 fileset at `prefix` and fingerprints it.
    ///
    /// # Errors
    /// Those of [`genotype::Fileset::open`] (a duplicate sample ID among
    /// them) and of [`FilesetFingerprint::of`].
    pub fn open(prefix: &Path) -> Result<Self> {
        let source = GenotypeSource::open(&SourceSpec::Bed(prefix.to_path_buf()))?;
        let fingerprint = FilesetFingerprint::of_source(&source.files())?;
        let index = source
            .samples()
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i as u32))
            .collect();
        Ok(Self {
            prefix: prefix.to_path_buf(),
            source,
            fingerprint,
            index,
        })
    }

    /// The prefix it was opened from.
    pub fn prefix(&self) -> &Path {
        &self.prefix
    }

    /// Its fingerprint (sizes and checksums of `.bed`, `.bim`, `.fam`).
    pub fn fingerprint(&self) -> &FilesetFingerprint {
        &self.fingerprint
    }

    /// Its genotypes.
    pub fn source(&self) -> &GenotypeSource {
        &self.source
    }

    /// Its variants, in `.bim` order.
    pub fn variants(&self) -> &[Variant] {
        self.source.variants()
    }

    /// The position in its `.fam` of each of `ids`, in their order.
    ///
    /// # Errors
    /// `Inconsistent` naming the first ID it does not have.
    pub fn positions(&self, ids: &[SampleId]) -> Result<Vec<u32>> {
        ids.iter()
            .map(|id| {
                self.index.get(id).copied().ok_or_else(|| {
                    Error::Inconsistent(format!(
                        "sample '{id}' is analysed but is not in the GRM fileset {}.fam",
                        self.prefix.display()
                    ))
                })
            })
            .collect()
    }

    /// Leaves out of `ds`'s analysis (its sample mask) the kept samples
    /// this fileset does not have, so that the analysed samples are those
    /// of both; says which.
    pub fn restrict(&self, ds: &mut Dataset) -> Unmatched {
        let mut out = Unmatched {
            n_dropped: 0,
            first_dropped: None,
            n_unused: self.index.len(),
        };
        for (s, keep) in ds.source.samples().iter().zip(ds.sample_mask.iter_mut()) {
            if !*keep {
                continue;
            }
            if self.index.contains_key(&s.id) {
                out.n_unused -= 1;
            } else {
                *keep = false;
                out.n_dropped += 1;
                out.first_dropped.get_or_insert_with(|| s.id.clone());
            }
        }
        out
    }
}
