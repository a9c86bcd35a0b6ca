//! Several variance components for a dataset's phenotypes: the kernels of
//! each sample set (GRM files, GRMs built from chromosome sets, indicator
//! kernels of grouping columns), then one fit per phenotype.

use std::collections::BTreeSet;
use std::time::Instant;

use faer::Par;
use genotype::{Chrom, Dataset, Qc, SampleId, SampleSubset};
use kinship::{build, BuildOptions, GrmFile, GrmKind, Precision};

use super::{ai_reml, haseman_elston, Kernel, RemlControl, VcFit, VcMethod};
use crate::analysis::{Reporter, Stage};
use crate::error::{Error, Result};
use crate::fit::with_pheno;
use crate::group::{groups, Group};

/// Where one kernel comes from.
#[derive(Debug, Clone)]
pub enum KernelSource {
    /// A GRM file (GCTA binary matched by ID, or GEMMA text over the `.fam`).
    File(GrmFile),
    /// Built from the variants passing QC on the analysed samples, all of
    /// them (`chroms` = `None`) or those on the listed chromosomes.
    Build {
        /// Its name in outputs.
        name: String,
        /// The chromosomes whose variants enter it (`None`: every one).
        chroms: Option<Vec<Chrom>>,
        /// The GRM's kind.
        kind: GrmKind,
        /// Arithmetic of the block multiply.
        precision: Precision,
    },
    /// The indicator kernel of a grouping column: one label per `.fam`
    /// sample (every analysed sample must have one).
    Groups {
        /// The column's name.
        name: String,
        /// Labels in `.fam` order (`None` = missing).
        labels: Vec<Option<String>>,
    },
}

impl KernelSource {
    /// Its name in outputs.
    pub fn name(&self) -> String {
        match self {
            KernelSource::File(f) => f.path().display().to_string(),
            KernelSource::Build { name, .. } | KernelSource::Groups { name, .. } => name.clone(),
        }
    }
}

/// What [`fit_components`] does.
#[derive(Debug, Clone)]
pub struct ComponentsOptions {
    /// The random effects, in output order (the residual is implied).
    pub kernels: Vec<KernelSource>,
    /// REML or Haseman-Elston.
    pub method: VcMethod,
    /// Variant QC for built GRMs.
    pub qc: Qc,
    /// AI-REML's stopping rules.
    pub control: RemlControl,
    /// Parallelism of the matrix routines.
    pub par: Par,
}

/// One phenotype's fit.
#[derive(Debug, Clone)]
pub struct ComponentsResult {
    /// Index into [`Dataset::phenotypes`].
    pub phenotype: usize,
    /// The fitted components.
    pub fit: VcFit,
    /// Variants in each kernel (`None` for a grouping column or a GRM file
    /// that does not say).
    pub n_variants: Vec<Option<usize>>,
    /// Levels of each grouping kernel among the analysed samples (`None`
    /// for a GRM).
    pub n_levels: Vec<Option<usize>>,
    /// Seconds spent on the kernels of this phenotype's sample set.
    pub kernel_seconds: f64,
    /// Seconds spent on this phenotype's fit.
    pub fit_seconds: f64,
}

/// Fits the variance components of every phenotype; results come back in
/// phenotype-column order.
///
/// # Errors
/// `InvalidArgument` without a kernel; `Inconsistent` when a GRM file does
/// not cover the analysed samples or an analysed sample has no label in a
/// grouping column; `Degenerate` when a chromosome set has no variant
/// passing QC; the errors of the fits, naming the phenotype.
pub fn fit_components(
    ds: &Dataset,
    opts: &ComponentsOptions,
    reporter: &dyn Reporter,
) -> Result<Vec<ComponentsResult>> {
    Ok(fit_each(ds, opts, reporter, false)?
        .into_iter()
        .map(|(r, _)| r)
        .collect())
}

/// [`fit_components`] by REML, each fit with the combination of its
/// kernels that it fitted, `Σ_i w_i K_i` with `w_i = σ_i² / Σ_j σ_j²`
/// (equal weights when every kernel's variance is zero), over the
/// phenotype's analysed samples: the GRM of a scan that tests each variant
/// against the fitted covariance ([`crate::GrmSource::Matrix`]). Its
/// single-kernel REML fit finds the same optimum, since that lies on the
/// line the combination spans.
///
/// # Errors
/// As [`fit_components`].
pub fn fit_and_combine(
    ds: &Dataset,
    opts: &ComponentsOptions,
    reporter: &dyn Reporter,
) -> Result<Vec<(ComponentsResult, faer::Mat<f64>)>> {
    let opts = ComponentsOptions {
        method: VcMethod::Reml,
        ..opts.clone()
    };
    Ok(fit_each(ds, &opts, reporter, true)?
        .into_iter()
        .map(|(r, k)| (r, k.expect("combined when asked")))
        .collect())
}

type Fitted = (ComponentsResult, Option<faer::Mat<f64>>);

fn fit_each(ds: &Dataset, opts: &ComponentsOptions, reporter: &dyn Reporter, combine: bool) -> Result<Vec<Fitted>> {
    if opts.kernels.is_empty() {
        return Err(Error::InvalidArgument("no random effect to fit".into()));
    }
    let mut out = Vec::new();
    for group in groups(ds) {
        let t = Instant::now();
        let (kernels, n_variants, n_levels) = kernels(ds, &group, opts, reporter)?;
        let kernel_seconds = t.elapsed().as_secs_f64();
        let (x, _) = group.design(ds);
        for &k in &group.phenotypes {
            let t = Instant::now();
            let y = group.values(ds, k);
            let fit = match opts.method {
                VcMethod::Reml => ai_reml(&y, x.as_ref(), &kernels, opts.control, opts.par),
                VcMethod::He => haseman_elston(&y, x.as_ref(), &kernels, opts.par),
            }
            .map_err(|e| with_pheno(e, &ds.phenotypes[k].name))?;
            let combined = combine.then(|| combination(&fit, &kernels));
            out.push((
                ComponentsResult {
                    phenotype: k,
                    fit,
                    n_variants: n_variants.clone(),
                    n_levels: n_levels.clone(),
                    kernel_seconds,
                    fit_seconds: t.elapsed().as_secs_f64(),
                },
                combined,
            ));
        }
    }
    out.sort_by_key(|(r, _)| r.phenotype);
    Ok(out)
}

/// `Σ_i w_i K_i` with the fit's relative kernel variances as weights.
fn combination(fit: &VcFit, kernels: &[Kernel]) -> faer::Mat<f64> {
    let sigma: Vec<f64> = fit.kernels().iter().map(|c| c.sigma2).collect();
    let total: f64 = sigma.iter().sum();
    let n = kernels[0].n();
    let mut k = faer::Mat::<f64>::zeros(n, n);
    for (kernel, s) in kernels.iter().zip(&sigma) {
        let w = if total > 0.0 {
            s / total
        } else {
            1.0 / kernels.len() as f64
        };
        if w > 0.0 {
            k += &kernel.matrix * w;
        }
    }
    k
}

type Kernels = (Vec<Kernel>, Vec<Option<usize>>, Vec<Option<usize>>);

/// The kernels over one group's samples.
fn kernels(ds: &Dataset, group: &Group, opts: &ComponentsOptions, reporter: &dyn Reporter) -> Result<Kernels> {
    let ids = group.ids(ds);
    let mut kernels = Vec::new();
    let mut n_variants = Vec::new();
    let mut n_levels = Vec::new();
    for source in &opts.kernels {
        match source {
            KernelSource::File(file) => {
                let all: Vec<SampleId> = ds.samples().iter().map(|s| s.id.clone()).collect();
                let grm = file.read(all)?;
                let m = grm.n_variants;
                let k = grm.into_selected(&ids, file.path())?;
                kernels.push(Kernel::new(source.name(), k));
                n_variants.push((m > 0).then_some(m));
                n_levels.push(None);
            }
            KernelSource::Build {
                name,
                chroms,
                kind,
                precision,
            } => {
                let (k, m) =
                    build_grm(ds, group, &ids, chroms.as_deref(), *kind, *precision, opts, reporter).map_err(|e| {
                        match e {
                            Error::Degenerate(m) => Error::Degenerate(format!("kernel '{name}': {m}")),
                            other => other,
                        }
                    })?;
                kernels.push(Kernel::new(name.clone(), k));
                n_variants.push(Some(m));
                n_levels.push(None);
            }
            KernelSource::Groups { name, labels } => {
                let mut levels = Vec::with_capacity(group.samples.len());
                for &s in &group.samples {
                    let Some(l) = &labels[s as usize] else {
                        return Err(Error::Inconsistent(format!(
                            "random effect '{name}': sample {} has no value (drop such samples before the fit)",
                            ds.samples()[s as usize].id
                        )));
                    };
                    levels.push(l.as_str());
                }
                n_levels.push(Some(super::n_levels(&levels)));
                kernels.push(Kernel::indicator(name.clone(), &levels));
                n_variants.push(None);
            }
        }
    }
    Ok((kernels, n_variants, n_levels))
}

/// A GRM over the group's samples from the variants (on `chroms`, when
/// given) that pass QC on those samples; returns it and its variant count.
#[allow(clippy::too_many_arguments)] // the GRM's recipe, spelled out
fn build_grm(
    ds: &Dataset,
    group: &Group,
    ids: &[SampleId],
    chroms: Option<&[Chrom]>,
    kind: GrmKind,
    precision: Precision,
    opts: &ComponentsOptions,
    reporter: &dyn Reporter,
) -> Result<(faer::Mat<f64>, usize)> {
    let subset = SampleSubset::new(group.samples.clone(), ds.n_samples());
    let g = ds.decoder(&subset);
    let chrom = |v: u32| &ds.variants()[v as usize].chrom;
    let wanted: Option<BTreeSet<&Chrom>> = chroms.map(|c| c.iter().collect());
    let candidates: Vec<u32> = ds
        .variants
        .kept
        .iter()
        .copied()
        .filter(|&v| wanted.as_ref().is_none_or(|w| w.contains(chrom(v))))
        .collect();
    let kept = opts.qc.apply(g, &candidates)?;
    if kept.variants.is_empty() {
        return Err(Error::Degenerate(format!(
            "no variant passes QC on the {} analysed samples{}",
            group.samples.len(),
            if chroms.is_some() { " on its chromosomes" } else { "" }
        )));
    }
    let build_opts = BuildOptions {
        kind,
        precision,
        ..BuildOptions::default()
    };
    let progress = reporter.progress(Stage::Grm, 0);
    let sums = build(
        g,
        ids.to_vec(),
        &kept.variants,
        chrom,
        &build_opts,
        opts.par,
        &*progress,
    )?;
    let grm = sums.into_grm()?;
    Ok((grm.matrix, grm.n_variants))
}
