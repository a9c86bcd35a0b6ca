//! The JSON run summary, written from the typed reports of
//! [`crate::report`].

use std::io::Write;
use std::path::Path;

use genotype::AtomicFile;
use serde::Serialize;

use crate::error::{Error, Result};

/// Writes `report` as pretty JSON to `path` (crash-safe). Keys come out in
/// alphabetical order at every level (the report goes through
/// `serde_json::Value`, whose maps are sorted), so the layout does not
/// depend on the order fields are declared in.
///
/// # Errors
/// `Io` naming the file on a failed write.
pub fn write_json<T: Serialize>(path: &Path, report: &T) -> Result<()> {
    let io = |e: std::io::Error| Error::io(path, e);
    let value = serde_json::to_value(report).map_err(|e| io(e.into()))?;
    let mut f = AtomicFile::create(path)?;
    serde_json::to_writer_pretty(&mut f, &value).map_err(|e| io(e.into()))?;
    writeln!(f).map_err(io)?;
    f.commit()?;
    Ok(())
}
