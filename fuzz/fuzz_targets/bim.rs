//! `.bim` reader ([`genotype::read_bim`]): never panics; a file it accepts
//! has one variant per non-blank line, a count of repeated IDs that agrees
//! with the IDs, and writes back ([`genotype::write_bim`]) to a file that
//! reads as the same variants.
#![no_main]

use std::collections::HashMap;

use genotype::{read_bim, write_bim};
use kindred_fuzz::{accepted, record_lines, same_f64, Scratch};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut s = Scratch::new("bim");
    let path = s.write("bim", data);
    let Some(bim) = accepted(read_bim(&path)) else {
        return;
    };
    let lines = record_lines(data);
    assert_eq!(bim.variants.len(), lines.len());
    let mut uses: HashMap<&str, usize> = HashMap::new();
    for v in &bim.variants {
        *uses.entry(&v.id).or_default() += 1;
        assert!(i32::try_from(v.pos).is_ok());
    }
    let r = &bim.repeated_ids;
    assert_eq!(r.n_ids, uses.values().filter(|&&k| k > 1).count());
    assert_eq!(r.n_lines, bim.variants.len() - uses.len());
    assert_eq!(r.first.is_some(), r.n_lines > 0);
    if let Some(first) = &r.first {
        assert!(first.first_line < first.line);
        assert!(lines.contains(&first.line) && lines.contains(&first.first_line));
    }
    let out = s.path("out.bim");
    write_bim(&out, &bim.variants).expect("a .bim is written");
    let back = read_bim(&out).expect("a written .bim reads back");
    assert_eq!(back.variants.len(), bim.variants.len());
    for (a, b) in back.variants.iter().zip(&bim.variants) {
        assert_eq!(
            (&a.chrom, &a.id, a.pos, &a.a1, &a.a2),
            (&b.chrom, &b.id, b.pos, &b.a1, &b.a2)
        );
        assert!(same_f64(a.cm, b.cm), "{} vs {}", a.cm, b.cm);
    }
    assert_eq!(back.repeated_ids.n_lines, r.n_lines);
});
