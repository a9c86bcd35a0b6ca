//! `.bed` opening and decoding ([`genotype::Fileset::open`],
//! [`genotype::Genotypes`]). The input chooses the counts (a made-up
//! `.fam` of 1-16 samples and `.bim` of 0-8 variants) and gives the `.bed`
//! bytes, taken as they are or (flag bit 0) behind the right magic and cut
//! or padded to the right size. Never panics; an accepted `.bed` has the
//! size the counts need, and every encoding of every variant, over all
//! samples or (flag bit 1) a subset in the input's order, decodes to the
//! values and counts of an independent reading of the two-bit codes.
#![no_main]

use genotype::VariantMoments;
use genotype::{bytes_per_variant, Encoding, Fileset, Genotypes, SampleSubset, BED_MAGIC};
use kindred_fuzz::{accepted, same_f64, Scratch};
use libfuzzer_sys::fuzz_target;

/// PLINK 1 code -> A1 count (`None` = missing), written out independently
/// of the decoder's tables.
fn reference(code: u8) -> Option<f64> {
    match code {
        0b00 => Some(2.0),
        0b10 => Some(1.0),
        0b11 => Some(0.0),
        _ => None,
    }
}

fuzz_target!(|data: &[u8]| {
    let [n, m, flags, rest @ ..] = data else {
        return;
    };
    let n = 1 + usize::from(n % 16);
    let m = usize::from(m % 9);
    let stride = bytes_per_variant(n);
    let bed = if flags & 1 != 0 {
        let mut b = BED_MAGIC.to_vec();
        b.extend_from_slice(rest);
        b.resize(3 + stride * m, 0);
        b
    } else {
        rest.to_vec()
    };
    let mut s = Scratch::new("bed");
    let fam: String = (0..n).map(|i| format!("F S{i} 0 0 1 1\n")).collect();
    let bim: String = (0..m).map(|v| format!("1 v{v} 0 {} A G\n", v + 1)).collect();
    s.write("fam", fam.as_bytes());
    s.write("bim", bim.as_bytes());
    s.write("bed", &bed);
    let Some(fs) = accepted(Fileset::open(s.prefix())) else {
        return;
    };
    assert_eq!(bed.len(), 3 + stride * m);
    assert_eq!(bed[..3], BED_MAGIC);
    assert_eq!((fs.bed.n_samples(), fs.bed.n_variants()), (n, m));
    let subset = if flags & 2 != 0 {
        let idx: Vec<u32> = rest.iter().take(2 * n).map(|&b| u32::from(b) % n as u32).collect();
        SampleSubset::new(idx, n)
    } else {
        SampleSubset::all(n)
    };
    let k = subset.len();
    let g = Genotypes::new(&fs.bed, &subset);
    // variants in reverse order, to exercise the block's own order
    let variants: Vec<u32> = (0..m as u32).rev().collect();
    let counts = g.stats_many(&variants);
    for enc in Encoding::ALL {
        let mut out = vec![f64::NAN; k * m];
        let mut stats: Vec<genotype::AlleleStats> = vec![Default::default(); m];
        g.decode_block(&variants, enc, &mut out, &mut stats);
        assert_eq!(stats, counts);
        for (c, &v) in variants.iter().enumerate() {
            let v = v as usize;
            let st = &stats[c];
            assert_eq!(st.n_total() as usize, k);
            let expect: Vec<Option<f64>> = subset
                .positions()
                .iter()
                .map(|&i| {
                    let i = i as usize;
                    reference((bed[3 + v * stride + i / 4] >> (2 * (i % 4))) & 3)
                })
                .collect();
            assert_eq!(st.n_missing as usize, expect.iter().filter(|x| x.is_none()).count());
            let col = &out[c * k..(c + 1) * k];
            for (x, e) in col.iter().zip(&expect) {
                match (enc, e) {
                    (Encoding::Raw, Some(e)) => assert_eq!(x, e),
                    (Encoding::Raw, None) => assert!(x.is_nan()),
                    // every sample missing: no mean, zeros
                    _ if st.n_obs() == 0 => assert_eq!(*x, 0.0),
                    (Encoding::MeanImputed, Some(e)) => assert_eq!(x, e),
                    (Encoding::MeanImputed, None) => assert!(same_f64(*x, st.mean())),
                    _ => assert!(x.is_finite(), "{enc:?}: {x}"),
                }
            }
            let mut one = vec![0.0; k];
            assert_eq!(g.decode_one(v, enc, &mut one), *st);
            assert!(one.iter().zip(col).all(|(a, b)| same_f64(*a, *b)));
        }
    }
});
