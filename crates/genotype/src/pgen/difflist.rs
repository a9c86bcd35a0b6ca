//! Reading inside one variant record: a bounds-checked cursor, PLINK 2's
//! base-128 varints, and difflists (sparse lists of sample IDs, with or
//! without a 2-bit genotype for each).
//!
//! A difflist of `L` elements is: `L` as a varint; then, when `L > 0`, the
//! elements fall in groups of 64: the first sample ID of each group
//! (fixed-width, 1 to 4 bytes depending on the sample count), one byte per
//! group but the last giving its size of deltas minus 63, the 2-bit
//! genotypes of all elements (when the list has them), and last the gaps
//! between consecutive IDs within each group as varints.

/// What is wrong inside a record; the caller adds the file and variant.
pub(super) type TrackError = String;

/// A read position inside one record's bytes.
pub(super) struct Cursor<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `data` (one record).
    pub(super) fn new(data: &'a [u8]) -> Self {
        Self { data, at: 0 }
    }

    /// Bytes read so far.
    pub(super) fn position(&self) -> usize {
        self.at
    }

    /// Bytes left in the record.
    pub(super) fn remaining(&self) -> usize {
        self.data.len() - self.at
    }

    /// The next `len` bytes, which belong to `what`.
    pub(super) fn take(&mut self, len: usize, what: &str) -> Result<&'a [u8], TrackError> {
        if len > self.remaining() {
            return Err(format!(
                "the record ends inside its {what} ({len} bytes needed at offset {}, {} left of {})",
                self.at,
                self.remaining(),
                self.data.len()
            ));
        }
        let out = &self.data[self.at..self.at + len];
        self.at += len;
        Ok(out)
    }

    /// A base-128 varint of at most 32 bits (low 7-bit groups first).
    pub(super) fn varint(&mut self, what: &str) -> Result<u32, TrackError> {
        let mut value = 0u64;
        for shift in (0..35).step_by(7) {
            let byte = self.take(1, what)?[0];
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return u32::try_from(value).map_err(|_| format!("a varint in its {what} exceeds 32 bits"));
            }
        }
        Err(format!("a varint in its {what} is longer than 5 bytes"))
    }
}

/// Bytes of a sample ID in a difflist of a file with `n` samples: the bytes
/// needed to write `n` itself (1 below 256, 2 below 65536, ...).
pub(super) fn id_bytes(n: usize) -> usize {
    let bits = usize::BITS - n.max(1).leading_zeros();
    (bits as usize - 1) / 8 + 1
}

/// Reads the difflist at `cur` for a file of `n` samples and calls
/// `each(sample, genotype)` on its elements in order (`genotype` is 0 when
/// the list has no genotypes). Returns the number of elements.
///
/// # Errors
/// The list runs past the record, holds more elements than samples, has
/// IDs that do not increase or reach `n`, or group sizes that disagree
/// with its gaps.
pub(super) fn read(
    cur: &mut Cursor<'_>,
    n: usize,
    genotypes: bool,
    what: &str,
    mut each: impl FnMut(usize, u8),
) -> Result<usize, TrackError> {
    let len = cur.varint(what)? as usize;
    if len == 0 {
        return Ok(0);
    }
    if len > n {
        return Err(format!("its {what} lists {len} samples, more than the file's {n}"));
    }
    let groups = len.div_ceil(64);
    let w = id_bytes(n);
    let firsts = cur.take(groups * w, what)?;
    let sizes = cur.take(groups - 1, what)?;
    let codes = if genotypes {
        cur.take(len.div_ceil(4), what)?
    } else {
        &[][..]
    };
    let mut prev = 0usize;
    let mut group_start = cur.position();
    for k in 0..len {
        let id = if k % 64 == 0 {
            let g = k / 64;
            if g > 0 {
                let used = cur.position() - group_start;
                let said = usize::from(sizes[g - 1]) + 63;
                if used != said {
                    return Err(format!(
                        "its {what}: group {g} of sample IDs takes {used} bytes, but the list says {said}"
                    ));
                }
                group_start = cur.position();
            }
            let mut word = [0u8; 8];
            word[..w].copy_from_slice(&firsts[g * w..(g + 1) * w]);
            let id = u64::from_le_bytes(word) as usize;
            if g > 0 && id <= prev {
                return Err(format!(
                    "its {what}: sample IDs do not increase (sample {} after sample {})",
                    id + 1,
                    prev + 1
                ));
            }
            id
        } else {
            let gap = cur.varint(what)? as usize;
            if gap == 0 {
                return Err(format!("its {what}: sample {} is listed twice", prev + 1));
            }
            prev + gap
        };
        if id >= n {
            return Err(format!("its {what} names sample {}, but the file has {n}", id + 1));
        }
        let code = if genotypes {
            (codes[k / 4] >> (2 * (k % 4))) & 3
        } else {
            0
        };
        each(id, code);
        prev = id;
    }
    Ok(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_widths_follow_the_sample_count() {
        for (n, w) in [(1, 1), (255, 1), (256, 2), (65_535, 2), (65_536, 3), (1 << 24, 4)] {
            assert_eq!(id_bytes(n), w, "{n}");
        }
    }

    #[test]
    fn varints_and_their_limits() {
        let mut c = Cursor::new(&[0x05, 0x88, 0x27, 0xff, 0xff, 0xff, 0xff, 0x0f]);
        assert_eq!(c.varint("t"), Ok(5));
        assert_eq!(c.varint("t"), Ok(5000));
        assert_eq!(c.varint("t"), Ok(u32::MAX));
        assert!(c.varint("t").unwrap_err().contains("ends inside its t"));
        let mut c = Cursor::new(&[0xff, 0xff, 0xff, 0xff, 0x1f]);
        assert!(c.varint("t").unwrap_err().contains("exceeds 32 bits"));
    }

    /// The spec's example list, scaled down: 79 samples 5000 apart with
    /// genotypes, over 488377 samples (3-byte IDs).
    #[test]
    fn reads_two_groups_and_checks_their_sizes() {
        let n = 488_377;
        let mut bytes = vec![79u8];
        bytes.extend_from_slice(&5000u32.to_le_bytes()[..3]);
        bytes.extend_from_slice(&(5000u32 * 65).to_le_bytes()[..3]);
        bytes.push(126 - 63);
        bytes.extend(std::iter::repeat_n(0b1110_0100u8, 20));
        bytes.extend(std::iter::repeat_n([0x88, 0x27], 77).flatten());
        let mut seen = Vec::new();
        let len = read(&mut Cursor::new(&bytes), n, true, "list", |s, g| seen.push((s, g))).unwrap();
        assert_eq!(len, 79);
        assert_eq!(
            seen[..5],
            [(5000, 0), (10_000, 1), (15_000, 2), (20_000, 3), (25_000, 0)]
        );
        assert_eq!(seen[78].0, 79 * 5000);
        bytes[7] += 1;
        let e = read(&mut Cursor::new(&bytes), n, true, "list", |_, _| ()).unwrap_err();
        assert_eq!(
            e,
            "its list: group 1 of sample IDs takes 126 bytes, but the list says 127"
        );
    }

    #[test]
    fn refuses_repeats_and_samples_out_of_range() {
        let e = read(&mut Cursor::new(&[2, 3, 0]), 10, false, "list", |_, _| ()).unwrap_err();
        assert_eq!(e, "its list: sample 4 is listed twice");
        let e = read(&mut Cursor::new(&[2, 3, 7]), 10, false, "list", |_, _| ()).unwrap_err();
        assert_eq!(e, "its list names sample 11, but the file has 10");
        let e = read(&mut Cursor::new(&[11, 0]), 10, false, "list", |_, _| ()).unwrap_err();
        assert_eq!(e, "its list lists 11 samples, more than the file's 10");
    }
}
