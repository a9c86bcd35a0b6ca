//! Best linear unbiased prediction (BLUP) of each sample's genetic value
//! from a fitted null model: `kindred reml --blup` (and `--blup-snp`).
//!
//! - Analysed samples: `û = σg² K V⁻¹ (y - X β̂)`, the genetic value shrunk
//!   toward the mean in proportion to how little the data say about it, with
//!   its prediction error variance (PEV, counting the estimation of β̂) and
//!   reliability `1 - PEV / (σg² K_ii)` ([`solve`]).
//! - Samples with genotypes but no phenotype ("relatives"): predicted from
//!   their GRM entries with the analysed samples, `û_m = σg² K_mo V⁻¹ r`
//!   (the conditional mean; GEMMA `-predict 1` gives the same), with their
//!   PEV. Their GRM entries use the analysed samples' allele means and
//!   scales, as the GRM of the fit does, so that `K_oo` is the fit's GRM.
//! - SNP effects: with `K = Z Zᵀ / M`, `û = Z α` for `α = σg² Zᵀ V⁻¹ r / M`,
//!   reported per copy of allele A1 (`α / scale`, the scale being the GRM
//!   kind's divisor: 1 for `centered`, GEMMA `-bslmm 2`'s `alpha`). A
//!   polygenic score of any sample is then `Σ_j (x_j - mean_j) effect_j`.
//!
//! Relatives and SNP effects need the genotypes behind the GRM: a GRM built
//! by kindred (here or recorded in an eigen file) of kind `centered`,
//! `standardized` or `plink` (the `gcta` kind's per-pair counts have no
//! `Z Zᵀ / M` form).

pub mod score;
pub mod solve;

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};
use genotype::{encode_in_place, Dataset, Encoding, SampleSubset, VariantStats};
use kinship::{GrmKind, GrmOrigin};

use crate::error::{Error, Result};
use crate::fit::PhenoFit;
use crate::prepare::Prepared;
use genotype::VariantMoments;
pub use score::{read_effects, score, Effect, Matching};
pub use solve::{reliability, Solution, Variances};

/// What to predict beyond the analysed samples' genetic values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BlupOptions {
    /// Also back-solve SNP effects (`PREFIX.snpblup.tsv`).
    pub snp_effects: bool,
}

/// One sample's prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct BlupRow {
    /// `.fam` position.
    pub sample: u32,
    /// Whether its phenotype was in the fit (else predicted from relatives).
    pub observed: bool,
    /// `x_i β̂`; `None` for a relative with a missing covariate (or a level
    /// no analysed sample has).
    pub fixed: Option<f64>,
    /// The predicted genetic value `û_i`.
    pub value: f64,
    /// Its prediction error variance.
    pub pev: f64,
    /// `1 - PEV / (σg² K_ii)` (`NaN` when `σg² K_ii` is 0).
    pub reliability: f64,
}

impl BlupRow {
    /// The fitted value `x_i β̂ + û_i`.
    pub fn fitted(&self) -> Option<f64> {
        self.fixed.map(|f| f + self.value)
    }
}

/// One variant's back-solved effect.
#[derive(Debug, Clone, PartialEq)]
pub struct SnpEffect {
    /// `.bim` position.
    pub variant: u32,
    /// Mean A1 count over the analysed samples (the centre of a score).
    pub mean: f64,
    /// Effect per copy of A1.
    pub effect: f64,
}

/// One phenotype's predictions.
#[derive(Debug, Clone, PartialEq)]
pub struct Blup {
    /// Analysed samples and relatives, in `.fam` order.
    pub rows: Vec<BlupRow>,
    /// SNP effects in `.bim` order (empty unless asked for).
    pub snp_effects: Vec<SnpEffect>,
    /// Why relatives without a phenotype were not predicted, if they were
    /// not (the CLI logs it).
    pub skipped: Option<String>,
}

/// Predicts for every fit of `prep`'s group.
///
/// # Errors
/// `InvalidArgument` when SNP effects are asked of a GRM read from a file or
/// of the `gcta` kind; `Degenerate` from [`Solution::new`].
pub fn predict(ds: &Dataset, prep: &Prepared, fits: &[PhenoFit], opts: BlupOptions, par: Par) -> Result<Vec<Blup>> {
    let group = &prep.group;
    let (x, names) = group.design(ds);
    let s = prep.eigen.clipped_values();
    let relatives: Vec<u32> = (0..ds.n_samples() as u32)
        .filter(|&i| ds.sample_mask[i as usize] && group.samples.binary_search(&i).is_err())
        .collect();
    let kind = genotype_kind(prep);
    if opts.snp_effects {
        if let Err(why) = &kind {
            return Err(Error::InvalidArgument(format!("--blup-snp: {why}")));
        }
    }
    let solutions = fits
        .iter()
        .map(|f| {
            let v = Variances {
                sigma_g2: f.null.sigma_g2,
                sigma_e2: f.null.sigma_e2,
                beta: f.null.beta.clone(),
            };
            Solution::new(
                prep.eigen.vectors(),
                &s,
                x.as_ref(),
                &group.values(ds, f.phenotype),
                v,
                par,
            )
        })
        .collect::<Result<Vec<_>>>()?;
    let (pass, skipped) = match (&kind, relatives.is_empty()) {
        (Ok(kind), _) if opts.snp_effects || !relatives.is_empty() => {
            (Some(genotype_pass(ds, prep, &relatives, *kind, &solutions, par)?), None)
        }
        (Err(why), false) => (
            None,
            Some(format!(
                "{} samples without a phenotype are not predicted: {why}",
                relatives.len()
            )),
        ),
        _ => (None, None),
    };
    let fixed = relatives_design(ds, group, &relatives, &names);
    Ok(solutions
        .iter()
        .enumerate()
        .map(|(p, sol)| {
            let v = sol.variances();
            let (u, pev, k_diag) = sol.observed();
            let mut rows: Vec<BlupRow> = group
                .samples
                .iter()
                .enumerate()
                .map(|(i, &sample)| BlupRow {
                    sample,
                    observed: true,
                    fixed: Some((0..x.ncols()).map(|j| x[(i, j)] * v.beta[j]).sum()),
                    value: u[i],
                    pev: pev[i],
                    reliability: reliability(pev[i], v.sigma_g2, k_diag[i]),
                })
                .collect();
            let mut snp_effects = Vec::new();
            if let Some(pass) = &pass {
                if !relatives.is_empty() {
                    let (um, pevm) = sol.relatives(pass.k_mo.as_ref(), &pass.k_mm, par);
                    rows.extend(relatives.iter().enumerate().map(|(m, &sample)| {
                        BlupRow {
                            sample,
                            observed: false,
                            fixed: fixed[m]
                                .as_ref()
                                .map(|xm| xm.iter().zip(&v.beta).map(|(a, b)| a * b).sum()),
                            value: um[m],
                            pev: pevm[m],
                            reliability: reliability(pevm[m], v.sigma_g2, pass.k_mm[m]),
                        }
                    }));
                    rows.sort_by_key(|r| r.sample);
                }
                if opts.snp_effects {
                    snp_effects = (0..prep.variants.len())
                        .map(|j| SnpEffect {
                            variant: prep.variants[j],
                            mean: pass.means[j],
                            effect: pass.alpha[(j, p)],
                        })
                        .collect();
                }
            }
            Blup {
                rows,
                snp_effects,
                skipped: skipped.clone(),
            }
        })
        .collect())
}

/// The GRM kind whose columns `Z` give `K = Z Zᵀ / M`, or why there is none.
fn genotype_kind(prep: &Prepared) -> std::result::Result<GrmKind, String> {
    if let Some(f) = prep.provenance.grm.genotypes() {
        return Err(format!(
            "the GRM was built from the genotypes of {} (--grm-bfile), not from the analysed ones; \
             predicting from them is not implemented",
            f.prefix
        ));
    }
    match &prep.provenance.grm {
        GrmOrigin::File { path, .. } => Err(format!(
            "the GRM was read from {path}, so the genotypes behind it are unknown; let kindred build it"
        )),
        GrmOrigin::Built { kind, .. } => match [GrmKind::Centered, GrmKind::Standardized, GrmKind::Plink]
            .into_iter()
            .find(|k| k.name() == kind)
        {
            Some(k) => Ok(k),
            None => Err(format!(
                "a GRM of kind {kind} is not Z Zᵀ / M (per-pair counts); build it with --kind centered, \
                 standardized or plink"
            )),
        },
    }
}

/// The relatives' design rows, when the covariates expand for them to the
/// analysed samples' columns `design_names` (no missing value, no unseen level).
fn relatives_design(
    ds: &Dataset,
    group: &crate::group::Group,
    relatives: &[u32],
    design_names: &[String],
) -> Vec<Option<Vec<f64>>> {
    let mut rows = group.samples.clone();
    rows.extend_from_slice(relatives);
    let (names, columns) = ds.covariates.expand(&rows);
    // The design's names are the intercept's and then these, unless a
    // relative brings a level no analysed sample has.
    let same = names.as_slice() == &design_names[1..];
    let n_o = group.samples.len();
    (0..relatives.len())
        .map(|m| {
            if !same {
                return None;
            }
            let mut x = vec![1.0];
            for col in &columns {
                x.push(col[n_o + m]?);
            }
            Some(x)
        })
        .collect()
}

/// What one pass over the GRM's variants gives.
struct Pass {
    /// Relatives' GRM entries with the analysed samples (`n_m x n`).
    k_mo: Mat<f64>,
    /// Relatives' GRM diagonal.
    k_mm: Vec<f64>,
    /// Mean A1 count of each variant over the analysed samples.
    means: Vec<f64>,
    /// Effect per A1 copy (`variants x phenotypes`).
    alpha: Mat<f64>,
}

/// Variants per block of the pass.
const BLOCK: usize = 256;

/// Decodes the GRM's variants (`prep.variants`) once, block by block: the
/// analysed samples' columns `Z_o` of `kind`, the relatives' columns with
/// the analysed samples' means and scales, `K_mo = Z_m Z_oᵀ / M`, and the
/// SNP effects `σg² Z_oᵀ V⁻¹ r / M / scale`.
fn genotype_pass(
    ds: &Dataset,
    prep: &Prepared,
    relatives: &[u32],
    kind: GrmKind,
    sols: &[Solution<'_>],
    par: Par,
) -> Result<Pass> {
    let n_fam = ds.n_samples();
    let obs = SampleSubset::new(prep.group.samples.clone(), n_fam);
    let rel = SampleSubset::new(relatives.to_vec(), n_fam);
    let (go, gm) = (ds.decoder(&obs), ds.decoder(&rel));
    let (n, nm, nv) = (obs.len(), rel.len(), prep.variants.len());
    let m_grm = prep.grm_variants.max(1) as f64;
    let enc = kind.encoding();
    // Columns of V⁻¹ r, one per phenotype, scaled by σg² / M.
    let v_inv_r: Vec<Vec<f64>> = sols.iter().map(Solution::v_inv_r).collect();
    let w = Mat::<f64>::from_fn(n, sols.len(), |i, p| {
        sols[p].variances().sigma_g2 / m_grm * v_inv_r[p][i]
    });
    let mut pass = Pass {
        k_mo: Mat::zeros(nm, n),
        k_mm: vec![0.0; nm],
        means: Vec::with_capacity(nv),
        alpha: Mat::zeros(nv, sols.len()),
    };
    let mut zo = vec![0.0; n * BLOCK];
    let mut zm = vec![0.0; nm * BLOCK];
    let mut so = vec![VariantStats::default(); BLOCK];
    let mut sm = vec![VariantStats::default(); BLOCK];
    for (bi, chunk) in prep.variants.chunks(BLOCK).enumerate() {
        let b = chunk.len();
        go.decode_block(chunk, enc, &mut zo[..n * b], &mut so[..b])?;
        let z_o = MatRef::from_column_major_slice(&zo[..n * b], n, b);
        let at = bi * BLOCK;
        matmul(
            pass.alpha.as_mut().subrows_mut(at, b),
            Accum::Replace,
            z_o.transpose(),
            w.as_ref(),
            1.0,
            par,
        );
        for (j, st) in so[..b].iter().enumerate() {
            let scale = column_scale(st, enc);
            pass.means.push(st.mean());
            for p in 0..sols.len() {
                let a = pass.alpha[(at + j, p)];
                pass.alpha[(at + j, p)] = if scale > 0.0 { a / scale } else { 0.0 };
            }
        }
        if nm > 0 {
            gm.decode_block(chunk, Encoding::Raw, &mut zm[..nm * b], &mut sm[..b])?;
            for (j, col) in zm[..nm * b].chunks_mut(nm).enumerate() {
                encode_in_place(col, &so[j], enc);
                for (k, z) in pass.k_mm.iter_mut().zip(col.iter()) {
                    *k += z * z;
                }
            }
            let z_m = MatRef::from_column_major_slice(&zm[..nm * b], nm, b);
            matmul(pass.k_mo.as_mut(), Accum::Add, z_m, z_o.transpose(), 1.0, par);
        }
    }
    for k in pass.k_mo.col_iter_mut() {
        for x in k.iter_mut() {
            *x /= m_grm;
        }
    }
    for k in &mut pass.k_mm {
        *k /= m_grm;
    }
    Ok(pass)
}

/// The divisor `encoding` applies to a variant's centred counts (0 for a
/// column it zeroes).
fn column_scale(st: &VariantStats, enc: Encoding) -> f64 {
    match enc {
        Encoding::Standardized => {
            let p = st.mean() / 2.0;
            (2.0 * p * (1.0 - p)).sqrt()
        }
        Encoding::UnitVariance => {
            let var = st.imputed_variance();
            if var > 0.0 {
                var.sqrt()
            } else {
                1.0
            }
        }
        _ => 1.0,
    }
}
