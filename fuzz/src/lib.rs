//! Helpers shared by kindred's fuzz targets: scratch files for the readers,
//! which take paths, and the split of one fuzz input into several files.

use std::path::{Path, PathBuf};

/// Files of one fuzz iteration, named `kindred-fuzz-PID-NAME.EXT` in
/// `/dev/shm` (or the temporary directory where there is none) and removed
/// when dropped, so that nothing is left behind between iterations.
pub struct Scratch {
    prefix: PathBuf,
    files: Vec<PathBuf>,
}

impl Scratch {
    /// An empty set of files for target `name`.
    pub fn new(name: &str) -> Self {
        let shm = Path::new("/dev/shm");
        let dir = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        Self {
            prefix: dir.join(format!("kindred-fuzz-{}-{name}", std::process::id())),
            files: Vec::new(),
        }
    }

    /// The prefix the files share (what prefix-based readers take).
    pub fn prefix(&self) -> &Path {
        &self.prefix
    }

    /// `PREFIX.ext`, removed on drop (for files a writer creates).
    pub fn path(&mut self, ext: &str) -> PathBuf {
        let p = genotype::with_extension(&self.prefix, ext);
        self.files.push(p.clone());
        p
    }

    /// Writes `bytes` to `PREFIX.ext` and returns its path.
    ///
    /// # Panics
    /// When the file cannot be written (the fuzzing machine is broken, not
    /// the code under test).
    pub fn write(&mut self, ext: &str, bytes: &[u8]) -> PathBuf {
        let p = self.path(ext);
        std::fs::write(&p, bytes).expect("scratch file written");
        p
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        for f in &self.files {
            let _ = std::fs::remove_file(f);
        }
    }
}

/// Splits an input into two parts: the first two bytes (little-endian) give
/// the length of the first part, clamped to what there is.
pub fn split(data: &[u8]) -> (&[u8], &[u8]) {
    let (len, rest) = match data {
        [a, b, rest @ ..] => (usize::from(u16::from_le_bytes([*a, *b])), rest),
        _ => (0, &[][..]),
    };
    rest.split_at(len.min(rest.len()))
}

/// 1-based numbers of the lines that hold a record in kindred's text files:
/// lines split at `\n`, a trailing `\r` dropped, blank ones (only ASCII
/// whitespace) skipped. An independent statement of the rule the readers
/// follow, to check their counts against.
pub fn record_lines(data: &[u8]) -> Vec<usize> {
    data.split(|&b| b == b'\n')
        .enumerate()
        .filter(|(_, l)| {
            let l = l.strip_suffix(b"\r").unwrap_or(l);
            !l.iter().all(u8::is_ascii_whitespace)
        })
        .map(|(i, _)| i + 1)
        .collect()
}

/// The value a reader returned, or `None` once its error has been turned
/// into its message (which must not panic either).
pub fn accepted<T, E: std::fmt::Display>(read: Result<T, E>) -> Option<T> {
    match read {
        Ok(value) => Some(value),
        Err(e) => {
            let _ = e.to_string();
            None
        }
    }
}

/// Checks the line numbers a table reader gives its rows: one row per
/// non-blank line of `data`, but an optional first (header) line.
pub fn assert_table_lines(lines: &[usize], data: &[u8]) {
    let records = record_lines(data);
    assert!(lines == records || lines == &records[1..], "{lines:?} vs {records:?}");
}

/// Whether two floats are the same value (both NaN counts as the same).
pub fn same_f64(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_and_records() {
        assert_eq!(split(&[2, 0, b'a', b'b', b'c']), (&b"ab"[..], &b"c"[..]));
        assert_eq!(split(&[9, 9, b'a']), (&b"a"[..], &b""[..]));
        assert_eq!(split(&[1]), (&b""[..], &b""[..]));
        assert_eq!(record_lines(b"a\n\n \r\nb\r\nc"), vec![1, 4, 5]);
    }
}
