//! GEMMA text GRM reader ([`kinship::format::gemma::read`]). The first
//! byte chooses the sample count (1-8, bits 0-2) and whether the rest is
//! gzip-compressed before it is written as `FILE.gz` (bit 3) or written
//! as it is under a `.gz` name (bit 4: damaged gzip). Never panics; an
//! accepted matrix is `n x n`, finite and symmetric within the reader's
//! tolerance, with the given samples.
#![no_main]

use std::io::Write;

use genotype::SampleId;
use kindred_fuzz::{accepted, Scratch};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [flags, text @ ..] = data else {
        return;
    };
    let n = 1 + usize::from(flags & 7);
    let ids: Vec<SampleId> = (0..n).map(|i| SampleId::new("F", &format!("S{i}"))).collect();
    let mut s = Scratch::new("gemma");
    let path = if flags & 8 != 0 {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(text).expect("in memory");
        s.write("cXX.txt.gz", &gz.finish().expect("in memory"))
    } else if flags & 16 != 0 {
        s.write("cXX.txt.gz", text)
    } else {
        s.write("cXX.txt", text)
    };
    let Some(grm) = accepted(kinship::format::gemma::read(&path, ids.clone())) else {
        return;
    };
    assert_eq!(grm.ids, ids);
    let k = &grm.matrix;
    assert_eq!((k.nrows(), k.ncols()), (n, n));
    let scale = (0..n).map(|i| k[(i, i)].abs()).fold(0.0, f64::max);
    let tol = 1e-5 * if scale > 0.0 { scale } else { 1.0 };
    for i in 0..n {
        for j in 0..n {
            assert!(k[(i, j)].is_finite());
            assert!((k[(i, j)] - k[(j, i)]).abs() <= tol, "({i}, {j})");
        }
    }
});
