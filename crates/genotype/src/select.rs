//! Sample and variant selection: keep/remove lists, extract/exclude lists
//! and chromosome subsets (the allele-frequency / missingness filters are
//! [`crate::Qc`]).

use std::collections::HashSet;
use std::path::Path;

use crate::error::{Error, Result};
use crate::sample::{Fam, SampleId};
use crate::text::TextFile;
use crate::variant::{Chrom, Variant};

/// Reads a sample list (`--keep`, `--remove`): `FID IID` per line, extra
/// columns ignored.
///
/// # Errors
/// `MalformedInput` for a line with one column or an empty file.
pub fn read_sample_list(path: &Path) -> Result<Vec<(usize, SampleId)>> {
    let file = TextFile::read(path)?;
    let mut out = Vec::new();
    for line in file.lines() {
        let (no, text) = line?;
        let mut toks = text.split_ascii_whitespace();
        match (toks.next(), toks.next()) {
            (Some(f), Some(i)) => out.push((no, SampleId::new(f, i))),
            _ => return Err(Error::malformed(file.at(no), "expected two columns, FID and IID")),
        }
    }
    if out.is_empty() {
        return Err(Error::malformed(file.whole(), "the sample list is empty"));
    }
    Ok(out)
}

/// Reads a variant list (`--extract`, `--exclude`): the first token of each
/// line is a variant ID, returned with its 1-based line (for warnings about
/// IDs that match nothing).
///
/// # Errors
/// `MalformedInput` for an empty file.
pub fn read_variant_list(path: &Path) -> Result<Vec<(usize, Box<str>)>> {
    let file = TextFile::read(path)?;
    let mut out = Vec::new();
    for line in file.lines() {
        let (line, text) = line?;
        if let Some(tok) = text.split_ascii_whitespace().next() {
            out.push((line, tok.into()));
        }
    }
    if out.is_empty() {
        return Err(Error::malformed(file.whole(), "the variant list is empty"));
    }
    Ok(out)
}

/// Which samples to analyse, before phenotype missingness is considered.
#[derive(Debug, Clone, Default)]
pub struct SampleFilter<'a> {
    /// Keep only these samples (`--keep FILE`).
    pub keep: Option<&'a Path>,
    /// Drop these samples (`--remove FILE`).
    pub remove: Option<&'a Path>,
}

impl SampleFilter<'_> {
    /// Applies the lists to the `.fam`; returns a mask over `.fam` rows.
    ///
    /// # Errors
    /// `InconsistentInput` naming file and line for a listed sample absent
    /// from the `.fam`; the errors of [`read_sample_list`].
    pub fn apply(&self, fam: &Fam) -> Result<Vec<bool>> {
        let index = fam.index();
        let lookup = |path: &Path| -> Result<Vec<usize>> {
            read_sample_list(path)?
                .into_iter()
                .map(|(no, id)| {
                    index.get(&id).copied().ok_or_else(|| {
                        Error::inconsistent(
                            crate::error::Location::line(path, no),
                            format!("sample '{id}' is not in the .fam"),
                        )
                    })
                })
                .collect()
        };
        let mut mask = vec![self.keep.is_none(); fam.len()];
        if let Some(path) = self.keep {
            for s in lookup(path)? {
                mask[s] = true;
            }
        }
        if let Some(path) = self.remove {
            for s in lookup(path)? {
                mask[s] = false;
            }
        }
        Ok(mask)
    }
}

/// Which variants may enter the analysis, before allele-frequency filters.
#[derive(Debug, Clone, Default)]
pub struct VariantFilter<'a> {
    /// Keep only these IDs (`--extract FILE`).
    pub extract: Option<&'a Path>,
    /// Drop these IDs (`--exclude FILE`).
    pub exclude: Option<&'a Path>,
    /// Keep only these chromosomes (`--chr`).
    pub chromosomes: Option<Vec<Chrom>>,
}

/// Outcome of [`VariantFilter::apply`].
#[derive(Debug, Clone)]
pub struct VariantSelection {
    /// `.bim` positions kept, in file order.
    pub kept: Vec<u32>,
    /// IDs in the extract/exclude lists that match no variant (PLINK warns).
    pub n_unmatched_ids: usize,
    /// The first of them, for a warning that names file and line.
    pub first_unmatched: Option<ListedId>,
}

/// An ID read from a list file, with where it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedId {
    /// The list file.
    pub file: std::path::PathBuf,
    /// 1-based line.
    pub line: usize,
    /// The ID.
    pub id: Box<str>,
}

impl std::fmt::Display for ListedId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}, line {}: '{}'", self.file.display(), self.line, self.id)
    }
}

impl VariantFilter<'_> {
    /// Applies the lists and chromosome subset to the `.bim` variants.
    ///
    /// # Errors
    /// Those of [`read_variant_list`].
    pub fn apply(&self, variants: &[Variant]) -> Result<VariantSelection> {
        // The .bim's IDs, hashed only when a list needs matching.
        let ids: HashSet<&str> = if self.extract.is_some() || self.exclude.is_some() {
            variants.iter().map(|v| &*v.id).collect()
        } else {
            HashSet::new()
        };
        let mut n_unmatched_ids = 0;
        let mut first_unmatched = None;
        let mut load = |path: Option<&Path>| -> Result<Option<HashSet<Box<str>>>> {
            let Some(path) = path else { return Ok(None) };
            let list = read_variant_list(path)?;
            for (line, id) in list.iter().filter(|(_, id)| !ids.contains(&**id)) {
                n_unmatched_ids += 1;
                first_unmatched.get_or_insert_with(|| ListedId {
                    file: path.to_path_buf(),
                    line: *line,
                    id: id.clone(),
                });
            }
            Ok(Some(list.into_iter().map(|(_, id)| id).collect()))
        };
        let extract = load(self.extract)?;
        let exclude = load(self.exclude)?;
        let kept = variants
            .iter()
            .enumerate()
            .filter(|(_, v)| extract.as_ref().is_none_or(|s| s.contains(&v.id)))
            .filter(|(_, v)| exclude.as_ref().is_none_or(|s| !s.contains(&v.id)))
            .filter(|(_, v)| self.chromosomes.as_ref().is_none_or(|c| c.contains(&v.chrom)))
            .map(|(i, _)| i as u32)
            .collect();
        Ok(VariantSelection {
            kept,
            n_unmatched_ids,
            first_unmatched,
        })
    }
}
