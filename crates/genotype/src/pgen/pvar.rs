//! The `.pvar` variant file: `##` meta lines, a `#CHROM` line naming the
//! columns (`POS`, `ID`, `REF`, `ALT`, `QUAL`, `FILTER`, `INFO`, `CM`;
//! `FORMAT` ends the list, as in a VCF), one line per variant record; or
//! no header at all, as in a PLINK 1 `.bim` (`CHROM ID CM POS ALT REF`,
//! or `CHROM ID POS ALT REF` with five fields).

use std::collections::HashMap;

use crate::bgen::{SkippedVariant, SkippedVariants};
use crate::error::Result;
use crate::variant::{Chrom, Variant};

use super::lines::{header, Lines};

/// Column positions of the fields kindred reads.
struct Columns {
    pos: usize,
    id: usize,
    reference: usize,
    alt: usize,
    cm: Option<usize>,
    /// Fields a data line must have.
    width: usize,
}

/// The records of a `.pvar`.
#[derive(Debug)]
pub(super) struct PvarRecords {
    /// Biallelic variants in file order, `a1` = ALT, `a2` = REF.
    pub(super) variants: Vec<Variant>,
    /// The 0-based record number of each of `variants`.
    pub(super) record_of: Vec<u32>,
    /// All records, multiallelic ones included.
    pub(super) n_records: usize,
    /// Records left out for not having two alleles.
    pub(super) skipped: SkippedVariants,
}

/// Reads a `.pvar` (or headerless `.bim`). `allele_counts`, when the `.pgen`
/// header stores them, must agree with the ALT lists.
///
/// # Errors
/// `MalformedInput` naming the line for a header without `#CHROM` last, a
/// missing, repeated or unknown column, a line with fewer fields than the
/// header, a position that is not a 32-bit integer, a centimorgan value that
/// is not a number, an allele count that disagrees with the `.pgen`, or no
/// variants.
pub(super) fn read_pvar(file: &Lines, allele_counts: Option<&[u8]>) -> Result<PvarRecords> {
    let (header_line, cols) = match header(file, &["CHROM"])? {
        Some((no, names)) => (no, columns(file, no, &names)?),
        None => (0, bim_columns(file)?),
    };
    let mut out = PvarRecords {
        variants: Vec::new(),
        record_of: Vec::new(),
        n_records: 0,
        skipped: SkippedVariants::default(),
    };
    for row in file.rows(header_line, cols.width) {
        let (no, toks) = row?;
        let rec = out.n_records;
        out.n_records += 1;
        let pos = toks[cols.pos].parse::<i32>().map_err(|_| {
            file.error(
                no,
                format!(
                    "base-pair position '{}' is not an integer in PLINK's 32-bit range",
                    toks[cols.pos]
                ),
            )
        })?;
        let cm = match cols.cm {
            Some(c) => toks[c]
                .parse::<f64>()
                .map_err(|_| file.error(no, format!("genetic position '{}' is not a number", toks[c])))?,
            None => 0.0,
        };
        let alt = toks[cols.alt];
        let n_alleles = 1 + alt.split(',').count();
        if let Some(&stored) = allele_counts.and_then(|c| c.get(rec)) {
            if usize::from(stored) != n_alleles {
                return Err(file.error(
                    no,
                    format!("variant has {n_alleles} alleles, but the .pgen header says {stored}"),
                ));
            }
        }
        let id = toks[cols.id];
        if n_alleles != 2 {
            out.skipped.n_not_biallelic += 1;
            out.skipped.first.get_or_insert_with(|| SkippedVariant {
                block: rec as u32 + 1,
                id: id.into(),
                n_alleles: u16::try_from(n_alleles).unwrap_or(u16::MAX),
            });
            continue;
        }
        out.record_of.push(rec as u32);
        out.variants.push(Variant {
            chrom: Chrom::parse(toks[0]),
            id: id.into(),
            cm,
            pos: i64::from(pos),
            a1: alt.into(),
            a2: toks[cols.reference].into(),
        });
    }
    if out.n_records == 0 {
        return Err(file.file_error("no variants: the variant file lists none"));
    }
    Ok(out)
}

/// The columns named on the `#CHROM` line `no`.
fn columns(file: &Lines, no: usize, names: &[&str]) -> Result<Columns> {
    let bad = |what: String| file.error(no, what);
    let mut at: HashMap<&str, usize> = HashMap::new();
    let mut width = names.len();
    for (k, &name) in names.iter().enumerate() {
        if name == "FORMAT" {
            width = k;
            break;
        }
        if !["CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "CM"].contains(&name) {
            return Err(bad(format!("unknown column '{name}' in the #CHROM line")));
        }
        if at.insert(name, k).is_some() {
            return Err(bad(format!("column {name} appears twice")));
        }
    }
    let need = |name: &str| {
        at.get(name)
            .copied()
            .ok_or_else(|| bad(format!("the #CHROM line has no {name} column")))
    };
    Ok(Columns {
        pos: need("POS")?,
        id: need("ID")?,
        reference: need("REF")?,
        alt: need("ALT")?,
        cm: at.get("CM").copied(),
        width,
    })
}

/// The columns of a headerless file, from its first line.
fn bim_columns(file: &Lines) -> Result<Columns> {
    let Some(first) = file.lines().next() else {
        return Err(file.file_error("no variants: the variant file is empty"));
    };
    let (no, text) = first?;
    match text.split_ascii_whitespace().count() {
        5 => Ok(Columns {
            pos: 2,
            id: 1,
            reference: 4,
            alt: 3,
            cm: None,
            width: 5,
        }),
        n if n >= 6 => Ok(Columns {
            pos: 3,
            id: 1,
            reference: 5,
            alt: 4,
            cm: Some(2),
            width: 6,
        }),
        n => Err(file.error(
            no,
            format!("a variant file without header needs 5 or 6 fields (CHROM ID [CM] POS ALT REF), found {n}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn parse(text: &str, counts: Option<&[u8]>) -> Result<PvarRecords> {
        read_pvar(&Lines::new(Path::new("t.pvar"), text.as_bytes().to_vec())?, counts)
    }

    #[test]
    fn reads_vcf_like_and_bim_like_layouts() {
        let text = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFORMAT\ts1\n\
                    1\t10\trs1\tA\tG\t.\tGT\t0/1\n\n2\t20\trs2\tC\tT,G\t.\tGT\t1/2\nX\t30\trs3\tT\tC\t.\n";
        let p = parse(text, None).unwrap();
        assert_eq!((p.n_records, p.record_of.clone()), (3, vec![0, 2]));
        let v = &p.variants[1];
        assert_eq!(
            (&v.chrom, &*v.id, v.pos, &*v.a1, &*v.a2, v.cm),
            (&Chrom::X, "rs3", 30, "C", "T", 0.0)
        );
        let first = p.skipped.first.unwrap();
        assert_eq!(
            (p.skipped.n_not_biallelic, first.block, &*first.id, first.n_alleles),
            (1, 2, "rs2", 3)
        );
        let p = parse("1 rs1 0.5 100 A G\n1 rs2 0 200 C T\n", None).unwrap();
        assert_eq!(
            (p.variants[0].cm, &*p.variants[0].a1, &*p.variants[0].a2),
            (0.5, "A", "G")
        );
        let p = parse("1 rs1 100 A G\n", None).unwrap();
        assert_eq!((p.variants[0].pos, &*p.variants[0].a1), (100, "A"));
    }

    #[test]
    fn errors_name_the_line() {
        let head = "#CHROM POS ID REF ALT\n";
        let e = parse(&format!("{head}1 10 a A G\n1 1x b A G\n"), None)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "t.pvar, line 3: base-pair position '1x' is not an integer in PLINK's 32-bit range"
        );
        let e = parse(&format!("{head}1 10 a A\n"), None).unwrap_err().to_string();
        assert_eq!(e, "t.pvar, line 2: found 4 fields where the header names 5");
        let e = parse("#CHROM POS ID REF ALT CM\n1 10 a A G x\n", None)
            .unwrap_err()
            .to_string();
        assert_eq!(e, "t.pvar, line 2: genetic position 'x' is not a number");
        let e = parse("#CHROM POS ID REF\n1 10 a A\n", None).unwrap_err().to_string();
        assert_eq!(e, "t.pvar, line 1: the #CHROM line has no ALT column");
        let e = parse("#CHROM POS ID REF ALT GT\n", None).unwrap_err().to_string();
        assert_eq!(e, "t.pvar, line 1: unknown column 'GT' in the #CHROM line");
        let e = parse(&format!("{head}1 10 a A G,T\n"), Some(&[2]))
            .unwrap_err()
            .to_string();
        assert_eq!(e, "t.pvar, line 2: variant has 3 alleles, but the .pgen header says 2");
        assert!(parse(head, None).unwrap_err().to_string().contains("no variants"));
    }
}
