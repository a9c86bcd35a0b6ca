//! kindred's record beside a GRM file it wrote, since the GCTA and GEMMA
//! layouts have no room for one: `PREFIX.grm.kindred.json` beside a GCTA
//! prefix, `FILE.kindred.json` beside a GEMMA text file.
//!
//! ```json
//! {"kindred_grm": 1,
//!  "files": [{"role": "matrix", "bytes": 8, "checksum": "<16 hex digits>"}, ...],
//!  "fileset": {"prefix": "data/x", "bed_bytes": 3, "bim_bytes": 0, "fam_bytes": 0,
//!              "bim_checksum": "...", "fam_checksum": "..."},
//!  "grm": {"source": "built", "kind": "centered", "precision": "f64",
//!          "maf": 0.01, "geno": 0.05, "n_variants": 10768}}
//! ```
//!
//! Roles: `matrix` (`.grm.bin` or the text file), `counts` (`.grm.N.bin`),
//! `ids` (`.grm.id`); sizes in bytes, checksums of the whole file
//! ([`crate::checksum()`]). A reader verifies each file it reads against its
//! entry and the run compares the provenance with its own fileset.

use std::io::Write;
use std::path::{Path, PathBuf};

use genotype::{with_extension, AtomicFile, Location};
use serde::{Deserialize, Serialize};

use crate::checksum::hex;
use crate::error::{Error, Result};
use crate::provenance::Provenance;

/// Version of the sidecar layout.
const VERSION: u32 = 1;

/// One file of a GRM and what it held when written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Entry {
    /// `matrix`, `counts` or `ids`.
    pub(crate) role: String,
    /// Its size.
    pub(crate) bytes: u64,
    /// Its checksum (16 hex digits).
    pub(crate) checksum: String,
}

impl Entry {
    /// The entry of a file of role `role` holding `bytes` bytes with checksum `sum`.
    pub(crate) fn new(role: &str, bytes: u64, sum: u64) -> Self {
        Self {
            role: role.to_string(),
            bytes,
            checksum: hex(sum),
        }
    }
}

/// The sidecar's content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Sidecar {
    kindred_grm: u32,
    pub(crate) files: Vec<Entry>,
    #[serde(flatten)]
    pub(crate) provenance: Provenance,
}

/// The sidecar of a GCTA prefix: `PREFIX.grm.kindred.json`.
pub(crate) fn gcta_path(prefix: &Path) -> PathBuf {
    with_extension(prefix, "grm.kindred.json")
}

/// The sidecar of a GEMMA text file: `FILE.kindred.json`.
pub(crate) fn gemma_path(file: &Path) -> PathBuf {
    with_extension(file, "kindred.json")
}

/// Writes the sidecar `path` (crash-safe).
///
/// # Errors
/// `Io` naming it.
pub(crate) fn write(path: &Path, files: Vec<Entry>, provenance: &Provenance) -> Result<()> {
    let s = Sidecar {
        kindred_grm: VERSION,
        files,
        provenance: provenance.clone(),
    };
    let json = serde_json::to_string_pretty(&s).map_err(|e| Error::Malformed {
        at: Location::file(path),
        what: e.to_string(),
    })?;
    let mut f = AtomicFile::create(path)?;
    writeln!(f, "{json}").map_err(|e| Error::io(path, e))?;
    f.commit()?;
    Ok(())
}

/// Reads the sidecar `path`; `None` when there is none.
///
/// # Errors
/// `Io` when it exists but cannot be read; `Malformed` naming it when it is
/// not a sidecar of this version.
pub(crate) fn read(path: &Path) -> Result<Option<Sidecar>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(path, e)),
    };
    let bad = |what: String| Error::Malformed {
        at: Location::file(path),
        what,
    };
    let s: Sidecar = serde_json::from_str(&text).map_err(|e| bad(format!("not a kindred GRM record: {e}")))?;
    if s.kindred_grm != VERSION {
        return Err(bad(format!(
            "version {} of the kindred GRM record; this kindred reads version {VERSION}",
            s.kindred_grm
        )));
    }
    Ok(Some(s))
}

impl Sidecar {
    /// Checks the file `file` of role `role`, `bytes` long with checksum
    /// `sum`, against its entry (a role without an entry is not checked).
    ///
    /// # Errors
    /// `Malformed` naming `file` and the sidecar `at` when they differ.
    pub(crate) fn verify(&self, at: &Path, role: &str, file: &Path, bytes: u64, sum: u64) -> Result<()> {
        let Some(e) = self.files.iter().find(|e| e.role == role) else {
            return Ok(());
        };
        if e.bytes == bytes && e.checksum == hex(sum) {
            return Ok(());
        }
        let what = if e.bytes == bytes {
            format!(
                "its checksum is {} but {} records {}",
                hex(sum),
                at.display(),
                e.checksum
            )
        } else {
            format!("it has {bytes} bytes but {} records {}", at.display(), e.bytes)
        };
        Err(Error::Malformed {
            at: Location::file(file),
            what: format!(
                "{what}: changed or damaged since kindred wrote it; write the GRM again \
                 (or delete {} if another tool replaced it on purpose)",
                at.display()
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provenance::{FilesetFingerprint, GrmOrigin};
    use crate::{GrmKind, Precision};

    fn prov() -> Provenance {
        Provenance {
            fileset: FilesetFingerprint {
                prefix: "data/x".into(),
                bed_bytes: 3,
                bim_bytes: 10,
                fam_bytes: 20,
                bim_checksum: hex(1),
                fam_checksum: hex(2),
            },
            grm: GrmOrigin::built(GrmKind::Centered, Precision::F64, 0.01, 0.05, 7),
        }
    }

    #[test]
    fn issue_17_4_sidecar_round_trips_and_verifies_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = gcta_path(&dir.path().join("k"));
        assert!(read(&p).unwrap().is_none());
        write(&p, vec![Entry::new("matrix", 12, 99)], &prov()).unwrap();
        let s = read(&p).unwrap().unwrap();
        assert_eq!(s.provenance, prov());
        let f = dir.path().join("k.grm.bin");
        s.verify(&p, "matrix", &f, 12, 99).unwrap();
        s.verify(&p, "counts", &f, 1, 1).unwrap();
        let e = s.verify(&p, "matrix", &f, 12, 98).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::MalformedInput);
        let msg = e.to_string();
        assert!(msg.starts_with(&format!("{}: its checksum is", f.display())), "{msg}");
        assert!(msg.contains("k.grm.kindred.json"), "{msg}");
        let e = s.verify(&p, "matrix", &f, 13, 99).unwrap_err();
        assert!(e.to_string().contains("it has 13 bytes"), "{e}");
        std::fs::write(&p, "{}").unwrap();
        let e = read(&p).unwrap_err();
        assert!(e.to_string().contains("not a kindred GRM record"), "{e}");
    }
}
