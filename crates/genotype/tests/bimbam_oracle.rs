//! The BIMBAM reader on GEMMA's mouse example (`data/bimbam/`, see its
//! README) against two references:
//!
//! - the same mice as PLINK 1 binary (`data/mouse_hs1940/`): the same 12,226
//!   variants in the same order with the same alleles (`.bim` A1 = BIMBAM
//!   allele 1), the same 1,940 samples in the same order, the same
//!   phenotypes (`.fam` columns 6-11 = the phenotype file, value for
//!   value) and the same places (the annotation file is the `.bim`'s
//!   columns, `NA` where the `.bim` has -9). The `.bed` holds hard calls;
//!   the BIMBAM file 19,196 real-valued dosages (in 6,543 variants) among
//!   integers. Found here: every integer dosage equals the `.bed` call, and
//!   every other one rounds to it (halves up), so `|dosage - call| <= 0.5`
//!   everywhere and `== 0` where the dosage is an integer;
//! - GEMMA 0.98.5 itself on these files (`data/golden/gemma/bimbam_*`,
//!   made by `scripts/make_golden.sh`): its SNP filter (on the 1,410 mice
//!   with phenotype 1) recomputed from our dosages keeps exactly the 10,768
//!   SNPs its log counts and its `-lmm 4` output lists, with its
//!   chromosome and position; its `af` column (allele-1 frequency, printed
//!   with 3 decimals) is our frequency to half a unit of the last decimal;
//!   and the first row of its `-gk 1` matrix (10 significant digits) is
//!   recomputed from our dosages to 1e-9 relative, which needs the
//!   real-valued dosages parsed as GEMMA parses them.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use genotype::{
    AlleleStats, Bimbam, BimbamFiles, Chrom, DosageDecode, DosageStats, Encoding, Fileset, Genotypes, SampleSubset,
    VariantMoments,
};

/// Rows of a decoded block at a time (keeps the test's memory small).
const CHUNK: usize = 1024;

fn data(rel: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data")).join(rel)
}

fn mouse() -> Bimbam {
    let files = BimbamFiles::new(data("bimbam/mouse_hs1940.geno.txt.gz"))
        .pheno(data("bimbam/mouse_hs1940.pheno.txt.gz"))
        .anno(data("bimbam/mouse_hs1940.anno.txt.gz"));
    Bimbam::open(&files).unwrap_or_else(|e| panic!("{e}"))
}

/// Calls `f(variant, column, stats)` for every variant, decoded for
/// `subset` with `enc`, a chunk at a time.
fn each_variant(b: &Bimbam, subset: &SampleSubset, enc: Encoding, mut f: impl FnMut(usize, &[f64], &DosageStats)) {
    let n = subset.len();
    let all: Vec<u32> = (0..b.variants().len() as u32).collect();
    let mut out = vec![0.0; n * CHUNK];
    let mut stats = vec![DosageStats::default(); CHUNK];
    for chunk in all.chunks(CHUNK) {
        let (out, stats) = (&mut out[..n * chunk.len()], &mut stats[..chunk.len()]);
        b.decode_block(chunk, subset, enc, out, stats)
            .unwrap_or_else(|e| panic!("{e}"));
        for (k, &v) in chunk.iter().enumerate() {
            f(v as usize, &out[k * n..(k + 1) * n], &stats[k]);
        }
    }
}

/// The text of a gzipped golden file under `data/golden/gemma/`.
fn gemma_golden(name: &str) -> impl BufRead {
    let path = data(&format!("golden/gemma/{name}"));
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    BufReader::new(flate2::read::GzDecoder::new(file))
}

/// The value of `## key = value` in a GEMMA log.
fn log_value(name: &str, key: &str) -> String {
    let text = std::fs::read_to_string(data(&format!("golden/gemma/{name}"))).expect("a GEMMA log");
    text.lines()
        .filter_map(|l| l.strip_prefix("## "))
        .find_map(|l| l.strip_prefix(key).and_then(|r| r.trim_start().strip_prefix('=')))
        .unwrap_or_else(|| panic!("{name}: no '{key}'"))
        .trim()
        .to_owned()
}

#[test]
fn same_mice_as_the_plink_fileset() {
    let b = mouse();
    let fs = Fileset::open(&data("mouse_hs1940/mouse_hs1940")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((b.n_samples(), b.variants().len()), (1940, 12226));
    assert_eq!(
        b.dosage_bytes(),
        1160 * 8 + 12226 * 1940 * 2,
        "2 bytes a dosage, 1,160 distinct values"
    );
    assert_eq!(b.phenotypes(), &fs.fam.phenotypes[..]);
    assert_eq!(b.samples()[1939].id, genotype::SampleId::new("1940", "1940"));
    let m = b.annotation().expect("an annotation file");
    assert_eq!((m.n_placed, m.n_unplaced, m.n_unused), (12226, 0, 0));
    for (ours, bim) in b.variants().iter().zip(&fs.variants) {
        // same IDs, alleles and places in the same order: no reorientation needed
        assert_eq!(ours, bim);
    }
    let all = SampleSubset::all(1940);
    let bed = Genotypes::new(&fs.bed, &all);
    let mut calls = vec![0.0; 1940];
    let (mut n_real, mut real_variants) = (0, 0);
    each_variant(&b, &all, Encoding::Raw, |v, dosages, st| {
        let hard: AlleleStats = bed.decode_one(v, Encoding::Raw, &mut calls);
        assert_eq!((st.n_missing, hard.n_missing), (0, 0));
        let before = n_real;
        for (i, (&x, &c)) in dosages.iter().zip(&calls).enumerate() {
            let id = &b.variants()[v].id;
            if x.fract() == 0.0 {
                assert_eq!(x, c, "{id}, sample {}", i + 1);
            } else {
                n_real += 1;
                assert!(
                    (x - c).abs() <= 0.5 && x.round() == c,
                    "{id}, sample {}: {x} vs {c}",
                    i + 1
                );
            }
        }
        real_variants += usize::from(n_real > before);
    });
    assert_eq!((n_real, real_variants), (19_196, 6_543));
}

#[test]
fn gemma_keeps_the_same_snps_with_the_same_frequencies() {
    let b = mouse();
    // GEMMA's analysed mice: phenotype 1 present
    let ph: Vec<u32> = (0..b.n_samples() as u32)
        .filter(|&i| b.phenotypes()[0][i as usize].is_some())
        .collect();
    assert_eq!(
        ph.len().to_string(),
        log_value("bimbam_lmm4_p1.log.txt", "number of analyzed individuals")
    );
    let subset = SampleSubset::new(ph, b.n_samples());
    // GEMMA's default filter: missing rate <= 0.05, allele-1 frequency in
    // [0.01, 0.99], more than one distinct value
    let mut kept = Vec::new();
    each_variant(&b, &subset, Encoding::Raw, |v, x, st| {
        let af = st.a1_freq();
        let polymorphic = x.iter().any(|&y| y != x[0]);
        if st.missing_rate() <= 0.05 && (0.01..=1.0 - 0.01).contains(&af) && polymorphic {
            kept.push((v, af, st.n_missing));
        }
    });
    assert_eq!(
        kept.len().to_string(),
        log_value("bimbam_gk1.log.txt", "number of analyzed SNPs/var")
    );
    assert_eq!(
        b.variants().len().to_string(),
        log_value("bimbam_gk1.log.txt", "number of total SNPs/var")
    );
    let mut rows = gemma_golden("bimbam_lmm4_p1.assoc.txt.gz").lines();
    let header = rows.next().expect("a header").expect("text");
    assert!(
        header.starts_with("chr\trs\tps\tn_miss\tallele1\tallele0\taf\t"),
        "{header}"
    );
    let mut n = 0;
    for (row, &(v, af, n_miss)) in rows.zip(&kept) {
        let row = row.expect("text");
        let f: Vec<&str> = row.split('\t').collect();
        let var = &b.variants()[v];
        assert_eq!(
            (f[1], f[2].parse::<i64>().ok(), f[3], f[4], f[5]),
            (&*var.id, Some(var.pos), &*n_miss.to_string(), &*var.a1, &*var.a2)
        );
        assert_eq!(Chrom::parse(f[0]), var.chrom, "{}", var.id);
        let printed: f64 = f[6].parse().expect("af");
        assert!(
            (af - printed).abs() <= 0.5e-3 + 1e-12,
            "{}: af {af} vs {printed}",
            var.id
        );
        n += 1;
    }
    assert_eq!(n, kept.len());
}

#[test]
fn gemma_kinship_row_from_our_dosages() {
    let b = mouse();
    let ph: Vec<bool> = b.phenotypes()[0].iter().map(Option::is_some).collect();
    let all = SampleSubset::all(b.n_samples());
    // the centred dosages (mean over all mice) of the SNPs kept on the
    // phenotype-1 mice: K[0][j] = sum_v c_0v c_jv / n_snps
    let mut row = vec![0.0; b.n_samples()];
    let mut n_snps = 0;
    each_variant(&b, &all, Encoding::Raw, |_, x, _| {
        let kept: Vec<f64> = x.iter().zip(&ph).filter(|(_, &p)| p).map(|(&y, _)| y).collect();
        let af = kept.iter().sum::<f64>() / (2.0 * kept.len() as f64);
        if !(0.01..=1.0 - 0.01).contains(&af) || kept.iter().all(|&y| y == kept[0]) {
            return;
        }
        n_snps += 1;
        let mean = x.iter().sum::<f64>() / x.len() as f64;
        let c0 = x[0] - mean;
        for (r, &y) in row.iter_mut().zip(x) {
            *r += c0 * (y - mean);
        }
    });
    assert_eq!(n_snps, 10_768);
    let mut first = String::new();
    gemma_golden("bimbam_gk1.row1.txt.gz")
        .read_line(&mut first)
        .expect("the first row");
    let printed: Vec<f64> = first.split('\t').map(|t| t.trim().parse().expect("a number")).collect();
    assert_eq!(printed.len(), 1940);
    for (j, (&p, &r)) in printed.iter().zip(&row).enumerate() {
        let ours = r / n_snps as f64;
        assert!(
            (ours - p).abs() <= 1e-9 * p.abs() + 1e-13,
            "K[1][{}]: {ours} vs {p}",
            j + 1
        );
    }
}
