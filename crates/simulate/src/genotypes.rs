//! Genotypes, one variant at a time: frequencies, founders' haplotypes,
//! Mendelian transmission to children, missing calls, PLINK packing.
//!
//! Each variant draws from its own random stream (see [`crate::rng`]), so a
//! block of variants can be made on any thread, in any order, and the bytes
//! are the same.

use std::fmt::Write as _;
use std::ops::Range;

use genotype::{bytes_per_variant, pack_variant};
use rand::{Rng, RngCore};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Geometric};

use crate::config::SimConfig;
use crate::frequency::{balding_nichols, threshold};
use crate::layout::Layout;
use crate::pedigree::Pedigree;
use crate::rng::{Purpose, Streams};

/// Code of a missing call in the counts handed to [`pack_variant`].
const MISSING: u8 = 3;

/// Ordered (A1, A2) pairs of distinct nucleotides; one is drawn per variant.
const ALLELE_PAIRS: [(char, char); 12] = [
    ('A', 'C'),
    ('A', 'G'),
    ('A', 'T'),
    ('C', 'A'),
    ('C', 'G'),
    ('C', 'T'),
    ('G', 'A'),
    ('G', 'C'),
    ('G', 'T'),
    ('T', 'A'),
    ('T', 'C'),
    ('T', 'G'),
];

/// The complete (before missingness) genotypes of one causal variant, with
/// what the truth file reports about it.
#[derive(Debug, Clone)]
pub(crate) struct CausalGenotypes {
    /// `.bim` position (0-based).
    pub variant: u32,
    /// Chromosome code (1-based).
    pub chrom: usize,
    /// Base-pair position.
    pub pos: u64,
    /// Counted allele and the other allele.
    pub alleles: (char, char),
    /// Ancestral A1 frequency.
    pub p_anc: f64,
    /// A1 counts of the output samples, in `.fam` order.
    pub counts: Vec<u8>,
}

/// One block of variants, ready to be written.
#[derive(Debug, Default)]
pub(crate) struct Block {
    /// Packed `.bed` bytes of the block's variants, variant-major.
    pub bed: Vec<u8>,
    /// The block's `.bim` lines.
    pub bim: String,
    /// Genotypes of the block's causal variants, in variant order.
    pub causal: Vec<CausalGenotypes>,
    /// Variants in the block.
    pub n_variants: usize,
    /// Missing calls written.
    pub n_missing: u64,
    /// Sum over the block's variants of the sample A1 frequency (observed calls).
    pub sum_af: f64,
    /// Variants with one genotype class only among observed calls.
    pub n_monomorphic: usize,
}

/// Everything a block needs, shared read-only by all threads.
pub(crate) struct Generator<'a> {
    pub cfg: &'a SimConfig,
    pub ped: &'a Pedigree,
    pub layout: Layout,
    pub streams: Streams,
    /// Sorted, distinct variants that are causal for some phenotype.
    pub causal: &'a [u32],
}

/// Per-block scratch, allocated once per block.
struct Scratch {
    /// Two allele bits per genome (bit 0: first haplotype, bit 1: second).
    hap: Vec<u8>,
    /// A1 counts of the output samples ([`MISSING`] for a missing call).
    counts: Vec<u8>,
    /// Thresholds of the subpopulations' frequencies.
    thresholds: Vec<u64>,
}

impl Generator<'_> {
    /// Makes the variants `range` (`.bim` positions).
    pub(crate) fn block(&self, range: Range<usize>) -> Block {
        let n = self.ped.len();
        let stride = bytes_per_variant(n);
        let mut out = Block {
            bed: vec![0; stride * range.len()],
            bim: String::with_capacity(40 * range.len()),
            n_variants: range.len(),
            ..Block::default()
        };
        let mut s = Scratch {
            hap: vec![0; self.ped.n_genomes()],
            counts: vec![0; n],
            thresholds: vec![0; self.cfg.n_pops],
        };
        let missing = (self.cfg.missing_rate > 0.0)
            .then(|| Geometric::new(self.cfg.missing_rate).ok())
            .flatten();
        let first_causal = self.causal.partition_point(|&v| (v as usize) < range.start);
        let end = range.end;
        let mut causal = self.causal[first_causal..]
            .iter()
            .map(|&v| v as usize)
            .take_while(|&v| v < end)
            .peekable();
        for (j, i) in range.enumerate() {
            let mut rng = self.streams.get(Purpose::Variant, i as u64);
            let (chrom, k, m) = self.layout.locate(i);
            let alleles = ALLELE_PAIRS[rng.random_range(0..ALLELE_PAIRS.len())];
            let pos = Layout::position(k, m, rng.random::<f64>());
            let (lo, hi) = self.cfg.ancestral_freq;
            let p_anc = lo + (hi - lo) * rng.random::<f64>();
            for t in &mut s.thresholds {
                let p = if self.cfg.n_pops == 1 {
                    p_anc
                } else {
                    balding_nichols(p_anc, self.cfg.fst, &mut rng)
                };
                *t = threshold(p);
            }
            self.genotypes(&mut rng, &mut s);
            if causal.next_if_eq(&i).is_some() {
                out.causal.push(CausalGenotypes {
                    variant: i as u32,
                    chrom: chrom + 1,
                    pos,
                    alleles,
                    p_anc,
                    counts: s.counts.clone(),
                });
            }
            if let Some(geo) = &missing {
                out.n_missing += knock_out(&mut s.counts, geo, &mut rng);
            }
            let (sum_af, monomorphic) = frequency(&s.counts);
            out.sum_af += sum_af;
            out.n_monomorphic += usize::from(monomorphic);
            pack_variant(&s.counts, &mut out.bed[j * stride..(j + 1) * stride]);
            let _ = writeln!(
                out.bim,
                "{}\tsnp{}\t{:.6}\t{pos}\t{}\t{}",
                chrom + 1,
                i + 1,
                pos as f64 / 1e6,
                alleles.0,
                alleles.1
            );
        }
        out
    }

    /// Founders draw both alleles from their subpopulation's frequency (one
    /// 64-bit draw: two 32-bit uniforms); each child takes a random allele of
    /// each parent (two bits of a 64-bit draw). Fills `s.counts`.
    fn genotypes(&self, rng: &mut ChaCha8Rng, s: &mut Scratch) {
        let ped = self.ped;
        let n_founders = ped.founder_pop.len();
        let (founders, children) = s.hap.split_at_mut(n_founders);
        for (h, &pop) in founders.iter_mut().zip(&ped.founder_pop) {
            let t = s.thresholds[usize::from(pop)];
            let r = rng.next_u64();
            *h = u8::from((r & 0xffff_ffff) < t) | (u8::from((r >> 32) < t) << 1);
        }
        for (hs, parents) in children.chunks_mut(32).zip(ped.children.chunks(32)) {
            let mut bits = rng.next_u64();
            for (h, &[father, mother]) in hs.iter_mut().zip(parents) {
                let from_father = (founders[father as usize] >> (bits & 1)) & 1;
                let from_mother = (founders[mother as usize] >> ((bits >> 1) & 1)) & 1;
                *h = from_father | (from_mother << 1);
                bits >>= 2;
            }
        }
        for (c, &g) in s.counts.iter_mut().zip(&ped.genome_of) {
            let h = s.hap[g as usize];
            *c = (h & 1) + (h >> 1);
        }
    }
}

/// Marks calls missing independently with the geometric distribution's
/// probability, by jumping over the gaps between missing calls. Returns how
/// many were marked.
fn knock_out(counts: &mut [u8], gaps: &Geometric, rng: &mut ChaCha8Rng) -> u64 {
    let mut marked = 0;
    let mut i = gaps.sample(rng);
    while let Some(c) = usize::try_from(i).ok().and_then(|i| counts.get_mut(i)) {
        *c = MISSING;
        marked += 1;
        i = i.saturating_add(1).saturating_add(gaps.sample(rng));
    }
    marked
}

/// Sample A1 frequency over the observed calls (0 when none) and whether the
/// variant shows one genotype class only. Branch-free counting (the sample
/// count fits in `u32`, see [`SimConfig::validate`]).
fn frequency(counts: &[u8]) -> (f64, bool) {
    let (mut het, mut hom_a1, mut missing) = (0u32, 0u32, 0u32);
    for &c in counts {
        het += u32::from(c == 1);
        hom_a1 += u32::from(c == 2);
        missing += u32::from(c == MISSING);
    }
    let observed = counts.len() as u32 - missing;
    let hom_a2 = observed - het - hom_a1;
    let af = if observed > 0 {
        f64::from(het + 2 * hom_a1) / f64::from(2 * observed)
    } else {
        0.0
    };
    (af, [hom_a2, het, hom_a1].iter().filter(|&&k| k > 0).count() <= 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn knock_out_marks_about_the_rate() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut counts = vec![1u8; 100_000];
        let n = knock_out(&mut counts, &Geometric::new(0.05).unwrap(), &mut rng);
        assert_eq!(n as usize, counts.iter().filter(|&&c| c == MISSING).count());
        assert!((n as f64 / 1e5 - 0.05).abs() < 0.003, "{n}");
    }

    #[test]
    fn frequency_counts_observed_calls() {
        assert_eq!(frequency(&[0, 1, 2, MISSING]), (0.5, false));
        assert_eq!(frequency(&[2, 2, MISSING]), (1.0, true));
    }
}
