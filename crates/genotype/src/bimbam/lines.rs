//! Line-by-line reading of BIMBAM text files, plain or gzipped, split into
//! fields the way GEMMA splits them.
//!
//! GEMMA cuts every BIMBAM line at any run of spaces, commas and tabs (so
//! `rs1, A, G, 0, 1` and `rs1 A G 0 1` are the same line). Lines are read
//! one at a time (a mean-genotype file is too large to hold as text), with
//! the conventions of the crate's other text readers: 1-based line numbers
//! as an editor shows them, blank lines skipped but counted, a trailing
//! `\r` dropped, a leading UTF-8 byte-order mark refused.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

use crate::error::{Error, Location, Result};

/// The two bytes every gzip member starts with.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Whether `b` separates two fields: a space, a comma or a tab.
#[inline]
fn is_separator(b: u8) -> bool {
    matches!(b, b' ' | b',' | b'\t')
}

/// The fields of one line: the pieces between runs of separators.
pub(super) fn fields(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    line.split(|&b| is_separator(b)).filter(|f| !f.is_empty())
}

/// A field as text, for IDs, alleles and messages (a field that is not
/// UTF-8 is shown with replacement characters).
pub(super) fn text(field: &[u8]) -> String {
    String::from_utf8_lossy(field).into_owned()
}

/// A BIMBAM file opened for reading, gzipped or not (told by its first two
/// bytes, as `gzopen` does, whatever the name ends with).
pub(super) struct Lines {
    path: PathBuf,
    reader: Box<dyn BufRead>,
    gzipped: bool,
    buf: Vec<u8>,
    /// 1-based number of the line in `buf`.
    no: usize,
}

impl Lines {
    /// Opens `path`.
    ///
    /// # Errors
    /// `Io` when it cannot be opened or read.
    pub(super) fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let mut raw = BufReader::with_capacity(1 << 16, file);
        let gzipped = raw.fill_buf().map_err(|e| Error::io(path, e))?.starts_with(&GZIP_MAGIC);
        let reader: Box<dyn BufRead> = if gzipped {
            Box::new(BufReader::with_capacity(1 << 16, MultiGzDecoder::new(raw)))
        } else {
            Box::new(raw)
        };
        Ok(Self::from_reader(path, reader, gzipped))
    }

    /// Lines of any reader (unit tests).
    pub(super) fn from_reader(path: &Path, reader: Box<dyn BufRead>, gzipped: bool) -> Self {
        Self {
            path: path.to_path_buf(),
            reader,
            gzipped,
            buf: Vec::new(),
            no: 0,
        }
    }

    /// The file.
    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    /// The location of line `no` of this file.
    pub(super) fn at(&self, no: usize) -> Location {
        Location::line(&self.path, no)
    }

    /// The next line with text: its 1-based number and its bytes (without
    /// the line end), `None` at the end of the file.
    ///
    /// # Errors
    /// `Io` when reading fails; `MalformedInput` naming the line for gzip
    /// data that is corrupt or cut short, or a line that starts with a
    /// byte-order mark.
    pub(super) fn next_line(&mut self) -> Result<Option<(usize, &[u8])>> {
        loop {
            self.buf.clear();
            let read = self.reader.read_until(b'\n', &mut self.buf);
            let n = match read {
                Ok(n) => n,
                Err(e) if self.gzipped => {
                    return Err(Error::malformed(
                        self.at(self.no + 1),
                        format!("the gzip data are corrupt or cut short ({e})"),
                    ))
                }
                Err(e) => return Err(Error::io(&self.path, e)),
            };
            if n == 0 {
                return Ok(None);
            }
            self.no += 1;
            let mut end = self.buf.len();
            if self.buf[..end].ends_with(b"\n") {
                end -= 1;
            }
            if self.buf[..end].ends_with(b"\r") {
                end -= 1;
            }
            let line = &self.buf[..end];
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let start = line.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(0);
            if line[start..].starts_with(b"\xEF\xBB\xBF") {
                return Err(Error::malformed(
                    self.at(self.no),
                    "the line starts with a UTF-8 byte-order mark (bytes EF BB BF); save the file without one",
                ));
            }
            return Ok(Some((self.no, &self.buf[..end])));
        }
    }
}

/// Every line with text of `lines`, as numbered text (unit tests).
#[cfg(test)]
pub(super) fn read_all(mut lines: Lines) -> Result<Vec<(usize, String)>> {
    let mut out = Vec::new();
    while let Some((no, line)) = lines.next_line()? {
        out.push((no, text(line)));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(text: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(text).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn separators_are_runs_of_spaces_commas_and_tabs() {
        let got: Vec<&[u8]> = fields(b"rs1, A,G\t,0 ,, 1.5 ").collect();
        assert_eq!(got, [&b"rs1"[..], b"A", b"G", b"0", b"1.5"]);
        assert_eq!(fields(b" ,\t").count(), 0);
    }

    #[test]
    fn plain_and_gzipped_give_the_same_numbered_lines() {
        let text = b"a 1\r\n\n  \nb, 2\nc";
        let want = vec![(1, "a 1".to_owned()), (4, "b, 2".to_owned()), (5, "c".to_owned())];
        let dir = tempfile::tempdir().unwrap();
        for (name, bytes) in [
            ("t.txt", text.to_vec()),
            ("t.txt.gz", gzip(text)),
            ("t.gz.txt", gzip(text)),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            assert_eq!(read_all(Lines::open(&path).unwrap()).unwrap(), want, "{name}");
        }
        // two gzip members one after the other (bgzip, `cat a.gz b.gz`)
        let mut two = gzip(b"a 1\n");
        two.extend(gzip(b"b 2\n"));
        let path = dir.path().join("two.gz");
        std::fs::write(&path, two).unwrap();
        assert_eq!(read_all(Lines::open(&path).unwrap()).unwrap().len(), 2);
    }

    #[test]
    fn corrupt_gzip_and_byte_order_marks_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = gzip(&b"rs1 A G 0 1 2\n".repeat(1000));
        bytes.truncate(bytes.len() / 2);
        let path = dir.path().join("cut.gz");
        std::fs::write(&path, bytes).unwrap();
        let e = read_all(Lines::open(&path).unwrap()).unwrap_err().to_string();
        assert!(
            e.contains("cut.gz, line ") && e.contains("gzip data are corrupt or cut short"),
            "{e}"
        );
        let lines = Lines::from_reader(Path::new("t"), Box::new(&b"a\n \xEF\xBB\xBFb\n"[..]), false);
        let e = read_all(lines).unwrap_err().to_string();
        assert!(
            e.starts_with("t, line 2: the line starts with a UTF-8 byte-order mark"),
            "{e}"
        );
        let e = Lines::open(&dir.path().join("absent")).err().unwrap().to_string();
        assert!(e.ends_with("absent"), "{e}");
    }
}
