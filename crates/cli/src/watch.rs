//! Inputs changed under a running job: the size, modification time and
//! identity (device, inode) of every input file are recorded before it is
//! opened and compared again before the outputs are published. A file
//! truncated or rewritten in place, or replaced by another, during the run
//! means the results may mix two versions of it: the run fails and
//! publishes nothing.

use std::fmt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use genotype::with_extension;

use crate::args::{GrmSource, Input, Pheno};

/// What identifies one version of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
}

impl Stamp {
    fn of(path: &Path) -> Option<Self> {
        let m = std::fs::metadata(path).ok()?;
        Some(Self {
            dev: m.dev(),
            ino: m.ino(),
            size: m.size(),
            mtime: (m.mtime(), m.mtime_nsec()),
        })
    }
}

/// An input changed while the run used it.
#[derive(Debug)]
pub struct InputChanged {
    /// The file.
    pub path: PathBuf,
    /// How.
    pub what: String,
}

impl fmt::Display for InputChanged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "input file {} changed while kindred was running ({}); the results may mix two versions of it, so nothing was published",
            self.path.display(),
            self.what
        )
    }
}

impl std::error::Error for InputChanged {}

/// The recorded state of a run's input files.
#[derive(Debug, Default)]
pub struct InputSnapshot {
    files: Vec<(PathBuf, Stamp)>,
}

impl InputSnapshot {
    /// Records the files of `paths` that exist (a missing one is reported
    /// by the reader that needs it).
    pub fn record(paths: &[PathBuf]) -> Self {
        let files = paths
            .iter()
            .filter_map(|p| Stamp::of(p).map(|s| (p.clone(), s)))
            .collect();
        Self { files }
    }

    /// Checks that every recorded file is still the same.
    ///
    /// # Errors
    /// [`InputChanged`] naming the first file that differs.
    pub fn verify(&self) -> Result<(), InputChanged> {
        for (path, before) in &self.files {
            let what = match Stamp::of(path) {
                None => "it was removed".to_string(),
                Some(now) if (now.dev, now.ino) != (before.dev, before.ino) => {
                    "it was replaced by another file".to_string()
                }
                Some(now) if now.size != before.size => {
                    format!("size {} -> {} bytes", before.size, now.size)
                }
                Some(now) if now.mtime != before.mtime => "it was modified".to_string(),
                Some(_) => continue,
            };
            return Err(InputChanged {
                path: path.clone(),
                what,
            });
        }
        Ok(())
    }
}

/// The files the input flags name: the fileset, the sample and variant
/// lists, the phenotype and covariate tables, the `--grm-bfile` fileset,
/// and every file `--grm` or `--eigen` may read (only those that exist are recorded).
pub fn input_files(input: &Input, pheno: Option<&Pheno>, grm: Option<&GrmSource>) -> Vec<PathBuf> {
    let files = crate::cmd::input::source_spec(input);
    let mut v: Vec<PathBuf> = match &files {
        genotype::SourceSpec::Bed(p) => ["bed", "bim", "fam"].iter().map(|e| with_extension(p, e)).collect(),
        genotype::SourceSpec::Pgen(p) => ["pgen", "pvar", "psam"].iter().map(|e| with_extension(p, e)).collect(),
        genotype::SourceSpec::Bgen { file, sample } => {
            [Some(file), sample.as_ref()].into_iter().flatten().cloned().collect()
        }
        genotype::SourceSpec::Bimbam(b) => [Some(&b.geno), b.pheno.as_ref(), b.anno.as_ref()]
            .into_iter()
            .flatten()
            .cloned()
            .collect(),
    };
    let lists = [&input.keep, &input.remove, &input.extract, &input.exclude];
    v.extend(lists.into_iter().flatten().cloned());
    if let Some(p) = pheno {
        v.extend([&p.pheno, &p.covar].into_iter().flatten().cloned());
    }
    if let Some(p) = grm.and_then(|g| g.grm.as_ref()) {
        v.push(p.clone());
        v.extend(["grm.bin", "grm.id", "grm.N.bin"].iter().map(|e| with_extension(p, e)));
    }
    if let Some(p) = grm.and_then(|g| g.grm_bfile.as_ref()) {
        v.extend(["bed", "bim", "fam"].iter().map(|e| with_extension(p, e)));
    }
    if let Some(p) = grm.and_then(|g| g.eigen.as_ref()) {
        v.extend(["eigen.bin", "eigen.id"].iter().map(|e| with_extension(p, e)));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_17_5_changes_are_found_and_named() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, c, gone) = (
            dir.path().join("a"),
            dir.path().join("b"),
            dir.path().join("c"),
            dir.path().join("missing"),
        );
        for p in [&a, &b, &c] {
            std::fs::write(p, "1234").unwrap();
        }
        let snap = InputSnapshot::record(&[a.clone(), b.clone(), c.clone(), gone]);
        assert_eq!(snap.files.len(), 3);
        snap.verify().unwrap();

        let f = std::fs::OpenOptions::new().write(true).open(&b).unwrap();
        f.set_len(2).unwrap();
        let e = snap.verify().unwrap_err();
        assert_eq!(e.path, b);
        assert!(e.to_string().contains("4 -> 2 bytes"), "{e}");

        let snap = InputSnapshot::record(&[a.clone(), b.clone(), c.clone()]);
        let t = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        std::fs::File::options()
            .write(true)
            .open(&c)
            .unwrap()
            .set_modified(t)
            .unwrap();
        assert!(snap.verify().unwrap_err().to_string().contains("modified"));

        let snap = InputSnapshot::record(&[a.clone(), b.clone(), c.clone()]);
        std::fs::write(dir.path().join("new"), "1234").unwrap();
        std::fs::rename(dir.path().join("new"), &a).unwrap();
        assert!(snap.verify().unwrap_err().to_string().contains("replaced"));
    }
}
