//! Phenotype table reader ([`genotype::Table::read_phenotypes`]): never
//! panics; a table it accepts has one row per non-blank line but an
//! optional first (header) line, unique sample IDs and finite values in
//! columns as long as the rows and as many as the names.
#![no_main]

use std::collections::HashSet;

use genotype::Table;
use kindred_fuzz::{accepted, assert_table_lines, Scratch};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut s = Scratch::new("pheno");
    let path = s.write("pheno.tsv", data);
    let Some(t) = accepted(Table::read_phenotypes(&path)) else {
        return;
    };
    assert_table_lines(&t.lines, data);
    assert_eq!(t.ids.len(), t.lines.len());
    assert!(!t.ids.is_empty());
    assert_eq!(t.ids.iter().collect::<HashSet<_>>().len(), t.ids.len());
    assert!(!t.names.is_empty());
    assert_eq!(t.names.iter().collect::<HashSet<_>>().len(), t.names.len());
    assert_eq!(t.columns.len(), t.names.len());
    for (j, (name, col)) in t.names.iter().zip(&t.columns).enumerate() {
        assert_eq!(col.len(), t.ids.len());
        assert!(col.iter().flatten().all(|v| v.is_finite()));
        assert_eq!(t.column_index(name), Some(j));
    }
});
