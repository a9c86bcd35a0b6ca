//! Golden tests against PLINK 2 v2.00a3.5 on `data/mouse_hs1940`:
//! `--freq` (`.afreq`) and `--missing` (`.vmiss`, `.smiss`). The exact
//! commands are in `data/golden/README.md`.
//!
//! Two runs are compared:
//! - `mouse_hs1940_pos0.*`: every one of the 12226 variants (the `.bim` with
//!   negative positions set to 0; genotypes, IDs and alleles unchanged), row
//!   for row in `.bim` order;
//! - `mouse_hs1940_freq.afreq` / `mouse_hs1940_missing.*`: the raw `.bim`,
//!   from which PLINK 2 silently drops the variants with a negative position,
//!   so their rows are the 10300 variants with `pos >= 0`, in `.bim` order.
//!
//! For `.bed` input PLINK 2 takes REF = `.bim` column 6 (A2) and ALT =
//! column 5 (A1), so `ALT_FREQS` is our A1 frequency; the test checks the
//! allele columns to make sure of it.

use std::path::{Path, PathBuf};

use genotype::VariantMoments;
use genotype::{AlleleStats, Encoding, Fileset, Genotypes, SampleSubset, Variant};

/// PLINK 2 prints `ALT_FREQS` and `F_MISS` with 6 significant digits
/// (`%g`): a printed `p` is the true value rounded to 6 digits, so the two
/// differ by at most half a unit in the 6th digit,
/// `0.5e-5 * 10^floor(log10 |p|)` (5e-7 for 0.443557, 5e-10 for
/// 0.000257732). A printed 0 must be exactly 0. The factor `1 + 1e-9` only
/// absorbs the binary representation of the printed decimal.
fn printed_tolerance(printed: f64) -> f64 {
    if printed == 0.0 {
        return 0.0;
    }
    0.5e-5 * 10f64.powf(printed.abs().log10().floor()) * (1.0 + 1e-9)
}

fn data(rel: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data")).join(rel)
}

fn mouse() -> Fileset {
    Fileset::open(&data("mouse_hs1940/mouse_hs1940")).expect("mouse_hs1940 opens")
}

/// Rows of a PLINK 2 report, header checked and dropped, split on tabs.
fn report(name: &str, header: &str) -> Vec<Vec<String>> {
    let path = data(&format!("golden/plink2/{name}"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(header), "{name}: header");
    lines.map(|l| l.split('\t').map(str::to_owned).collect()).collect()
}

fn num(tok: &str, what: &str) -> f64 {
    tok.parse()
        .unwrap_or_else(|_| panic!("{what}: '{tok}' is not a number"))
}

fn count(tok: &str, what: &str) -> u32 {
    tok.parse().unwrap_or_else(|_| panic!("{what}: '{tok}' is not a count"))
}

/// Whether `ours` rounds to PLINK 2's `printed` (see [`printed_tolerance`]).
fn close(ours: f64, printed: f64) -> bool {
    (ours - printed).abs() <= printed_tolerance(printed)
}

/// Positions of the variants a PLINK 2 run reads: all, or those with
/// `pos >= 0` when it read the raw `.bim`.
fn loaded(variants: &[Variant], all: bool) -> Vec<u32> {
    (0..variants.len() as u32)
        .filter(|&v| all || variants[v as usize].pos >= 0)
        .collect()
}

/// Our counts of every variant over all samples.
fn all_stats(fs: &Fileset) -> Vec<AlleleStats> {
    let samples = SampleSubset::all(fs.fam.len());
    let variants: Vec<u32> = (0..fs.variants.len() as u32).collect();
    Genotypes::new(&fs.bed, &samples).stats_many(&variants)
}

fn check_afreq(name: &str, all: bool) {
    let fs = mouse();
    let stats = all_stats(&fs);
    let rows = report(name, "#CHROM\tID\tREF\tALT\tALT_FREQS\tOBS_CT");
    let set = loaded(&fs.variants, all);
    assert_eq!(rows.len(), set.len(), "{name}: one row per loaded variant");
    let mut bad = Vec::new();
    for (row, &v) in rows.iter().zip(&set) {
        let (var, st) = (&fs.variants[v as usize], &stats[v as usize]);
        let what = format!("{name}: variant {} ({})", v + 1, var.id);
        assert_eq!(row.len(), 6, "{what}: columns");
        assert_eq!(row[0], var.chrom.to_string(), "{what}: chromosome");
        assert_eq!(row[1], &*var.id, "{what}: ID");
        assert_eq!(row[2], &*var.a2, "{what}: REF is A2");
        assert_eq!(row[3], &*var.a1, "{what}: ALT is A1");
        let printed = num(&row[4], &what);
        if !close(st.a1_freq(), printed) {
            bad.push(format!("{what}: A1 frequency {} vs ALT_FREQS {printed}", st.a1_freq()));
        }
        assert_eq!(count(&row[5], &what), 2 * st.n_obs(), "{what}: OBS_CT (alleles)");
    }
    assert!(bad.is_empty(), "{} frequencies differ:\n{}", bad.len(), bad.join("\n"));
}

fn check_vmiss(name: &str, all: bool) {
    let fs = mouse();
    let stats = all_stats(&fs);
    let rows = report(name, "#CHROM\tID\tMISSING_CT\tOBS_CT\tF_MISS");
    let set = loaded(&fs.variants, all);
    assert_eq!(rows.len(), set.len(), "{name}: one row per loaded variant");
    for (row, &v) in rows.iter().zip(&set) {
        let (var, st) = (&fs.variants[v as usize], &stats[v as usize]);
        let what = format!("{name}: variant {} ({})", v + 1, var.id);
        assert_eq!(row.len(), 5, "{what}: columns");
        assert_eq!(row[1], &*var.id, "{what}: ID");
        assert_eq!(count(&row[2], &what), st.n_missing, "{what}: MISSING_CT");
        // OBS_CT in .vmiss is the number of samples the rate is taken over.
        assert_eq!(count(&row[3], &what), st.n_total(), "{what}: OBS_CT (samples)");
        let printed = num(&row[4], &what);
        assert!(
            close(st.missing_rate(), printed),
            "{what}: missing rate {} vs F_MISS {printed}",
            st.missing_rate()
        );
    }
}

/// Missing genotypes per sample over `variants`, counted by decoding.
fn missing_per_sample(fs: &Fileset, variants: &[u32]) -> Vec<u32> {
    let n = fs.fam.len();
    let samples = SampleSubset::all(n);
    let g = Genotypes::new(&fs.bed, &samples);
    let mut missing = vec![0u32; n];
    let mut block = vec![0.0; n * 256];
    let mut stats = vec![AlleleStats::default(); 256];
    for chunk in variants.chunks(256) {
        let out = &mut block[..n * chunk.len()];
        g.decode_block(chunk, Encoding::Raw, out, &mut stats[..chunk.len()]);
        for col in out.chunks_exact(n) {
            for (m, x) in missing.iter_mut().zip(col) {
                *m += u32::from(x.is_nan());
            }
        }
    }
    missing
}

fn check_smiss(name: &str, all: bool) {
    let fs = mouse();
    let set = loaded(&fs.variants, all);
    let missing = missing_per_sample(&fs, &set);
    // The decoded counts must agree with the per-variant counts.
    let stats = all_stats(&fs);
    let by_variant: u64 = set.iter().map(|&v| u64::from(stats[v as usize].n_missing)).sum();
    assert_eq!(missing.iter().map(|&m| u64::from(m)).sum::<u64>(), by_variant);
    let rows = report(name, "#FID\tIID\tPHENO1\tMISSING_CT\tOBS_CT\tF_MISS");
    assert_eq!(rows.len(), fs.fam.len(), "{name}: one row per sample");
    for (i, row) in rows.iter().enumerate() {
        let s = &fs.fam.samples[i];
        let what = format!("{name}: sample {} ({})", i + 1, s.id);
        assert_eq!(row.len(), 6, "{what}: columns");
        assert_eq!((&*row[0], &*row[1]), (&*s.id.fid, &*s.id.iid), "{what}: FID IID");
        let pheno_missing = fs.fam.phenotypes[0][i].is_none();
        assert_eq!(row[2], if pheno_missing { "Y" } else { "N" }, "{what}: PHENO1 missing");
        assert_eq!(count(&row[3], &what), missing[i], "{what}: MISSING_CT");
        assert_eq!(count(&row[4], &what) as usize, set.len(), "{what}: OBS_CT (variants)");
        let rate = f64::from(missing[i]) / set.len() as f64;
        let printed = num(&row[5], &what);
        assert!(close(rate, printed), "{what}: missing rate {rate} vs F_MISS {printed}");
    }
}

#[test]
fn afreq_all_variants() {
    check_afreq("mouse_hs1940_pos0.afreq", true);
}

#[test]
fn afreq_variants_with_nonnegative_position() {
    check_afreq("mouse_hs1940_freq.afreq", false);
}

#[test]
fn vmiss_all_variants() {
    check_vmiss("mouse_hs1940_pos0.vmiss", true);
}

#[test]
fn vmiss_variants_with_nonnegative_position() {
    check_vmiss("mouse_hs1940_missing.vmiss", false);
}

#[test]
fn smiss_all_variants() {
    check_smiss("mouse_hs1940_pos0.smiss", true);
}

#[test]
fn smiss_variants_with_nonnegative_position() {
    check_smiss("mouse_hs1940_missing.smiss", false);
}

#[test]
fn tolerance_is_half_a_unit_in_the_sixth_digit() {
    assert!(close(0.4435574, 0.443557));
    assert!(close(0.4435565, 0.443557));
    assert!(!close(0.4435576, 0.443557));
    assert!(close(1.0 / 3880.0, 0.000257732));
    assert!(!close(0.0002577326, 0.000257732));
    assert!(close(0.09999996, 0.1));
    assert!(close(0.0, 0.0) && !close(1e-300, 0.0));
}
