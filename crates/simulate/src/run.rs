//! The simulation pipeline: blocks of variants made in parallel, written in
//! order by a writer thread, phenotypes completed at the end.

use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::mpsc::sync_channel;

use genotype::{bytes_per_variant, with_extension, write_fam, AtomicFile, BedWriter, Progress};
use rayon::prelude::*;

use crate::config::{Relation, SimConfig};
use crate::error::Result;
use crate::genotypes::{Block, Generator};
use crate::layout::Layout;
use crate::output::{write_table, write_truth};
use crate::pedigree::Pedigree;
use crate::phenotype::{Accumulator, TraitTruth};
use crate::rng::Streams;

/// Target size of one block's packed genotypes when
/// [`SimConfig::block_variants`] is 0.
const BLOCK_BYTES: usize = 4 << 20;

/// What a simulation wrote and what it found.
#[derive(Debug, Clone)]
pub struct SimReport {
    /// Output samples.
    pub n_samples: usize,
    /// Variants.
    pub n_variants: usize,
    /// Number of families of each kind, in [`SimConfig::relations`] order.
    pub families: Vec<(Relation, usize)>,
    /// Parents simulated for transmission only (not in the output).
    pub n_hidden_parents: usize,
    /// Missing genotype calls written.
    pub n_missing: u64,
    /// Mean over variants of the sample A1 frequency (observed calls).
    pub mean_a1_freq: f64,
    /// Variants with a single genotype class among the observed calls.
    pub n_monomorphic: usize,
    /// `.bim` positions (0-based) of the null phenotypes' test set.
    pub test_set: Range<usize>,
    /// Every phenotype, with its causal variants and realised heritability.
    pub traits: Vec<TraitTruth>,
    /// Files written, in the order they were completed.
    pub files: Vec<PathBuf>,
}

/// Simulates a fileset, its phenotypes and their truth, and writes them
/// under `out`:
///
/// | file | content |
/// |---|---|
/// | `out.bed`, `out.bim`, `out.fam` | PLINK 1 fileset (`.fam` phenotype `-9`) |
/// | `out.pheno.tsv` | `FID IID pheno1 ... null1 ...` (when there are phenotypes) |
/// | `out.covar.tsv` | `FID IID cov1 ...` (when `n_covar > 0`) |
/// | `out.truth.tsv` | run parameters, test set, realised h2, causal variants |
///
/// Genotypes are made and written in blocks of variants, never all at once:
/// memory is O(samples x block + causal variants x samples). Blocks run on
/// the current rayon pool; every variant draws from its own random stream,
/// so the bytes depend only on `cfg`. Every file is written to a temporary file
/// and renamed when complete. `progress` receives variants as they are made.
///
/// # Errors
/// `InvalidArgument` from [`SimConfig::validate`]; `Io` (as
/// [`Error::Genotype`](crate::Error::Genotype)) naming the file that could
/// not be written; `DegenerateData` when a phenotype's causal variants do not
/// vary in the sample.
pub fn simulate(cfg: &SimConfig, out: &Path, progress: &dyn Progress) -> Result<SimReport> {
    cfg.validate()?;
    let streams = Streams::new(cfg.seed);
    let layout = Layout::new(cfg.n_variants, cfg.n_chrom);
    let ped = Pedigree::new(cfg);
    let mut acc = Accumulator::new(cfg, &layout, &streams);
    let causal = acc.variants();
    let generator = Generator {
        cfg,
        ped: &ped,
        layout,
        streams: streams.clone(),
        causal: &causal,
    };

    let stride = bytes_per_variant(ped.len());
    let block_len = match cfg.block_variants {
        0 => (BLOCK_BYTES / stride).clamp(16, 8192),
        b => b,
    };
    let n_blocks = cfg.n_variants.div_ceil(block_len);
    let batch = 2 * rayon::current_num_threads().max(1);
    let bed_path = with_extension(out, "bed");
    let bim_path = with_extension(out, "bim");
    let mut bed = BedWriter::create(&bed_path, ped.len())?;
    let mut bim = AtomicFile::create(&bim_path)?;
    let (mut n_missing, mut sum_af, mut n_monomorphic) = (0u64, 0.0f64, 0usize);

    std::thread::scope(|scope| -> Result<()> {
        // Capacity 1: one batch queued while one is written and one is made.
        let (tx, rx) = sync_channel::<Vec<Block>>(1);
        let (bed, bim) = (&mut bed, &mut bim);
        let writer = scope.spawn(move || -> Result<()> {
            for blocks in rx {
                for b in blocks {
                    bed.write_packed(&b.bed)?;
                    bim.write_all(b.bim.as_bytes()).map_err(|e| bim.err(e))?;
                }
            }
            Ok(())
        });
        for first in (0..n_blocks).step_by(batch) {
            let mut blocks: Vec<Block> = (first..n_blocks.min(first + batch))
                .into_par_iter()
                .map(|b| generator.block(b * block_len..cfg.n_variants.min((b + 1) * block_len)))
                .collect();
            for b in &mut blocks {
                for c in std::mem::take(&mut b.causal) {
                    acc.add(&c);
                }
                n_missing += b.n_missing;
                sum_af += b.sum_af;
                n_monomorphic += b.n_monomorphic;
                progress.inc(b.n_variants as u64);
            }
            if tx.send(blocks).is_err() {
                break; // the writer stopped on an error, returned below
            }
        }
        drop(tx);
        match writer.join() {
            Ok(result) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })?;

    let traits = acc.finish(cfg, &ped, &streams)?;
    let mut files = Vec::new();
    bed.finish()?;
    files.push(bed_path);
    bim.commit()?;
    files.push(bim_path);
    let fam_path = with_extension(out, "fam");
    write_fam(&fam_path, &ped.samples, None)?;
    files.push(fam_path);
    if !traits.values.is_empty() {
        let path = with_extension(out, "pheno.tsv");
        let names: Vec<String> = traits.truth.iter().map(|t| t.name.clone()).collect();
        write_table(&path, &ped.samples, &names, &traits.values)?;
        files.push(path);
    }
    if cfg.n_covar > 0 {
        let path = with_extension(out, "covar.tsv");
        let names: Vec<String> = (1..=cfg.n_covar).map(|k| format!("cov{k}")).collect();
        write_table(&path, &ped.samples, &names, &traits.covariates)?;
        files.push(path);
    }
    let truth_path = with_extension(out, "truth.tsv");
    write_truth(&truth_path, cfg, &layout, &traits.truth)?;
    files.push(truth_path);

    let mut families: Vec<(Relation, usize)> = Vec::new();
    for &r in &cfg.relations {
        if !families.iter().any(|&(f, _)| f == r) {
            families.push((r, ped.count(r)));
        }
    }
    Ok(SimReport {
        n_samples: ped.len(),
        n_variants: cfg.n_variants,
        families,
        n_hidden_parents: ped.n_hidden(),
        n_missing,
        mean_a1_freq: sum_af / cfg.n_variants as f64,
        n_monomorphic,
        test_set: layout.test_set(),
        traits: traits.truth,
        files,
    })
}
