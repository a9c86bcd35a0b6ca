//! Where a derived file (a GRM, an eigendecomposition) came from: the
//! fileset it was computed on and the settings of the GRM, recorded when
//! kindred writes it and compared when a run uses it.

use std::path::Path;

use genotype::{with_extension, SourceFiles};
use serde::{Deserialize, Serialize};

use crate::block::Precision;
use crate::checksum::{checksum_file, hex};
use crate::error::{Error, Result};
use crate::kind::GrmKind;

/// A PLINK fileset as it was on disk: the sizes of `.bed`, `.bim` and
/// `.fam` and the checksums of `.bim` and `.fam` ([`crate::checksum()`]).
/// The `.bed` is not read (it can be large); its size, which follows from
/// the sample and variant counts, is compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilesetFingerprint {
    /// The prefix it was read from (shown in messages; not compared).
    pub prefix: String,
    /// Bytes of `PREFIX.bed`.
    pub bed_bytes: u64,
    /// Bytes of `PREFIX.bim`.
    pub bim_bytes: u64,
    /// Bytes of `PREFIX.fam`.
    pub fam_bytes: u64,
    /// Checksum of `PREFIX.bim` (16 hex digits).
    pub bim_checksum: String,
    /// Checksum of `PREFIX.fam` (16 hex digits).
    pub fam_checksum: String,
}

#[cfg(test)]
impl FilesetFingerprint {
    /// A made-up fingerprint for tests of the formats that record one.
    pub(crate) fn example() -> Self {
        Self {
            prefix: "x".into(),
            bed_bytes: 1,
            bim_bytes: 2,
            fam_bytes: 3,
            bim_checksum: "0".into(),
            fam_checksum: "1".into(),
        }
    }
}

impl FilesetFingerprint {
    /// Reads the sizes and checksums of the fileset at `prefix`.
    ///
    /// # Errors
    /// `Io` naming the file that cannot be read.
    pub fn of(prefix: &Path) -> Result<Self> {
        Self::of_source(&SourceFiles {
            label: prefix.to_path_buf(),
            genotypes: with_extension(prefix, "bed"),
            variants: Some(with_extension(prefix, "bim")),
            samples: Some(with_extension(prefix, "fam")),
        })
    }

    /// The same for any genotype source: its genotype file's size stands
    /// for the `.bed`'s, its variant and sample files (`.pvar`/`.psam`,
    /// BIMBAM's annotation/phenotype files, a BGEN `.sample`) for the
    /// `.bim` and `.fam`; a file the source does not have counts as 0
    /// bytes with checksum `-` (a BGEN's variants and sample IDs are inside
    /// the `.bgen`: only its size is compared).
    ///
    /// # Errors
    /// `Io` naming the file that cannot be read.
    pub fn of_source(files: &SourceFiles) -> Result<Self> {
        let sum = |p: &Option<std::path::PathBuf>| match p {
            Some(p) => checksum_file(p).map(|(n, c)| (n, hex(c))).map_err(|e| Error::io(p, e)),
            None => Ok((0, "-".to_string())),
        };
        let bed = &files.genotypes;
        let bed_bytes = std::fs::metadata(bed).map_err(|e| Error::io(bed, e))?.len();
        let (bim_bytes, bim_checksum) = sum(&files.variants)?;
        let (fam_bytes, fam_checksum) = sum(&files.samples)?;
        Ok(Self {
            prefix: files.label.display().to_string(),
            bed_bytes,
            bim_bytes,
            fam_bytes,
            bim_checksum,
            fam_checksum,
        })
    }

    /// What differs from `other` (`.fam contents`, `.bed size`, ...); empty
    /// when they are the same files.
    pub fn differences(&self, other: &Self) -> Vec<&'static str> {
        let mut d = Vec::new();
        if (self.fam_bytes, &self.fam_checksum) != (other.fam_bytes, &other.fam_checksum) {
            d.push(".fam contents");
        }
        if (self.bim_bytes, &self.bim_checksum) != (other.bim_bytes, &other.bim_checksum) {
            d.push(".bim contents");
        }
        if self.bed_bytes != other.bed_bytes {
            d.push(".bed size");
        }
        d
    }
}

/// How the GRM of a derived file was obtained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum GrmOrigin {
    /// Built from the genotypes of the fileset.
    Built {
        /// The kind's name ([`GrmKind::name`]).
        kind: String,
        /// The block multiply's arithmetic (`f64` or `f32`).
        precision: String,
        /// Minimum minor allele frequency of the variant QC (`--maf`).
        maf: f64,
        /// Maximum missing rate of the variant QC (`--geno`).
        geno: f64,
        /// Variants in the GRM.
        n_variants: usize,
        /// The PLINK 1 fileset whose genotypes it was built from, when that
        /// is not the fileset analysed (`--grm-bfile`); `None`: built from
        /// the analysed genotypes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        genotypes: Option<FilesetFingerprint>,
    },
    /// Read from a GRM file.
    File {
        /// The file, as named by the user.
        path: String,
        /// Variants in the GRM when the file says (else 0).
        n_variants: usize,
    },
}

impl GrmOrigin {
    /// A GRM built with these settings.
    pub fn built(kind: GrmKind, precision: Precision, maf: f64, geno: f64, n_variants: usize) -> Self {
        GrmOrigin::Built {
            kind: kind.name().to_string(),
            precision: match precision {
                Precision::F64 => "f64",
                Precision::F32 => "f32",
            }
            .to_string(),
            maf,
            geno,
            n_variants,
            genotypes: None,
        }
    }

    /// The same origin, built from the genotypes of `fileset` (another
    /// fileset than the one analysed: `--grm-bfile`); a GRM read from a
    /// file is returned unchanged.
    pub fn from_fileset(mut self, fileset: FilesetFingerprint) -> Self {
        if let GrmOrigin::Built { genotypes, .. } = &mut self {
            *genotypes = Some(fileset);
        }
        self
    }

    /// The fileset a built GRM's genotypes came from when it was not the
    /// analysed one (`None` also for a GRM read from a file).
    pub fn genotypes(&self) -> Option<&FilesetFingerprint> {
        match self {
            GrmOrigin::Built { genotypes, .. } => genotypes.as_ref(),
            GrmOrigin::File { .. } => None,
        }
    }

    /// Refuses a GRM built from other genotypes than the run's: `current`
    /// is the fileset the run builds its GRM from (`--grm-bfile`), `None`
    /// when it builds it from the analysed genotypes. `Inconsistent`
    /// naming `file` and both; nothing is checked for a GRM read from a
    /// file.
    ///
    /// # Errors
    /// `Inconsistent` when one was built from another fileset and the
    /// other not, or from filesets whose fingerprints differ.
    pub fn check_genotypes(&self, current: Option<&FilesetFingerprint>, file: &Path) -> Result<()> {
        if matches!(self, GrmOrigin::File { .. }) {
            return Ok(());
        }
        let msg = match (self.genotypes(), current) {
            (None, None) => return Ok(()),
            (Some(rec), None) => format!(
                "{}: its GRM was built from the genotypes of {} (--grm-bfile), but this run gives no --grm-bfile; \
                 give --grm-bfile {} or write it again without",
                file.display(),
                rec.prefix,
                rec.prefix
            ),
            (None, Some(cur)) => format!(
                "{}: its GRM was built from the analysed genotypes, but this run builds K from --grm-bfile {}; \
                 drop --grm-bfile or write it again with it",
                file.display(),
                cur.prefix
            ),
            (Some(rec), Some(cur)) => {
                let d = rec.differences(cur);
                if d.is_empty() {
                    return Ok(());
                }
                format!(
                    "{}: its GRM was built from the genotypes of {} but this run's --grm-bfile is {}, whose {} differ; \
                     write it again with --write-eigen from this fileset",
                    file.display(),
                    rec.prefix,
                    cur.prefix,
                    d.join(", ")
                )
            }
        };
        Err(Error::Inconsistent(msg))
    }

    /// The settings that differ from a run asking for `kind`, `maf` and
    /// `geno`, as `(setting, recorded, asked)`; empty for a GRM read from a
    /// file (nothing to compare).
    pub fn differences(&self, kind: GrmKind, maf: f64, geno: f64) -> Vec<(&'static str, String, String)> {
        let GrmOrigin::Built {
            kind: k,
            maf: m,
            geno: g,
            ..
        } = self
        else {
            return Vec::new();
        };
        let same = |a: f64, b: f64| (a - b).abs() <= 1e-12 * a.abs().max(b.abs());
        let mut d = Vec::new();
        if k != kind.name() {
            d.push(("--kind", k.clone(), kind.name().to_string()));
        }
        if !same(*m, maf) {
            d.push(("--maf", m.to_string(), maf.to_string()));
        }
        if !same(*g, geno) {
            d.push(("--geno", g.to_string(), geno.to_string()));
        }
        d
    }

    /// Whether the GRM is positive semi-definite by construction (`Z Zᵀ / M`:
    /// every kind but GCTA's, whose diagonal and per-pair counts are not).
    pub fn is_psd(&self) -> bool {
        matches!(self, GrmOrigin::Built { kind, .. } if kind != GrmKind::Gcta.name())
    }

    /// One line for logs: `centered GRM of 10768 variants (--maf 0.01 --geno 0.05)`.
    pub fn describe(&self) -> String {
        match self {
            GrmOrigin::Built {
                kind,
                precision,
                maf,
                geno,
                n_variants,
                genotypes,
            } => {
                let from = genotypes
                    .as_ref()
                    .map_or(String::new(), |g| format!(" from the genotypes of {}", g.prefix));
                format!("{kind} GRM ({precision}) of {n_variants} variants{from}, --maf {maf} --geno {geno}")
            }
            GrmOrigin::File { path, .. } => format!("GRM read from {path}"),
        }
    }
}

/// The provenance of a derived file: its fileset and its GRM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// The fileset the GRM's samples (and variants) came from.
    pub fileset: FilesetFingerprint,
    /// How the GRM was obtained.
    pub grm: GrmOrigin,
}

impl Provenance {
    /// Refuses a file made from another fileset than `current`: `Inconsistent`
    /// naming `file`, both filesets and what differs.
    ///
    /// # Errors
    /// `Inconsistent` when the fingerprints differ.
    pub fn check_fileset(&self, current: &FilesetFingerprint, file: &Path, remedy: &str) -> Result<()> {
        let d = self.fileset.differences(current);
        if d.is_empty() {
            return Ok(());
        }
        Err(Error::Inconsistent(format!(
            "{} was made from the fileset {} but this run reads {}, whose {} differ; {remedy}",
            file.display(),
            self.fileset.prefix,
            current.prefix,
            d.join(", ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fileset(dir: &Path, fam: &str) -> std::path::PathBuf {
        let p = dir.join("x");
        std::fs::write(with_extension(&p, "bed"), [0x6c, 0x1b, 1, 0]).unwrap();
        std::fs::write(with_extension(&p, "bim"), "1 a 0 1 A G\n").unwrap();
        std::fs::write(with_extension(&p, "fam"), fam).unwrap();
        p
    }

    #[test]
    fn issue_17_4_fingerprints_tell_filesets_apart() {
        let dir = tempfile::tempdir().unwrap();
        let p = fileset(dir.path(), "F a 0 0 1 1.5\nF b 0 0 2 2\n");
        let a = FilesetFingerprint::of(&p).unwrap();
        assert_eq!((a.bed_bytes, a.bim_bytes, a.fam_bytes), (4, 12, 26));
        assert!(a.differences(&FilesetFingerprint::of(&p).unwrap()).is_empty());
        // same size, one phenotype changed
        let q = fileset(dir.path(), "F a 0 0 1 1.5\nF b 0 0 2 3\n");
        let b = FilesetFingerprint::of(&q).unwrap();
        assert_eq!(a.differences(&b), [".fam contents"]);
        let prov = Provenance {
            fileset: a,
            grm: GrmOrigin::built(GrmKind::Centered, Precision::F64, 0.01, 0.05, 1),
        };
        let e = prov
            .check_fileset(&b, Path::new("e.eigen.bin"), "rewrite it")
            .unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::InconsistentInput);
        assert!(e.to_string().contains("whose .fam contents differ; rewrite it"), "{e}");
        let e = FilesetFingerprint::of(&dir.path().join("none")).unwrap_err();
        assert!(e.to_string().contains("none.bed"), "{e}");
    }

    #[test]
    fn issue_17_4_settings_are_compared_by_value() {
        let o = GrmOrigin::built(GrmKind::Standardized, Precision::F32, 0.01, 0.05, 9);
        assert!(o.differences(GrmKind::Standardized, 0.01, 0.05).is_empty());
        let d = o.differences(GrmKind::Centered, 0.05, 0.05);
        assert_eq!(d[0], ("--kind", "standardized".into(), "centered".into()));
        assert_eq!(d[1], ("--maf", "0.01".into(), "0.05".into()));
        let f = GrmOrigin::File {
            path: "k.cXX.txt".into(),
            n_variants: 0,
        };
        assert!(f.differences(GrmKind::Gcta, 0.2, 0.0).is_empty());
        assert!(o.is_psd() && !f.is_psd());
        assert!(!GrmOrigin::built(GrmKind::Gcta, Precision::F64, 0.0, 1.0, 1).is_psd());
        // JSON round trip
        let json = serde_json::to_string(&o).unwrap();
        assert!(json.starts_with(r#"{"source":"built","kind":"standardized""#), "{json}");
        assert_eq!(serde_json::from_str::<GrmOrigin>(&json).unwrap(), o);
    }

    /// Issue 15: a GRM built from another fileset (`--grm-bfile`) records
    /// it, is told apart from one built from the analysed genotypes in both
    /// directions and from one built from a changed fileset, and keeps its
    /// JSON as before when built from the analysed genotypes.
    #[test]
    fn issue_15_grm_built_from_another_fileset() {
        let dir = tempfile::tempdir().unwrap();
        let fp = FilesetFingerprint::of(&fileset(dir.path(), "F a 0 0 1 1.5\n")).unwrap();
        let plain = GrmOrigin::built(GrmKind::Centered, Precision::F64, 0.01, 0.05, 9);
        let from = plain.clone().from_fileset(fp.clone());
        assert_eq!(from.genotypes(), Some(&fp));
        assert!(from
            .describe()
            .contains(&format!("from the genotypes of {}", fp.prefix)));
        let file = Path::new("e.eigen.bin");
        assert!(plain.check_genotypes(None, file).is_ok());
        assert!(from.check_genotypes(Some(&fp), file).is_ok());
        let e = from.check_genotypes(None, file).unwrap_err().to_string();
        assert!(e.contains("gives no --grm-bfile"), "{e}");
        let e = plain.check_genotypes(Some(&fp), file).unwrap_err().to_string();
        assert!(e.contains("built from the analysed genotypes"), "{e}");
        let other = FilesetFingerprint::of(&fileset(dir.path(), "F b 0 0 1 1.5\n")).unwrap();
        let e = from.check_genotypes(Some(&other), file).unwrap_err().to_string();
        assert!(e.contains(".fam contents differ"), "{e}");
        let f = GrmOrigin::File {
            path: "k".into(),
            n_variants: 0,
        };
        assert!(f.clone().from_fileset(fp.clone()) == f && f.check_genotypes(Some(&fp), file).is_ok());
        let json = serde_json::to_string(&plain).unwrap();
        assert!(!json.contains("genotypes"), "{json}");
        let json = serde_json::to_string(&from).unwrap();
        assert_eq!(serde_json::from_str::<GrmOrigin>(&json).unwrap(), from);
    }
}
