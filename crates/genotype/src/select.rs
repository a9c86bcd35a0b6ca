//! Sample and variant selection: keep/remove lists, extract/exclude lists
//! and chromosome subsets (the allele-frequency / missingness filters are
//! [`crate::Qc`]).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::error::{Error, Result};
use crate::sample::{Fam, SampleId};
use crate::text::TextFile;
use crate::variant::{Chrom, Variant};

/// A sample named in a sample list: by FID and IID, or by IID alone (in a
/// list whose header is `#IID`).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Listed {
    Id(SampleId),
    Iid(Box<str>),
}

/// Whether the first line of a sample list is a header, and if so whether
/// the list names samples by IID alone: a line starting with `#` (PLINK 2's
/// `#FID IID ...`, or `#IID ...` for IID-only lists), or one whose first
/// two words are `FID IID` (any case).
fn header_kind(toks: &[&str]) -> Option<bool> {
    let first = toks.first()?;
    if let Some(name) = first.strip_prefix('#') {
        return Some(name.eq_ignore_ascii_case("IID"));
    }
    let fid_iid = first.eq_ignore_ascii_case("FID") && toks.get(1).is_some_and(|t| t.eq_ignore_ascii_case("IID"));
    fid_iid.then_some(false)
}

/// Reads a sample list in either form, with each entry's 1-based line.
fn read_listed(path: &Path) -> Result<Vec<(usize, Listed)>> {
    let file = TextFile::read(path)?;
    let mut out = Vec::new();
    let mut iid_only = None;
    for line in file.lines() {
        let (no, text) = line?;
        let toks: Vec<&str> = text.split_ascii_whitespace().collect();
        if iid_only.is_none() {
            let header = header_kind(&toks);
            iid_only = Some(header.unwrap_or(false));
            if header.is_some() {
                continue;
            }
        }
        out.push(match (iid_only, toks.as_slice()) {
            (Some(true), [iid, ..]) => (no, Listed::Iid((*iid).into())),
            (_, [f, i, ..]) => (no, Listed::Id(SampleId::new(f, i))),
            _ => return Err(Error::malformed(file.at(no), "expected two columns, FID and IID")),
        });
    }
    if out.is_empty() {
        return Err(Error::malformed(file.whole(), "the sample list is empty"));
    }
    Ok(out)
}

/// A sample list read from a file, with that file.
type List<'a> = (&'a Path, Vec<(usize, Listed)>);

/// [`read_listed`] of a list given as an option.
fn read_optional(path: Option<&Path>) -> Result<Option<List<'_>>> {
    path.map(|p| read_listed(p).map(|l| (p, l))).transpose()
}

/// Reads a sample list (`--keep`, `--remove`): `FID IID` per line, extra
/// columns ignored, with an optional header line (`#FID IID`, as PLINK 2
/// writes, or `FID IID`).
///
/// # Errors
/// `MalformedInput` for a line with one column, an empty file, or a list
/// by IID alone (`#IID` header), which needs the `.fam` to be resolved
/// ([`SampleFilter`] does).
pub fn read_sample_list(path: &Path) -> Result<Vec<(usize, SampleId)>> {
    read_listed(path)?
        .into_iter()
        .map(|(no, listed)| match listed {
            Listed::Id(id) => Ok((no, id)),
            Listed::Iid(_) => Err(Error::malformed(
                crate::error::Location::line(path, no),
                "expected FID and IID, but the header (#IID) says the list has IIDs only",
            )),
        })
        .collect()
}

/// [`read_sample_list`] for a file whose rows are one sample each (a GRM's
/// or an eigendecomposition's `.id`): the IDs in order, each at most once.
///
/// # Errors
/// As [`read_sample_list`]; `MalformedInput` naming the line of an ID
/// listed twice (its rows would be two samples with one name).
pub fn read_unique_sample_list(path: &Path) -> Result<Vec<SampleId>> {
    let listed = read_sample_list(path)?;
    let mut first: std::collections::HashMap<&SampleId, usize> = std::collections::HashMap::new();
    for (no, id) in &listed {
        if let Some(f) = first.insert(id, *no) {
            return Err(Error::malformed(
                crate::error::Location::line(path, *no),
                format!("sample {id} is listed again (first on line {f}): each row must be a different sample"),
            ));
        }
    }
    Ok(listed.into_iter().map(|(_, id)| id).collect())
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
    /// Lists are read as [`read_sample_list`] reads them, and also by IID
    /// alone when their header is `#IID` (each IID must then name one
    /// `.fam` sample).
    ///
    /// # Errors
    /// `InconsistentInput` naming file and line for a listed sample absent
    /// from the `.fam`, or an IID found in several families; the errors of
    /// [`read_sample_list`].
    pub fn apply(&self, fam: &Fam) -> Result<Vec<bool>> {
        let (keep, remove) = (read_optional(self.keep)?, read_optional(self.remove)?);
        let index = fam.index();
        // IID -> .fam positions, built only for a list by IID alone.
        let mut by_iid: HashMap<&str, Vec<usize>> = HashMap::new();
        let iid_only = |l: &Option<List<'_>>| {
            l.as_ref()
                .is_some_and(|(_, l)| l.iter().any(|(_, x)| matches!(x, Listed::Iid(_))))
        };
        if iid_only(&keep) || iid_only(&remove) {
            for (s, sample) in fam.samples.iter().enumerate() {
                by_iid.entry(&sample.id.iid).or_default().push(s);
            }
        }
        let resolve = |path: &Path, no: usize, listed: Listed| -> Result<usize> {
            let at = crate::error::Location::line(path, no);
            match listed {
                Listed::Id(id) => index
                    .get(&id)
                    .copied()
                    .ok_or_else(|| Error::inconsistent(at, format!("sample '{id}' is not in the .fam"))),
                Listed::Iid(iid) => match by_iid.get(&*iid).map(Vec::as_slice) {
                    Some(&[s]) => Ok(s),
                    Some(several) => Err(Error::inconsistent(
                        at,
                        format!(
                            "IID '{iid}' names {} .fam samples (families {}); list FID and IID",
                            several.len(),
                            several
                                .iter()
                                .map(|&s| &*fam.samples[s].id.fid)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )),
                    None => Err(Error::inconsistent(at, format!("no .fam sample has IID '{iid}'"))),
                },
            }
        };
        let mut mask = vec![keep.is_none(); fam.len()];
        for (list, value) in [(keep, true), (remove, false)] {
            if let Some((path, listed)) = list {
                for (no, l) in listed {
                    mask[resolve(path, no, l)?] = value;
                }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::TextFile;

    fn fam() -> Fam {
        Fam::parse(&TextFile::from_bytes(
            Path::new("t.fam"),
            b"A a1 0 0 1 1\nA a2 0 0 1 1\nB a2 0 0 1 1\nB b1 0 0 1 1\n",
        ))
        .unwrap()
    }

    fn keep(text: &str) -> Result<Vec<bool>> {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), text).unwrap();
        SampleFilter {
            keep: Some(f.path()),
            remove: None,
        }
        .apply(&fam())
    }

    /// PLINK 2 writes `#FID IID` (or `#IID`) above its sample lists.
    #[test]
    fn issue_17_9_keep_lists_may_start_with_a_header_line() {
        let want = vec![true, false, false, true];
        assert_eq!(keep("#FID\tIID\nA a1\nB b1\n").unwrap(), want);
        assert_eq!(keep("\nFID IID\nA a1\nB b1\n").unwrap(), want);
        assert_eq!(keep("#IID\na1\nb1\n").unwrap(), want);
        let e = keep("#IID\na1\na2\n").unwrap_err().to_string();
        assert!(
            e.contains(", line 3: IID 'a2' names 2 .fam samples (families A, B)"),
            "{e}"
        );
        let e = keep("#IID\nzz\n").unwrap_err().to_string();
        assert!(e.contains(", line 2: no .fam sample has IID 'zz'"), "{e}");
        // Only the first line can be a header.
        let e = keep("A a1\nFID IID\n").unwrap_err().to_string();
        assert!(e.contains(", line 2: sample 'FID IID' is not in the .fam"), "{e}");
        assert!(keep("#FID IID\n")
            .unwrap_err()
            .to_string()
            .contains("the sample list is empty"));
    }

    /// A GRM's or eigendecomposition's `.id` names each row's sample once.
    #[test]
    fn unique_sample_lists_refuse_a_repeated_id() {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), "A a1\nB b1\n\nA a1\n").unwrap();
        let e = read_unique_sample_list(f.path()).unwrap_err().to_string();
        assert!(
            e.ends_with(", line 4: sample A a1 is listed again (first on line 1): each row must be a different sample"),
            "{e}"
        );
        std::fs::write(f.path(), "A a1\nB b1\n").unwrap();
        assert_eq!(read_unique_sample_list(f.path()).unwrap().len(), 2);
    }
}
