//! The eigen file reader ([`association::Eigen::open`]): `PREFIX.eigen.bin`
//! (format `KDEIGEN2`) and `PREFIX.eigen.id`. Input: a flag byte, then the
//! `.eigen.id` and the `.eigen.bin` ([`kindred_fuzz::split`]). So that the
//! fuzzer gets past the checksums, flag bits ask to repair, where the
//! header allows, the metadata's record of the `.eigen.id` (bit 0), the
//! payload checksum (bit 1) and the header checksum (bit 2). Never panics
//! or maps out of bounds; an accepted file has one row per ID, finite
//! eigenvalues whose largest is positive and at most 1e100, and readable
//! `n x n` eigenvectors.
#![no_main]

use association::Eigen;
use kindred_fuzz::{accepted, split, Scratch};
use kinship::{checksum, hex, Checksum};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const HEADER: usize = 40;

fn word(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

/// The end of the metadata, when the header's length of it fits the file.
fn meta_end(bin: &[u8]) -> Option<usize> {
    let len = usize::try_from(word(bin, 16)).ok()?;
    let end = len.checked_add(HEADER)?;
    (end <= bin.len()).then_some(end)
}

/// Records the size and checksum of `id` in the metadata JSON, re-padded
/// to a multiple of 8 bytes.
fn repair_ids(bin: &mut Vec<u8>, id: &[u8]) -> Option<()> {
    let end = meta_end(bin)?;
    let text = std::str::from_utf8(&bin[HEADER..end]).ok()?;
    let mut meta: Value = serde_json::from_str(text.trim_end()).ok()?;
    let m = meta.as_object_mut()?;
    m.insert("ids_bytes".into(), id.len().into());
    m.insert("ids_checksum".into(), hex(checksum(id)).into());
    let mut json = serde_json::to_vec(&meta).ok()?;
    while json.len() % 8 != 0 {
        json.push(b' ');
    }
    bin[16..24].copy_from_slice(&(json.len() as u64).to_le_bytes());
    bin.splice(HEADER..end, json);
    Some(())
}

fuzz_target!(|data: &[u8]| {
    let [flags, rest @ ..] = data else {
        return;
    };
    let (id, bin) = split(rest);
    let mut bin = bin.to_vec();
    if bin.len() >= HEADER {
        if flags & 1 != 0 {
            repair_ids(&mut bin, id);
        }
        if let Some(end) = meta_end(&bin) {
            if flags & 2 != 0 {
                let sum = checksum(&bin[end..]);
                bin[24..32].copy_from_slice(&sum.to_le_bytes());
            }
            if flags & 4 != 0 {
                let mut c = Checksum::new();
                c.update(&bin[..32]);
                c.update(&bin[HEADER..end]);
                let sum = c.finish();
                bin[32..40].copy_from_slice(&sum.to_le_bytes());
            }
        }
    }
    let mut s = Scratch::new("eigen");
    s.write("eigen.id", id);
    s.write("eigen.bin", &bin);
    let Some(f) = accepted(Eigen::open(s.prefix())) else {
        return;
    };
    let e = &f.eigen;
    let n = e.n();
    assert_eq!(n, f.ids.len());
    assert_eq!(word(&bin, 8), n as u64);
    assert!(e.values().iter().all(|v| v.is_finite()));
    if n > 0 {
        let max = e.values().iter().copied().fold(f64::NEG_INFINITY, f64::max);
        assert!(max > 0.0 && max <= 1e100, "{max}");
        let _ = e.spectrum();
    }
    let u = e.vectors();
    assert_eq!((u.nrows(), u.ncols()), (n, n));
    let mut total = 0.0;
    for j in 0..n {
        for i in 0..n {
            total += u[(i, j)];
        }
    }
    std::hint::black_box(total);
    if n <= 16 {
        let k = e.reconstruct();
        assert_eq!((k.nrows(), k.ncols()), (n, n));
    }
});
