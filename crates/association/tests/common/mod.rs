//! Helpers shared by association's integration tests.

#![allow(dead_code)] // each test binary uses some of them

use std::path::{Path, PathBuf};

use genotype::{Dataset, PhenoSelect, PhenoSpec, SampleFilter, VariantFilter};

/// A path under the repository's `data/`.
pub fn data(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data").join(p)
}

/// The mouse fileset with `.fam` phenotype column `k` (1-based).
pub fn mouse(k: usize) -> Dataset {
    let spec = PhenoSpec {
        file: None,
        select: PhenoSelect::Column(k),
        covar: None,
    };
    Dataset::open(
        &data("mouse_hs1940/mouse_hs1940"),
        &SampleFilter::default(),
        &VariantFilter::default(),
        &spec,
    )
    .expect("the mouse fileset opens")
}

/// Standard normal deviates from a fixed seed (Box-Muller over a 64-bit
/// congruential sequence).
pub fn normals(seed: u64, n: usize) -> Vec<f64> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut uniform = move || {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((x >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| {
            let (u, v) = (uniform(), uniform());
            (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
        })
        .collect()
}
