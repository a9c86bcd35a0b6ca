//! A tabix index (`.tbi`, htslib's format: the tabix paper and the SAMv1
//! spec's binning scheme) of a BGZF file sorted by chromosome and
//! position, so that `tabix FILE.gz 1:1-50000000` reads only the blocks of
//! that region. Written here from the virtual offsets the BGZF writer
//! records; the configuration is tabix's generic one: sequence name in
//! column 1, 1-based position in column 2, one header line skipped, `#`
//! lines meta.

use std::collections::BTreeMap;

use super::bgzf::compress_all;

/// Where one line is: its sequence name and 0-based half-open interval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Locus {
    /// Sequence name, as written in column 1.
    pub(crate) name: String,
    /// First base, 0-based.
    pub(crate) beg: i64,
    /// One past the last base.
    pub(crate) end: i64,
}

impl Locus {
    /// The locus of a 1-based position `pos` (at least 1: unknown
    /// positions are not indexed).
    pub(crate) fn at(name: &str, pos: i64) -> Self {
        let beg = (pos - 1).max(0);
        Self {
            name: name.to_string(),
            beg,
            end: beg + 1,
        }
    }
}

/// Bins and linear index of one sequence.
#[derive(Default)]
struct Reference {
    bins: BTreeMap<u32, Vec<(u64, u64)>>,
    linear: Vec<u64>,
}

/// The index being built, one line at a time in file order.
#[derive(Default)]
pub(crate) struct TabixIndex {
    names: Vec<String>,
    refs: Vec<Reference>,
}

/// Window of the linear index: 16 kb.
const LINEAR_SHIFT: u32 = 14;

/// The smallest bin of the UCSC/SAM scheme holding `[beg, end)`.
fn reg2bin(beg: i64, end: i64) -> u32 {
    let (b, e) = (beg as u64, (end - 1) as u64);
    for (shift, first) in [(14u32, 4681u32), (17, 585), (20, 73), (23, 9), (26, 1)] {
        if b >> shift == e >> shift {
            return first + (b >> shift) as u32;
        }
    }
    0
}

impl TabixIndex {
    /// Records that the line at `locus` spans virtual offsets `[start, end)`.
    pub(crate) fn add(&mut self, locus: &Locus, start: u64, end: u64) {
        if self.names.last() != Some(&locus.name) {
            self.names.push(locus.name.clone());
            self.refs.push(Reference::default());
        }
        let r = self.refs.last_mut().expect("pushed above");
        let chunks = r.bins.entry(reg2bin(locus.beg, locus.end)).or_default();
        match chunks.last_mut() {
            Some(last) if last.1 == start => last.1 = end,
            _ => chunks.push((start, end)),
        }
        let (w0, w1) = (
            (locus.beg >> LINEAR_SHIFT) as usize,
            ((locus.end - 1) >> LINEAR_SHIFT) as usize,
        );
        if r.linear.len() <= w1 {
            r.linear.resize(w1 + 1, u64::MAX);
        }
        for w in w0..=w1 {
            if r.linear[w] == u64::MAX {
                r.linear[w] = start;
            }
        }
    }

    /// The `.tbi` file's bytes (BGZF-compressed, as tabix reads them).
    pub(crate) fn to_bytes(&self) -> std::io::Result<Vec<u8>> {
        let mut b: Vec<u8> = Vec::new();
        let i32le = |b: &mut Vec<u8>, v: i64| b.extend_from_slice(&(v as i32).to_le_bytes());
        b.extend_from_slice(b"TBI\x01");
        i32le(&mut b, self.names.len() as i64);
        // format 0 (generic, 1-based), sequence column 1, begin column 2,
        // no end column, meta character '#', 1 header line skipped.
        for v in [0, 1, 2, 0, i64::from(b'#'), 1] {
            i32le(&mut b, v);
        }
        let names: Vec<u8> = self.names.iter().flat_map(|n| n.bytes().chain([0])).collect();
        i32le(&mut b, names.len() as i64);
        b.extend_from_slice(&names);
        for r in &self.refs {
            i32le(&mut b, r.bins.len() as i64);
            for (bin, chunks) in &r.bins {
                b.extend_from_slice(&bin.to_le_bytes());
                i32le(&mut b, chunks.len() as i64);
                for (s, e) in chunks {
                    b.extend_from_slice(&s.to_le_bytes());
                    b.extend_from_slice(&e.to_le_bytes());
                }
            }
            // Windows no line starts in take the offset of the one before.
            i32le(&mut b, r.linear.len() as i64);
            let mut prev = 0u64;
            for &o in &r.linear {
                let o = if o == u64::MAX { prev } else { o };
                b.extend_from_slice(&o.to_le_bytes());
                prev = o;
            }
        }
        compress_all(&b, 6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_follow_the_sam_scheme() {
        assert_eq!(reg2bin(0, 1), 4681);
        assert_eq!(reg2bin(16_384, 16_385), 4682);
        assert_eq!(reg2bin(16_000, 17_000), 585);
        assert_eq!(reg2bin(0, 1 << 26), 1);
        assert_eq!(reg2bin(0, (1 << 26) + 1), 0);
    }

    #[test]
    fn consecutive_lines_of_a_bin_share_one_chunk() {
        let mut ix = TabixIndex::default();
        ix.add(&Locus::at("1", 100), 10, 20);
        ix.add(&Locus::at("1", 200), 20, 30);
        ix.add(&Locus::at("1", 40_000), 30, 40);
        ix.add(&Locus::at("2", 5), 40, 50);
        assert_eq!(ix.names, ["1", "2"]);
        assert_eq!(ix.refs[0].bins[&4681], vec![(10, 30)]);
        assert_eq!(ix.refs[0].linear, vec![10, u64::MAX, 30]);
        let bytes = ix.to_bytes().unwrap();
        let mut raw = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(&bytes[..]), &mut raw).unwrap();
        assert_eq!(&raw[..4], b"TBI\x01");
    }
}
