//! Oxford `.sample` files: the sample list that accompanies a `.gen` or a
//! `.bgen` without sample identifiers.
//!
//! Line 1 names the columns, line 2 gives their types (`0` for the ID
//! columns), then one line per sample, space-separated. Two shapes are read:
//! the original one, starting `ID_1 ID_2 missing`, where PLINK 2 writes the
//! FID as `ID_1` and the IID as `ID_2` (and reads them back that way); and
//! QCTOOL v2's, with a single `ID` column (PLINK 2's `sample-v2` export),
//! read as the IID with FID `0`, as PLINK 2 does for single IDs.

use std::collections::HashMap;
use std::path::Path;

use crate::error::{Error, Result};
use crate::sample::{Sample, SampleId, Sex};
use crate::text::TextFile;

/// The FID given to samples that have a single identifier (BGEN sample
/// blocks, QCTOOL v2 `.sample` files): `0`, as in the `.fam` PLINK 2 writes
/// for such samples.
pub const SINGLE_ID_FID: &str = "0";

/// Reads an Oxford `.sample` file: sample IDs (`ID_1` = FID, `ID_2` = IID,
/// or a single `ID` = IID with FID [`SINGLE_ID_FID`]) and sex from a column
/// named `sex`, if any (`1`/`male` male, `2`/`female` female, else unknown).
/// Parents are not read (`None`).
///
/// # Errors
/// `MalformedInput` naming the line for a first line that does not start
/// with `ID_1 ID_2` or `ID`, a missing or wrong type line, a line whose
/// column count differs from the header's, or no samples;
/// `InconsistentInput` for a repeated ID.
pub fn read_sample_file(path: &Path) -> Result<Vec<Sample>> {
    parse(&TextFile::read(path)?)
}

pub(super) fn parse(file: &TextFile) -> Result<Vec<Sample>> {
    let mut lines = file.lines();
    let Some(first) = lines.next() else {
        return Err(Error::malformed(
            file.whole(),
            "empty .sample file: expected a header line 'ID_1 ID_2 missing ...'",
        ));
    };
    let (no, text) = first?;
    let names: Vec<&str> = text.split_ascii_whitespace().collect();
    let n_ids = match names.as_slice() {
        [a, b, ..] if a.eq_ignore_ascii_case("ID_1") && b.eq_ignore_ascii_case("ID_2") => 2,
        [a, ..] if a.eq_ignore_ascii_case("ID") => 1,
        _ => {
            return Err(Error::malformed(
                file.at(no),
                "not an Oxford .sample header: expected the columns to start with 'ID_1 ID_2' (or 'ID')",
            ))
        }
    };
    let width = names.len();
    let sex_col = names.iter().position(|c| c.eq_ignore_ascii_case("sex"));
    let Some(second) = lines.next() else {
        return Err(Error::malformed(
            file.whole(),
            "the .sample file ends after its header: expected a line of column types ('0 0 0 ...')",
        ));
    };
    let (no, text) = second?;
    let types: Vec<&str> = text.split_ascii_whitespace().collect();
    if types.len() != width || types[..n_ids].iter().any(|t| *t != "0") {
        return Err(Error::malformed(
            file.at(no),
            format!(
                "expected the line of column types: {width} entries, '0' for the ID columns (e.g. '0 0 0 D'), found '{}'",
                text.trim()
            ),
        ));
    }
    let mut samples = Vec::new();
    let mut seen: HashMap<SampleId, usize> = HashMap::new();
    for line in lines {
        let (no, text) = line?;
        let toks: Vec<&str> = text.split_ascii_whitespace().collect();
        if toks.len() != width {
            return Err(Error::malformed(
                file.at(no),
                format!("found {} columns where the header names {width}", toks.len()),
            ));
        }
        let id = if n_ids == 2 {
            SampleId::new(toks[0], toks[1])
        } else {
            SampleId::new(SINGLE_ID_FID, toks[0])
        };
        if let Some(first) = seen.insert(id.clone(), no) {
            return Err(Error::inconsistent(
                file.at(no),
                format!("duplicate sample '{id}' (first seen on line {first})"),
            ));
        }
        let sex = match sex_col.map(|c| toks[c].to_ascii_lowercase()).as_deref() {
            Some("1" | "m" | "male") => Sex::Male,
            Some("2" | "f" | "female") => Sex::Female,
            _ => Sex::Unknown,
        };
        samples.push(Sample {
            id,
            father: None,
            mother: None,
            sex,
        });
    }
    if samples.is_empty() {
        return Err(Error::malformed(
            file.whole(),
            "no samples: the .sample file has only its two header lines",
        ));
    }
    Ok(samples)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> Result<Vec<Sample>> {
        parse(&TextFile::from_bytes(Path::new("t.sample"), text.as_bytes()))
    }

    #[test]
    fn reads_both_id_shapes_and_sex() {
        let s = parse_text("ID_1 ID_2 missing sex PHENO1\n0 0 0 D P\nF1 S1 0 1 1.5\nF1 S2 0.1 2 NA\nF2 S3 0 NA 0\n")
            .unwrap();
        assert_eq!(s.len(), 3);
        assert_eq!(s[1].id, SampleId::new("F1", "S2"));
        assert_eq!((s[0].sex, s[1].sex, s[2].sex), (Sex::Male, Sex::Female, Sex::Unknown));
        let s = parse_text("ID missing\n0 0\nA_1 0\r\n\nB_2 0\n").unwrap();
        assert_eq!(s[1].id, SampleId::new("0", "B_2"));
        assert_eq!(s[1].sex, Sex::Unknown);
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse_text("FID IID\n0 0\n").unwrap_err().to_string();
        assert!(e.starts_with("t.sample, line 1: not an Oxford .sample header"), "{e}");
        let e = parse_text("ID_1 ID_2 missing\nA B 0\n").unwrap_err().to_string();
        assert!(
            e.starts_with("t.sample, line 2: expected the line of column types"),
            "{e}"
        );
        let e = parse_text("ID_1 ID_2 missing\n0 0 0\nA B 0\nC D\n")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "t.sample, line 4: found 2 columns where the header names 3");
        let e = parse_text("ID_1 ID_2 missing\n0 0 0\nA B 0\nA B 0\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 4: duplicate sample 'A B' (first seen on line 3)"),
            "{e}"
        );
        let e = parse_text("ID_1 ID_2 missing\n0 0 0\n").unwrap_err().to_string();
        assert!(e.contains("no samples"), "{e}");
    }
}
