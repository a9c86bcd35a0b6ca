//! What is resident beside the steps: the program and its dataset,
//! modelled from the dataset's size, and the pages of the files the run
//! maps and reads (the `.bed`, an eigen file).

use std::path::Path;

use genotype::{bytes_per_variant, Dataset};
use kinship::memory::square_bytes;

use crate::eigen::bin_path;

/// Mapped file pages enter the resident set in windows of this size (the
/// kernel's fault-around).
pub(super) const PAGE_WINDOW: u64 = 64 << 10;

/// Resident memory of the program itself (code, libraries, threads), to
/// which the dataset adds [`PER_VARIANT`], [`PER_SAMPLE`] and [`PER_VALUE`]
/// (measured on Linux x86-64: 6.5 MB, 188 bytes per `.bim` line, ~700 per
/// `.fam` line).
const PROGRAM: u64 = 7_000_000;
/// Bytes of a `.bim` record in memory (the record, its three strings).
const PER_VARIANT: u64 = 190;
/// Bytes of a `.fam` record in memory (the record, its four strings, IDs
/// in the tables' indexes).
const PER_SAMPLE: u64 = 700;
/// Bytes of a phenotype or covariate value.
const PER_VALUE: u64 = 16;

/// The program's and the dataset's resident memory, modelled from the
/// dataset alone (not measured), so that `kindred plan` prints the same
/// estimate on any machine as the run computes on its node.
pub(super) fn resident(ds: &Dataset) -> u64 {
    let n = ds.n_samples() as u64;
    let values = (ds.phenotypes.len() + ds.covariates.len()) as u64;
    PROGRAM
        .saturating_add(PER_VARIANT.saturating_mul(ds.variants().len() as u64))
        .saturating_add(PER_SAMPLE.saturating_mul(n))
        .saturating_add(PER_VALUE.saturating_mul(n).saturating_mul(values))
}

/// Resident bytes of the `.bed` pages the run reads: every selected
/// variant's bytes (QC reads them all), in fault-around windows.
pub(super) fn bed_pages(ds: &Dataset) -> u64 {
    let bpv = bytes_per_variant(ds.n_samples()) as u64;
    let mut windows = 0u64;
    let mut last: Option<u64> = None;
    for &v in &ds.variants.kept {
        let start = 3 + u64::from(v) * bpv;
        let end = start + bpv.max(1) - 1;
        let (first, end_w) = (start / PAGE_WINDOW, end / PAGE_WINDOW);
        let from = last.map_or(first, |l| first.max(l + 1));
        if end_w >= from {
            windows += end_w - from + 1;
        }
        last = Some(last.map_or(end_w, |l| l.max(end_w)));
    }
    let file = 3 + bpv.saturating_mul(ds.variants().len() as u64);
    windows.saturating_mul(PAGE_WINDOW).min(file.next_multiple_of(4096))
}

/// The size of the eigen file `PREFIX.eigen.bin` (its vectors are mapped
/// and read whole), or that of `n` samples' vectors when it cannot be read.
pub(super) fn eigen_file_bytes(prefix: &Path, n: usize) -> u64 {
    std::fs::metadata(bin_path(prefix))
        .map(|m| m.len())
        .unwrap_or_else(|_| square_bytes(n).unwrap_or(u64::MAX).saturating_add(8 * n as u64))
}
