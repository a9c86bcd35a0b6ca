//! Phenotypes: causal variants chosen before any genotype exists, genetic
//! values accumulated block by block, then scaled to the heritability and
//! completed with covariates, stratification and noise.

use rand::seq::index;
use rand_distr::{Distribution, StandardNormal};

use crate::config::SimConfig;
use crate::error::{Error, Result};
use crate::genotypes::CausalGenotypes;
use crate::layout::Layout;
use crate::pedigree::Pedigree;
use crate::rng::{Purpose, Streams};

/// Whether a phenotype has causal variants anywhere or only outside the
/// test set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraitKind {
    /// Causal variants drawn from all variants (columns `pheno1`, `pheno2`, ...).
    Causal,
    /// Causal (background) variants drawn only from outside
    /// [`Layout::test_set`], which is therefore entirely null (columns
    /// `null1`, `null2`, ...).
    Null,
}

/// One causal variant of one phenotype, as the truth file lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct CausalVariant {
    /// `.bim` position (0-based); its ID is `snp{variant + 1}`.
    pub variant: u32,
    /// Chromosome code.
    pub chrom: usize,
    /// Base-pair position.
    pub pos: u64,
    /// Counted allele (A1) and the other allele.
    pub alleles: (char, char),
    /// Ancestral A1 frequency.
    pub ancestral_freq: f64,
    /// A1 frequency among the output samples (complete genotypes).
    pub sample_freq: f64,
    /// Effect per copy of A1 on the phenotype (after scaling to h2).
    pub effect: f64,
}

/// What is known about one simulated phenotype.
#[derive(Debug, Clone, PartialEq)]
pub struct TraitTruth {
    /// Column name in the phenotype table.
    pub name: String,
    /// Causal or null.
    pub kind: TraitKind,
    /// Requested heritability.
    pub h2: f64,
    /// Realised heritability: `var(g) / var(g + e)` over the output samples
    /// (population variances), with `g` the genetic value and `e` the noise.
    pub realised_h2: f64,
    /// Constant that centres the genetic values: `-mean(sum_j effect_j x_j)`
    /// over the output samples, so that
    /// `y = intercept + sum_j effect_j x_j + e + C a + k * strat_shift`.
    pub intercept: f64,
    /// Effect of each covariate (per unit of the covariate).
    pub covar_effects: Vec<f64>,
    /// The causal variants, in `.bim` order.
    pub causal: Vec<CausalVariant>,
}

/// Simulated phenotypes and covariates, `values[q][i]` for phenotype `q` and
/// output sample `i`.
#[derive(Debug, Clone)]
pub(crate) struct Traits {
    pub truth: Vec<TraitTruth>,
    pub values: Vec<Vec<f64>>,
    /// `covariates[k][i]`.
    pub covariates: Vec<Vec<f64>>,
}

/// The causal variants of every phenotype, chosen up front, and the genetic
/// values accumulated as their genotypes stream by.
#[derive(Debug)]
pub(crate) struct Accumulator {
    /// Per phenotype: causal variants (sorted) with their standardized effects.
    plan: Vec<Vec<(u32, f64)>>,
    /// `(variant, phenotype, slot in plan)`, sorted by variant: the order in
    /// which causal genotypes arrive.
    order: Vec<(u32, u32, u32)>,
    cursor: usize,
    /// Genetic values (unscaled), one vector per phenotype.
    g: Vec<Vec<f64>>,
    /// Per phenotype and slot: what the truth file reports, unscaled effects.
    found: Vec<Vec<Option<CausalVariant>>>,
}

impl Accumulator {
    /// Chooses `n_causal` distinct causal variants per phenotype (uniformly
    /// among all variants, or before the test set for null phenotypes) and
    /// their standardized effects `beta ~ N(0, 1)`. With `h2 = 0` there are
    /// none.
    pub(crate) fn new(cfg: &SimConfig, layout: &Layout, streams: &Streams) -> Self {
        let n_causal = if cfg.h2 > 0.0 { cfg.n_causal } else { 0 };
        let plan: Vec<Vec<(u32, f64)>> = (0..cfg.n_traits())
            .map(|q| {
                let mut rng = streams.get(Purpose::Causal, q as u64);
                let pool = if q < cfg.n_phenos {
                    layout.n_variants()
                } else {
                    layout.test_set().start
                };
                let mut chosen: Vec<u32> = index::sample(&mut rng, pool, n_causal)
                    .into_iter()
                    .map(|v| v as u32)
                    .collect();
                chosen.sort_unstable();
                chosen
                    .into_iter()
                    .map(|v| (v, StandardNormal.sample(&mut rng)))
                    .collect()
            })
            .collect();
        let mut order: Vec<(u32, u32, u32)> = plan
            .iter()
            .enumerate()
            .flat_map(|(q, vs)| {
                vs.iter()
                    .enumerate()
                    .map(move |(slot, &(v, _))| (v, q as u32, slot as u32))
            })
            .collect();
        order.sort_unstable();
        let n = cfg.n_samples;
        Self {
            found: plan.iter().map(|vs| vec![None; vs.len()]).collect(),
            g: vec![vec![0.0; n]; plan.len()],
            plan,
            order,
            cursor: 0,
        }
    }

    /// Distinct causal variants of all phenotypes, sorted.
    pub(crate) fn variants(&self) -> Vec<u32> {
        let mut v: Vec<u32> = self.order.iter().map(|&(v, _, _)| v).collect();
        v.dedup();
        v
    }

    /// Adds one causal variant's contribution, `x * beta / sqrt(2 p (1 - p))`
    /// with `p` the ancestral frequency, to every phenotype it is causal for.
    /// Variants must arrive in increasing order (blocks in order).
    pub(crate) fn add(&mut self, c: &CausalGenotypes) {
        let n = c.counts.len();
        let sum: u64 = c.counts.iter().map(|&x| u64::from(x)).sum();
        let sample_freq = sum as f64 / (2 * n) as f64;
        while let Some(&(v, q, slot)) = self.order.get(self.cursor) {
            if v != c.variant {
                debug_assert!(v > c.variant, "causal variants arrived out of order");
                break;
            }
            let (q, slot) = (q as usize, slot as usize);
            let effect = self.plan[q][slot].1 / (2.0 * c.p_anc * (1.0 - c.p_anc)).sqrt();
            for (g, &x) in self.g[q].iter_mut().zip(&c.counts) {
                *g += effect * f64::from(x);
            }
            self.found[q][slot] = Some(CausalVariant {
                variant: c.variant,
                chrom: c.chrom,
                pos: c.pos,
                alleles: c.alleles,
                ancestral_freq: c.p_anc,
                sample_freq,
                effect,
            });
            self.cursor += 1;
        }
    }

    /// Completes the phenotypes once every block has been added:
    ///
    /// `y = s g + c + e + C a + k_i * strat_shift`, with `s = sqrt(h2 / var(g))`
    /// (so the genetic values have sample variance exactly `h2`), `c` the
    /// constant that centres them,
    /// `e ~ N(0, 1 - h2)`, covariates `C ~ N(0, 1)` with effects `a` scaled so
    /// that `|a|^2 = covar_var`, and `k_i` the subpopulation of sample `i`.
    ///
    /// # Errors
    /// `Degenerate` when `h2 > 0` but the genetic values have no variance
    /// (every causal variant monomorphic in the sample).
    pub(crate) fn finish(self, cfg: &SimConfig, ped: &Pedigree, streams: &Streams) -> Result<Traits> {
        debug_assert_eq!(self.cursor, self.order.len(), "a causal variant was never seen");
        let n = ped.len();
        let mut crng = streams.get(Purpose::Covariates, 0);
        let mut covariates = vec![vec![0.0; n]; cfg.n_covar];
        for i in 0..n {
            for col in &mut covariates {
                col[i] = StandardNormal.sample(&mut crng);
            }
        }
        let mut truth = Vec::with_capacity(self.plan.len());
        let mut values = Vec::with_capacity(self.plan.len());
        for (q, (mut g, found)) in self.g.into_iter().zip(self.found).enumerate() {
            let (kind, name) = if q < cfg.n_phenos {
                (TraitKind::Causal, format!("pheno{}", q + 1))
            } else {
                (TraitKind::Null, format!("null{}", q + 1 - cfg.n_phenos))
            };
            let var_g = variance(&g);
            let scale = if cfg.h2 > 0.0 {
                if var_g.is_nan() || var_g <= 0.0 {
                    return Err(Error::Degenerate(format!(
                        "phenotype {name}: its {} causal variants do not vary among the {n} samples; \
                         use more samples or causal variants",
                        found.len()
                    )));
                }
                (cfg.h2 / var_g).sqrt()
            } else {
                0.0
            };
            g.iter_mut().for_each(|x| *x *= scale);
            let intercept = -g.iter().sum::<f64>() / n as f64;
            g.iter_mut().for_each(|x| *x += intercept);
            let mut rng = streams.get(Purpose::Noise, q as u64);
            let sd_e = (1.0 - cfg.h2).sqrt();
            let e: Vec<f64> = (0..n)
                .map(|_| {
                    let z: f64 = StandardNormal.sample(&mut rng);
                    sd_e * z
                })
                .collect();
            let mut a: Vec<f64> = (0..cfg.n_covar).map(|_| StandardNormal.sample(&mut rng)).collect();
            let norm = a.iter().map(|x| x * x).sum::<f64>().sqrt();
            a.iter_mut()
                .for_each(|x| *x *= if norm > 0.0 { cfg.covar_var.sqrt() / norm } else { 0.0 });
            let ge: Vec<f64> = g.iter().zip(&e).map(|(g, e)| g + e).collect();
            let var_ge = variance(&ge);
            let realised_h2 = if var_ge > 0.0 { variance(&g) / var_ge } else { 0.0 };
            let y: Vec<f64> = (0..n)
                .map(|i| {
                    let cov: f64 = a.iter().zip(&covariates).map(|(a, c)| a * c[i]).sum();
                    ge[i] + cov + ped.pops[i] as f64 * cfg.strat_shift
                })
                .collect();
            let causal = found
                .into_iter()
                .flatten()
                .map(|c| CausalVariant {
                    effect: c.effect * scale,
                    ..c
                })
                .collect();
            truth.push(TraitTruth {
                name,
                kind,
                h2: cfg.h2,
                realised_h2,
                intercept,
                covar_effects: a,
                causal,
            });
            values.push(y);
        }
        Ok(Traits {
            truth,
            values,
            covariates,
        })
    }
}

/// Population variance (divisor `n`), two-pass.
pub(crate) fn variance(x: &[f64]) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    let m = x.iter().sum::<f64>() / x.len() as f64;
    x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / x.len() as f64
}
