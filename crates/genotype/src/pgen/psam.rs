//! The `.psam` sample file: a header line `#FID IID ...` or `#IID ...`
//! naming the columns (FID, IID, SID, PAT, MAT, SEX; others are phenotypes,
//! not read here), or no header at all, as in a PLINK 1 `.fam`.

use std::collections::HashMap;

use crate::bgen::SINGLE_ID_FID;
use crate::error::{Error, Result};
use crate::sample::{Sample, SampleId, Sex};

use super::lines::{header, Lines};

/// Column positions of the fields kindred reads.
struct Columns {
    fid: Option<usize>,
    iid: usize,
    parents: Option<(usize, usize)>,
    sex: Option<usize>,
    /// Fields a data line must have.
    width: usize,
}

/// Reads the samples of a `.psam` (or headerless `.fam`), in file order.
///
/// Without an FID column every FID is [`SINGLE_ID_FID`] (`0`), as in the
/// `.fam` PLINK 2 writes. Sex `1`/`M`/`m` is male, `2`/`F`/`f` female,
/// anything else unknown; a parent `0` is absent. A SID column is accepted
/// but samples are identified by (FID, IID) alone.
///
/// # Errors
/// `MalformedInput` naming the line for a header that is not `#FID`/`#IID`
/// first, a repeated or misplaced column, PAT without MAT, a data line with
/// fewer fields than the header, or no samples; `InconsistentInput` when an
/// (FID, IID) repeats.
pub(super) fn read_psam(file: &Lines) -> Result<Vec<Sample>> {
    let (header_line, cols) = match header(file, &["FID", "IID"])? {
        Some((no, names)) => (no, columns(file, no, &names)?),
        None => (0, fam_columns(file)?),
    };
    let mut samples = Vec::new();
    let mut seen: HashMap<SampleId, usize> = HashMap::new();
    for row in file.rows(header_line, cols.width) {
        let (no, toks) = row?;
        let id = SampleId::new(cols.fid.map_or(SINGLE_ID_FID, |c| toks[c]), toks[cols.iid]);
        if let Some(first) = seen.insert(id.clone(), no) {
            return Err(Error::inconsistent(
                crate::error::Location::line(file.path(), no),
                format!(
                    "duplicate sample '{id}' (first seen on line {first}); kindred identifies samples by FID and IID"
                ),
            ));
        }
        let parent = |c: Option<usize>| c.map(|c| toks[c]).filter(|&t| t != "0").map(Box::from);
        let sex = match cols.sex.map(|c| toks[c]) {
            Some("1" | "M" | "m") => Sex::Male,
            Some("2" | "F" | "f") => Sex::Female,
            _ => Sex::Unknown,
        };
        samples.push(Sample {
            id,
            father: parent(cols.parents.map(|p| p.0)),
            mother: parent(cols.parents.map(|p| p.1)),
            sex,
        });
    }
    if samples.is_empty() {
        return Err(file.file_error("no samples: the .psam lists none"));
    }
    Ok(samples)
}

/// The columns named on the header line `no`.
fn columns(file: &Lines, no: usize, names: &[&str]) -> Result<Columns> {
    let bad = |what: String| file.error(no, what);
    let mut at: HashMap<&str, usize> = HashMap::new();
    for (k, &name) in names.iter().enumerate() {
        if at.insert(name, k).is_some() && ["FID", "IID", "SID", "PAT", "MAT", "SEX"].contains(&name) {
            return Err(bad(format!("column {name} appears twice")));
        }
    }
    let fid = at.get("FID").copied();
    let iid = *at
        .get("IID")
        .ok_or_else(|| bad("the header has no IID column".into()))?;
    if fid.is_some_and(|f| f != 0) || iid != usize::from(fid.is_some()) {
        return Err(bad(
            "FID must be the first column and IID the first or the one after FID".into(),
        ));
    }
    let parents = match (at.get("PAT"), at.get("MAT")) {
        (Some(&p), Some(&m)) => Some((p, m)),
        (None, None) => None,
        _ => return Err(bad("PAT and MAT must both be present or both absent".into())),
    };
    Ok(Columns {
        fid,
        iid,
        parents,
        sex: at.get("SEX").copied(),
        width: names.len(),
    })
}

/// The columns of a headerless file, from its first line: `FID IID PAT MAT
/// SEX` and, with six or more fields, a phenotype.
fn fam_columns(file: &Lines) -> Result<Columns> {
    let Some(first) = file.lines().next() else {
        return Err(file.file_error("no samples: the .psam is empty"));
    };
    let (no, text) = first?;
    let n = text.split_ascii_whitespace().count();
    if n < 5 {
        return Err(file.error(
            no,
            format!("a .psam without header needs at least 5 fields (FID IID PAT MAT SEX), found {n}"),
        ));
    }
    Ok(Columns {
        fid: Some(0),
        iid: 1,
        parents: Some((2, 3)),
        sex: Some(4),
        width: n.min(6),
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn parse(text: &str) -> Result<Vec<Sample>> {
        read_psam(&Lines::new(Path::new("t.psam"), text.as_bytes().to_vec())?)
    }

    #[test]
    fn reads_iid_only_fid_and_fam_layouts() {
        let s = parse("#IID\tSEX\tPHENO1\nper0\t2\t1.5\nper1\tNA\tNA\n").unwrap();
        assert_eq!(s[0].id, SampleId::new("0", "per0"));
        assert_eq!((s[0].sex, s[1].sex), (Sex::Female, Sex::Unknown));
        let s = parse("##meta\n#FID IID SID PAT MAT SEX\nf a x 0 0 M\r\n\nf b y a 0 f extra\n").unwrap();
        assert_eq!(
            (s.len(), s[1].father.as_deref(), s[1].mother.as_deref()),
            (2, Some("a"), None)
        );
        assert_eq!((s[0].sex, s[1].sex), (Sex::Male, Sex::Female));
        let s = parse("f1 s1 0 0 1 -9\nf1 s2 s1 0 2 -9\n").unwrap();
        assert_eq!(
            (&*s[1].id.fid, s[1].father.as_deref(), s[1].sex),
            ("f1", Some("s1"), Sex::Female)
        );
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse("#FID IID SEX\nf a 1\nf b\n").unwrap_err().to_string();
        assert_eq!(e, "t.psam, line 3: found 2 fields where the header names 3");
        let e = parse("#FID IID\nf a\nf a\n").unwrap_err().to_string();
        assert!(
            e.starts_with("t.psam, line 3: duplicate sample 'f a' (first seen on line 2)"),
            "{e}"
        );
        let e = parse("#SEX IID\n1 a\n").unwrap_err().to_string();
        assert!(
            e.starts_with("t.psam, line 1: the last '#' line of the header must name the columns"),
            "{e}"
        );
        let e = parse("#IID PAT SEX\na 0 1\n").unwrap_err().to_string();
        assert_eq!(e, "t.psam, line 1: PAT and MAT must both be present or both absent");
        let e = parse("f a 0 0\n").unwrap_err().to_string();
        assert!(
            e.starts_with("t.psam, line 1: a .psam without header needs at least 5 fields"),
            "{e}"
        );
        assert!(parse("#IID\n").unwrap_err().to_string().contains("no samples"));
    }
}
