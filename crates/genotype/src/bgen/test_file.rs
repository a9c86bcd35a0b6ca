//! A BGEN writer for the unit tests: files built field by field from the
//! specification, with a knob for each field the reader must check.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Bgen, DosageStats};
use crate::decode::{Encoding, SampleSubset};
use crate::error::{ErrorKind, Result};
use crate::DosageDecode;

/// Packs `values` of `bits` bits each, least significant bit first.
pub(super) fn pack(values: &[u64], bits: u32) -> Vec<u8> {
    let mut out = vec![0u8; (values.len() * bits as usize).div_ceil(8)];
    for (k, &v) in values.iter().enumerate() {
        for j in 0..bits as usize {
            let bit = k * bits as usize + j;
            out[bit / 8] |= (((v >> j) & 1) as u8) << (bit % 8);
        }
    }
    out
}

/// One variant block.
#[derive(Debug, Clone)]
pub(super) struct TestVariant {
    pub(super) varid: String,
    pub(super) rsid: String,
    pub(super) chrom: String,
    pub(super) pos: u32,
    pub(super) alleles: Vec<String>,
    /// Two values per sample.
    pub(super) values: Vec<u64>,
    pub(super) bits: u8,
    pub(super) phased: u8,
    /// Ploidy byte per sample (bit 7 = missing).
    pub(super) ploidy: Vec<u8>,
    /// `(Pmin, Pmax)`; by default from `ploidy`.
    pub(super) ploidy_range: Option<(u8, u8)>,
    /// `N` written in the genotype data; by default the file's.
    pub(super) n_in_data: Option<u32>,
    /// `K` written in the genotype data; by default the allele count.
    pub(super) k_in_data: Option<u16>,
    /// Bytes added after the probabilities (before compression).
    pub(super) extra: Vec<u8>,
    /// `D` written; by default the true uncompressed length.
    pub(super) declared_len: Option<u32>,
    /// Bytes dropped from the end of the compressed data (`C` shrinks too).
    pub(super) cut: usize,
    /// Bytes added after the compressed data (`C` grows too).
    pub(super) junk: Vec<u8>,
}

impl TestVariant {
    /// A diploid unphased variant `id` (as rsID, variant ID `V` + id) with
    /// alleles A and G at position 100, from two values per sample.
    pub(super) fn new(id: &str, values: Vec<u64>, bits: u8) -> Self {
        let n = values.len() / 2;
        Self {
            varid: format!("V{id}"),
            rsid: id.into(),
            chrom: "1".into(),
            pos: 100,
            alleles: vec!["A".into(), "G".into()],
            values,
            bits,
            phased: 0,
            ploidy: vec![2; n],
            ploidy_range: None,
            n_in_data: None,
            k_in_data: None,
            extra: Vec::new(),
            declared_len: None,
            cut: 0,
            junk: Vec::new(),
        }
    }

    /// The uncompressed genotype data.
    fn data(&self, n: u32) -> Vec<u8> {
        let mut d = Vec::new();
        d.extend_from_slice(&self.n_in_data.unwrap_or(n).to_le_bytes());
        d.extend_from_slice(&self.k_in_data.unwrap_or(self.alleles.len() as u16).to_le_bytes());
        let plain = self.ploidy.iter().map(|p| p & 0x3f);
        let (lo, hi) = self
            .ploidy_range
            .unwrap_or((plain.clone().min().unwrap_or(2), plain.max().unwrap_or(2)));
        d.extend_from_slice(&[lo, hi]);
        d.extend_from_slice(&self.ploidy);
        d.extend_from_slice(&[self.phased, self.bits]);
        d.extend_from_slice(&pack(&self.values, u32::from(self.bits)));
        d.extend_from_slice(&self.extra);
        d
    }
}

/// A whole file.
#[derive(Debug, Clone)]
pub(super) struct TestFile {
    pub(super) n_samples: u32,
    /// Compression code (0 none, 1 zlib, 2 zstd; 3 is invalid).
    pub(super) compression: u32,
    pub(super) layout: u32,
    pub(super) magic: [u8; 4],
    /// Stored in a sample identifier block when `Some`.
    pub(super) sample_ids: Option<Vec<String>>,
    /// `N` written in the sample identifier block; by default `n_samples`.
    pub(super) n_in_sample_block: Option<u32>,
    /// `M` in the header; by default the number of variants.
    pub(super) n_variants: Option<u32>,
    pub(super) variants: Vec<TestVariant>,
}

impl TestFile {
    /// `n` samples named `s1`..`sn` in the file, zlib, layout 2.
    pub(super) fn new(n: u32) -> Self {
        Self {
            n_samples: n,
            compression: 1,
            layout: 2,
            magic: *b"bgen",
            sample_ids: Some((1..=n).map(|i| format!("s{i}")).collect()),
            n_in_sample_block: None,
            n_variants: None,
            variants: Vec::new(),
        }
    }

    /// The file's bytes.
    pub(super) fn bytes(&self) -> Vec<u8> {
        let mut samples = Vec::new();
        if let Some(ids) = &self.sample_ids {
            let mut body = Vec::new();
            body.extend_from_slice(&self.n_in_sample_block.unwrap_or(self.n_samples).to_le_bytes());
            for id in ids {
                body.extend_from_slice(&(id.len() as u16).to_le_bytes());
                body.extend_from_slice(id.as_bytes());
            }
            samples.extend_from_slice(&(body.len() as u32 + 4).to_le_bytes());
            samples.extend_from_slice(&body);
        }
        let flags = self.compression | self.layout << 2 | u32::from(self.sample_ids.is_some()) << 31;
        let mut out = Vec::new();
        out.extend_from_slice(&(20 + samples.len() as u32).to_le_bytes());
        out.extend_from_slice(&20u32.to_le_bytes());
        out.extend_from_slice(&self.n_variants.unwrap_or(self.variants.len() as u32).to_le_bytes());
        out.extend_from_slice(&self.n_samples.to_le_bytes());
        out.extend_from_slice(&self.magic);
        out.extend_from_slice(&flags.to_le_bytes());
        out.extend_from_slice(&samples);
        for v in &self.variants {
            for s in [&v.varid, &v.rsid, &v.chrom] {
                out.extend_from_slice(&(s.len() as u16).to_le_bytes());
                out.extend_from_slice(s.as_bytes());
            }
            out.extend_from_slice(&v.pos.to_le_bytes());
            out.extend_from_slice(&(v.alleles.len() as u16).to_le_bytes());
            for a in &v.alleles {
                out.extend_from_slice(&(a.len() as u32).to_le_bytes());
                out.extend_from_slice(a.as_bytes());
            }
            let data = v.data(self.n_samples);
            let stored = match self.compression {
                0 => data.clone(),
                c => {
                    let mut z = if c == 2 { zstd(&data) } else { zlib(&data) };
                    z.truncate(z.len() - v.cut);
                    z.extend_from_slice(&v.junk);
                    let mut s = v.declared_len.unwrap_or(data.len() as u32).to_le_bytes().to_vec();
                    s.extend_from_slice(&z);
                    s
                }
            };
            out.extend_from_slice(&(stored.len() as u32).to_le_bytes());
            out.extend_from_slice(&stored);
        }
        out
    }

    /// Writes the file as `dir/name` and returns its path.
    pub(super) fn write(&self, dir: &Path, name: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, self.bytes()).expect("write test file");
        path
    }
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(data).expect("zlib in memory");
    z.finish().expect("zlib in memory")
}

fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::bulk::compress(data, 3).expect("zstd in memory")
}

/// Opens `tf` written to a temporary directory (kept alive with the result).
pub(super) fn open(tf: &TestFile) -> (tempfile::TempDir, Result<Bgen>) {
    let dir = tempfile::tempdir().unwrap();
    let path = tf.write(dir.path(), "t.bgen");
    let r = Bgen::open(&path, None);
    (dir, r)
}

/// All variants over all samples, raw.
pub(super) fn decode_all(b: &Bgen) -> Result<Vec<f64>> {
    let subset = SampleSubset::all(b.n_samples());
    let variants: Vec<u32> = (0..b.variants().len() as u32).collect();
    let mut out = vec![0.0; subset.len() * variants.len()];
    let mut stats = vec![DosageStats::default(); variants.len()];
    b.decode_block(&variants, &subset, Encoding::Raw, &mut out, &mut stats)?;
    Ok(out)
}

/// The error of opening `tf`, checked to be `kind` and to name the file.
pub(super) fn open_error(tf: &TestFile, kind: ErrorKind) -> String {
    let (_dir, r) = open(tf);
    let e = r.expect_err("refused");
    assert_eq!(e.kind(), kind, "{e}");
    let msg = e.to_string();
    assert!(msg.contains("t.bgen"), "{msg}");
    msg
}

/// The error of decoding every variant of `tf` (which opens).
pub(super) fn decode_error(tf: &TestFile) -> String {
    let (_dir, r) = open(tf);
    let b = r.expect("opens");
    let e = decode_all(&b).expect_err("refused");
    assert_eq!(e.kind(), ErrorKind::MalformedInput, "{e}");
    let msg = e.to_string();
    assert!(msg.contains("t.bgen: variant "), "{msg}");
    msg
}

/// Three samples, one 8-bit unphased variant `rs1`: dosages 2, 1, 0.5.
pub(super) fn one_variant(compression: u32) -> TestFile {
    let mut tf = TestFile::new(3);
    tf.compression = compression;
    tf.variants
        .push(TestVariant::new("rs1", vec![255, 0, 0, 255, 0, 128], 8));
    tf
}
