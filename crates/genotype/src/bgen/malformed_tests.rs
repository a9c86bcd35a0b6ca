//! One unit test per malformed BGEN case, on files built by `test_file`:
//! each error names the file, the variant when there is one (1-based block
//! number and ID), and what is wrong.

use super::test_file::{decode_error, one_variant, open_error, TestVariant};
use super::*;
use crate::error::ErrorKind;

#[test]
fn malformed_bad_magic() {
    let mut tf = one_variant(1);
    tf.magic = *b"BGEN";
    let e = open_error(&tf, ErrorKind::MalformedInput);
    assert!(
        e.ends_with("not a BGEN file: magic bytes are 42 47 45 4e, expected 'bgen' (62 67 65 6e)"),
        "{e}"
    );
}

#[test]
fn malformed_too_short() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.bgen");
    std::fs::write(&path, b"\x14\0\0\0bgen").unwrap();
    let e = Bgen::open(&path, None).unwrap_err().to_string();
    assert!(
        e.ends_with("8 bytes is too short for a BGEN file (its header alone takes at least 24)"),
        "{e}"
    );
}

#[test]
fn malformed_header_offset_past_end_of_file() {
    let mut bytes = one_variant(1).bytes();
    bytes[0..4].copy_from_slice(&100_000u32.to_le_bytes());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.bgen");
    std::fs::write(&path, &bytes).unwrap();
    let e = Bgen::open(&path, None).unwrap_err().to_string();
    assert!(
        e.contains("the first variant block would start at byte 100004 (offset 100000 + 4), past the end"),
        "{e}"
    );
}

#[test]
fn malformed_header_length_beyond_first_variant() {
    let mut bytes = one_variant(1).bytes();
    let offset = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    bytes[4..8].copy_from_slice(&(offset + 1).to_le_bytes());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.bgen");
    std::fs::write(&path, &bytes).unwrap();
    let e = Bgen::open(&path, None).unwrap_err().to_string();
    assert!(
        e.contains(&format!(
            "header block length {} is larger than the offset {offset}",
            offset + 1
        )),
        "{e}"
    );
}

#[test]
fn malformed_layout_1_is_refused() {
    let mut tf = one_variant(1);
    tf.layout = 1;
    let e = open_error(&tf, ErrorKind::MalformedInput);
    assert!(
        e.contains("layout 1 (BGEN v1.1 genotype blocks) is not supported"),
        "{e}"
    );
}

#[test]
fn malformed_unknown_compression() {
    let mut tf = one_variant(1);
    tf.compression = 3;
    let e = open_error(&tf, ErrorKind::MalformedInput);
    assert!(
        e.ends_with("unknown compression code 3 in the header flags (0, 1 or 2)"),
        "{e}"
    );
}

#[test]
fn malformed_sample_block_count_differs_from_header() {
    let mut tf = one_variant(1);
    tf.n_in_sample_block = Some(4);
    let e = open_error(&tf, ErrorKind::MalformedInput);
    assert!(
        e.ends_with("sample identifier block: lists 4 samples but the header declares 3"),
        "{e}"
    );
}

#[test]
fn malformed_truncated_genotype_data() {
    let bytes = one_variant(1).bytes();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.bgen");
    std::fs::write(&path, &bytes[..bytes.len() - 5]).unwrap();
    let e = Bgen::open(&path, None).unwrap_err().to_string();
    assert!(e.contains("variant 1 of 1 ('rs1'), block at byte"), "{e}");
    assert!(e.contains("but only"), "{e}");
    assert!(
        e.contains("remain in the file (truncated file, or a wrong compressed length)"),
        "{e}"
    );
}

#[test]
fn malformed_truncated_identifying_data() {
    let mut tf = one_variant(1);
    tf.n_variants = Some(2);
    let mut bytes = tf.bytes();
    bytes.extend_from_slice(b"\x02\0V2\x03\0rs"); // the rsID is cut short
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.bgen");
    std::fs::write(&path, &bytes).unwrap();
    let e = Bgen::open(&path, None).unwrap_err().to_string();
    assert!(e.contains("variant 2 of 2 ('V2'), block at byte"), "{e}");
    assert!(
        e.ends_with("the file ends inside its rsID (truncated file, or a wrong length earlier in the block?)"),
        "{e}"
    );
}

#[test]
fn malformed_compressed_length_wrong() {
    for compression in [1, 2] {
        let mut tf = one_variant(compression);
        tf.variants[0].cut = 3;
        let e = decode_error(&tf);
        assert!(e.contains("variant 1 of 1 ('rs1')"), "{e}");
        assert!(
            e.contains("cut short") || e.contains("corrupt data or a wrong length"),
            "{e}"
        );
    }
    let mut tf = one_variant(1);
    tf.variants[0].junk = vec![0; 3];
    let e = decode_error(&tf);
    assert!(e.contains("its zlib stream ends after"), "{e}");
    assert!(e.ends_with("compressed bytes: the compressed length is wrong"), "{e}");
}

#[test]
fn malformed_decompressed_size_differs_from_declared() {
    let mut tf = one_variant(1);
    tf.variants[0].declared_len = Some(18);
    assert!(decode_error(&tf).ends_with("its genotype data decompress to more than the 18 bytes the block declares"));
    tf.variants[0].declared_len = Some(20);
    assert!(decode_error(&tf).ends_with("its genotype data decompress to 19 bytes, but the block declares 20"));
    tf.compression = 2;
    assert!(decode_error(&tf).ends_with("its genotype data decompress to 19 bytes, but the block declares 20"));
    tf.variants[0].declared_len = Some(18);
    assert!(decode_error(&tf).contains("its zstd data do not decompress to the 18 bytes the block declares"));
    tf.variants[0].declared_len = Some(1 << 30);
    assert!(decode_error(&tf).contains("declares 1073741824 bytes of uncompressed genotype data, more than the 37"));
}

#[test]
fn malformed_size_differs_from_bits_and_samples() {
    let mut tf = one_variant(0);
    tf.variants[0].extra = vec![0];
    let e = decode_error(&tf);
    assert!(
        e.ends_with("its genotype data are 20 bytes but 3 diploid samples at 8 bits per probability take 19"),
        "{e}"
    );
}

#[test]
fn malformed_more_than_two_alleles_in_genotype_data() {
    let mut tf = one_variant(1);
    tf.variants[0].k_in_data = Some(3);
    let e = decode_error(&tf);
    assert!(
        e.ends_with("variant 1 of 1 ('rs1'): its genotype data hold 3 alleles where its identifying data list 2"),
        "{e}"
    );
}

#[test]
fn malformed_ploidy_not_2() {
    let mut tf = one_variant(1);
    tf.variants[0].ploidy[1] = 1;
    let e = decode_error(&tf);
    assert!(
        e.contains("sample 2 ('0 s2') has ploidy 1 (the block's range is 1 to 2): kindred reads diploid samples only"),
        "{e}"
    );
    let mut tf = one_variant(1);
    tf.variants[0].ploidy_range = Some((2, 3));
    assert!(decode_error(&tf).ends_with("its ploidy range 2 to 3 disagrees with its samples, all of ploidy 2"));
}

#[test]
fn malformed_probabilities_add_up_to_more_than_one() {
    let mut tf = one_variant(1);
    tf.variants[0].values = vec![255, 0, 200, 100, 0, 0];
    let e = decode_error(&tf);
    assert!(
        e.ends_with("sample 2 ('0 s2') has P(11) + P(12) = (200 + 100) / 255 = 1.176471, more than 1"),
        "{e}"
    );
}

#[test]
fn malformed_bits_per_probability() {
    for bits in [0u8, 33] {
        let mut tf = one_variant(1);
        tf.variants[0].bits = bits;
        tf.variants[0].values.clear();
        let e = decode_error(&tf);
        assert!(
            e.ends_with(&format!("{bits} bits per probability is outside the allowed 1 to 32")),
            "{e}"
        );
    }
}

#[test]
fn malformed_sample_count_differs_in_variant_block() {
    let mut tf = one_variant(1);
    tf.variants[0].n_in_data = Some(4);
    let e = decode_error(&tf);
    assert!(
        e.ends_with("its genotype data hold 4 samples but the file header declares 3"),
        "{e}"
    );
}

#[test]
fn malformed_phased_flag() {
    let mut tf = one_variant(1);
    tf.variants[0].phased = 2;
    assert!(decode_error(&tf).ends_with("its phased flag is 2, expected 0 or 1"));
}

#[test]
fn malformed_bytes_after_the_declared_variants() {
    let mut tf = one_variant(1);
    tf.variants.push(TestVariant::new("rs2", vec![0; 6], 8));
    tf.n_variants = Some(1);
    let e = open_error(&tf, ErrorKind::MalformedInput);
    assert!(
        e.contains("bytes follow the last of the 1 variant blocks the header declares"),
        "{e}"
    );
}

/// Counts far beyond what the file holds are errors, not huge allocations.
#[test]
fn malformed_counts_far_beyond_the_file() {
    let mut tf = one_variant(1);
    tf.n_variants = Some(u32::MAX);
    let e = open_error(&tf, ErrorKind::MalformedInput);
    assert!(e.contains("variant 2 of 4294967295, block at byte"), "{e}");
    assert!(e.contains("the file ends inside its variant ID"), "{e}");
    let mut tf = one_variant(1);
    tf.n_samples = u32::MAX;
    let e = open_error(&tf, ErrorKind::MalformedInput);
    assert!(
        e.contains("sample identifier block: ends before sample 4 of 4294967295"),
        "{e}"
    );
}
