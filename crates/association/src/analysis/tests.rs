//! [`run`] on small simulated filesets: the order of events, the shape of
//! the results, the options it refuses.

#![allow(clippy::unwrap_used)] // a failed setup is a failed test

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use genotype::{NoProgress, PhenoSelect, PhenoSpec, Progress, SampleFilter, VariantFilter};
use kinship::{GrmKind, Precision};
use simulate::SimConfig;

use super::*;
use crate::error::ErrorKind;
use crate::scan::{Mode, ScanOptions, Tests};

/// Records event names in order.
#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl Reporter for Recorder {
    fn event(&self, event: Event<'_>) {
        let name = match event {
            Event::Planned { .. } => return,
            Event::Prepared { names, .. } => format!("prepared {}", names.join(",")),
            Event::EigenWritten { .. } => "eigen written".into(),
            Event::LinearQc { .. } => "linear qc".into(),
            Event::NullFitted { name, .. } => format!("fitted {name}"),
            Event::Scanned { loco, .. } => format!("scanned loco={loco}"),
        };
        self.0.lock().unwrap().push(name);
    }

    fn progress(&self, _stage: Stage, _len: u64) -> Box<dyn Progress + '_> {
        Box::new(NoProgress)
    }
}

impl Recorder {
    fn events(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// Simulates 120 samples x 600 variants on 3 chromosomes (20 causal
/// variants per phenotype) into `dir` as `sim.*`, the rest of the
/// configuration changed by `edit`; returns the prefix. The fileset of
/// these tests and of `estimate`'s.
pub(crate) fn simulate_small(dir: &Path, edit: impl FnOnce(&mut SimConfig)) -> PathBuf {
    let prefix = dir.join("sim");
    let mut cfg = SimConfig::new(120, 600);
    cfg.n_chrom = 3;
    cfg.n_causal = 20;
    edit(&mut cfg);
    simulate::simulate(&cfg, &prefix, &NoProgress).unwrap();
    prefix
}

/// [`simulate_small`] with two phenotypes and no covariates; with `hole`,
/// the second phenotype misses its first 10 samples (two sample sets).
fn dataset(dir: &Path, hole: bool) -> Dataset {
    let prefix = simulate_small(dir, |cfg| {
        cfg.n_phenos = 2;
        cfg.n_covar = 0;
    });
    let pheno = dir.join("pheno.tsv");
    let text = std::fs::read_to_string(dir.join("sim.pheno.tsv")).unwrap();
    let edited: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let mut f: Vec<&str> = l.split_whitespace().collect();
            if hole && (1..=10).contains(&i) {
                f[3] = "NA";
            }
            f.join("\t")
        })
        .collect();
    std::fs::write(&pheno, edited.join("\n") + "\n").unwrap();
    let spec = PhenoSpec {
        file: Some(pheno),
        select: PhenoSelect::All,
        covar: None,
    };
    Dataset::open(&prefix, &SampleFilter::default(), &VariantFilter::default(), &spec).unwrap()
}

/// [`Options::new`] with a centered GRM built in f64, and `scan`.
pub(crate) fn options(scan: Option<Model>) -> Options {
    Options {
        scan,
        ..Options::new(GrmSource::Build {
            kind: GrmKind::Centered,
            precision: Precision::F64,
        })
    }
}

fn lmm(mode: Mode) -> Option<Model> {
    Some(Model::Lmm(ScanOptions {
        tests: Tests::ALL,
        mode,
        ..ScanOptions::default()
    }))
}

#[test]
fn a_scan_reports_its_steps_in_order_and_returns_rows_per_phenotype() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dataset(dir.path(), false);
    let rec = Recorder::default();
    let res = run(&ds, &options(lmm(Mode::Exact)), &rec).unwrap();
    let names: Vec<&str> = ds.phenotypes.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        rec.events(),
        [
            format!("prepared {}", names.join(",")),
            format!("fitted {}", names[0]),
            format!("fitted {}", names[1]),
            "scanned loco=false".to_string(),
        ]
    );
    assert_eq!(res.len(), 2);
    for (k, r) in res.iter().enumerate() {
        assert_eq!((r.phenotype, r.n_samples), (k, 120));
        assert!(r.null.is_some() && !r.rows.is_empty());
        assert!(r.rows.windows(2).all(|w| w[0].variant < w[1].variant), ".bim order");
        assert_eq!(r.lambda_gc, crate::lambda_gc(r.rows.iter().map(AssocRow::p_value)));
    }
}

#[test]
fn null_models_only_and_linear_scans() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dataset(dir.path(), false);
    let rec = Recorder::default();
    let res = run(&ds, &options(None), &rec).unwrap();
    assert!(res
        .iter()
        .all(|r| r.rows.is_empty() && r.lambda_gc.is_none() && r.null.is_some()));
    assert!(!rec.events().iter().any(|e| e.starts_with("scanned")));

    let rec = Recorder::default();
    let res = run(&ds, &options(Some(Model::Linear(Tests::WALD))), &rec).unwrap();
    assert_eq!(rec.events(), ["linear qc"]);
    assert!(res
        .iter()
        .all(|r| r.null.is_none() && r.rows.iter().all(|x| x.p_wald.is_some())));
}

/// LOCO tests the same variants, each chromosome against its own GRM:
/// the rows cover the whole-genome scan's variants and differ from them.
#[test]
fn loco_covers_the_same_variants_with_other_statistics() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dataset(dir.path(), false);
    let whole = run(&ds, &options(lmm(Mode::FixedRatio)), &Recorder::default()).unwrap();
    let rec = Recorder::default();
    let loco = run(
        &ds,
        &Options {
            loco: true,
            ..options(lmm(Mode::FixedRatio))
        },
        &rec,
    )
    .unwrap();
    assert_eq!(rec.events().last().map(String::as_str), Some("scanned loco=true"));
    for (w, l) in whole.iter().zip(&loco) {
        let vw: Vec<u32> = w.rows.iter().map(|r| r.variant).collect();
        let vl: Vec<u32> = l.rows.iter().map(|r| r.variant).collect();
        assert_eq!(vw, vl);
        assert!(w.rows.iter().zip(&l.rows).any(|(a, b)| a.p_wald != b.p_wald));
        // The reported null model is the whole-genome GRM's (summed from
        // the per-chromosome parts: equal to rounding).
        let (a, b) = (w.null.as_ref().unwrap(), l.null.as_ref().unwrap());
        assert!((a.lambda / b.lambda - 1.0).abs() < 1e-8, "{} vs {}", a.lambda, b.lambda);
    }
}

/// An exact LOCO scan with two threads decomposes two chromosomes at
/// once, or one at a time when two would pass the memory limit: the same
/// rows, bit for bit.
#[test]
fn loco_chromosomes_at_once_give_the_bits_of_one_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dataset(dir.path(), false);
    let both = Options {
        loco: true,
        par: Par::rayon(2),
        ..options(lmm(Mode::Exact))
    };
    let planned = crate::estimate(&ds, &both);
    assert_eq!(planned.loco_jobs, 2);
    let one = Options {
        memory_limit: Some(planned.peak_bytes.unwrap() - 1),
        ..both.clone()
    };
    assert_eq!(crate::estimate(&ds, &one).loco_jobs, 1);
    let a = run(&ds, &both, &Recorder::default()).unwrap();
    let b = run(&ds, &one, &Recorder::default()).unwrap();
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert!(!x.rows.is_empty());
        // (Debug prints each f64 exactly; NaN fields compare equal)
        assert_eq!(format!("{:?}", x.rows), format!("{:?}", y.rows));
    }
}

/// LOCO workers take chromosomes in order as they finish: when a
/// chromosome fails (here its eigen file is gone), no new one is started
/// and the error is that of the first failing chromosome in order, whichever
/// worker met it; the eigen files written are reported in order.
#[test]
fn a_failing_loco_chromosome_stops_the_workers_and_is_reported_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dataset(dir.path(), false);
    let prefix = dir.path().join("e");
    let rec = Recorder::default();
    let write = Options {
        loco: true,
        write_eigen: Some(prefix.clone()),
        par: Par::rayon(2),
        ..options(None)
    };
    run(&ds, &write, &rec).unwrap();
    let mut chroms: Vec<Chrom> = ds.variants().iter().map(|v| v.chrom.clone()).collect();
    chroms.dedup();
    assert!(chroms.len() >= 3, "{chroms:?}");
    // the genome's file, then each chromosome's, in order
    let written = rec.events().iter().filter(|e| *e == "eigen written").count();
    assert_eq!(written, chroms.len() + 1);
    for c in &chroms[1..3] {
        std::fs::remove_file(crate::eigen::file::bin_path(&crate::loco::loco_eigen_prefix(
            &prefix, c,
        )))
        .unwrap();
    }
    let read = Options {
        loco: true,
        par: Par::rayon(2),
        ..Options {
            scan: lmm(Mode::Exact),
            ..Options::new(GrmSource::Eigen {
                prefix: prefix.clone(),
                kind: GrmKind::Centered,
                grm_fileset: None,
            })
        }
    };
    let e = run(&ds, &read, &Recorder::default()).unwrap_err();
    let second = crate::loco::loco_eigen_prefix(&prefix, &chroms[1]);
    assert!(e.to_string().contains(&*second.to_string_lossy()), "{e}");
}

#[test]
fn options_that_cannot_be_honoured_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dataset(dir.path(), true);
    let two_sets = Options {
        write_eigen: Some(dir.path().join("e")),
        ..options(None)
    };
    let e = run(&ds, &two_sets, &Recorder::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    assert!(e.to_string().contains("2 different sets"), "{e}");
    // --loco-chr names LOCO eigen files to write: not with a scan.
    let loco_chr_with_scan = Options {
        loco: true,
        write_eigen: Some(dir.path().join("e")),
        loco_chroms: Some(vec![genotype::Chrom::Auto(1)]),
        ..options(lmm(Mode::Exact))
    };
    let e = run(&ds, &loco_chr_with_scan, &Recorder::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    assert!(e.to_string().contains("--loco-chr"), "{e}");

    // Two sample sets: two groups, results still in phenotype order.
    let rec = Recorder::default();
    let res = run(&ds, &options(None), &rec).unwrap();
    assert_eq!(rec.events().iter().filter(|e| e.starts_with("prepared")).count(), 2);
    assert_eq!((res[0].n_samples, res[1].n_samples), (120, 110));
}

/// A fixed-ratio scan of one phenotype (two covariates), Wald and LRT,
/// takes the route without eigenvectors (eigenvalues from a tridiagonal
/// reduction, variants whitened by a Cholesky factor) and gives the
/// eigenbasis route's null model and rows: with the f64 arithmetic within
/// 1e-6 in log10 p (the bar), with f32 (the default: `L⁻¹` or
/// `Uᵀ` rounded to f32) within 1e-4 of the f64 rows (the GEMMA goldens'
/// bar); and a fit-only run's null model is the eigenbasis one.
#[test]
fn a_fixed_ratio_scan_without_eigenvectors_gives_the_eigenbasis_results() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = simulate_small(dir.path(), |_| {});
    let spec = PhenoSpec {
        file: Some(dir.path().join("sim.pheno.tsv")),
        select: PhenoSelect::All,
        covar: Some(dir.path().join("sim.covar.tsv")),
    };
    let ds = Dataset::open(&prefix, &SampleFilter::default(), &VariantFilter::default(), &spec).unwrap();
    assert_eq!(ds.phenotypes.len(), 1);
    let fixed = |rotation| {
        Some(Model::Lmm(ScanOptions {
            tests: Tests {
                wald: true,
                lrt: true,
                score: false,
            },
            mode: Mode::FixedRatio,
            rotation,
            ..ScanOptions::default()
        }))
    };
    let with_vectors = |o: Options| Options {
        write_eigen: Some(dir.path().join("e")),
        ..o
    };
    let log10 = |p: Option<f64>| p.unwrap().log10();
    let close = |a: &[PhenotypeResult], b: &[PhenotypeResult], tol: f64| {
        let (a, b) = (&a[0], &b[0]);
        let (na, nb) = (a.null.as_ref().unwrap(), b.null.as_ref().unwrap());
        assert!(
            (na.lambda / nb.lambda - 1.0).abs() < 1e-9,
            "{} vs {}",
            na.lambda,
            nb.lambda
        );
        assert!((na.pve - nb.pve).abs() < 1e-9 && (na.pve_se - nb.pve_se).abs() < 1e-9);
        assert!((na.loglik - nb.loglik).abs() < 1e-8 * nb.loglik.abs());
        assert_eq!(a.rows.len(), b.rows.len());
        let mut worst = 0.0f64;
        for (x, y) in a.rows.iter().zip(&b.rows) {
            assert_eq!(x.variant, y.variant);
            worst = worst
                .max((log10(x.p_wald) - log10(y.p_wald)).abs())
                .max((log10(x.p_lrt) - log10(y.p_lrt)).abs());
        }
        assert!(worst <= tol, "log10 p differ by {worst:e} (tolerance {tol:e})");
        worst
    };
    let o64 = options(fixed(Precision::F64));
    assert!(o64.values_only(1) && !with_vectors(options(fixed(Precision::F64))).values_only(1));
    let implicit = run(&ds, &o64, &Recorder::default()).unwrap();
    let eigen = run(&ds, &with_vectors(options(fixed(Precision::F64))), &Recorder::default()).unwrap();
    assert!(!implicit[0].rows.is_empty());
    close(&implicit, &eigen, 1e-6);
    let implicit32 = run(&ds, &options(fixed(Precision::F32)), &Recorder::default()).unwrap();
    let worst = close(&implicit32, &eigen, 1e-4);
    assert!(worst > 0.0, "the f32 route rounds: it is not the f64 one");
    // fit only
    let a = run(&ds, &options(None), &Recorder::default()).unwrap();
    let b = run(&ds, &with_vectors(options(None)), &Recorder::default()).unwrap();
    assert!(options(None).values_only(1));
    close(&a, &b, 0.0);
}
