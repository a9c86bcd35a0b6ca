//! kindred's record beside a GRM file (`PREFIX.grm.kindred.json`,
//! `FILE.kindred.json`), read by [`kinship::GrmFile::provenance`] and
//! verified by [`kinship::GrmFile::read`]. A fixed 3-sample GRM is written
//! in GCTA format (flag bit 0) or GEMMA text; the rest of the input is its
//! record. With flag bit 1 the sizes and checksums of the record's `files`
//! entries (when it is JSON of that shape) are set to the true ones, so
//! that the rest of the record is reached. Never panics; a record that
//! reads gives a provenance, and a GRM that verifies reads back unchanged.
#![no_main]

use faer::Mat;
use genotype::SampleId;
use kindred_fuzz::Scratch;
use kinship::{checksum_file, hex, Grm, GrmFile};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn grm() -> Grm {
    Grm {
        matrix: Mat::from_fn(3, 3, |i, j| if i == j { 1.0 } else { 0.25 / (1 + i + j) as f64 }),
        ids: ["a", "b", "c"].map(|i| SampleId::new("F", i)).to_vec(),
        n_variants: 7,
        pair_counts: None,
        kind: None,
    }
}

/// The record with each entry's size and checksum set to those of the
/// file of its role (`None` when it is not JSON with a `files` array).
fn fixed(record: &[u8], file_of: impl Fn(&str) -> Option<std::path::PathBuf>) -> Option<Vec<u8>> {
    let mut v: Value = serde_json::from_slice(record).ok()?;
    for e in v.get_mut("files")?.as_array_mut()? {
        let Some(path) = e.get("role").and_then(Value::as_str).and_then(&file_of) else {
            continue;
        };
        let (bytes, sum) = checksum_file(&path).expect("the GRM was written");
        if let Some(e) = e.as_object_mut() {
            e.insert("bytes".into(), bytes.into());
            e.insert("checksum".into(), hex(sum).into());
        }
    }
    serde_json::to_vec(&v).ok()
}

fuzz_target!(|data: &[u8]| {
    let [flags, record @ ..] = data else {
        return;
    };
    let g = grm();
    let mut s = Scratch::new("sidecar");
    let file = if flags & 1 != 0 {
        for ext in ["grm.bin", "grm.N.bin", "grm.id"] {
            s.path(ext);
        }
        kinship::format::gcta::write(s.prefix(), &g, None).expect("GRM written");
        GrmFile::Gcta(s.prefix().to_path_buf())
    } else {
        let path = s.path("cXX.txt");
        kinship::format::gemma::write(&path, &g, None).expect("GRM written");
        GrmFile::Gemma(path)
    };
    let file_of = |role: &str| match (&file, role) {
        (GrmFile::Gcta(p), "matrix") => Some(genotype::with_extension(p, "grm.bin")),
        (GrmFile::Gcta(p), "counts") => Some(genotype::with_extension(p, "grm.N.bin")),
        (GrmFile::Gcta(p), "ids") => Some(genotype::with_extension(p, "grm.id")),
        (GrmFile::Gemma(p), "matrix") => Some(p.clone()),
        _ => None,
    };
    let record = match flags & 2 {
        0 => record.to_vec(),
        _ => fixed(record, file_of).unwrap_or_else(|| record.to_vec()),
    };
    let ext = match &file {
        GrmFile::Gcta(_) => "grm.kindred.json",
        GrmFile::Gemma(_) => "cXX.txt.kindred.json",
    };
    let at = s.write(ext, &record);
    assert_eq!(at, file.record());
    let provenance = file.provenance();
    let read = file.read(g.ids.clone());
    match (&provenance, &read) {
        (Ok(_), Ok(back)) => {
            assert_eq!(back.ids, g.ids);
            assert!(back.max_abs_diff(&g.matrix) < 1e-7);
        }
        (Err(e), _) | (_, Err(e)) => {
            let _ = e.to_string();
        }
    }
    if let Ok(Some(p)) = provenance {
        let _ = p.grm.describe();
        let _ = p.grm.is_psd();
        assert!(p.fileset.differences(&p.fileset).is_empty());
        let _ = p.grm.differences(kinship::GrmKind::Centered, 0.01, 0.05);
    }
});
