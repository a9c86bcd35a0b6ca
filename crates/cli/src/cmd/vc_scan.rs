//! `assoc` and `gwas` with several variance components (`--mgrm`,
//! `--mgrm-chr`, `--random`): the kernels, their fit, and the scan against
//! the fitted covariance.

use std::sync::Arc;

use association::components::{fit_and_combine, ComponentsOptions, KernelSource, RemlControl, VcMethod};
use association::{analysis, GrmSource, Mode, Model, Options, PhenotypeResult};
use genotype::Dataset;

use crate::args::AssocArgs;
use crate::cmd::{kernels, model, setup};
use crate::reporter::LogReporter;
use crate::runlog::RunLog;

/// The kernels of the components, after refusing what they cannot be
/// tested with (LOCO, the linear model); the scan becomes fixed-ratio.
pub(super) fn kernels(
    a: &AssocArgs,
    ds: &mut Dataset,
    opts: &mut Options,
    log: &mut RunLog,
) -> anyhow::Result<Vec<KernelSource>> {
    if a.loco || !setup::is_lmm(opts) {
        anyhow::bail!(model::invalid(
            "several variance components (--mgrm, --mgrm-chr, --random) are tested with the mixed model and \
             the whole genome: not with --loco or --model linear"
        ));
    }
    if let Some(Model::Lmm(s)) = &mut opts.scan {
        s.mode = Mode::FixedRatio;
    }
    kernels::sources(&a.vc, &a.data.grm, &opts.grm, ds, log)
}

/// The scan with several variance components: each phenotype's
/// components fitted by AI-REML, then its variants tested against the
/// fitted covariance (variance ratios held fixed, EMMAX style: several
/// kernels share no eigendecomposition, so each phenotype decomposes its
/// fitted combination of them once).
pub(super) fn scan(
    ds: &Dataset,
    opts: &Options,
    kernels: Vec<KernelSource>,
    reporter: &LogReporter<'_>,
) -> anyhow::Result<Vec<PhenotypeResult>> {
    let names: Vec<String> = kernels.iter().map(KernelSource::name).collect();
    reporter.log().info(format!(
        "several variance components ({}): each variant is tested against the covariance the null model fitted, \
         variance ratios held fixed (EMMAX style)",
        names.join(", ")
    ));
    let copts = ComponentsOptions {
        kernels,
        method: VcMethod::Reml,
        qc: opts.qc,
        control: RemlControl::default(),
        par: opts.par,
    };
    let mut results = Vec::new();
    for (fit, k) in fit_and_combine(ds, &copts, reporter)? {
        let parts: Vec<String> = fit
            .fit
            .components
            .iter()
            .map(|c| format!("{} {:.4}", c.name, c.pve))
            .collect();
        reporter.log().info(format!(
            "phenotype '{}': variance shares {}",
            ds.phenotypes[fit.phenotype].name,
            parts.join(", ")
        ));
        let o = Options {
            grm: GrmSource::Matrix(Arc::new(k)),
            phenotypes: Some(vec![fit.phenotype]),
            ..opts.clone()
        };
        results.extend(analysis::run(ds, &o, reporter)?);
    }
    Ok(results)
}
