//! The variants one job of a scattered scan tests: the `I`-th of `N`
//! contiguous slices of the `.bim` (`--chunk I/N`), or a region of one
//! chromosome (`--range C:A-B`). A window selects only what is *tested*;
//! the GRM and the null model always use the whole genome, so that the
//! rows of a job are exactly the rows a single run writes for its variants.

use std::fmt;
use std::ops::Range;

use crate::variant::{Chrom, Variant};

/// A part of the `.bim` to test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Window {
    /// Slice `index` (1-based) of `count`: `.bim` lines
    /// `[(index-1) M / count, index M / count)` of the `M` in the file, so
    /// that every job computes the same boundaries from the `.bim` alone.
    Chunk {
        /// Which slice, from 1.
        index: usize,
        /// How many slices.
        count: usize,
    },
    /// Variants of `chrom` with `from <= position <= to` (base pairs).
    Range {
        /// Chromosome.
        chrom: Chrom,
        /// First position.
        from: i64,
        /// Last position.
        to: i64,
    },
}

impl Window {
    /// Parses `I/N` (`1 <= I <= N`).
    ///
    /// # Errors
    /// A message saying what is wrong with `text`.
    pub fn parse_chunk(text: &str) -> Result<Self, String> {
        let bad = || format!("--chunk takes I/N with 1 <= I <= N (e.g. 3/8), got '{text}'");
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let index: usize = i.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Window::Chunk { index, count })
    }

    /// Parses `C:A-B` (chromosome code, first and last base-pair position).
    ///
    /// # Errors
    /// A message saying what is wrong with `text`.
    pub fn parse_range(text: &str) -> Result<Self, String> {
        let bad =
            |why: &str| format!("--range takes CHR:FROM-TO in base pairs (e.g. 2:1000000-2500000): {why} in '{text}'");
        let (c, span) = text.rsplit_once(':').ok_or_else(|| bad("no ':'"))?;
        let (a, b) = span.split_once('-').ok_or_else(|| bad("no '-'"))?;
        let from: i64 = a.trim().parse().map_err(|_| bad("FROM is not a whole number"))?;
        let to: i64 = b.trim().parse().map_err(|_| bad("TO is not a whole number"))?;
        Self::range(c.trim(), from, to).map_err(|e| bad(&e))
    }

    /// The region `from..=to` of chromosome `chrom`.
    ///
    /// # Errors
    /// An empty chromosome code, or `from > to`.
    pub fn range(chrom: &str, from: i64, to: i64) -> Result<Self, String> {
        if chrom.is_empty() {
            return Err("no chromosome".into());
        }
        if from > to {
            return Err(format!("FROM {from} is after TO {to}"));
        }
        Ok(Window::Range {
            chrom: Chrom::parse(chrom),
            from,
            to,
        })
    }

    /// The `.bim` lines (0-based, end excluded) the window can select from,
    /// of `variants`: the slice for a chunk; from the first to one past
    /// the last variant in the region for a range (empty when none is).
    pub fn span(&self, variants: &[Variant]) -> Range<usize> {
        match self {
            Window::Chunk { index, count } => {
                let m = variants.len();
                bound(index - 1, *count, m)..bound(*index, *count, m)
            }
            Window::Range { .. } => {
                let inside = |v: &usize| self.selects(*v, variants);
                match ((0..variants.len()).find(inside), (0..variants.len()).rfind(inside)) {
                    (Some(first), Some(last)) => first..last + 1,
                    _ => 0..0,
                }
            }
        }
    }

    /// Whether `.bim` line `v` (0-based) of `variants` is in the window.
    pub fn selects(&self, v: usize, variants: &[Variant]) -> bool {
        match self {
            Window::Chunk { index, count } => {
                let m = variants.len();
                (bound(index - 1, *count, m)..bound(*index, *count, m)).contains(&v)
            }
            Window::Range { chrom, from, to } => {
                let x = &variants[v];
                x.chrom == *chrom && (*from..=*to).contains(&x.pos)
            }
        }
    }

    /// The entries of `kept` (`.bim` lines, 0-based) that the window
    /// selects, in their order.
    pub fn filter(&self, kept: &[u32], variants: &[Variant]) -> Vec<u32> {
        kept.iter()
            .copied()
            .filter(|&v| self.selects(v as usize, variants))
            .collect()
    }
}

/// `floor(i m / n)` without overflow.
fn bound(i: usize, n: usize, m: usize) -> usize {
    (i as u128 * m as u128 / n as u128) as usize
}

impl fmt::Display for Window {
    /// `chunk 3/8` or `range 2:1000-5000`, as the logs and reports say it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Window::Chunk { index, count } => write!(f, "chunk {index}/{count}"),
            Window::Range { chrom, from, to } => write!(f, "range {chrom}:{from}-{to}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bim(chroms: &[(u8, i64)]) -> Vec<Variant> {
        chroms
            .iter()
            .enumerate()
            .map(|(i, &(c, pos))| Variant {
                chrom: Chrom::Auto(c),
                id: format!("v{i}").into(),
                cm: 0.0,
                pos,
                a1: "A".into(),
                a2: "C".into(),
            })
            .collect()
    }

    #[test]
    fn chunks_tile_the_bim_and_are_balanced() {
        let v = bim(&[(1, 1); 10]);
        for n in 1..=12 {
            let mut next = 0;
            for i in 1..=n {
                let s = Window::Chunk { index: i, count: n }.span(&v);
                assert_eq!(s.start, next, "{i}/{n}");
                assert!(s.len() == 10 / n || s.len() == 10 / n + 1, "{i}/{n}: {s:?}");
                for line in 0..10 {
                    assert_eq!(
                        Window::Chunk { index: i, count: n }.selects(line, &v),
                        s.contains(&line)
                    );
                }
                next = s.end;
            }
            assert_eq!(next, 10);
        }
    }

    #[test]
    fn ranges_select_one_chromosome_between_two_positions() {
        let v = bim(&[(1, 100), (1, 200), (2, 150), (2, 250), (2, 300), (3, 200)]);
        let w = Window::parse_range("2:200-300").unwrap();
        let picked: Vec<usize> = (0..v.len()).filter(|&i| w.selects(i, &v)).collect();
        assert_eq!(picked, vec![3, 4]);
        assert_eq!(w.span(&v), 3..5);
        assert_eq!(w.filter(&[0, 2, 4, 5], &v), vec![4], "keeps the kept lines it selects");
        assert_eq!(Window::parse_range("4:1-10").unwrap().span(&v), 0..0);
        assert_eq!(w.to_string(), "range 2:200-300");
    }

    #[test]
    fn bad_windows_are_refused_with_the_rule() {
        for t in ["0/3", "4/3", "3", "a/b", "1/0"] {
            assert!(Window::parse_chunk(t).unwrap_err().contains("1 <= I <= N"), "{t}");
        }
        for t in ["2", "2:5", "2:x-9", "2:9-5", ":1-2"] {
            assert!(Window::parse_range(t).is_err(), "{t}");
        }
        assert_eq!(
            Window::parse_chunk(" 2/ 5").unwrap(),
            Window::Chunk { index: 2, count: 5 }
        );
    }
}
