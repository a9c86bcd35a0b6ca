"""Test data and golden values for kindred's BGEN reader (crates/genotype/src/bgen/).

Run by scripts/make_bgen_data.sh, in a venv with the two third-party BGEN
packages (neither shares code with kindred):

    python3 -m venv /work/venv-bgen
    /work/venv-bgen/bin/pip install bgen-reader==4.0.9 bgen==1.10.3

Subcommands:

  synth DIR
      Writes the synthetic BGEN files with the `bgen` package's BgenWriter
      (fixed seeds): cases plink2 cannot write (no compression, phased
      haplotype probabilities with arbitrary values, 7 and 32 bits, a
      triallelic variant, samples of ploidy 1, no sample IDs in the file).

  golden OUT.tsv.gz FILE.bgen
      Reads FILE.bgen with bgen-reader (the oracle) and writes the sample IDs
      stored in the file (a `#samples` line; none when the file stores none,
      as bgen-reader then makes up "sample_0", ...), then, per variant,
      the dosage of the FIRST allele for every sample:
        unphased: 2 P(11) + P(12)              (genotype probabilities)
        phased:   P(hap1 = 1) + P(hap2 = 1)    (haplotype probabilities)
      with 9 decimals ("NA" for a missing sample), and two imputation quality
      measures over the non-missing samples (formulas in `quality` below).

  same A.bgen B.bgen
      Checks that two files hold the same variants and probabilities (read
      with the `bgen` package's BgenReader): used for the uncompressed twin of
      the zlib synthetic file, which bgen-reader 4.0.9 cannot read.
"""

import gzip
import sys
from pathlib import Path
import tempfile

import numpy as np

DECIMALS = 9


def fmt(x):
    """A value with DECIMALS decimals, trailing zeros dropped ("2", "0.5")."""
    if np.isnan(x):
        return "NA"
    s = f"{x:.{DECIMALS}f}".rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


def quality(e, f):
    """Imputation quality from per-sample expected dosages e and second
    moments f = E[X^2] (non-missing samples only), with theta = sum(e) / 2N:

    IMPUTE2 info (Marchini & Howie 2010, Nat Rev Genet 11:499-511, Box 3):
        info = 1 - sum(f - e^2) / (2 N theta (1 - theta))
    MACH r2 (Li et al. 2010, Genet Epidemiol 34:816-834): the variance of
    the dosages over its binomial expectation,
        r2 = (sum(e^2) / N - (sum(e) / N)^2) / (2 theta (1 - theta))
    Both are 1 when theta is 0 or 1 (every dosage certain and equal), and NA
    when no sample has data.
    """
    n = len(e)
    if n == 0:
        return float("nan"), float("nan")
    theta = e.sum() / (2 * n)
    denom = 2 * theta * (1 - theta)
    if denom <= 0:
        return 1.0, 1.0
    info = 1 - (f - e * e).sum() / (n * denom)
    mean = e.sum() / n
    r2 = ((e * e).sum() / n - mean * mean) / denom
    return info, r2


def stores_sample_ids(bgen_path):
    """Whether the header's flags (bit 31) say the file stores sample IDs."""
    with open(bgen_path, "rb") as f:
        head = f.read(8)
        header_len = int.from_bytes(head[4:8], "little")
        f.seek(4 + header_len - 4)
        flags = int.from_bytes(f.read(4), "little")
    return bool(flags >> 31)


def golden(out, bgen_path):
    from bgen_reader import open_bgen

    with tempfile.TemporaryDirectory() as tmp:
        meta = Path(tmp) / "metadata2.mmm"
        b = open_bgen(bgen_path, metadata_filepath=meta, allow_complex=True, verbose=False)
        rows = []
        for v in range(b.nvariants):
            head = [str(v), b.chromosomes[v], str(b.positions[v]), b.ids[v], b.rsids[v], b.allele_ids[v]]
            p, missing, ploidy = b.read(v, return_missings=True, return_ploidies=True)
            p = p[:, 0, :]
            missing = missing[:, 0]
            ploidy = ploidy[:, 0]
            if b.nalleles[v] != 2:
                rows.append(head + ["not_biallelic"])
                continue
            if (ploidy != 2).any():
                rows.append(head + ["not_diploid"])
                continue
            phased = bool(b.phased[v])
            if phased:
                h1, h2 = p[:, 0], p[:, 2]
                e = h1 + h2
                f = h1 + h2 + 2 * h1 * h2
            else:
                e = 2 * p[:, 0] + p[:, 1]
                f = 4 * p[:, 0] + p[:, 1]
            e = np.where(missing, np.nan, e)
            ok = ~missing
            info, r2 = quality(e[ok], f[ok])
            rows.append(head + ["phased" if phased else "unphased", fmt(info), fmt(r2)] + [fmt(x) for x in e])
        samples = list(b.samples) if stores_sample_ids(bgen_path) else None
        b.close()
    with gzip.GzipFile(out, "wb", compresslevel=9, mtime=0) as gz:
        text = [
            f"# bgen_reference.py golden {Path(bgen_path).name}",
            "# oracle: bgen-reader (open_bgen, allow_complex); dosage of the first allele with "
            f"{DECIMALS} decimals, NA = missing",
            "# columns: index chrom pos varid rsid alleles kind info mach_r2 dosage...; "
            "kind = unphased | phased | not_biallelic | not_diploid",
        ]
        if samples is not None:
            text.append("#samples\t" + "\t".join(samples))
        text += ["\t".join(r) for r in rows]
        gz.write(("\n".join(text) + "\n").encode())


def synth(outdir):
    from bgen import BgenWriter

    out = Path(outdir)
    rng = np.random.default_rng(20261130)
    n = 60
    variants = []
    for v in range(30):
        kind = ["unphased", "phased"][v % 2]
        alleles = ["A", "G"]
        ploidy = 2
        if kind == "unphased":
            g = rng.dirichlet([0.3, 0.3, 0.3], size=n)
            g[rng.random(n) < 0.3] = np.eye(3)[rng.integers(0, 3)]  # some hard calls
        else:
            h = rng.random((n, 2))
            g = np.stack([h[:, 0], 1 - h[:, 0], h[:, 1], 1 - h[:, 1]], axis=1)
        g[rng.random(n) < 0.1] = np.nan  # missing samples
        if v == 7:  # a triallelic variant: skipped by kindred
            alleles = ["A", "C", "T"]
            g = rng.dirichlet([1.0] * 6, size=n)
        if v == 12:  # some samples haploid: refused by kindred
            ploidy = np.full(n, 2, dtype=np.uint8)
            ploidy[::5] = 1
            g = rng.dirichlet([1.0, 1.0, 1.0], size=n)
            hap = ploidy == 1  # two genotypes (A, G): the third column is unused
            p = rng.random(hap.sum())
            g[hap] = np.stack([p, 1 - p, np.full_like(p, np.nan)], axis=1)
        variants.append((f"syn{v}", f"rs{1000 + v}", "2", 1000 * (v + 1), alleles, g, ploidy, kind == "phased"))
    for name, compression in [("synthetic_zlib_b7", "zlib"), ("synthetic_none_b7", None)]:
        with BgenWriter(out / f"{name}.bgen", n, compression=compression) as w:
            for varid, rsid, chrom, pos, alleles, g, ploidy, phased in variants:
                w.add_variant(varid, rsid, chrom, pos, alleles, g, ploidy=ploidy, phased=phased, bit_depth=7)
    with open(out / "synthetic.sample", "w") as f:
        f.write("ID_1 ID_2 missing sex\n0 0 0 D\n")
        for i in range(n):
            f.write(f"fam{i // 3} ind{i} 0 {1 + i % 2}\n")

    n = 25
    with BgenWriter(out / "synthetic_zstd_b32.bgen", n, samples=[f"s{i}" for i in range(n)], compression="zstd") as w:
        for v in range(10):
            g = rng.dirichlet([0.5, 0.5, 0.5], size=n)
            g[rng.random(n) < 0.1] = np.nan
            w.add_variant(f"v{v}", f"rs{v}", "X", 50 + v, ["T", "C"], g, bit_depth=32)


def same(a, b):
    from bgen import BgenReader

    ra, rb = BgenReader(a), BgenReader(b)
    va, vb = list(ra), list(rb)
    assert len(va) == len(vb), "variant counts differ"
    for x, y in zip(va, vb):
        assert (x.varid, x.rsid, x.chrom, x.pos, x.alleles) == (y.varid, y.rsid, y.chrom, y.pos, y.alleles)
        assert np.array_equal(x.probabilities, y.probabilities, equal_nan=True), x.varid
    print(f"{a} and {b}: {len(va)} variants, identical probabilities")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "golden":
        golden(*args)
    elif cmd == "synth":
        synth(*args)
    elif cmd == "same":
        same(*args)
    else:
        sys.exit(f"unknown subcommand {cmd}")
