//! GCTA binary GRM reader ([`kinship::format::gcta::read`]). Input: a flag
//! byte, then `PREFIX.grm.id` and the rest ([`kindred_fuzz::split`]); the
//! rest is `PREFIX.grm.bin`, or (flag bit 0) split again into `.grm.bin`
//! and `.grm.N.bin`; with flag bit 1 both are cut or zero-padded to the
//! size the IDs need, so that values are reached. Never panics; an
//! accepted GRM is `n x n` for its `n` IDs, finite and exactly symmetric,
//! its counts finite and non-negative, and selecting its samples in
//! reverse order reverses rows and columns.
#![no_main]

use genotype::SampleId;
use kindred_fuzz::{accepted, record_lines, split, Scratch};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [flags, rest @ ..] = data else {
        return;
    };
    let (id, rest) = split(rest);
    let (mut bin, mut counts) = if flags & 1 != 0 {
        let (b, c) = split(rest);
        (b.to_vec(), Some(c.to_vec()))
    } else {
        (rest.to_vec(), None)
    };
    let n = record_lines(id).len();
    if flags & 2 != 0 && n <= 64 {
        let need = n * (n + 1) / 2 * 4;
        bin.resize(need, 0);
        if let Some(c) = &mut counts {
            c.resize(need, 0);
        }
    }
    let mut s = Scratch::new("gcta");
    s.write("grm.id", id);
    s.write("grm.bin", &bin);
    if let Some(c) = &counts {
        s.write("grm.N.bin", c);
    }
    let Some(grm) = accepted(kinship::format::gcta::read(s.prefix())) else {
        return;
    };
    let n = grm.n();
    assert!(n == record_lines(id).len() || n + 1 == record_lines(id).len());
    assert_eq!(bin.len(), n * (n + 1) / 2 * 4);
    let k = &grm.matrix;
    assert_eq!((k.nrows(), k.ncols()), (n, n));
    for i in 0..n {
        for j in 0..n {
            assert!(k[(i, j)].is_finite());
            assert_eq!(k[(i, j)].to_bits(), k[(j, i)].to_bits());
        }
    }
    match (&counts, &grm.pair_counts) {
        (_, Some(c)) => {
            assert!(counts.is_some());
            let mut max = 0.0f32;
            for j in 0..n {
                for i in j..n {
                    assert!(c[(i, j)].is_finite() && c[(i, j)] >= 0.0);
                    max = max.max(c[(i, j)]);
                }
            }
            assert_eq!(grm.n_variants, max as usize);
        }
        (None, None) => assert_eq!(grm.n_variants, 0),
        (Some(_), None) => {}
    }
    let mut unique = grm.ids.clone();
    unique.sort();
    unique.dedup();
    if unique.len() == n {
        let rev: Vec<SampleId> = grm.ids.iter().rev().cloned().collect();
        let r = grm.select(&rev, s.prefix()).expect("every sample is in the GRM");
        for i in 0..n {
            for j in 0..n {
                assert_eq!(r[(i, j)].to_bits(), k[(n - 1 - i, n - 1 - j)].to_bits());
            }
        }
    }
});
