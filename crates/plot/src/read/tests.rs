use std::io::Write;

use super::*;

/// Writes `text` to a file in `dir` and opens a reader on it.
fn reader(dir: &tempfile::TempDir, name: &str, text: &str) -> Result<SumstatsReader> {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    SumstatsReader::open(&path)
}

/// A row read: (chrom, pos, id, p, -log10 p).
type Owned = (String, Option<i64>, Option<String>, f64, f64);

/// Every row of `r`.
fn rows(r: &mut SumstatsReader) -> Vec<Owned> {
    let mut out = Vec::new();
    while let Some(row) = r.next_row().unwrap() {
        let s = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        out.push((s(row.chrom), row.pos, row.id.map(s), row.p, row.neg_log10_p));
    }
    out
}

fn detect(header: &str) -> Result<Columns> {
    let fields: Vec<&str> = header.split_ascii_whitespace().collect();
    Columns::detect(&fields, Path::new("x"))
}

#[test]
fn columns_of_kindred_gemma_and_plink2() {
    let k = detect(
        "chromosome base_pair_location effect_allele other_allele beta standard_error \
         effect_allele_frequency p_value neg_log_10_p_value variant_id rsid n bim_id p_lrt",
    )
    .unwrap();
    assert_eq!(k.format, Format::Kindred);
    assert_eq!(
        (k.chrom, k.pos, k.p, k.neg_log10_p, k.test),
        (0, 1, Some(7), Some(8), None)
    );
    // Labels: the .bim ID, else the rsid.
    assert_eq!((k.id, k.id_fallback), (Some(12), Some(10)));
    assert_eq!(k.p_name, "p_value");
    // Today's kindred layout, without -log10 p.
    let k = detect("chromosome base_pair_location variant_id effect_allele p_value lambda_remle").unwrap();
    assert_eq!(
        (k.format, k.id, k.p, k.neg_log10_p),
        (Format::Kindred, Some(2), Some(4), None)
    );

    let g = detect("chr rs ps n_miss allele1 allele0 af beta se logl_H1 l_remle l_mle p_wald p_lrt p_score").unwrap();
    assert_eq!(g.format, Format::Gemma);
    assert_eq!(
        (g.chrom, g.pos, g.id, g.p, g.p_name.as_str()),
        (0, 2, Some(1), Some(12), "p_wald")
    );
    let g = detect("chr rs ps n_miss allele1 allele0 af l_mle p_lrt").unwrap();
    assert_eq!((g.format, g.p, g.p_name.as_str()), (Format::Gemma, Some(8), "p_lrt"));

    let p = detect("#CHROM POS ID REF ALT PROVISIONAL_REF? A1 OMITTED A1_FREQ TEST OBS_CT BETA SE T_STAT P ERRCODE")
        .unwrap();
    assert_eq!(p.format, Format::Plink2);
    assert_eq!((p.chrom, p.pos, p.id, p.p, p.test), (0, 1, Some(2), Some(14), Some(9)));

    let o = detect("CHR SNP BP A1 TEST NMISS BETA STAT P").unwrap();
    assert_eq!(
        (o.format, o.chrom, o.pos, o.id, o.p),
        (Format::Other, 0, 2, Some(1), Some(8))
    );
}

#[test]
fn missing_columns_are_named() {
    let e = detect("chr rs ps beta se").unwrap_err();
    assert!(matches!(e, Error::MissingColumn { wanted: "p-value", .. }), "{e}");
    assert!(e.to_string().contains("p_wald"), "{e}");
    let e = detect("rs ps p_wald").unwrap_err();
    assert!(
        matches!(
            e,
            Error::MissingColumn {
                wanted: "chromosome",
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn rows_of_a_plink2_file_keep_only_add() {
    let dir = tempfile::tempdir().unwrap();
    let text = "#CHROM\tPOS\tID\tREF\tALT\tA1\tTEST\tOBS_CT\tBETA\tSE\tT_STAT\tP\n\
                1\t100\trs1\tA\tG\tA\tADD\t100\t0.1\t0.1\t1\t0.5\n\
                1\t100\trs1\tA\tG\tA\tCOV1\t100\t0.1\t0.1\t1\t0.001\n\
                2\t200\trs2\tA\tG\tA\tADD\t100\tNA\tNA\tNA\tNA\n\
                X\t300\trs3\tA\tG\tA\tADD\t100\t0.1\t0.1\t1\t1e-10\n";
    let mut r = reader(&dir, "x.glm.linear", text).unwrap();
    assert_eq!(r.columns().format, Format::Plink2);
    let got = rows(&mut r);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].0, "1");
    assert_eq!(got[1], ("X".into(), Some(300), Some("rs3".into()), 1e-10, 10.0));
    assert_eq!(r.n_skipped(), 2);
}

#[test]
fn neg_log10_p_is_used_when_present_and_p_may_underflow() {
    let dir = tempfile::tempdir().unwrap();
    let text = "chromosome\tbase_pair_location\tp_value\tneg_log_10_p_value\tvariant_id\trsid\n\
                1\t10\t1.234567e-438\t437.5\t1_10_A_G\trs1\n\
                1\t-9\t0.5\t0.30103\t1_-9_A_G\t#NA\n\
                1\t#NA\t0.25\t#NA\t1_NA_A_G\trs3\n\
                1\t0\t0.25\t#NA\t1_0_A_G\trs4\n";
    let mut r = reader(&dir, "x.assoc.tsv", text).unwrap();
    let got = rows(&mut r);
    // A p-value below the smallest double reads as 0; -log10 p is exact.
    assert_eq!(got[0], ("1".into(), Some(10), Some("rs1".into()), 0.0, 437.5));
    // No rsid: the variant_id.
    assert_eq!(got[1].2.as_deref(), Some("1_-9_A_G"));
    // Unknown positions.
    assert_eq!((got[1].1, got[2].1, got[3].1), (None, None, None));
    // A missing -log10 p falls back on the p-value.
    assert!((got[2].4 - 0.25f64.log10().abs()).abs() < 1e-15);
}

#[test]
fn whitespace_separated_gzip_input() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.assoc.txt.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(b"chr   rs ps p_wald\n1  rs1   5 0.01\n\n2 rs2 6 0\n")
        .unwrap();
    std::fs::write(&path, gz.finish().unwrap()).unwrap();
    let mut r = SumstatsReader::open(&path).unwrap();
    let got = rows(&mut r);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0], ("1".into(), Some(5), Some("rs1".into()), 0.01, 2.0));
    assert_eq!(got[1].4, MAX_NEG_LOG10_P);
}

#[test]
fn malformed_lines_are_named() {
    let dir = tempfile::tempdir().unwrap();
    for (line, want) in [
        ("1\tv\t5\t1.5", "outside [0, 1]"),
        ("1\tv\t5\tabc", "'abc' is not a number"),
        ("1\tv\t5", "3 fields, the header has 4"),
        ("1\tv\t5.5\t0.1", "not a whole number"),
    ] {
        let text = format!("chr\trs\tps\tp_wald\n1\tv0\t1\t0.5\n{line}\n");
        let mut r = reader(&dir, "x.txt", &text).unwrap();
        assert!(r.next_row().unwrap().is_some());
        let e = r.next_row().unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, Error::Malformed { line: 3, .. }), "{msg}");
        assert!(msg.contains(want), "{msg}");
    }
    let dir2 = tempfile::tempdir().unwrap();
    assert!(matches!(reader(&dir2, "empty", "\n\n"), Err(Error::Empty { .. })));
}
