//! A GRM file named by the user, in whichever format it is.

use std::path::{Path, PathBuf};

use genotype::SampleId;

use super::{gcta, gemma, sidecar};
use crate::error::{Error, Result};
use crate::grm::Grm;
use crate::provenance::Provenance;

/// An existing GRM file and its format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrmFile {
    /// GCTA binary, by prefix (`PREFIX.grm.bin`, `.grm.id`, `.grm.N.bin`).
    Gcta(PathBuf),
    /// GEMMA text (optionally `.gz`), by file name: one row per `.fam`
    /// sample, in `.fam` order.
    Gemma(PathBuf),
}

impl GrmFile {
    /// The GRM a path names: GCTA when `P.grm.bin` exists, else GEMMA when
    /// `P` is a file.
    ///
    /// # Errors
    /// `InvalidArgument` when neither exists.
    pub fn locate(p: &Path) -> Result<GrmFile> {
        if gcta::exists(p) {
            return Ok(GrmFile::Gcta(p.to_path_buf()));
        }
        if p.is_file() {
            return Ok(GrmFile::Gemma(p.to_path_buf()));
        }
        Err(Error::InvalidArgument(format!(
            "--grm {}: neither {}.grm.bin (GCTA / PLINK 2 / kindred) nor a GEMMA text file of that name exists",
            p.display(),
            p.display()
        )))
    }

    /// Reads the matrix. A GEMMA file has no sample IDs: its rows are
    /// `fam_ids`, every `.fam` sample in `.fam` order. A GCTA file names its
    /// samples and `fam_ids` is not used. Files kindred wrote are verified
    /// against its record of them.
    ///
    /// # Errors
    /// Those of [`gcta::read`] and [`gemma::read`].
    pub fn read(&self, fam_ids: Vec<SampleId>) -> Result<Grm> {
        match self {
            GrmFile::Gcta(prefix) => gcta::read(prefix),
            GrmFile::Gemma(path) => gemma::read(path, fam_ids),
        }
    }

    /// The provenance kindred recorded when it wrote the file
    /// (`PREFIX.grm.kindred.json`, `FILE.kindred.json`); `None` for a file
    /// another tool wrote.
    ///
    /// # Errors
    /// `Io` or `Malformed` naming the record when it cannot be read.
    pub fn provenance(&self) -> Result<Option<Provenance>> {
        let s = match self {
            GrmFile::Gcta(prefix) => gcta::recorded(prefix)?,
            GrmFile::Gemma(path) => gemma::recorded(path)?,
        };
        Ok(s.map(|s| s.provenance))
    }

    /// Where kindred keeps its record of the file: `PREFIX.grm.kindred.json`
    /// or `FILE.kindred.json`.
    pub fn record(&self) -> PathBuf {
        match self {
            GrmFile::Gcta(prefix) => sidecar::gcta_path(prefix),
            GrmFile::Gemma(path) => sidecar::gemma_path(path),
        }
    }

    /// The file's path as the user named it (a GCTA prefix or a GEMMA file).
    pub fn path(&self) -> &Path {
        match self {
            GrmFile::Gcta(p) | GrmFile::Gemma(p) => p,
        }
    }

    /// Where the GRM is read from, for logs: `read from P.grm.bin (GCTA
    /// format)` or `read from P (GEMMA format)`.
    pub fn describe(&self) -> String {
        match self {
            GrmFile::Gcta(p) => format!("read from {}.grm.bin (GCTA format)", p.display()),
            GrmFile::Gemma(p) => format!("read from {} (GEMMA format)", p.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use faer::Mat;

    use super::*;
    use crate::ErrorKind;

    fn grm() -> Grm {
        Grm {
            matrix: Mat::from_fn(2, 2, |i, j| if i == j { 1.5 } else { -0.5 }),
            ids: vec![SampleId::new("F", "a"), SampleId::new("F", "b")],
            n_variants: 3,
            pair_counts: None,
            kind: None,
        }
    }

    #[test]
    fn locate_tells_gcta_from_gemma_and_reads_each() {
        let dir = tempfile::tempdir().unwrap();
        let g = grm();
        let prefix = dir.path().join("k");
        gcta::write(&prefix, &g, None).unwrap();
        let text = dir.path().join("k.cXX.txt");
        gemma::write(&text, &g, None).unwrap();

        let gc = GrmFile::locate(&prefix).unwrap();
        assert_eq!(gc, GrmFile::Gcta(prefix.clone()));
        assert_eq!(
            gc.describe(),
            format!("read from {}.grm.bin (GCTA format)", prefix.display())
        );
        let back = gc.read(Vec::new()).unwrap();
        assert_eq!((back.ids.clone(), back.n_variants), (g.ids.clone(), 3));
        assert_eq!(back.max_abs_diff(&g.matrix), 0.0);

        let ge = GrmFile::locate(&text).unwrap();
        assert_eq!(ge, GrmFile::Gemma(text.clone()));
        assert_eq!(ge.describe(), format!("read from {} (GEMMA format)", text.display()));
        let ids = vec![SampleId::new("G", "x"), SampleId::new("G", "y")];
        let back = ge.read(ids.clone()).unwrap();
        assert_eq!(back.ids, ids);
        assert_eq!(back.max_abs_diff(&g.matrix), 0.0);
    }

    #[test]
    fn locate_prefers_gcta_when_both_exist() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("both");
        gcta::write(&p, &grm(), None).unwrap();
        std::fs::write(&p, "1\n").unwrap();
        assert_eq!(GrmFile::locate(&p).unwrap(), GrmFile::Gcta(p));
    }

    #[test]
    fn locate_without_either_file_is_an_invalid_argument() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("none");
        let e = GrmFile::locate(&p).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        let d = p.display();
        assert_eq!(
            e.to_string(),
            format!(
                "--grm {d}: neither {d}.grm.bin (GCTA / PLINK 2 / kindred) nor a GEMMA text file of that name exists"
            )
        );
        // a directory of that name is not a GEMMA file
        std::fs::create_dir(&p).unwrap();
        assert_eq!(GrmFile::locate(&p).unwrap_err().kind(), ErrorKind::InvalidArgument);
    }
}
