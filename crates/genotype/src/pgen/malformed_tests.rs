//! One unit test per malformed PGEN case, on filesets built by `test_file`:
//! each error names the file, the variant (1-based record number, ID and
//! record type) or line when there is one, and what is wrong.

use std::path::{Path, PathBuf};

use super::test_file::*;
use super::*;
use crate::decode::{Encoding, SampleSubset};
use crate::error::ErrorKind;
use crate::DosageDecode;

/// A valid set of 10 samples: a 2-bit record, an LD-compressed one and a
/// dosage list.
fn valid() -> TestSet {
    let n = 10;
    let calls = codes(n, 1, [3, 3, 3, 1]);
    let mut set = TestSet::new(n);
    set.push(0x00, two_bit(&calls))
        .push(0x02, difflist(n, &[(1, 2)], true))
        .push(
            0x20,
            [two_bit(&calls), difflist(n, &[(4, 0)], false), u16s(&[9000])].concat(),
        );
    set
}

/// Writes `set`, lets `edit` change the files, opens the prefix and
/// returns the error of the given kind as text.
fn open_error(set: &TestSet, kind: ErrorKind, edit: impl FnOnce(&Path)) -> String {
    let dir = tempfile::tempdir().unwrap();
    let prefix = set.write(dir.path());
    edit(dir.path());
    let e = Pgen::open(&prefix).expect_err("the fileset is refused");
    assert_eq!(e.kind(), kind, "{e}");
    e.to_string()
}

/// The error of decoding variant `v` of `set` (which must open).
fn decode_error(set: &TestSet, v: usize) -> String {
    let (_dir, p) = set.open();
    let mut col = vec![0.0; p.n_samples()];
    let e = p
        .decode_one(v, &SampleSubset::all(p.n_samples()), Encoding::Raw, &mut col)
        .expect_err("the record is refused");
    assert_eq!(e.kind(), ErrorKind::MalformedInput, "{e}");
    e.to_string()
}

fn pgen(dir: &Path) -> PathBuf {
    dir.join("t.pgen")
}

#[test]
fn malformed_bad_magic() {
    let e = open_error(&valid(), ErrorKind::MalformedInput, |d| {
        let mut b = std::fs::read(pgen(d)).unwrap();
        b[1] = 0x1c;
        std::fs::write(pgen(d), b).unwrap();
    });
    assert!(
        e.ends_with(
            "t.pgen: not a PGEN file: it starts with [6c 1c], expected the magic bytes 6c 1b and a storage mode"
        ),
        "{e}"
    );
}

#[test]
fn malformed_truncated_file() {
    let e = open_error(&valid(), ErrorKind::MalformedInput, |d| {
        let b = std::fs::read(pgen(d)).unwrap();
        std::fs::write(pgen(d), &b[..b.len() - 2]).unwrap();
    });
    assert!(
        e.contains("t.pgen: variant 3 of 3: its record of 7 bytes at byte 41"),
        "{e}"
    );
    assert!(
        e.ends_with("runs past the end of the file (46 bytes): truncated file, or a wrong record length in the header"),
        "{e}"
    );
    let mut fixed = valid();
    fixed.mode = 0x02;
    fixed.records.truncate(1);
    let e = open_error(&fixed, ErrorKind::MalformedInput, |d| {
        let b = std::fs::read(pgen(d)).unwrap();
        std::fs::write(pgen(d), &b[..b.len() - 1]).unwrap();
    });
    assert!(e.ends_with("t.pgen: has 14 bytes but 1 variants x 3 bytes per record (storage mode 0x02, 10 samples) and a 12-byte header need 15: truncated file or wrong counts in the header"), "{e}");
    let e = open_error(&valid(), ErrorKind::MalformedInput, |d| {
        std::fs::write(pgen(d), [0x6c, 0x1b, 0x10, 3, 0, 0, 0]).unwrap();
    });
    assert!(
        e.ends_with("t.pgen: 7 bytes is too short for a PGEN header (12 bytes at least)"),
        "{e}"
    );
}

#[test]
fn malformed_psam_sample_count_differs_from_header() {
    let e = open_error(&valid(), ErrorKind::InconsistentInput, |d| {
        let text = std::fs::read_to_string(d.join("t.psam")).unwrap();
        std::fs::write(d.join("t.psam"), format!("{text}f9\textra\t1\n")).unwrap();
    });
    assert!(
        e.contains("t.psam: lists 11 samples but ") && e.ends_with("t.pgen holds 10"),
        "{e}"
    );
}

#[test]
fn malformed_pvar_variant_count_differs_from_header() {
    let e = open_error(&valid(), ErrorKind::InconsistentInput, |d| {
        let text = std::fs::read_to_string(d.join("t.pvar")).unwrap();
        let short: Vec<&str> = text.lines().take(4).collect();
        std::fs::write(d.join("t.pvar"), short.join("\n")).unwrap();
    });
    assert!(
        e.contains("t.pvar: lists 2 variants but ") && e.ends_with("t.pgen holds 3"),
        "{e}"
    );
}

#[test]
fn malformed_unsupported_storage_modes() {
    for (mode, says) in [
        (
            0x05,
            "storage mode 0x05 is not supported (kindred reads 0x02, 0x03, 0x04, 0x10 and 0x11)",
        ),
        (
            0x20,
            "storage mode 0x20 keeps the record index in a separate .pgen.pgi file",
        ),
        (0x01, "storage mode 0x01 is a PLINK 1 .bed inside a .pgen"),
    ] {
        let mut set = valid();
        set.mode = mode;
        let e = open_error(&set, ErrorKind::MalformedInput, |_| ());
        assert!(e.contains(&format!("t.pgen: {says}")), "{e}");
    }
    let mut set = valid();
    set.ctrl = 0x09;
    let e = open_error(&set, ErrorKind::MalformedInput, |_| ());
    assert!(e.ends_with("t.pgen: header byte 11 is 0x09: record index layout 9 (PLINK 2's single-sample encodings) is not supported"), "{e}");
}

#[test]
fn malformed_record_length_overruns_the_file() {
    let mut set = valid();
    set.records[1].1.push(0);
    let bytes = set.pgen_bytes();
    set.records[1].1.pop();
    let e = open_error(&set, ErrorKind::MalformedInput, |d| {
        // the header of the longer record, the records of the shorter
        let mut b = bytes.clone();
        b.pop();
        std::fs::write(pgen(d), b).unwrap();
    });
    assert!(
        e.contains("t.pgen: variant 3 of 3: its record of 7 bytes at byte 42 runs past the end of the file (48 bytes)"),
        "{e}"
    );
    let mut set = valid();
    set.footer = vec![0];
    let e = open_error(&set, ErrorKind::MalformedInput, |_| ());
    assert!(e.ends_with("t.pgen: 1 bytes follow the last variant record (byte 48 of 49): wrong record lengths in the header, or a damaged file"), "{e}");
}

#[test]
fn malformed_pvar_position_not_a_number() {
    let e = open_error(&valid(), ErrorKind::MalformedInput, |d| {
        let text = std::fs::read_to_string(d.join("t.pvar")).unwrap();
        std::fs::write(d.join("t.pvar"), text.replace("1\t20\tv2", "1\t2O\tv2")).unwrap();
    });
    assert!(
        e.ends_with("t.pvar, line 4: base-pair position '2O' is not an integer in PLINK's 32-bit range"),
        "{e}"
    );
}

#[test]
fn malformed_truncated_pvar_zst() {
    let e = open_error(&valid(), ErrorKind::MalformedInput, |d| {
        let text = std::fs::read(d.join("t.pvar")).unwrap();
        let packed = zstd::bulk::compress(&text, 3).unwrap();
        std::fs::write(d.join("t.pvar.zst"), &packed[..packed.len() - 4]).unwrap();
        std::fs::remove_file(d.join("t.pvar")).unwrap();
    });
    assert!(e.contains("t.pvar.zst: its zstd data are corrupt or cut short"), "{e}");
}

#[test]
fn malformed_tracks_are_named_with_the_variant_and_record_type() {
    let n = 10;
    let mut set = valid();
    set.records[2].1.pop();
    let e = decode_error(&set, 2);
    assert!(e.ends_with("t.pgen: variant 3 of 3 ('v3'), record type 0x20: the record ends inside its dosage track (2 bytes needed at offset 5, 1 left of 6)"), "{e}");
    let mut set = valid();
    set.records[0].1.push(0);
    let e = decode_error(&set, 0);
    assert!(
        e.ends_with(
            "variant 1 of 3 ('v1'), record type 0x00: 1 bytes are left after its last track (record of 4 bytes)"
        ),
        "{e}"
    );
    let mut set = valid();
    set.records[1].1 = difflist(n + 5, &[(12, 1)], true);
    let e = decode_error(&set, 1);
    assert!(
        e.ends_with("variant 2 of 3 ('v2'), record type 0x02: its LD difflist names sample 13, but the file has 10"),
        "{e}"
    );
    let mut set = valid();
    set.records[2].1 = [two_bit(&[0; 10]), difflist(n, &[(4, 0)], false), u16s(&[40000])].concat();
    let e = decode_error(&set, 2);
    assert!(
        e.ends_with("record type 0x20: its dosage track holds 40000, above 32768 (a dosage of 2)"),
        "{e}"
    );
    let mut set = valid();
    set.records[1] = (0x01, [vec![0x0c], vec![0; 2], difflist(n, &[], true)].concat());
    let e = decode_error(&set, 1);
    assert!(
        e.ends_with("record type 0x01: its 1-bit genotype array starts with 0x0c, which names no pair of categories"),
        "{e}"
    );
    let mut set = valid();
    set.records[0].0 = 0x80;
    let e = decode_error(&set, 0);
    assert!(
        e.ends_with("record type 0x80: its phased-dosage bit is set without a dosage track"),
        "{e}"
    );
    let mut set = valid();
    set.records[0].0 = 0x07;
    set.records[0].1 = difflist(n, &[(3, 1), (3, 2)], true);
    let e = decode_error(&set, 1);
    assert!(e.ends_with("variant 2 of 3 ('v2'), record type 0x02: its LD base, variant 1 (record type 0x07): its genotype difflist: sample 4 is listed twice"), "{e}");
}
