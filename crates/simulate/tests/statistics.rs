//! The simulated data have the statistics that were asked for, measured on
//! the files as a user would read them.

mod common;

use common::{ols, relatedness, run_and_read, standardize, truth_field, truth_rows, variance};
use genotype::Table;
use simulate::{Pedigree, Relation, SimConfig};

/// A configuration with no phenotypes, covariates or families, to be changed.
fn bare(n: usize, m: usize) -> SimConfig {
    SimConfig {
        n_phenos: 0,
        n_covar: 0,
        family_fraction: 0.0,
        n_chrom: 3,
        ..SimConfig::new(n, m)
    }
}

/// A table column aligned to the `.fam`, every value present.
fn column(path: &std::path::Path, fam: &genotype::Fam, name: &str, covariates: bool) -> Vec<f64> {
    let t = if covariates {
        Table::read_covariates(path).expect("the covariate table")
    } else {
        Table::read_phenotypes(path).expect("the phenotype table")
    };
    let j = t.column_index(name).expect("the column");
    let aligned = t.align(fam);
    assert_eq!((aligned.n_absent, aligned.n_unknown), (0, 0));
    aligned.columns[j].iter().map(|v| v.expect("a value")).collect()
}

#[test]
fn allele_frequencies_and_hudson_fst_match_the_request() {
    let mut cfg = bare(800, 3000);
    cfg.fst = 0.1;
    cfg.ancestral_freq = (0.1, 0.4);
    let (r, fs, x) = run_and_read(&cfg);
    let n = fs.fam.len();
    let pops = Pedigree::new(&cfg).pops;
    assert!(fs
        .fam
        .samples
        .iter()
        .zip(&pops)
        .all(|(s, k)| s.id.fid.starts_with(&format!("pop{}_", k + 1))));
    let n_k = [0, 1].map(|k| pops.iter().filter(|&&p| p == k).count() as f64);
    assert_eq!(n_k, [400.0, 400.0]);

    let (mut sum_af, mut num, mut den) = (0.0, 0.0, 0.0);
    for col in x.chunks(n) {
        sum_af += col.iter().sum::<f64>() / (2 * n) as f64;
        let mut p = [0.0; 2];
        for (v, &k) in col.iter().zip(&pops) {
            p[k] += v;
        }
        let [p1, p2] = [0, 1].map(|k| p[k] / (2.0 * n_k[k]));
        // Hudson's Fst (Bhatia et al. 2013), ratio of averages; sample sizes in haplotypes.
        num += (p1 - p2).powi(2) - p1 * (1.0 - p1) / (2.0 * n_k[0] - 1.0) - p2 * (1.0 - p2) / (2.0 * n_k[1] - 1.0);
        den += p1 * (1.0 - p2) + p2 * (1.0 - p1);
    }
    let mean_af = sum_af / 3000.0;
    assert!(
        (mean_af - 0.25).abs() < 0.012,
        "mean A1 frequency {mean_af}, expected 0.25"
    );
    assert!((r.report.mean_a1_freq - mean_af).abs() < 1e-9);
    let fst = num / den;
    assert!((fst - 0.1).abs() < 0.015, "Hudson Fst {fst}, expected 0.1");
}

#[test]
fn relatives_share_genomes_in_mendelian_proportions() {
    let mut cfg = bare(600, 4000);
    cfg.n_pops = 1;
    cfg.family_fraction = 1.0;
    let (_run, fs, x) = run_and_read(&cfg);
    let n = fs.fam.len();
    let z = standardize(&x, n);
    let ped = Pedigree::new(&cfg);
    assert_eq!(ped.families.len(), 300);
    for (relation, expected) in [
        (Relation::FullSibs, 0.5),
        (Relation::ParentOffspring, 0.5),
        (Relation::HalfSibs, 0.25),
    ] {
        let pairs: Vec<f64> = ped
            .families
            .iter()
            .filter(|f| f.relation == relation)
            .map(|f| relatedness(&z, n, f.members[0], f.members[1]))
            .collect();
        assert_eq!(pairs.len(), 100);
        let mean = pairs.iter().sum::<f64>() / 100.0;
        assert!((mean - expected).abs() < 0.03, "{relation:?}: mean relatedness {mean}");
        assert!(
            pairs.iter().all(|r| (r - expected).abs() < 0.15),
            "{relation:?}: {pairs:?}"
        );
    }
    // Members of different families are unrelated.
    let unrelated: Vec<f64> = (0..200).map(|j| relatedness(&z, n, 2 * j, 2 * j + 3)).collect();
    let mean = unrelated.iter().sum::<f64>() / 200.0;
    assert!(mean.abs() < 0.02, "unrelated mean relatedness {mean}");
    // A parent and its child are never opposite homozygotes, and the .fam says who the parent is.
    for f in ped.families.iter().filter(|f| f.relation == Relation::ParentOffspring) {
        let [p, c] = f.members;
        assert!(x.chunks(n).all(|col| (col[p] - col[c]).abs() < 2.0));
        let child = &fs.fam.samples[c];
        let named = child.father.as_deref().or(child.mother.as_deref());
        assert_eq!(named, Some(&*fs.fam.samples[p].id.iid));
    }
}

#[test]
fn phenotypes_rebuild_from_the_truth_at_the_requested_heritability() {
    let cfg = SimConfig {
        n_chrom: 4,
        h2: 0.6,
        n_causal: 50,
        n_phenos: 2,
        n_null: 1,
        n_covar: 0,
        ..SimConfig::new(3000, 2000)
    };
    let (r, fs, x) = run_and_read(&cfg);
    let n = fs.fam.len();
    let pheno = genotype::with_extension(&r.prefix, "pheno.tsv");
    let rows = truth_rows(&r.prefix);
    let realised = truth_field(&r.prefix, "phenotype", "realised_h2");
    let intercepts = truth_field(&r.prefix, "phenotype", "intercept");
    let test_start = r.report.test_set.start;
    assert_eq!(r.report.test_set, 1000..2000);
    assert_eq!(truth_field(&r.prefix, "test_set", "first"), ["snp1001"]);

    for (q, name) in ["pheno1", "pheno2", "null1"].iter().enumerate() {
        let y = column(&pheno, &fs.fam, name, false);
        let mine: Vec<&Vec<String>> = rows.iter().filter(|row| row[0] == *name).collect();
        assert_eq!(mine.len(), 50, "{name}");
        let mut g = vec![0.0; n];
        for row in &mine {
            let v: usize = row[2].strip_prefix("snp").unwrap().parse::<usize>().unwrap() - 1;
            if q == 2 {
                assert!(v < test_start, "null phenotype with a causal variant in the test set");
                assert_eq!(row[1], "null");
            }
            let variant = &fs.variants[v];
            assert_eq!(
                (variant.chrom.to_string(), variant.pos.to_string()),
                (row[3].clone(), row[4].clone())
            );
            assert_eq!((&*variant.a1, &*variant.a2), (row[5].as_str(), row[6].as_str()));
            let effect: f64 = row[9].parse().unwrap();
            let col = &x[v * n..(v + 1) * n];
            let freq: f64 = row[8].parse().unwrap();
            assert!((col.iter().sum::<f64>() / (2 * n) as f64 - freq).abs() < 1e-12);
            for (g, xi) in g.iter_mut().zip(col) {
                *g += effect * xi;
            }
        }
        assert!((variance(&g) - 0.6).abs() < 1e-9, "{name}: var(g) = {}", variance(&g));
        let intercept: f64 = intercepts[q].parse().unwrap();
        let mean_g = g.iter().sum::<f64>() / n as f64;
        assert!((mean_g + intercept).abs() < 1e-9, "{name}: the intercept centres g");
        let mean_y = y.iter().sum::<f64>() / n as f64;
        assert!(mean_y.abs() < 0.05, "{name}: mean {mean_y}");
        let share = variance(&g) / variance(&y);
        assert!((share - 0.6).abs() < 0.06, "{name}: genetic share {share}");
        let recorded: f64 = realised[q].parse().unwrap();
        assert!((share - recorded).abs() < 1e-4, "{name}: {share} vs truth {recorded}");
        assert!((r.report.traits[q].realised_h2 - recorded).abs() < 1e-15);
    }
}

#[test]
fn covariates_stratification_and_missing_calls_are_as_asked() {
    let cfg = SimConfig {
        n_chrom: 2,
        h2: 0.0,
        n_covar: 2,
        covar_var: 0.5,
        strat_shift: 1.0,
        missing_rate: 0.1,
        ..SimConfig::new(4000, 200)
    };
    let (r, fs, x) = run_and_read(&cfg);
    let n_nan = x.iter().filter(|v| v.is_nan()).count() as u64;
    assert_eq!(n_nan, r.report.n_missing);
    let rate = n_nan as f64 / x.len() as f64;
    assert!((rate - 0.1).abs() < 0.003, "missing rate {rate}");

    assert!(truth_rows(&r.prefix).is_empty());
    let t = &r.report.traits[0];
    assert_eq!(t.realised_h2, 0.0);
    let a = &t.covar_effects;
    assert!((a[0] * a[0] + a[1] * a[1] - 0.5).abs() < 1e-12);

    let y = column(
        &genotype::with_extension(&r.prefix, "pheno.tsv"),
        &fs.fam,
        "pheno1",
        false,
    );
    let covar = genotype::with_extension(&r.prefix, "covar.tsv");
    let c1 = column(&covar, &fs.fam, "cov1", true);
    let c2 = column(&covar, &fs.fam, "cov2", true);
    let pop: Vec<f64> = Pedigree::new(&cfg).pops.iter().map(|&k| k as f64).collect();
    let b = ols(&[vec![1.0; y.len()], c1, c2, pop], &y);
    // Noise variance 1, n = 4000: standard errors about 0.016 (0.032 for the shift).
    assert!(b[0].abs() < 0.06, "intercept {}", b[0]);
    assert!((b[1] - a[0]).abs() < 0.06, "cov1 {} vs {}", b[1], a[0]);
    assert!((b[2] - a[1]).abs() < 0.06, "cov2 {} vs {}", b[2], a[1]);
    assert!((b[3] - 1.0).abs() < 0.12, "shift {}", b[3]);
}
