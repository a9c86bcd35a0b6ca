//! Building a GRM in one streamed pass over variant blocks: `S += Z Zᵀ`
//! (lower triangle, faer's parallel multiply), with optional per-chromosome
//! partial sums for leave-one-chromosome-out (LOCO) matrices.

use std::collections::BTreeMap;

use faer::{Mat, Par};
use genotype::{Chrom, Decoder, Fileset, Genotypes, Progress, SampleId, SampleSubset};

use crate::block::{add_block, flush, Precision, Scratch};
use crate::error::{Error, Result};
use crate::kind::GrmKind;
use crate::part::Part;
use crate::sums::GrmSums;

/// How to build.
#[derive(Debug, Clone, Copy)]
pub struct BuildOptions {
    /// Scaling of the genotype columns.
    pub kind: GrmKind,
    /// Arithmetic of the block multiply.
    pub precision: Precision,
    /// Variants per block (the inner dimension of each multiply).
    pub block_size: usize,
    /// Keep one partial sum per chromosome for LOCO matrices (+1 `n²` each).
    pub loco: bool,
}

impl Default for BuildOptions {
    fn default() -> Self {
        Self {
            kind: GrmKind::Centered,
            precision: Precision::F64,
            block_size: 1024,
            loco: false,
        }
    }
}

/// Builds the sums for `variants` of `fs` over every sample, in `.fam`
/// order (rows named by the `.fam` IDs): [`build`] for the common case of
/// a whole fileset, as GEMMA's `-gk` and PLINK's `--make-grm-bin` do.
///
/// # Errors
/// As [`build`].
pub fn build_fileset(
    fs: &Fileset,
    variants: &[u32],
    opts: &BuildOptions,
    par: Par,
    progress: &dyn Progress,
) -> Result<GrmSums> {
    let all = SampleSubset::all(fs.fam.len());
    let g = Genotypes::new(&fs.bed, &all);
    let ids = fs.fam.samples.iter().map(|s| s.id.clone()).collect();
    build(
        g,
        ids,
        variants,
        |v| &fs.variants[v as usize].chrom,
        opts,
        par,
        progress,
    )
}

/// Builds the sums for `variants` (positions in the source's variant list)
/// of `g`: a [`Decoder`] of any genotype source, or a `.bed`'s
/// [`Genotypes`].
///
/// `chrom_of(v)` gives variant `v`'s chromosome (used only with `loco`).
/// `ids` names the rows (the samples of `g`, in order).
/// Zero-variance variants should be filtered out beforehand for the
/// `Standardized` and `Gcta` kinds (the default QC does so).
///
/// # Errors
/// `Degenerate` when there are no variants or no samples; `Genotype` when
/// a dosage reader fails on a variant.
pub fn build<'c, 'g>(
    g: impl Into<Decoder<'g>>,
    ids: Vec<SampleId>,
    variants: &[u32],
    chrom_of: impl Fn(u32) -> &'c Chrom,
    opts: &BuildOptions,
    par: Par,
    progress: &dyn Progress,
) -> Result<GrmSums> {
    build_in(g, ids, variants, chrom_of, opts, par, progress, None)
}

/// [`build`] with its sums in `spare` when that is an `n x n` matrix (any
/// contents; zeroed first): for a caller that builds sums again and again
/// (a LOCO scan, per chromosome) and would otherwise fault in and clear
/// fresh pages each time. Without LOCO in `opts` the sums' matrix is
/// `spare`'s storage; with it, the first chromosome's.
///
/// # Errors
/// As [`build`].
#[allow(clippy::too_many_arguments)] // build's inputs and the storage
pub fn build_in<'c, 'g>(
    g: impl Into<Decoder<'g>>,
    ids: Vec<SampleId>,
    variants: &[u32],
    chrom_of: impl Fn(u32) -> &'c Chrom,
    opts: &BuildOptions,
    par: Par,
    progress: &dyn Progress,
    spare: Option<Mat<f64>>,
) -> Result<GrmSums> {
    let mut spare = spare;
    let g = g.into();
    let n = g.n_samples();
    if n == 0 {
        return Err(Error::Degenerate("no samples to build a GRM from".into()));
    }
    if variants.is_empty() {
        return Err(Error::Degenerate("no variants to build a GRM from".into()));
    }
    assert_eq!(ids.len(), n, "one ID per sample");
    let bs = opts.block_size.max(1);
    let mut scratch = Scratch::new(n, variants.len(), bs)?;
    // With LOCO, the total of the runs; without, the one run's sums.
    let mut total = if opts.loco {
        Some(Part::new(n, opts.kind)?)
    } else {
        None
    };
    let mut per_chrom: BTreeMap<Chrom, Part> = BTreeMap::new();
    // Runs of consecutive variants on one chromosome (one run without LOCO).
    let mut start = 0;
    while start < variants.len() {
        let mut end = start + 1;
        if opts.loco {
            let c = chrom_of(variants[start]);
            while end < variants.len() && chrom_of(variants[end]) == c {
                end += 1;
            }
        } else {
            end = variants.len();
        }
        let run = &variants[start..end];
        let mut part = Part::new_in(n, opts.kind, &mut spare)?;
        for chunk in run.chunks(bs) {
            add_block(&mut part, &g, chunk, opts.kind, opts.precision, par, &mut scratch)?;
            progress.inc(chunk.len() as u64);
        }
        flush(&mut part, &mut scratch);
        if opts.loco {
            let c = chrom_of(variants[start]).clone();
            if let Some(t) = total.as_mut() {
                t.add(&part)?;
            }
            match per_chrom.get_mut(&c) {
                Some(p) => p.add(&part)?,
                None => {
                    per_chrom.insert(c, part);
                }
            }
        } else {
            total = Some(part);
        }
        start = end;
    }
    let total = total.ok_or_else(|| Error::Degenerate("no variants to build a GRM from".into()))?;
    Ok(GrmSums {
        kind: opts.kind,
        ids,
        total,
        per_chrom,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use std::path::Path;

    use genotype::{Fileset, NoProgress, SampleSubset};

    use super::*;

    /// data/tiny/multi: 10 samples, 12 polymorphic variants on chromosomes
    /// 1, 2, 3 (four each, one with a missing call on each chromosome).
    pub(crate) fn multi() -> Fileset {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        Fileset::open(&dir.join("../../data/tiny/multi")).unwrap()
    }

    /// Builds over every sample of `fs`.
    pub(crate) fn sums_of(
        fs: &Fileset,
        variants: &[u32],
        kind: GrmKind,
        precision: Precision,
        block_size: usize,
        loco: bool,
    ) -> GrmSums {
        let opts = BuildOptions {
            kind,
            precision,
            block_size,
            loco,
        };
        build_fileset(fs, variants, &opts, Par::Seq, &NoProgress).unwrap()
    }

    pub(crate) const KINDS: [GrmKind; 4] = [GrmKind::Centered, GrmKind::Standardized, GrmKind::Plink, GrmKind::Gcta];

    /// Sums built in a spare matrix (garbage in it) are those built in
    /// fresh storage, in that matrix; a spare of another size is not used.
    #[test]
    fn sums_built_in_a_spare_matrix_are_the_same() {
        let fs = multi();
        let v: Vec<u32> = (0..12).collect();
        let all = SampleSubset::all(fs.fam.len());
        let ids: Vec<SampleId> = fs.fam.samples.iter().map(|s| s.id.clone()).collect();
        let n = ids.len();
        for kind in KINDS {
            let opts = BuildOptions {
                kind,
                precision: Precision::F64,
                block_size: 5,
                loco: false,
            };
            let fresh = sums_of(&fs, &v, kind, Precision::F64, 5, false).grm().unwrap();
            for size in [n, n + 1] {
                let spare = Mat::<f64>::from_fn(size, size, |i, j| (i * 3 + j) as f64 - 7.5);
                let at = spare.as_ptr();
                let g = Genotypes::new(&fs.bed, &all);
                let chrom = |x: u32| &fs.variants[x as usize].chrom;
                let sums = build_in(g, ids.clone(), &v, chrom, &opts, Par::Seq, &NoProgress, Some(spare)).unwrap();
                assert_eq!(sums.total.s.as_ptr() == at, size == n, "{kind:?}, spare of {size}");
                let k = sums.grm().unwrap();
                assert_eq!(k.matrix, fresh.matrix, "{kind:?}");
            }
        }
    }

    #[test]
    fn blocks_of_three_give_the_grm_of_one_block() {
        let fs = multi();
        let v: Vec<u32> = (0..12).collect();
        for kind in KINDS {
            let one = sums_of(&fs, &v, kind, Precision::F64, 12, false).grm().unwrap();
            for bs in [1, 3, 5] {
                let k = sums_of(&fs, &v, kind, Precision::F64, bs, false).grm().unwrap();
                assert!(k.max_abs_diff(&one.matrix) < 1e-12, "{kind:?}, blocks of {bs}");
                assert_eq!(k.n_variants, 12);
                assert_eq!(k.kind, Some(kind));
            }
        }
    }

    #[test]
    fn f32_products_stay_close_to_f64() {
        let fs = multi();
        let v: Vec<u32> = (0..12).collect();
        for kind in KINDS {
            let a = sums_of(&fs, &v, kind, Precision::F64, 4, false).grm().unwrap();
            let b = sums_of(&fs, &v, kind, Precision::F32, 4, false).grm().unwrap();
            assert!(b.max_abs_diff(&a.matrix) < 1e-5, "{kind:?}");
        }
    }

    #[test]
    fn the_grm_is_symmetric_and_names_its_samples() {
        let fs = multi();
        let v: Vec<u32> = (0..12).collect();
        for kind in KINDS {
            let k = sums_of(&fs, &v, kind, Precision::F64, 5, false).grm().unwrap();
            assert_eq!(k.ids, fs.fam.samples.iter().map(|s| s.id.clone()).collect::<Vec<_>>());
            assert_eq!(k.max_abs_diff(&k.matrix.transpose().to_owned()), 0.0, "{kind:?}");
        }
    }

    #[test]
    fn nothing_to_build_from_is_degenerate() {
        let fs = multi();
        let all = SampleSubset::all(fs.fam.len());
        let g = Genotypes::new(&fs.bed, &all);
        let ids = fs.fam.samples.iter().map(|s| s.id.clone()).collect();
        let chrom = |v: u32| &fs.variants[v as usize].chrom;
        let e = build(g, ids, &[], chrom, &BuildOptions::default(), Par::Seq, &NoProgress).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::DegenerateData);
        let none = SampleSubset::new(Vec::new(), fs.fam.len());
        let g = Genotypes::new(&fs.bed, &none);
        let e = build(
            g,
            Vec::new(),
            &[0],
            chrom,
            &BuildOptions::default(),
            Par::Seq,
            &NoProgress,
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "no samples to build a GRM from");
    }
}
