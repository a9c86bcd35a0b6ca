//! Covariate table readers ([`genotype::CovariateTable::read`],
//! [`genotype::Table::read_covariates`]): never panic and agree on what
//! they accept. An accepted table has one row per non-blank line but an
//! optional header, unique sample IDs, numeric columns of finite values,
//! categorical columns whose codes name sorted distinct levels, and
//! expands over any rows (all, every other one) into indicator columns of
//! 0/1 as long as those rows; matched to a `.fam` it gathers in `.fam`
//! order.
#![no_main]

use std::collections::HashSet;

use genotype::{CovariateTable, CovariateValues, Fam, RowMatch, Sample, Sex, Table};
use kindred_fuzz::{accepted, assert_table_lines, Scratch};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut s = Scratch::new("covar");
    let path = s.write("covar.tsv", data);
    let read = CovariateTable::read(&path);
    let expanded = Table::read_covariates(&path);
    assert_eq!(read.is_ok(), expanded.is_ok());
    let Some(t) = accepted(read) else {
        return;
    };
    assert_table_lines(&t.lines, data);
    let n = t.ids.len();
    assert_eq!(t.lines.len(), n);
    assert_eq!(t.ids.iter().collect::<HashSet<_>>().len(), n);
    let c = &t.covariates;
    assert!(!c.is_empty());
    for col in &c.columns {
        match &col.values {
            CovariateValues::Numeric(v) => {
                assert_eq!(v.len(), n);
                assert!(v.iter().flatten().all(|x| x.is_finite()));
            }
            CovariateValues::Categorical { levels, codes } => {
                assert_eq!(codes.len(), n);
                assert!(levels.windows(2).all(|w| w[0] < w[1]), "levels sorted and distinct");
                assert!(codes.iter().flatten().all(|&k| (k as usize) < levels.len()));
            }
        }
    }
    let all: Vec<u32> = (0..n as u32).collect();
    let every_other: Vec<u32> = (0..n as u32).step_by(2).collect();
    for rows in [&all, &every_other] {
        let (names, cols) = c.expand(rows);
        assert_eq!(names.len(), cols.len());
        for (col, name) in cols.iter().zip(&names) {
            assert_eq!(col.len(), rows.len());
            if name.contains('=') && !c.names().contains(&name.as_str()) {
                assert!(col.iter().flatten().all(|&x| x == 0.0 || x == 1.0), "{name}");
            }
        }
    }
    let e = expanded.expect("accepted above");
    assert_eq!((e.ids, e.lines), (t.ids.clone(), t.lines.clone()));
    assert_eq!(e.names, c.expand(&all).0);
    // a .fam with the table's samples in reverse order and one more (an
    // ID with a space, which no table row can have)
    let mut samples: Vec<Sample> = t
        .ids
        .iter()
        .rev()
        .map(|id| Sample {
            id: id.clone(),
            father: None,
            mother: None,
            sex: Sex::Unknown,
        })
        .collect();
    samples.push(Sample {
        id: genotype::SampleId::new("not a", "token"),
        father: None,
        mother: None,
        sex: Sex::Unknown,
    });
    let fam = Fam {
        phenotypes: vec![vec![None; samples.len()]],
        samples,
    };
    let rows = RowMatch::new(&t.ids, &fam);
    assert_eq!((rows.n_absent(), rows.n_unknown), (1, 0));
    let g = c.gather(&rows);
    assert_eq!(g.len(), c.len());
    for i in 0..n {
        assert_eq!(g.is_complete(n - 1 - i), c.is_complete(i));
    }
    assert!(!g.is_complete(n));
});
