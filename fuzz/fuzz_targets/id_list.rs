//! Sample and variant lists ([`genotype::read_sample_list`],
//! [`genotype::read_variant_list`], [`genotype::SampleFilter`],
//! [`genotype::VariantFilter`]), the same input read as each. Never
//! panics. A variant list has one ID per non-blank line, and as
//! `--extract` it keeps exactly the variants it names (unmatched IDs
//! counted), as `--exclude` too the rest, and nothing as both. A sample
//! list has one sample per non-blank line but an optional header, and as
//! `--keep` keeps exactly those samples, as `--remove` the others.
#![no_main]

use std::collections::HashSet;

use genotype::{
    read_sample_list, read_variant_list, Chrom, Fam, Sample, SampleFilter, SampleId, Sex, Variant, VariantFilter,
};
use kindred_fuzz::{record_lines, Scratch};
use libfuzzer_sys::fuzz_target;

/// Samples of the seeds' lists (`data/tiny`, `data/malformed`), with an
/// IID in two families (for lists by IID alone).
const SAMPLES: [(&str, &str); 13] = [
    ("F1", "S1"),
    ("F1", "S2"),
    ("F1", "S3"),
    ("F2", "S4"),
    ("F2", "S5"),
    ("F3", "S6"),
    ("F3", "S7"),
    ("A", "a1"),
    ("A", "a2"),
    ("B", "b1"),
    ("B", "b2"),
    ("C", "c1"),
    ("C", "S1"),
];

/// Variant IDs of the seeds' lists, one repeated.
const VARIANTS: [&str; 8] = ["rs1", "rs2", "rs3", "rs4", "rs2", ".", "v1", "v3"];

fn fam() -> Fam {
    let samples: Vec<Sample> = SAMPLES
        .iter()
        .map(|(f, i)| Sample {
            id: SampleId::new(f, i),
            father: None,
            mother: None,
            sex: Sex::Unknown,
        })
        .collect();
    Fam {
        phenotypes: vec![vec![None; samples.len()]],
        samples,
    }
}

fn variants() -> Vec<Variant> {
    VARIANTS
        .iter()
        .enumerate()
        .map(|(k, id)| Variant {
            chrom: Chrom::Auto(1 + k as u8 % 2),
            id: (*id).into(),
            cm: 0.0,
            pos: k as i64,
            a1: "A".into(),
            a2: "G".into(),
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let mut s = Scratch::new("ids");
    let path = s.write("txt", data);
    let path = path.as_path();
    let lines = record_lines(data);

    let vs = variants();
    let apply = |extract, exclude| {
        VariantFilter {
            extract,
            exclude,
            chromosomes: None,
        }
        .apply(&vs)
    };
    match read_variant_list(path) {
        Ok(list) => {
            assert_eq!(list.iter().map(|(l, _)| *l).collect::<Vec<_>>(), lines);
            let named: HashSet<&str> = list.iter().map(|(_, id)| &**id).collect();
            let named_by = |v: &Variant| named.contains(&*v.id);
            let which = |keep: &dyn Fn(&Variant) -> bool| {
                (0..vs.len() as u32)
                    .filter(|&i| keep(&vs[i as usize]))
                    .collect::<Vec<_>>()
            };
            let x = apply(Some(path), None).expect("read above");
            assert_eq!(x.kept, which(&named_by));
            let unmatched = list.iter().filter(|(_, id)| !VARIANTS.contains(&&**id)).count();
            assert_eq!(x.n_unmatched_ids, unmatched);
            assert_eq!(x.first_unmatched.is_some(), unmatched > 0);
            let x = apply(None, Some(path)).expect("read above");
            assert_eq!(x.kept, which(&|v| !named_by(v)));
            assert!(apply(Some(path), Some(path)).expect("read above").kept.is_empty());
        }
        Err(e) => {
            let _ = e.to_string();
            assert!(apply(Some(path), None).is_err());
        }
    }

    let fam = fam();
    let keep = SampleFilter {
        keep: Some(path),
        remove: None,
    }
    .apply(&fam);
    let remove = SampleFilter {
        keep: None,
        remove: Some(path),
    }
    .apply(&fam);
    match (&keep, &remove) {
        (Ok(k), Ok(r)) => {
            assert_eq!(k.len(), fam.len());
            assert!(k.iter().zip(r).all(|(k, r)| k != r), "--remove drops what --keep keeps");
        }
        _ => assert_eq!(keep.is_ok(), remove.is_ok()),
    }
    if let Err(e) = &keep {
        let _ = e.to_string();
    }
    match read_sample_list(path) {
        Ok(list) => {
            let listed: Vec<usize> = list.iter().map(|(l, _)| *l).collect();
            assert!(listed == lines || listed == lines[1..], "{listed:?} vs {lines:?}");
            let ids: HashSet<&SampleId> = list.iter().map(|(_, id)| id).collect();
            if let Ok(k) = keep {
                let want: Vec<bool> = fam.samples.iter().map(|s| ids.contains(&s.id)).collect();
                assert_eq!(k, want);
            } else {
                // only a sample absent from the .fam makes a list fail
                assert!(ids.iter().any(|id| !SAMPLES.contains(&(&*id.fid, &*id.iid))));
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
