//! What `simulate` writes reads back identically through kindred's reader
//! and through bed-reader, the reference PLINK 1 reader.

mod common;

use bed_reader::{Bed as OracleBed, ReadOptions};
use common::run_and_read;
use genotype::{Chrom, Sex, Table};
use simulate::{Layout, SimConfig};

#[test]
fn kindred_and_bed_reader_read_the_same_fileset() {
    let cfg = SimConfig {
        n_chrom: 4,
        missing_rate: 0.05,
        n_causal: 10,
        n_null: 2,
        ..SimConfig::new(103, 300)
    };
    let (r, fs, ours) = run_and_read(&cfg);
    let n = fs.fam.len();

    let mut oracle = OracleBed::new(genotype::with_extension(&r.prefix, "bed")).unwrap();
    let theirs = ReadOptions::builder().f64().read(&mut oracle).unwrap();
    assert_eq!(theirs.dim(), (103, 300));
    for (j, col) in ours.chunks(n).enumerate() {
        for (i, (&a, &b)) in col.iter().zip(theirs.column(j)).enumerate() {
            assert!(
                a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                "sample {i}, variant {j}: {a} vs {b}"
            );
        }
    }
    assert!(ours.iter().any(|v| v.is_nan()));

    let iid = oracle.iid().unwrap().clone();
    let fid = oracle.fid().unwrap().clone();
    let father = oracle.father().unwrap().clone();
    let mother = oracle.mother().unwrap().clone();
    let sex = oracle.sex().unwrap().clone();
    for (i, s) in fs.fam.samples.iter().enumerate() {
        assert_eq!((&*s.id.fid, &*s.id.iid), (fid[i].as_str(), iid[i].as_str()));
        assert_eq!(s.father.as_deref().unwrap_or("0"), father[i]);
        assert_eq!(s.mother.as_deref().unwrap_or("0"), mother[i]);
        let code = match s.sex {
            Sex::Male => 1,
            Sex::Female => 2,
            Sex::Unknown => 0,
        };
        assert_eq!(code, sex[i]);
    }
    let chrom = oracle.chromosome().unwrap().clone();
    let sid = oracle.sid().unwrap().clone();
    let bp = oracle.bp_position().unwrap().clone();
    let cm = oracle.cm_position().unwrap().clone();
    let a1 = oracle.allele_1().unwrap().clone();
    let a2 = oracle.allele_2().unwrap().clone();
    let layout = Layout::new(300, 4);
    for (j, v) in fs.variants.iter().enumerate() {
        assert_eq!(v.chrom.to_string(), chrom[j]);
        assert_eq!(v.chrom, Chrom::Auto(layout.locate(j).0 as u8 + 1));
        assert_eq!(&*v.id, format!("snp{}", j + 1));
        assert_eq!(&*v.id, sid[j]);
        assert_eq!(v.pos, i64::from(bp[j]));
        assert!((v.cm as f32 - cm[j]).abs() < 1e-4);
        assert_eq!((&*v.a1, &*v.a2), (a1[j].as_str(), a2[j].as_str()));
        assert_ne!(v.a1, v.a2);
        if j > 0 && fs.variants[j - 1].chrom == v.chrom {
            assert!(fs.variants[j - 1].pos < v.pos, "positions must increase");
        }
    }

    let pheno = Table::read_phenotypes(&genotype::with_extension(&r.prefix, "pheno.tsv")).unwrap();
    assert_eq!(pheno.names, ["pheno1", "null1", "null2"]);
    let covar = Table::read_covariates(&genotype::with_extension(&r.prefix, "covar.tsv")).unwrap();
    assert_eq!(covar.names, ["cov1", "cov2"]);
    for t in [pheno, covar] {
        let aligned = t.align(&fs.fam);
        assert_eq!((aligned.n_absent, aligned.n_unknown), (0, 0));
        assert!(aligned.columns.iter().flatten().all(Option::is_some));
    }
}
