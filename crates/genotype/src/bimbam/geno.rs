//! The BIMBAM mean-genotype file (GEMMA's `-g`), parsed whole into a
//! [`Store`].
//!
//! One line per variant, no header: the variant ID, allele 1, allele 0, then
//! one dosage per sample, the expected number of copies of allele 1
//! (GEMMA's `allele1`, the allele its `af` and `beta` refer to). Fields are
//! separated by any run of spaces, commas and tabs. A dosage is a number in
//! `[0, 2]` or `NA` (missing; exactly these two letters, as GEMMA). The
//! first line fixes the number of samples; every line must have as many
//! dosages (GEMMA takes its sample count from the phenotype file and reads
//! that many, silently ignoring extra columns: kindred refuses them).

use std::collections::HashMap;

use super::lines::{fields, text, Lines};
use super::store::{Store, StoreBuilder};
use crate::error::{Error, Result};
use crate::variant::{Chrom, Variant};

/// The base-pair position of a variant GEMMA cannot place (no annotation
/// file, or the variant is not in it): `-9`, which GEMMA prints in its `ps`
/// column and PLINK reads as "unknown".
pub const UNKNOWN_POSITION: i64 = -9;

/// A parsed mean-genotype file.
#[derive(Debug)]
pub(super) struct GenoFile {
    /// Variants in file order, unplaced until an annotation file places them.
    pub(super) variants: Vec<Variant>,
    /// Each variant ID's position in `variants`.
    pub(super) index: HashMap<Box<str>, u32>,
    /// Dosage columns (samples).
    pub(super) n_samples: usize,
    /// The dosages, variant-major.
    pub(super) store: Store,
}

/// A dosage field: `NA` (missing, `NaN`) or a number in `[0, 2]`.
#[inline]
fn dosage(field: &[u8]) -> Result<f64, String> {
    if let [b @ b'0'..=b'2'] = field {
        return Ok(f64::from(b - b'0'));
    }
    if field == b"NA" {
        return Ok(f64::NAN);
    }
    let x = std::str::from_utf8(field)
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|x| x.is_finite())
        .ok_or_else(|| format!("'{}' is not a number (a missing dosage is written NA)", text(field)))?;
    if !(0.0..=2.0).contains(&x) {
        return Err(format!(
            "{} is outside [0, 2] (a dosage counts copies of allele 1)",
            text(field)
        ));
    }
    Ok(x)
}

/// Reads every line of `lines`. `first` is called with the number of
/// samples as soon as the first line gives it (to check it against other
/// files before the rest is parsed).
///
/// # Errors
/// `MalformedInput` naming the line (and the variant ID) for a line with
/// fewer than four fields, a line whose dosage count differs from the first
/// line's, a dosage that is neither `NA` nor a number in `[0, 2]`, an ID
/// or allele that is not UTF-8, an ID used on an earlier line, and the file
/// for an empty file; those of `first` and of the reader.
pub(super) fn read(lines: &mut Lines, first: impl FnOnce(usize, usize) -> Result<()>) -> Result<GenoFile> {
    let mut first = Some(first);
    let mut variants = Vec::new();
    let mut index: HashMap<Box<str>, u32> = HashMap::new();
    let mut first_lines: Vec<usize> = Vec::new();
    let mut builder = StoreBuilder::new();
    let mut n_samples = 0;
    let path = lines.path().to_path_buf();
    while let Some((no, line)) = lines.next_line()? {
        let at = || crate::error::Location::line(&path, no);
        let mut f = fields(line);
        let head: Vec<&[u8]> = f.by_ref().take(3).collect();
        let utf8 = |field: &[u8], what: &str| {
            std::str::from_utf8(field)
                .map(Box::<str>::from)
                .map_err(|_| Error::malformed(at(), format!("the {what} '{}' is not UTF-8 text", text(field))))
        };
        if head.len() < 3 {
            return Err(Error::malformed(
                at(),
                format!(
                    "found {} field(s); a mean-genotype line holds the variant ID, allele 1, allele 0 and one \
                     dosage per sample",
                    head.len()
                ),
            ));
        }
        let id = utf8(head[0], "variant ID")?;
        let named = |what: String| Error::malformed(at(), format!("variant '{id}': {what}"));
        let mut k = 0;
        for field in f {
            if variants.is_empty() || k < n_samples {
                let x = dosage(field).map_err(|e| named(format!("dosage {} (sample {}): {e}", k + 1, k + 1)))?;
                builder.push(x);
            }
            k += 1;
        }
        if variants.is_empty() {
            if k == 0 {
                return Err(named("no dosage columns after the two alleles".into()));
            }
            n_samples = k;
            if let Some(check) = first.take() {
                check(n_samples, no)?;
            }
        } else if k != n_samples {
            return Err(named(format!(
                "{k} dosages, but the first line (line {}) has {n_samples}, one per sample",
                first_lines[0]
            )));
        }
        let v = variants.len() as u32;
        if let Some(&earlier) = index.get(&id) {
            return Err(named(format!(
                "the variant ID is already used on line {} (GEMMA matches annotations by ID, so IDs must be unique)",
                first_lines[earlier as usize]
            )));
        }
        index.insert(id.clone(), v);
        first_lines.push(no);
        variants.push(Variant {
            chrom: Chrom::Unplaced,
            id,
            cm: 0.0,
            pos: UNKNOWN_POSITION,
            a1: utf8(head[1], "allele 1")?,
            a2: utf8(head[2], "allele 0")?,
        });
    }
    if variants.is_empty() {
        return Err(Error::malformed(
            crate::error::Location::file(&path),
            "no variants: the mean-genotype file is empty",
        ));
    }
    Ok(GenoFile {
        variants,
        index,
        n_samples,
        store: builder.finish(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn parse(text: &'static [u8]) -> Result<GenoFile> {
        let mut lines = Lines::from_reader(Path::new("g.txt"), Box::new(text), false);
        read(&mut lines, |_, _| Ok(()))
    }

    #[test]
    fn dosage_fields() {
        assert_eq!(dosage(b"0"), Ok(0.0));
        assert_eq!(dosage(b"2"), Ok(2.0));
        assert_eq!(dosage(b"1.06"), Ok(1.06));
        assert_eq!(dosage(b"2.000"), Ok(2.0));
        assert_eq!(dosage(b"5e-1"), Ok(0.5));
        assert!(dosage(b"NA").unwrap().is_nan());
        for bad in [&b"na"[..], b"nan", b"inf", b"x", b"1,5", b"-", b"\xff"] {
            assert!(dosage(bad).unwrap_err().contains("is not a number"), "{bad:?}");
        }
        for out in [&b"2.0001"[..], b"-0.5", b"3"] {
            assert!(dosage(out).unwrap_err().contains("is outside [0, 2]"), "{out:?}");
        }
    }

    #[test]
    fn reads_variants_and_sample_count() {
        let g = parse(b"rs1, A, G, 0, 1.5, NA\n\nrs2\tC\tT\t2 2 0.25\r\n").unwrap();
        assert_eq!(g.n_samples, 3);
        let v = &g.variants[1];
        assert_eq!(
            (&*v.id, &*v.a1, &*v.a2, v.pos, &v.chrom),
            ("rs2", "C", "T", -9, &Chrom::Unplaced)
        );
        assert_eq!(g.index["rs2"], 1);
    }

    #[test]
    fn first_line_check_sees_the_sample_count() {
        let mut lines = Lines::from_reader(Path::new("g.txt"), Box::new(&b"\nrs1 A G 0 1\n"[..]), false);
        let e = read(&mut lines, |n, line| {
            Err(Error::InvalidArgument(format!("{n} samples on line {line}")))
        })
        .unwrap_err();
        assert_eq!(e.to_string(), "2 samples on line 2");
    }
}
