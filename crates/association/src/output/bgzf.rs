//! Writing lines as BGZF, the blocked gzip of htslib (SAMv1 spec, section
//! 4.1): a series of gzip members of at most 64 KiB of input each, whose
//! `BC` extra field gives the member's size, ended by an empty member.
//! Every reader of gzip reads it; tabix can index it because a line's
//! place is a *virtual offset*, `(member's file offset << 16) | offset in
//! the member's input`. Lines are never split across members here, and
//! members are compressed in parallel on the rayon pool, a batch at a time
//! (bounded memory).

use std::io::Write;

use flate2::write::DeflateEncoder;
use flate2::{Compression, Crc};
use rayon::prelude::*;

use super::tabix::{Locus, TabixIndex};

/// Input bytes per member: below 2^16 so that an offset inside a member
/// fits the 16 bits of a virtual offset, as htslib's writer does.
pub(crate) const BLOCK_INPUT: usize = 0xff00;
/// Members compressed together (4 MiB of input).
const BATCH: usize = 64;
/// The empty member that ends every BGZF file.
pub(crate) const EOF_BLOCK: [u8; 28] = [
    0x1f, 0x8b, 0x08, 0x04, 0, 0, 0, 0, 0, 0xff, 0x06, 0, 0x42, 0x43, 0x02, 0, 0x1b, 0, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0,
];

/// One member's input and the loci of its lines (with their offsets).
#[derive(Default)]
struct Block {
    data: Vec<u8>,
    loci: Vec<(Locus, u16, u16)>,
}

/// A BGZF writer of whole lines over `W`, feeding a tabix index with the
/// virtual offsets of the lines that have a locus.
pub(crate) struct BgzfLines<W: Write> {
    out: W,
    level: u32,
    offset: u64,
    batch: Vec<Block>,
    index: Option<TabixIndex>,
}

impl<W: Write> BgzfLines<W> {
    /// A writer at compression `level` (0-9), indexing when `index`.
    pub(crate) fn new(out: W, level: u32, index: Option<TabixIndex>) -> Self {
        Self {
            out,
            level,
            offset: 0,
            batch: vec![Block::default()],
            index,
        }
    }

    /// Adds `line` (without its end; one is added), at `locus` if any.
    pub(crate) fn line(&mut self, line: &str, locus: Option<Locus>) -> std::io::Result<()> {
        let need = line.len() + 1;
        if need > BLOCK_INPUT {
            return Err(std::io::Error::other(format!(
                "a line of {need} bytes is too long for BGZF"
            )));
        }
        if self.batch.last().is_some_and(|b| b.data.len() + need > BLOCK_INPUT) {
            if self.batch.len() == BATCH {
                self.flush_batch()?;
            }
            self.batch.push(Block::default());
        }
        let block = self.batch.last_mut().expect("a block is always open");
        let start = block.data.len() as u16;
        block.data.extend_from_slice(line.as_bytes());
        block.data.push(b'\n');
        if let Some(l) = locus {
            block.loci.push((l, start, block.data.len() as u16));
        }
        Ok(())
    }

    /// Compresses the pending members in parallel and writes them in order.
    fn flush_batch(&mut self) -> std::io::Result<()> {
        let level = self.level;
        let members: Vec<std::io::Result<Vec<u8>>> = self.batch.par_iter().map(|b| member(&b.data, level)).collect();
        for (block, bytes) in self.batch.drain(..).zip(members) {
            let bytes = bytes?;
            if let Some(ix) = self.index.as_mut() {
                for (locus, start, end) in &block.loci {
                    let v = |o: u16| (self.offset << 16) | u64::from(o);
                    ix.add(locus, v(*start), v(*end));
                }
            }
            self.out.write_all(&bytes)?;
            self.offset += bytes.len() as u64;
        }
        Ok(())
    }

    /// Writes what is pending and the end-of-file member; returns the
    /// writer and the index.
    pub(crate) fn finish(mut self) -> std::io::Result<(W, Option<TabixIndex>)> {
        if self.batch.iter().any(|b| !b.data.is_empty()) {
            self.flush_batch()?;
        }
        self.out.write_all(&EOF_BLOCK)?;
        Ok((self.out, self.index))
    }
}

/// One BGZF member of `data` (at most [`BLOCK_INPUT`] bytes).
pub(crate) fn member(data: &[u8], level: u32) -> std::io::Result<Vec<u8>> {
    let mut deflate = DeflateEncoder::new(Vec::with_capacity(data.len() / 3 + 64), Compression::new(level));
    deflate.write_all(data)?;
    let body = deflate.finish()?;
    let mut crc = Crc::new();
    crc.update(data);
    let total = 18 + body.len() + 8;
    let bsize = u16::try_from(total - 1).map_err(|_| std::io::Error::other("a BGZF member over 64 KiB"))?;
    let mut m = Vec::with_capacity(total);
    // gzip header with FEXTRA; XLEN 6; subfield BC of 2 bytes: BSIZE.
    m.extend_from_slice(&[
        0x1f, 0x8b, 0x08, 0x04, 0, 0, 0, 0, 0, 0xff, 0x06, 0, b'B', b'C', 0x02, 0,
    ]);
    m.extend_from_slice(&bsize.to_le_bytes());
    m.extend_from_slice(&body);
    m.extend_from_slice(&crc.sum().to_le_bytes());
    m.extend_from_slice(&(data.len() as u32).to_le_bytes());
    Ok(m)
}

/// `data` as a whole BGZF file (members and the end-of-file member).
pub(crate) fn compress_all(data: &[u8], level: u32) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    for piece in data.chunks(BLOCK_INPUT) {
        out.extend_from_slice(&member(piece, level)?);
    }
    out.extend_from_slice(&EOF_BLOCK);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn members_read_back_as_one_gzip_stream_of_the_lines() {
        let mut w = BgzfLines::new(Vec::new(), 6, None);
        let mut want = String::new();
        for i in 0..20_000 {
            let line = format!("{i}\t{}", "x".repeat(i % 50));
            w.line(&line, None).unwrap();
            want.push_str(&line);
            want.push('\n');
        }
        let (bytes, _) = w.finish().unwrap();
        let mut got = String::new();
        flate2::read::MultiGzDecoder::new(&bytes[..])
            .read_to_string(&mut got)
            .unwrap();
        assert_eq!(got, want);
        assert!(bytes.ends_with(&EOF_BLOCK));
        // Every member says its size: walking them lands on the end.
        let mut at = 0;
        let mut n = 0;
        while at < bytes.len() {
            assert_eq!(&bytes[at..at + 4], &[0x1f, 0x8b, 8, 4]);
            at += usize::from(u16::from_le_bytes([bytes[at + 16], bytes[at + 17]])) + 1;
            n += 1;
        }
        assert_eq!(at, bytes.len());
        assert!(n > 3, "{n} members");
    }

    #[test]
    fn the_end_of_file_member_is_an_empty_gzip_member() {
        let mut got = Vec::new();
        flate2::read::GzDecoder::new(&EOF_BLOCK[..])
            .read_to_end(&mut got)
            .unwrap();
        assert!(got.is_empty());
        assert_eq!(compress_all(b"", 6).unwrap(), EOF_BLOCK.to_vec());
    }
}
