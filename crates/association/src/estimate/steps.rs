//! One group's share of an analysis as steps: the GRM pass and the forming
//! of the GRM, reading a GRM file, the eigendecomposition, the scan, and
//! with LOCO the same per chromosome, each with the memory it holds.

use faer::Par;
use kinship::memory::square_bytes;
use kinship::{GrmKind, Precision};

use super::memory::{Step, StepMemory, THREAD_BYTES};
use crate::analysis::Options;
use crate::eigen::{values_only_bytes, workspace_bytes};
use crate::prepare::GrmSource;
use crate::scan::{keeps_k, AssocRow, Mode, Model, SCAN_BLOCK};

/// Variants per block of the GRM pass (`kinship::BuildOptions`' default).
const GRM_BLOCK: usize = 1024;

/// The GRM pass of a group.
pub(super) struct Built {
    pub(super) build: StepMemory,
    pub(super) form: StepMemory,
    /// One part of the sums.
    pub(super) part: u64,
    /// The sums kept after the pass (LOCO's).
    pub(super) kept_sums: u64,
}

/// One group's share of the run.
pub(super) struct GroupRun {
    /// Its samples.
    pub(super) n: usize,
    /// Samples of the `.fam` (a GRM file holds them all).
    pub(super) n_fam: usize,
    /// Its phenotypes.
    pub(super) n_pheno: usize,
    /// Variants selected.
    pub(super) m: usize,
    /// Model columns: intercept and covariates.
    pub(super) c: usize,
    /// Chromosomes with a LOCO decomposition, when there are any.
    pub(super) loco: Option<usize>,
    /// Chromosomes decomposed (or mapped from eigen files) and scanned at
    /// once ([`crate::loco::LocoPlan::jobs`]).
    pub(super) loco_jobs: usize,
}

impl GroupRun {
    /// Its steps, the bytes of its result rows and its decompositions.
    pub(super) fn steps(&self, opts: &Options) -> (Vec<StepMemory>, u64, usize) {
        let n = self.n;
        let a = square_bytes(n).unwrap_or(u64::MAX / 4);
        let at = |step| StepMemory::new(step, n);
        let mut steps = Vec::new();
        let rows = if opts.scan.is_some() {
            (self.m as u64)
                .saturating_mul(self.n_pheno as u64)
                .saturating_mul(std::mem::size_of::<AssocRow>() as u64)
        } else {
            0
        };
        if let Some(Model::Linear(_)) = opts.scan {
            let mut s = at(Step::Scan);
            s.blocks = self.blocks(false, false, None);
            s.rows = rows;
            return (vec![s], rows, 0);
        }
        let ws = workspace_bytes(n, Par::Seq);
        let mut decomps = 0;
        // The group's eigenvectors while it is fitted and scanned (mapped
        // with an eigen file: counted with the mapped pages).
        let mut u = a;
        // Per-chromosome sums kept for LOCO.
        let mut sums = 0;
        let mut part = a;
        let mut gcta = false;
        match opts.grm {
            GrmSource::Build { kind, precision } | GrmSource::BuildFrom { kind, precision, .. } => {
                gcta = kind == GrmKind::Gcta;
                let b = self.build(kind, precision);
                (part, sums) = (b.part, b.kept_sums);
                steps.extend([b.build, b.form]);
            }
            GrmSource::File(_) => {
                let mut s = at(Step::Read);
                s.matrices = square_bytes(self.n_fam).unwrap_or(u64::MAX / 4).saturating_add(a);
                steps.push(s);
            }
            GrmSource::Eigen { .. } => u = 0,
            GrmSource::Matrix(_) => steps.push(at(Step::Read)),
        }
        // No eigenvectors (`Options::values_only`): K reduced in place to
        // tridiagonal form (its strict upper triangle kept) and the
        // reflectors (for large n also the band chase's, ~n²/2 values); a
        // fixed-ratio scan then factors a copy of K and solves by the
        // factor's f32 copy.
        let values_only = opts.values_only(self.n_pheno);
        if !matches!(opts.grm, GrmSource::Eigen { .. }) {
            let mut s = at(Step::Decompose);
            if values_only {
                let (reflectors, reduction_ws) = values_only_bytes(n);
                u = a.saturating_add(reflectors);
                s.matrices = sums.saturating_add(u);
                s.workspace = reduction_ws;
            } else {
                s.matrices = sums.saturating_add(a.saturating_mul(2));
                s.workspace = ws;
            }
            steps.push(s);
            decomps += 1;
        }
        let f32_copy = match opts.scan {
            Some(Model::Lmm(o)) if o.rotation == Precision::F32 => a / 2,
            _ => 0,
        };
        // Beside the eigenvectors' f32 copy (not a whitened scan's factor's),
        // their digits for the tile product where the CPU has tiles.
        let bs = SCAN_BLOCK.min(self.m.max(1));
        let (digits, digit_blocks) = if f32_copy > 0 {
            crate::rotation::tile_bytes(n, bs, crate::rotation::Digits::Three)
        } else {
            (0, 0)
        };
        // A whitened scan on the tiles multiplies by `L⁻¹` instead of
        // solving by `L` (`scan::multiplies_by_inverse`, here on the
        // variants selected, as if they were hard calls: with LOCO, as if
        // one chromosome had them all) and holds its digits (four) beside
        // the f32 copy, made in place of the factor 256 columns at a time
        // (`Whitener::invert`).
        let by_inverse = crate::scan::multiplies_by_inverse(n, self.m, true);
        let (w_digits, mut w_digit_blocks) = if f32_copy > 0 && by_inverse {
            crate::rotation::tile_bytes(n, bs, crate::rotation::Digits::Four)
        } else {
            (0, 0)
        };
        if w_digits > 0 {
            w_digit_blocks = w_digit_blocks.saturating_add((n as u64).saturating_mul(256 * 8));
        }
        // The exact mode's cached points (the search grid) and its
        // expansions' moments (typically around two null maxima).
        let exact = match opts.scan {
            Some(Model::Lmm(o)) if o.mode == Mode::Exact => {
                Some((o.search.grid().len() as u64, 2 * crate::likelihood::MOMENTS as u64))
            }
            _ => None,
        };
        let scanning = matches!(opts.scan, Some(Model::Lmm(_)));
        let eigen_files = opts.write_eigen.is_some() || matches!(opts.grm, GrmSource::Eigen { .. });
        let whitened = crate::loco::whitened_scan(opts.lmm_scan(), opts.loco_ratio, eigen_files);
        match (self.loco, whitened) {
            (Some(l), whitened) => {
                let held = sums.saturating_add(u);
                let first = steps.len();
                // Chromosomes decomposed here (not mapped from eigen files)
                // share one eigensolver workspace, kept from each
                // decomposition to the next (`eigen::Reuse`): it is held
                // while the next chromosome's K is formed and while this
                // one is scanned.
                let kept_ws = if sums > 0 && whitened.is_none() { ws } else { 0 };
                if sums > 0 {
                    // Each chromosome's sums, and its K: formed in them
                    // and factored in place when the scan is whitened (but
                    // for GCTA's kind, a second matrix), beside the last
                    // chromosome's f32 factor kept for the next
                    // (`scan::Spare`); else a second matrix, decomposed.
                    let mut s = at(Step::LocoForm);
                    let k = match whitened {
                        Some(_) => (if gcta { a } else { 0 }).saturating_add(f32_copy),
                        None => a,
                    };
                    s.matrices = held.saturating_add(part).saturating_add(k);
                    s.workspace = kept_ws;
                    steps.push(s);
                    if whitened.is_none() {
                        let mut s = at(Step::LocoDecompose);
                        s.matrices = held.saturating_add(a.saturating_mul(2));
                        s.workspace = ws;
                        steps.push(s);
                        decomps += l;
                    }
                }
                if scanning {
                    // A chromosome's eigenvectors (decomposed, or mapped
                    // from its eigen file), or its K's factor, and their
                    // f32 copy; K's packed lower triangle when a whitened
                    // scan factors more than one ratio; the rows of every
                    // chromosome, merged at the end (twice).
                    let refit = opts.loco_ratio == crate::loco::LocoRatio::Chromosome;
                    let packed = match whitened {
                        Some(o) if keeps_k(o.tests, self.n_pheno, refit) => a / 2,
                        _ => 0,
                    };
                    let mut s = at(Step::LocoScan);
                    s.matrices = held.saturating_add(a).saturating_add(f32_copy).saturating_add(packed);
                    s.workspace = kept_ws;
                    s.blocks = self.blocks(true, f32_copy > 0, exact);
                    if whitened.is_none() {
                        s.matrices = s.matrices.saturating_add(digits);
                        s.blocks = s.blocks.saturating_add(digit_blocks);
                    } else {
                        s.matrices = s.matrices.saturating_add(w_digits);
                        s.blocks = s.blocks.saturating_add(w_digit_blocks);
                    }
                    if whitened.is_some() && refit {
                        // tr(H⁻¹) from L⁻¹ formed 256 columns at a time
                        s.blocks = s.blocks.saturating_add((n as u64).saturating_mul(256 * 8));
                    }
                    s.per_thread = THREAD_BYTES.saturating_add(self.thread_bytes());
                    s.rows = rows.saturating_mul(2);
                    steps.push(s);
                }
                if whitened.is_none() && self.loco_jobs > 1 {
                    // Chromosomes side by side may each be at any of their
                    // steps: each step counts its own memory once per job.
                    let jobs = self.loco_jobs as u64;
                    for s in &mut steps[first..] {
                        s.matrices = held.saturating_add(s.matrices.saturating_sub(held).saturating_mul(jobs));
                        s.workspace = s.workspace.saturating_mul(jobs);
                        s.blocks = s.blocks.saturating_mul(jobs);
                        s.jobs = self.loco_jobs;
                    }
                }
            }
            (None, _) if scanning => {
                let mut s = at(Step::Scan);
                // The reduction (or the vectors) and the f32 copy: of the
                // factor, or of the vectors; beside the reduction the
                // factor of `lambda K + I` too.
                s.matrices = u.saturating_add(f32_copy);
                if values_only {
                    s.matrices = s.matrices.saturating_add(a);
                }
                s.blocks = self.blocks(true, f32_copy > 0, exact);
                if values_only {
                    s.matrices = s.matrices.saturating_add(w_digits);
                    s.blocks = s.blocks.saturating_add(w_digit_blocks);
                } else {
                    s.matrices = s.matrices.saturating_add(digits);
                    s.blocks = s.blocks.saturating_add(digit_blocks);
                }
                s.per_thread = THREAD_BYTES.saturating_add(self.thread_bytes());
                s.rows = rows;
                steps.push(s);
            }
            (None, _) => {}
        }
        (steps, rows, decomps)
    }

    /// The GRM pass and the forming of the GRM from its sums.
    pub(super) fn build(&self, kind: GrmKind, precision: Precision) -> Built {
        let n = self.n;
        let a = square_bytes(n).unwrap_or(u64::MAX / 4);
        // GCTA's kind may add per-pair counts to each part of the sums.
        let part = if kind == GrmKind::Gcta { a.saturating_mul(2) } else { a };
        // The centered kind's exact blocks, and f32 blocks, have an f32
        // copy of the block and an f32 n x n block product.
        let f32s = kind == GrmKind::Centered || precision == Precision::F32;
        let b = GRM_BLOCK.min(self.m.max(1)) as u64 * n as u64;
        // With LOCO the whole-genome sums are kept; each chromosome's own
        // are built later, one at a time (the LOCO steps).
        let (built, kept) = match self.loco {
            Some(_) => (1, 1),
            None => (1, 0),
        };
        let mut build = StepMemory::new(Step::Build, n);
        build.matrices = part.saturating_mul(built).saturating_add(if f32s { a / 2 } else { 0 });
        build.blocks = b.saturating_mul(if f32s { 12 } else { 8 });
        if kind == GrmKind::Centered {
            // the byte kernel's packed counts: a byte per sample and variant
            build.blocks = build.blocks.saturating_add(kinship::packed_bytes(n, self.m));
        }
        let mut form = StepMemory::new(Step::Form, n);
        let counts = if kind == GrmKind::Gcta { a / 2 } else { 0 };
        // Without LOCO the sums are done with and, but for GCTA's kind,
        // become K in their own matrix (`GrmSums::into_grm`).
        let k = if kept == 0 && kind != GrmKind::Gcta { 0 } else { a };
        form.matrices = part
            .saturating_mul(kept.max(1))
            .saturating_add(k)
            .saturating_add(counts);
        Built {
            build,
            form,
            part,
            kept_sums: part.saturating_mul(kept),
        }
    }

    /// The scan's variant blocks and caches: the decoded block, with
    /// `rotated` its rotation (and the f32 pair of blocks with `f32`), and
    /// in the exact mode (`exact`: its cached points and expansion
    /// moments) the block's squares and each phenotype's weights at the
    /// points and of the moments, alone and times the fixed columns.
    fn blocks(&self, rotated: bool, f32: bool, exact: Option<(u64, u64)>) -> u64 {
        let n = self.n as u64;
        let bs = SCAN_BLOCK.min(self.m.max(1)) as u64;
        let col = n.saturating_mul(bs).saturating_mul(8);
        let mut b = if rotated { col.saturating_mul(2) } else { col };
        if f32 {
            b = b.saturating_add(col);
        }
        if let Some((points, moments)) = exact {
            let weights = 2 * points + moments;
            let per_pheno = n
                .saturating_mul(8)
                .saturating_mul(weights * (self.c as u64 + 2) + 3 * points + moments);
            b = b
                .saturating_add(col)
                .saturating_add(per_pheno.saturating_mul(self.n_pheno as u64));
        }
        b
    }

    /// A scan thread's own vectors: the variant's column and the
    /// likelihood's weights.
    fn thread_bytes(&self) -> u64 {
        (self.n as u64).saturating_mul(8 * 6)
    }
}
