//! Decoding every record storage on synthetic filesets (`test_file`): the
//! values must be the categories (or dosages) that were encoded.

use super::test_file::*;
use super::*;
use crate::bgen::DosageStats;
use crate::decode::{Encoding, SampleSubset};
use crate::DosageDecode;

/// The same genotypes stored each way the main track allows decode alike,
/// with 1-byte (n = 70) and 2-byte (n = 300) difflist sample IDs and lists
/// longer than one group of 64.
#[test]
fn every_main_track_storage_decodes_to_its_genotypes() {
    for n in [70, 300] {
        let base = codes(n, 1, [5, 3, 2, 1]);
        let mostly = |common: u8, seed| {
            let mut c = vec![common; n];
            for (i, x) in codes(n, seed, [1, 1, 1, 1]).into_iter().enumerate().step_by(3) {
                c[i] = x;
            }
            c
        };
        let (zeros, twos, missing) = (mostly(0, 2), mostly(2, 3), mostly(3, 4));
        let mut two_common = codes(n, 5, [20, 0, 20, 1]);
        two_common[7] = 1;
        let mut near = base.clone();
        for i in (0..n).step_by(4) {
            near[i] = (near[i] + 1) % 4;
        }
        let near_inverted = inverted(&near);
        let mut set = TestSet::new(n);
        set.push(0x00, two_bit(&base))
            .push(0x02, diff_from(&near, &base))
            .push(0x03, diff_from(&inverted(&near_inverted), &base))
            .push(0x01, onebit(&two_common, 0, 2))
            .push(0x04, difflist(n, &nonzero(&zeros, 0), true))
            .push(0x06, difflist(n, &nonzero(&twos, 2), true))
            .push(0x07, difflist(n, &nonzero(&missing, 3), true))
            .push(0x02, diff_from(&two_common, &missing))
            .push(0x05, Vec::new());
        let want = [
            &base,
            &near,
            &near_inverted,
            &two_common,
            &zeros,
            &twos,
            &missing,
            &two_common,
            &vec![0; n],
        ];
        let (_dir, p) = set.open();
        let got = decode_all(&p);
        for (k, (g, w)) in got.iter().zip(want).enumerate() {
            assert!(same(g, &values(w)), "n {n}, variant {}", k + 1);
        }
        assert_eq!(p.record_type(2), RecordType(0x03));
        assert!(p.record_type(2).is_ld_compressed() && !p.record_type(3).is_ld_compressed());
    }
}

/// `(sample, category)` of the samples outside `common`.
fn nonzero(c: &[u8], common: u8) -> Vec<(usize, u8)> {
    c.iter()
        .enumerate()
        .filter(|(_, &x)| x != common)
        .map(|(i, &x)| (i, x))
        .collect()
}

/// Phase tracks (with and without the phase-present bitarray) are stepped
/// over, so the dosages after them land where they should; dosage lists,
/// bitarrays and full tracks (with the missing code) all decode, and so do
/// phased-dosage tracks after each.
#[test]
fn phase_and_dosage_tracks() {
    let n = 21;
    let calls = codes(n, 9, [3, 4, 3, 1]);
    let hets: Vec<usize> = (0..n).filter(|&i| calls[i] == 1).collect();
    let h = hets.len();
    assert!(h >= 2, "the test needs two heterozygous samples");
    // all hets phased: bit 0 clear, then h phase bits
    let all_phased = vec![0u8; (1 + h).div_ceil(8)];
    // phase-present bitarray with 2 set bits, then 2 phase bits
    let mut some_phased = vec![0u8; 1 + h / 8];
    some_phased[0] = 0b101;
    some_phased.push(0b1);
    let list = [(2usize, 100u16), (5, 32768), (20, 0)];
    let entries: Vec<(usize, u8)> = list.iter().map(|&(i, _)| (i, 0)).collect();
    let dosage_list = [difflist(n, &entries, false), u16s(&[100, 32768, 0])].concat();
    let full: Vec<u16> = (0..n as u16).map(|i| if i == 4 { 0xffff } else { i * 1000 }).collect();
    let mut present = vec![0u8; n.div_ceil(8)];
    present[0] = 0b1000_0010;
    let bitarray = [present.clone(), u16s(&[16384, 8192])].concat();
    let mut set = TestSet::new(n);
    set.push(0x10, [two_bit(&calls), all_phased.clone()].concat())
        .push(0x30, [two_bit(&calls), some_phased, dosage_list.clone()].concat())
        .push(0x50, [two_bit(&calls), all_phased, u16s(&full)].concat())
        .push(0x60, [two_bit(&calls), bitarray.clone()].concat())
        .push(
            0xa0,
            [two_bit(&calls), dosage_list, vec![0b101], u16s(&[7, 7])].concat(),
        )
        .push(0xc0, [two_bit(&calls), u16s(&full), u16s(&full)].concat())
        .push(0xe0, [two_bit(&calls), bitarray, vec![0b10], u16s(&[3])].concat());
    let (_dir, p) = set.open();
    let got = decode_all(&p);
    let hard = values(&calls);
    assert!(same(&got[0], &hard));
    let mut listed = hard.clone();
    for &(i, d) in &list {
        listed[i] = f64::from(d) / 16384.0;
    }
    let fixed: Vec<f64> = full
        .iter()
        .map(|&d| if d == 0xffff { f64::NAN } else { f64::from(d) / 16384.0 })
        .collect();
    let mut bits = hard.clone();
    bits[1] = 1.0;
    bits[7] = 0.5;
    for (k, want) in [&listed, &fixed, &bits, &listed, &fixed, &bits].into_iter().enumerate() {
        assert!(
            same(&got[k + 1], want),
            "variant {}: {:?} vs {want:?}",
            k + 2,
            got[k + 1]
        );
    }
}

/// Fixed-width modes: 2-bit records, then a full dosage track, then a
/// phased-dosage track; and mode 0x11 with header and footer extensions.
#[test]
fn fixed_width_modes_and_extensions() {
    let n = 9;
    let calls = codes(n, 3, [2, 2, 2, 1]);
    let dose: Vec<u16> = (0..n as u16).map(|i| i * 3000).collect();
    for (mode, tail) in [
        (0x02, Vec::new()),
        (0x03, u16s(&dose)),
        (0x04, [u16s(&dose), u16s(&[0; 9])].concat()),
    ] {
        let mut set = TestSet::new(n);
        set.mode = mode;
        set.push(0, [two_bit(&calls), tail.clone()].concat());
        set.push(0, [two_bit(&calls), tail].concat());
        let (_dir, p) = set.open();
        assert_eq!(p.header().mode.code(), mode);
        let want = if mode == 2 {
            values(&calls)
        } else {
            dose.iter().map(|&d| f64::from(d) / 16384.0).collect()
        };
        for col in decode_all(&p) {
            assert!(same(&col, &want), "mode {mode}");
        }
    }
    let mut set = TestSet::new(n);
    set.mode = 0x11;
    set.extension = vec![0x02, 0x00, 0x03, b'k', b'i', b'n'];
    set.footer = vec![1, 2, 3];
    set.push(0x00, two_bit(&calls)).push(0x02, difflist(n, &[], true));
    let (_dir, p) = set.open();
    for col in decode_all(&p) {
        assert!(same(&col, &values(&calls)));
    }
}

/// Multiallelic variants are left out and counted; a record of a variant
/// the `.pvar` calls biallelic that holds multiallelic calls is refused.
/// A multiallelic record still serves as LD base of the next one.
#[test]
fn multiallelic_variants_are_skipped_never_misread() {
    let n = 12;
    let calls = codes(n, 4, [1, 1, 1, 0]);
    let mut set = TestSet::new(n);
    set.alts = vec!["G", "C,T", "G", "G"];
    set.push(0x00, two_bit(&calls))
        .push(0x08, [two_bit(&calls), vec![0xff]].concat())
        .push(0x02, difflist(n, &[(3, 3)], true))
        .push(0x08, [two_bit(&calls), vec![0xff]].concat());
    let (_dir, p) = set.open();
    assert_eq!(p.variants().len(), 3);
    let first = p.skipped().first.as_ref().unwrap();
    assert_eq!(
        (p.skipped().n_not_biallelic, first.block, &*first.id, first.n_alleles),
        (1, 2, "v2", 3)
    );
    let mut want = values(&calls);
    want[3] = f64::NAN;
    let all = SampleSubset::all(n);
    let mut col = vec![0.0; n];
    p.decode_one(1, &all, Encoding::Raw, &mut col).unwrap();
    assert!(same(&col, &want));
    let e = p.decode_one(2, &all, Encoding::Raw, &mut col).unwrap_err().to_string();
    assert!(
        e.ends_with(
            "t.pgen: variant 4 of 4 ('v4'), record type 0x08: it holds multiallelic hard calls (record \
                     type bit 3), but the variant file lists two alleles"
        ),
        "{e}"
    );
}

/// Parallel blocks over any variant order and a shuffled subset with
/// repeats equal the one-at-a-time decode (the LD base cache of each worker
/// must not leak between variants), for every encoding.
#[test]
fn blocks_equal_single_decodes_in_any_order() {
    let n = 37;
    let mut set = TestSet::new(n);
    let mut base = codes(n, 11, [4, 3, 2, 1]);
    for k in 0..60u64 {
        if k % 5 == 0 {
            base = codes(n, 100 + k, [4, 3, 2, 1]);
            set.push(0x00, two_bit(&base));
        } else {
            let c = codes(n, 200 + k, [4, 3, 2, 1]);
            let mut mixed = base.clone();
            mixed[(k as usize * 7) % n] = c[0];
            mixed[(k as usize * 3) % n] = c[1];
            set.push(0x02, diff_from(&mixed, &base));
        }
    }
    let (_dir, p) = set.open();
    let subset = SampleSubset::new(vec![36, 0, 5, 5, 20, 1], n);
    let order: Vec<u32> = (0..60).rev().chain([7, 7, 31]).collect();
    for enc in Encoding::ALL {
        let mut block = vec![0.0; subset.len() * order.len()];
        let mut stats = vec![DosageStats::default(); order.len()];
        p.decode_block(&order, &subset, enc, &mut block, &mut stats).unwrap();
        for (j, &v) in order.iter().enumerate() {
            let mut col = vec![0.0; subset.len()];
            let st = p.decode_one(v as usize, &subset, enc, &mut col).unwrap();
            assert!(same(&block[j * 6..(j + 1) * 6], &col), "{enc:?} variant {v}");
            assert_eq!(stats[j], st);
        }
        let many = p.stats_many(&order, &subset).unwrap();
        assert_eq!(many, stats);
    }
}

/// Two blocks of 2^16 variants: the second block's offset is honoured and
/// its first record may not be LD-compressed.
#[test]
fn second_block_of_variants() {
    let n = 3;
    let m = (1 << 16) + 3;
    let mut set = TestSet::new(n);
    for k in 0..m {
        set.push(0x00, two_bit(&[(k % 3) as u8, 1, 3]));
    }
    set.records[m - 1] = (0x02, difflist(n, &[(0, 1)], true));
    let (_dir, p) = set.open();
    let got = decode_all(&p);
    assert!(same(&got[m - 2], &values(&[((m - 2) % 3) as u8, 1, 3])));
    assert!(same(&got[m - 1], &values(&[1, 1, 3])));
    set.records[1 << 16] = (0x02, difflist(n, &[], true));
    let dir = tempfile::tempdir().unwrap();
    let e = Pgen::open(&set.write(dir.path())).unwrap_err().to_string();
    assert!(
        e.ends_with(
            "variant 65537 of 65539: the first record of a block is LD-compressed (record type 0x02), \
                     which has no record to refer to"
        ),
        "{e}"
    );
}
