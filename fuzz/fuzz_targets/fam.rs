//! `.fam` reader ([`genotype::Fam::read`]): never panics; a file it accepts
//! has one sample per non-blank line, unique IDs, equally long finite
//! phenotype columns, and writes back ([`genotype::write_fam`]) to a file
//! that reads as the same samples and first phenotype.
#![no_main]

use genotype::{write_fam, Fam};
use kindred_fuzz::{accepted, record_lines, Scratch};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut s = Scratch::new("fam");
    let path = s.write("fam", data);
    let Some(fam) = accepted(Fam::read(&path)) else {
        return;
    };
    assert_eq!(fam.len(), record_lines(data).len());
    assert_eq!(fam.index().len(), fam.len(), "sample IDs are unique");
    assert!(!fam.phenotypes.is_empty());
    for col in &fam.phenotypes {
        assert_eq!(col.len(), fam.len());
        assert!(col.iter().flatten().all(|v| v.is_finite()));
    }
    let pheno: Vec<f64> = fam.phenotypes[0].iter().map(|v| v.unwrap_or(-9.0)).collect();
    let out = s.path("out.fam");
    write_fam(&out, &fam.samples, Some(&pheno)).expect("a .fam is written");
    let back = Fam::read(&out).expect("a written .fam reads back");
    assert_eq!(back.samples, fam.samples);
    assert_eq!(back.phenotypes[0], fam.phenotypes[0]);
});
