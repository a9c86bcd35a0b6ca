//! The chromosomes of a file and the cumulative position axis of the
//! Manhattan plot.

use std::collections::HashMap;

use genotype::Chrom;

/// One chromosome: its code and the span of the positions met.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ChromSpan {
    /// The chromosome (codes naming the same one, `chr1` and `1`, share it).
    pub name: Chrom,
    /// Smallest position met (`i64::MAX` before any).
    pub min: i64,
    /// Largest position met (`i64::MIN` before any).
    pub max: i64,
}

impl ChromSpan {
    /// Whether a row with a position was met.
    fn placed(&self) -> bool {
        self.min <= self.max
    }

    /// `max - min`, 0 before any position.
    fn span(&self) -> u64 {
        if self.placed() {
            self.max.abs_diff(self.min)
        } else {
            0
        }
    }
}

/// The chromosomes met, indexed in order of appearance.
#[derive(Debug, Default)]
pub(crate) struct Genome {
    chroms: Vec<ChromSpan>,
    /// Code as written -> index.
    codes: HashMap<Box<[u8]>, u32>,
    /// The code of the previous row and its index (rows come sorted).
    last: Option<(Vec<u8>, u32)>,
    /// Sum of the spans.
    total_span: u64,
}

impl Genome {
    /// The index of the chromosome written `code`.
    pub fn index(&mut self, code: &[u8]) -> u32 {
        if let Some((c, i)) = &self.last {
            if c.as_slice() == code {
                return *i;
            }
        }
        let i = match self.codes.get(code) {
            Some(&i) => i,
            None => {
                let name = Chrom::parse(&String::from_utf8_lossy(code));
                let i = match self.chroms.iter().position(|c| c.name == name) {
                    Some(i) => i as u32,
                    None => {
                        self.chroms.push(ChromSpan {
                            name,
                            min: i64::MAX,
                            max: i64::MIN,
                        });
                        (self.chroms.len() - 1) as u32
                    }
                };
                self.codes.insert(code.into(), i);
                i
            }
        };
        self.last = Some((code.to_vec(), i));
        i
    }

    /// Records position `pos` on chromosome `c`; whether the sum of the
    /// spans grew.
    pub fn place(&mut self, c: u32, pos: i64) -> bool {
        let ch = &mut self.chroms[c as usize];
        if ch.min <= pos && pos <= ch.max {
            return false;
        }
        let before = ch.span();
        ch.min = ch.min.min(pos);
        ch.max = ch.max.max(pos);
        let after = ch.span();
        self.total_span += after - before;
        after > before
    }

    /// Sum over chromosomes of `max - min`, in base pairs.
    pub fn total_span(&self) -> u64 {
        self.total_span
    }

    /// The chromosome of index `c`.
    pub fn chrom(&self, c: u32) -> &ChromSpan {
        &self.chroms[c as usize]
    }

    /// The cumulative axis over the chromosomes with a position.
    pub fn layout(&self) -> Layout {
        let mut order: Vec<u32> = (0..self.chroms.len() as u32)
            .filter(|&c| self.chroms[c as usize].placed())
            .collect();
        order.sort_by(|&a, &b| self.chroms[a as usize].name.cmp(&self.chroms[b as usize].name));
        // A chromosome is at least a thousandth of the axis wide, and
        // chromosomes are two thousandths apart.
        let unit = self.total_span.max(1) as f64 / 1000.0;
        let mut start = vec![f64::NAN; self.chroms.len()];
        let mut ranges = Vec::with_capacity(order.len());
        let mut x = 0.0;
        for (k, &c) in order.iter().enumerate() {
            if k > 0 {
                x += 2.0 * unit;
            }
            let ch = &self.chroms[c as usize];
            let span = ch.span() as f64;
            let width = span.max(unit);
            // A chromosome narrower than `unit` is centred in it.
            start[c as usize] = x + (width - span) / 2.0 - ch.min as f64;
            ranges.push((c, x, x + width));
            x += width;
        }
        Layout {
            start,
            ranges,
            total: x.max(unit),
        }
    }
}

/// Where each chromosome lies on the cumulative axis (base pairs).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Layout {
    /// Per chromosome index, the axis value of position 0.
    start: Vec<f64>,
    /// The chromosomes in plotting order: index, first and last axis value.
    pub ranges: Vec<(u32, f64, f64)>,
    /// The axis length.
    pub total: f64,
}

impl Layout {
    /// The axis value of `pos` on chromosome `c`.
    pub fn x(&self, c: u32, pos: i64) -> f64 {
        self.start[c as usize] + pos as f64
    }

    /// The rank of chromosome `c` in plotting order (its colour).
    pub fn rank(&self) -> Vec<usize> {
        let mut r = vec![0; self.start.len()];
        for (k, &(c, _, _)) in self.ranges.iter().enumerate() {
            r[c as usize] = k;
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chromosomes_in_numeric_then_sex_then_other_order() {
        let mut g = Genome::default();
        for (code, pos) in [
            ("scaffold_2", 5),
            ("MT", 10),
            ("10", 100),
            ("X", 7),
            ("2", 50),
            ("chr2", 60),
            ("Y", 1),
            ("XY", 3),
            ("1", 1000),
            ("1", 3000),
        ] {
            let c = g.index(code.as_bytes());
            g.place(c, pos);
        }
        let l = g.layout();
        let names: Vec<String> = l.ranges.iter().map(|&(c, _, _)| g.chrom(c).name.to_string()).collect();
        assert_eq!(names, ["1", "2", "10", "X", "Y", "XY", "MT", "scaffold_2"]);
        // chr2 and 2 are one chromosome spanning 50-60.
        assert_eq!(g.total_span(), 2000 + 10);
        // Positions map in order within and across chromosomes.
        let one = g.index(b"1");
        let two = g.index(b"2");
        assert!(l.x(one, 1000) < l.x(one, 3000) && l.x(one, 3000) < l.x(two, 50));
        assert_eq!(l.x(one, 3000) - l.x(one, 1000), 2000.0);
        assert!(l.ranges.windows(2).all(|w| w[0].2 < w[1].1));
    }

    #[test]
    fn unplaced_chromosomes_are_left_out() {
        let mut g = Genome::default();
        let a = g.index(b"1");
        let _b = g.index(b"2");
        g.place(a, 10);
        assert!(!g.place(a, 10));
        assert_eq!(g.layout().ranges.len(), 1);
    }
}
