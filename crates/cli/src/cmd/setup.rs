//! What the model commands (`reml`, `assoc`, `gwas`, and `plan` for them)
//! share before the analysis: claiming the outputs, opening the dataset,
//! and the library options their flags describe, set in one place.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use association::{GrmFileset, Model, Options};
use genotype::{Chrom, Dataset, Window};

use crate::args::{AssocArgs, ComponentArgs, LocoRatioArg, ModelArg, ModelData, RemlArgs};
use crate::cmd::{input, model, par, warnings};
use crate::outputs::Outputs;
use crate::runlog::RunLog;
use crate::watch;

/// Claims a model command's outputs: the prefix `out` and any eigen prefix
/// `--write-eigen` names, watching every input file the command reads.
pub fn claim(d: &ModelData, out: &Path, quiet: bool) -> anyhow::Result<Outputs> {
    let inputs = watch::input_files(&d.input, Some(&d.pheno), Some(&d.grm));
    let also: Vec<&Path> = d.grm.write_eigen.iter().map(PathBuf::as_path).collect();
    Outputs::claim(out, &also, &inputs, quiet)
}

/// Opens the dataset (its warnings go to the log) and the options every
/// model command shares: the GRM source, QC, eigen output and threads; the
/// caller sets the likelihood, the scan and LOCO.
/// `chr_names_region`: `--chr` names the region of `--from-bp`/`--to-bp`
/// rather than filtering the GRM.
pub fn open(
    d: &ModelData,
    window: Option<Window>,
    chr_names_region: bool,
    log: &mut RunLog,
) -> anyhow::Result<(Dataset, Options)> {
    let mut ds = input::open(&d.input, &input::pheno_spec(&d.pheno), chr_names_region)?;
    for w in warnings::inputs(&ds) {
        log.warn(w);
    }
    let grm_fileset = match &d.grm.grm_bfile {
        Some(prefix) => Some(open_grm_fileset(prefix, &mut ds, log)?),
        None => None,
    };
    let opts = Options {
        qc: input::qc(&d.input),
        write_eigen: d.grm.write_eigen.clone(),
        window,
        par: par(),
        ..Options::new(model::grm_source(&d.grm, grm_fileset)?)
    };
    Ok((ds, opts))
}

/// Opens the `--grm-bfile` fileset and leaves out of the analysis the
/// samples it does not have, saying so in the log.
fn open_grm_fileset(prefix: &Path, ds: &mut Dataset, log: &mut RunLog) -> anyhow::Result<Arc<GrmFileset>> {
    let fileset = GrmFileset::open(prefix)?;
    let u = fileset.restrict(ds);
    let fam = genotype::with_extension(prefix, "fam");
    if let Some(first) = &u.first_dropped {
        log.warn(format!(
            "{}: {} kept sample(s) of the analysed genotypes are not in it and are not analysed; the first is '{first}'",
            fam.display(),
            u.n_dropped
        ));
    }
    if u.n_unused > 0 {
        log.info(format!(
            "{}: {} sample(s) match no kept sample of the analysed genotypes and are not used",
            fam.display(),
            u.n_unused
        ));
    }
    Ok(Arc::new(fileset))
}

/// Refuses `--grm-bfile` with the flags it makes no sense with (or that
/// are not implemented with it): `--grm` (K is read, not built), several
/// variance components, `--loco`, `--model linear` (no K). `--eigen` is
/// accepted: `--grm-bfile` then names the fileset its GRM was built from.
fn refuse_with_grm_bfile(d: &ModelData, vc: &ComponentArgs, loco: bool, linear: bool) -> anyhow::Result<()> {
    if d.grm.grm_bfile.is_none() {
        return Ok(());
    }
    let why = if d.grm.grm.is_some() {
        "--grm-bfile builds K from a fileset's genotypes and --grm reads K from a file: give one of them"
    } else if vc.any() {
        "--grm-bfile with several variance components (--mgrm, --mgrm-chr, --random) is not implemented"
    } else if loco {
        "--grm-bfile with --loco is not implemented (the per-chromosome GRMs are built from the analysed \
         genotypes): drop one of them"
    } else if linear {
        "--grm-bfile does nothing with --model linear: there is no GRM"
    } else {
        return Ok(());
    };
    Err(model::invalid(why).into())
}

/// `reml`'s dataset and options: REML or ML, LOCO eigen files to write,
/// BLUP.
pub fn reml(a: &RemlArgs, log: &mut RunLog) -> anyhow::Result<(Dataset, Options)> {
    refuse_with_grm_bfile(&a.data, &a.vc, a.loco, false)?;
    let (ds, mut opts) = open(&a.data, None, false, log)?;
    opts.method = model::method(a.method);
    opts.memory_limit = crate::memory::limit(&a.common);
    opts.loco = a.loco;
    opts.loco_chroms = a.loco_chr.as_ref().map(|c| c.iter().map(|s| Chrom::parse(s)).collect());
    opts.blup = a.blup.then_some(association::blup::BlupOptions {
        snp_effects: a.blup_snp,
    });
    Ok((ds, opts))
}

/// `assoc`'s (and `gwas`'s) dataset and options: the scan, LOCO, and the
/// window of the `.bim` tested (also returned, for the report).
pub fn assoc(a: &AssocArgs, log: &mut RunLog) -> anyhow::Result<(Dataset, Options, Option<Window>)> {
    refuse_with_grm_bfile(&a.data, &a.vc, a.loco, a.model == ModelArg::Linear)?;
    let window = model::window(a)?;
    let (ds, mut opts) = open(&a.data, window.clone(), a.from_bp.is_some(), log)?;
    opts.scan = Some(model::scan(a)?);
    opts.loco = a.loco;
    opts.loco_ratio = match a.loco_ratio {
        LocoRatioArg::Chromosome => association::LocoRatio::Chromosome,
        LocoRatioArg::Genome => association::LocoRatio::Genome,
    };
    opts.memory_limit = crate::memory::limit(&a.common);
    Ok((ds, opts, window))
}

/// Whether the options scan with the mixed model (which uses a GRM).
pub fn is_lmm(opts: &Options) -> bool {
    matches!(opts.scan, Some(Model::Lmm(_)))
}
