//! Tests of `estimate`.
#![allow(clippy::unwrap_used)] // a failed setup is a failed test

use std::path::Path;

use genotype::{NoProgress, PhenoSelect, PhenoSpec, Progress, SampleFilter, VariantFilter};

use super::resident::PAGE_WINDOW;
use super::*;
use crate::analysis::tests::{options, simulate_small};
use crate::analysis::{run, Event, Reporter, Stage};
use crate::loco::LocoRatio;
use crate::scan::{ScanOptions, Tests};

/// 120 samples x 600 variants on 3 chromosomes, one phenotype, two
/// numeric covariates.
fn dataset(dir: &Path) -> Dataset {
    let prefix = simulate_small(dir, |_| {});
    let spec = PhenoSpec {
        file: Some(dir.join("sim.pheno.tsv")),
        select: PhenoSelect::All,
        covar: Some(dir.join("sim.covar.tsv")),
    };
    Dataset::open(&prefix, &SampleFilter::default(), &VariantFilter::default(), &spec).unwrap()
}

fn exact() -> Option<Model> {
    Some(Model::Lmm(ScanOptions::default()))
}

#[test]
fn the_peak_is_the_largest_step_plus_what_is_resident_and_mapped() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dataset(dir.path());
    let e = estimate(&ds, &options(exact()));
    assert_eq!((e.n_samples, e.n_groups, e.n_phenotypes), (120, 1, 1));
    assert_eq!((e.n_variants, e.decompositions, e.threads), (600, 1, 1));
    let step = e.peak_step.unwrap();
    assert_eq!(
        e.peak_bytes,
        Some(e.resident_bytes + e.mapped_bytes + step.bytes(1)),
        "{e:?}"
    );
    // The whole .bed is read: 600 variants of 30 bytes, in one window.
    assert_eq!(e.mapped_bytes, (3 + 600 * 30_u64).next_multiple_of(4096));
    assert!(e.describe().starts_with("memory: about "), "{}", e.describe());
    assert!(e.describe_work().contains("120 samples"), "{}", e.describe_work());
    assert_eq!(e.peak_mb(), e.peak_bytes.map(|b| b.div_ceil(1_000_000)));
}

#[test]
fn loco_eigen_files_and_linear_scans_change_the_plan() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dataset(dir.path());
    let plain = estimate(&ds, &options(exact()));
    let loco = estimate(
        &ds,
        &Options {
            loco: true,
            ..options(exact())
        },
    );
    // the whole-genome decomposition and one per chromosome, beside
    // the per-chromosome sums
    assert_eq!(loco.decompositions, 4);
    assert!(loco.peak_step.unwrap().bytes(1) > plain.peak_step.unwrap().bytes(1));
    let eigen = estimate(
        &ds,
        &Options {
            grm: GrmSource::Eigen {
                prefix: dir.path().join("missing"),
                kind: GrmKind::Centered,
                grm_fileset: None,
            },
            ..options(exact())
        },
    );
    // nothing decomposed; the vectors are mapped
    assert_eq!(eigen.decompositions, 0);
    assert_eq!(eigen.mapped_bytes, plain.mapped_bytes + 120 * 120 * 8 + 120 * 8);
    let linear = estimate(&ds, &options(Some(Model::Linear(Tests::WALD))));
    assert_eq!(linear.decompositions, 0);
    assert_eq!(linear.peak_step.unwrap().step, Step::Scan);
    assert!(linear.peak_step.unwrap().bytes(1) < plain.peak_step.unwrap().bytes(1));
}

/// Records whether the GRM was prepared.
#[derive(Default)]
struct Seen(std::sync::Mutex<Vec<&'static str>>);

impl Reporter for Seen {
    fn event(&self, event: Event<'_>) {
        let what = match event {
            Event::Planned { .. } => "planned",
            _ => "other",
        };
        self.0.lock().unwrap().push(what);
    }
    fn progress(&self, _: Stage, _: u64) -> Box<dyn Progress + '_> {
        Box::new(NoProgress)
    }
}

#[test]
fn a_run_over_its_memory_limit_is_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dataset(dir.path());
    let e = estimate(&ds, &options(exact()));
    e.check(None).unwrap();
    e.check(e.peak_bytes).unwrap();
    let seen = Seen::default();
    let opts = Options {
        memory_limit: Some(1_000_000),
        ..options(exact())
    };
    let err = run(&ds, &opts, &seen).unwrap_err();
    assert_eq!(err.kind(), crate::ErrorKind::OutOfMemory, "{err}");
    let msg = err.to_string();
    assert!(
        msg.starts_with("--memory 1.0 MB is less than this run needs (memory: about "),
        "{msg}"
    );
    assert_eq!(*seen.0.lock().unwrap(), ["planned"]);
}

#[test]
fn bed_pages_are_counted_in_windows() {
    let dir = tempfile::tempdir().unwrap();
    let mut ds = dataset(dir.path());
    let whole = bed_pages(&ds);
    assert_eq!(whole, (3 + 600 * 30_u64).next_multiple_of(4096));
    ds.variants.kept = vec![0, 599];
    // 30 bytes each at both ends of an 18 kB file: one 64 kB window
    assert_eq!(bed_pages(&ds), whole.min(PAGE_WINDOW));
    ds.variants.kept.clear();
    assert_eq!(bed_pages(&ds), 0);
}

/// A fixed-ratio scan of one phenotype without the score test runs
/// without eigenvectors (`Options::values_only`), and is planned so: a
/// reduction holding K and its reflectors (no vectors, no eigensolver
/// workspace), then a scan holding the factor of `lambda K + I` and its
/// `f32` copy beside the reduction (where the CPU has tiles, `L⁻¹`'s digits
/// too). With the score test it runs, and
/// is planned, on the eigenbasis: the vectors and their `f32` copy.
#[test]
fn a_scan_without_eigenvectors_is_planned_as_it_runs() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dataset(dir.path());
    let fixed = |tests| {
        Some(Model::Lmm(ScanOptions {
            mode: crate::scan::Mode::FixedRatio,
            tests,
            ..ScanOptions::default()
        }))
    };
    let a = 120 * 120 * 8;
    // where the CPU has tiles, `L⁻¹`'s four digits too
    let inverse = crate::rotation::tile_bytes(120, 600, crate::rotation::Digits::Four).0;
    let whitened = estimate(&ds, &options(fixed(Tests::WALD)));
    let step = whitened.peak_step.unwrap();
    assert_eq!(
        (step.step, step.matrices, step.workspace),
        (Step::Scan, 2 * a + a / 2 + inverse, 0),
        "{step:?}"
    );
    let rotated = estimate(
        &ds,
        &options(fixed(Tests {
            score: true,
            ..Tests::WALD
        })),
    );
    // (at this size the scan's blocks outweigh the decomposition's workspace)
    let step = rotated.peak_step.unwrap();
    let digits = crate::rotation::tile_bytes(120, 600, crate::rotation::Digits::Three).0;
    assert_eq!((step.step, step.matrices), (Step::Scan, a + a / 2 + digits), "{step:?}");
}

/// A fixed-ratio LOCO scan without eigen files runs whitened, with no
/// decomposition per chromosome, and is planned so: after the whole
/// genome's values-only reduction (its K kept, beside the whole-genome
/// sums), a chromosome's K factored in place and its `f32` copy; the
/// chromosome's re-estimated ratio adds K's packed lower triangle. With
/// the score test at each chromosome's ratio it decomposes again.
#[test]
fn a_whitened_loco_scan_is_planned_without_decompositions() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dataset(dir.path());
    let loco = |ratio, tests| Options {
        loco: true,
        loco_ratio: ratio,
        ..options(Some(Model::Lmm(ScanOptions {
            mode: crate::scan::Mode::FixedRatio,
            tests,
            ..ScanOptions::default()
        })))
    };
    let a = 120 * 120 * 8;
    // where the CPU has tiles, `L⁻¹`'s four digits too
    let inverse = crate::rotation::tile_bytes(120, 600, crate::rotation::Digits::Four).0;
    for (ratio, packed) in [(LocoRatio::Genome, 0), (LocoRatio::Chromosome, a / 2)] {
        let e = estimate(&ds, &loco(ratio, Tests::WALD));
        assert_eq!(e.decompositions, 1, "{ratio:?}: the whole genome's reduction only");
        let step = e.peak_step.unwrap();
        assert_eq!(
            (step.step, step.matrices),
            (Step::LocoScan, 3 * a + a / 2 + packed + inverse),
            "{ratio:?}: {step:?}"
        );
    }
    let score = estimate(&ds, &loco(LocoRatio::Chromosome, Tests::ALL));
    assert_eq!(score.decompositions, 4, "one per chromosome, and the whole genome's");
}

/// With two threads an exact LOCO scan runs two chromosomes at once, and
/// its steps count one chromosome's memory twice; a memory limit between
/// the two plans brings it back to one at a time.
#[test]
fn two_loco_chromosomes_at_once_count_twice_unless_the_limit_forbids() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dataset(dir.path());
    let loco = |par, memory_limit| Options {
        loco: true,
        par,
        memory_limit,
        ..options(exact())
    };
    let one = estimate(&ds, &loco(Par::Seq, None));
    let two = estimate(&ds, &loco(Par::rayon(2), None));
    assert_eq!((one.loco_jobs, two.loco_jobs), (1, 2));
    assert!(two.describe().contains("2 chromosomes at once"), "{}", two.describe());
    let limit = two.peak_bytes.unwrap() - 1;
    let limited = estimate(&ds, &loco(Par::rayon(2), Some(limit)));
    assert_eq!(limited.loco_jobs, 1);
    limited.check(Some(limit)).unwrap();
    // the same step at the peak: its chromosome's workspace and blocks
    // twice
    let (s1, s2) = (limited.peak_step.unwrap(), two.peak_step.unwrap());
    assert_eq!(
        (s1.step, s1.jobs, s2.step, s2.jobs),
        (Step::LocoScan, 1, Step::LocoScan, 2)
    );
    assert_eq!((s2.workspace, s2.blocks), (2 * s1.workspace, 2 * s1.blocks));
    assert!(
        s2.matrices > s1.matrices && s2.matrices < 2 * s1.matrices,
        "{s1:?} {s2:?}"
    );
    // a fixed-ratio LOCO scan factors one chromosome at a time
    let fixed = Options {
        scan: Some(Model::Lmm(ScanOptions {
            mode: crate::scan::Mode::FixedRatio,
            ..ScanOptions::default()
        })),
        ..loco(Par::rayon(2), None)
    };
    assert_eq!(estimate(&ds, &fixed).loco_jobs, 1);
}
