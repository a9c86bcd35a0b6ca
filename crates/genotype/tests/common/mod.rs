//! Helpers shared by genotype's tests: the integration tests (`mod
//! common;`) and the unit tests of `atomic`, which include this file by
//! path (one copy for both kinds of test).

// Each test crate that includes this module uses only some of it.
#![allow(dead_code)]

use std::path::Path;

/// The names in `dir`, sorted.
pub fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("a readable directory")
        .map(|e| e.expect("a directory entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}
