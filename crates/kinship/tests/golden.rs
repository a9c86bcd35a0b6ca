//! Golden tests: kindred's GRMs against GEMMA 0.98.5 (`-gk 1`, `-gk 2`) and
//! PLINK 2 (`--make-grm-bin`) on mouse_hs1940. The commands that made the
//! files are in data/golden/README.md.

#![allow(clippy::unwrap_used)] // test helpers: a failed read is a failed test

use std::path::{Path, PathBuf};

use faer::Par;
use genotype::{Fileset, Genotypes, NoProgress, Qc, SampleSubset};
use kinship::{build_fileset, format, BuildOptions, Grm, GrmKind, Precision};

fn data(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data").join(p)
}

/// GEMMA's variant set for `-gk`: its QC (missing <= 0.05, MAF >= 0.01, two
/// genotype classes) on the samples with phenotype 1; the matrix itself
/// covers all samples.
fn gemma_grm(kind: GrmKind, precision: Precision) -> Grm {
    let fs = Fileset::open(&data("mouse_hs1940/mouse_hs1940")).unwrap();
    let n = fs.fam.len();
    let pheno1: Vec<u32> = (0..n as u32)
        .filter(|&s| fs.fam.phenotypes[0][s as usize].is_some())
        .collect();
    let qc_samples = SampleSubset::new(pheno1, n);
    let qc = Qc::default();
    let all_variants: Vec<u32> = (0..fs.variants.len() as u32).collect();
    let stats = Genotypes::new(&fs.bed, &qc_samples).stats_many(&all_variants);
    let kept: Vec<u32> = all_variants
        .into_iter()
        .filter(|&v| qc.check(&stats[v as usize]).is_ok())
        .collect();
    assert_eq!(kept.len(), 10768, "GEMMA's log: 10768 SNPs analysed");
    build_all_samples(&fs, &kept, kind, precision, 1000)
}

/// The GRM of `kind` over `variants` and every sample of `fs`.
fn build_all_samples(fs: &Fileset, variants: &[u32], kind: GrmKind, precision: Precision, block_size: usize) -> Grm {
    let opts = BuildOptions {
        kind,
        precision,
        block_size,
        loco: false,
    };
    build_fileset(fs, variants, &opts, Par::rayon(0), &NoProgress)
        .unwrap()
        .grm()
        .unwrap()
}

fn gemma_golden(name: &str, grm: &Grm) -> Grm {
    format::gemma::read(&data(&format!("golden/gemma/{name}")), grm.ids.clone()).unwrap()
}

/// `max |K - K_gemma|` for kindred's GRM of `kind` at `precision` against
/// GEMMA's file `golden`.
fn diff_from_gemma(kind: GrmKind, precision: Precision, golden: &str) -> f64 {
    let ours = gemma_grm(kind, precision);
    let gemma = gemma_golden(golden, &ours);
    ours.max_abs_diff(&gemma.matrix)
}

#[test]
fn centered_equals_gemma_gk1() {
    let d = diff_from_gemma(GrmKind::Centered, Precision::F64, "mouse_gk1.cXX.txt.gz");
    // GEMMA prints 10 significant digits; the bar is 1e-6.
    assert!(d <= 1e-6, "max |K - K_gemma| = {d:e}");
    assert!(d <= 1e-8, "expected agreement to printed precision, got {d:e}");
}

#[test]
fn standardized_equals_gemma_gk2() {
    let d = diff_from_gemma(GrmKind::Standardized, Precision::F64, "mouse_gk2.sXX.txt.gz");
    assert!(d <= 1e-6, "max |K - K_gemma| = {d:e}");
}

/// The standardized kind in f32 blocks (f64 sums), the fast path:
/// within 1e-6 of GEMMA `-gk 2`.
#[test]
fn standardized_f32_blocks_are_within_1e6_of_gemma_gk2() {
    let d = diff_from_gemma(GrmKind::Standardized, Precision::F32, "mouse_gk2.sXX.txt.gz");
    eprintln!("standardized, f32 blocks: max |K - K_gemma| = {d:e}");
    assert!(d <= 1e-6, "max |K - K_gemma| = {d:e}");
}

#[test]
fn f32_blocks_stay_close_to_gemma() {
    let d = diff_from_gemma(GrmKind::Centered, Precision::F32, "mouse_gk1.cXX.txt.gz");
    assert!(d <= 1e-5, "f32: max |K - K_gemma| = {d:e}");
    eprintln!("f32 blocks: max |K - K_gemma| = {d:e}");
}

/// PLINK 2 `--make-grm-bin`: the PLINK kind over the variants PLINK 2 loads
/// (it drops the 1,926 with negative positions), all samples, no frequency
/// filter; monomorphic variants count in the divisor and add nothing.
#[test]
fn plink_kind_equals_plink2_make_grm_bin() {
    let fs = Fileset::open(&data("mouse_hs1940/mouse_hs1940")).unwrap();
    let loaded: Vec<u32> = (0..fs.variants.len() as u32)
        .filter(|&v| fs.variants[v as usize].pos >= 0)
        .collect();
    assert_eq!(loaded.len(), 10300, "PLINK 2's log: 10300 variants loaded");
    let ours = build_all_samples(&fs, &loaded, GrmKind::Plink, Precision::F64, 700);
    let plink = format::gcta::read(&data("golden/plink2/mouse_hs1940_grm")).unwrap();
    assert_eq!(plink.ids, ours.ids);
    let d = ours.max_abs_diff(&plink.matrix);
    // .grm.bin holds f32: about 7 significant digits.
    assert!(d <= 1e-6, "max |K - K_plink2| = {d:e}");
}
