//! GRM file formats, each with a reader and a writer that round-trip, and
//! the naming of GRM files: [`write()`] picks the file name for a format,
//! [`GrmFile::locate`] finds which format a user's path names.

mod file;
pub mod gcta;
pub mod gemma;
mod sidecar;

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use genotype::{with_extension, Chrom};

use crate::error::{Error, Result};
use crate::grm::Grm;
use crate::provenance::Provenance;

pub use file::GrmFile;

/// A GRM file format to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrmFormat {
    /// GCTA binary: `PREFIX.grm.bin`, `PREFIX.grm.N.bin`, `PREFIX.grm.id`.
    Gcta,
    /// GEMMA text: `PREFIX.cXX.txt` or `PREFIX.sXX.txt` after the GRM's kind.
    Gemma,
}

/// Writes `grm` under `prefix` in `format`, with kindred's record of its
/// `provenance` and checksums beside it (`PREFIX.grm.kindred.json`, or
/// `FILE.kindred.json` for GEMMA), and returns the main file written:
/// `PREFIX.grm.bin` for GCTA; for GEMMA `PREFIX.SUFFIX.txt`, with the
/// suffix of the GRM's kind ([`crate::GrmKind::gemma_suffix`]) or `cXX`
/// when the kind is unknown.
///
/// # Errors
/// `Io` naming the file on a failed write.
pub fn write(prefix: &Path, grm: &Grm, format: GrmFormat, provenance: &Provenance) -> Result<PathBuf> {
    Ok(match format {
        GrmFormat::Gcta => {
            gcta::write(prefix, grm, Some(provenance))?;
            with_extension(prefix, "grm.bin")
        }
        GrmFormat::Gemma => {
            let kind = grm.kind.map_or("cXX", |k| k.gemma_suffix());
            let path = with_extension(prefix, &format!("{kind}.txt"));
            gemma::write(&path, grm, Some(provenance))?;
            path
        }
    })
}

/// The prefix of the LOCO GRM that leaves chromosome `chrom` out:
/// `PREFIX.loco.CHR`.
pub fn loco_prefix(prefix: &Path, chrom: &Chrom) -> PathBuf {
    with_extension(prefix, &format!("loco.{chrom}"))
}

/// Opens a text file for reading, decompressing it when the name ends in `.gz`.
pub(crate) fn open_text(path: &Path) -> Result<Box<dyn BufRead>> {
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    if path.extension().is_some_and(|e| e == "gz") {
        Ok(Box::new(BufReader::with_capacity(
            1 << 20,
            flate2::read::MultiGzDecoder::new(f),
        )))
    } else {
        Ok(Box::new(BufReader::with_capacity(1 << 20, f)))
    }
}

#[cfg(test)]
mod tests {
    use faer::Mat;
    use genotype::SampleId;

    use super::*;
    use crate::kind::GrmKind;
    use crate::provenance::{FilesetFingerprint, GrmOrigin};

    fn grm(kind: Option<GrmKind>) -> Grm {
        Grm {
            matrix: Mat::from_fn(3, 3, |i, j| if i == j { 1.0 } else { 0.25 / (1 + i + j) as f64 }),
            ids: ["a", "b", "c"].map(|i| SampleId::new("F", i)).to_vec(),
            n_variants: 7,
            pair_counts: None,
            kind,
        }
    }

    #[test]
    fn write_names_the_file_of_each_format_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let prefix = dir.path().join("out.x");
        let cases = [
            (GrmFormat::Gcta, Some(GrmKind::Centered), "out.x.grm.bin"),
            (GrmFormat::Gemma, Some(GrmKind::Centered), "out.x.cXX.txt"),
            (GrmFormat::Gemma, Some(GrmKind::Standardized), "out.x.sXX.txt"),
            (GrmFormat::Gemma, None, "out.x.cXX.txt"),
        ];
        let prov = Provenance {
            fileset: FilesetFingerprint::example(),
            grm: GrmOrigin::built(GrmKind::Centered, crate::Precision::F64, 0.01, 0.05, 7),
        };
        for (format, kind, name) in cases {
            let g = grm(kind);
            let path = write(&prefix, &g, format, &prov).unwrap();
            assert_eq!(path, dir.path().join(name));
            let back = match format {
                GrmFormat::Gcta => gcta::read(&prefix).unwrap(),
                GrmFormat::Gemma => gemma::read(&path, g.ids.clone()).unwrap(),
            };
            assert_eq!(back.ids, g.ids);
            // GCTA stores f32, GEMMA 10 significant digits
            assert!(back.max_abs_diff(&g.matrix) < 1e-7, "{name}");
        }
        assert!(dir.path().join("out.x.grm.id").is_file());
        assert!(dir.path().join("out.x.grm.N.bin").is_file());
        assert!(dir.path().join("out.x.grm.kindred.json").is_file());
        assert!(dir.path().join("out.x.sXX.txt.kindred.json").is_file());
    }

    #[test]
    fn loco_prefix_appends_the_chromosome() {
        let p = Path::new("res/run.1");
        assert_eq!(loco_prefix(p, &Chrom::Auto(7)), Path::new("res/run.1.loco.7"));
        assert_eq!(loco_prefix(p, &Chrom::X), Path::new("res/run.1.loco.X"));
    }
}
