"""Test data and golden values for kindred's PGEN reader (crates/genotype/src/pgen/).

Run by scripts/make_pgen_data.sh, in a venv with pgenlib, the Python wrapper
of PLINK 2's own reader library (it shares no code with kindred):

    python3 -m venv /work/venv-pgen
    /work/venv-pgen/bin/pip install pgenlib==0.95.1 numpy

Subcommands:

  simulate DIR
      Writes the inputs of the simulated filesets (fixed seed): a PLINK 1
      dosage file (sim.dose, sim.fam, sim.map) for `plink2 --import-dosage`,
      laid out so that plink2 stores every kind of variant record (see
      `simulate` below), and a small VCF (multi.vcf) with phased calls and
      multiallelic sites for `plink2 --vcf`.

  golden OUT.tsv.gz PREFIX
      Reads PREFIX.pgen with pgenlib's PgenReader (variant count and allele
      counts from PREFIX.pvar, or PREFIX.bim, with pgenlib's PvarReader) and
      writes, per variant: its index, chromosome, position, ID, REF, ALT, its
      record type as stored in the .pgen header (`record_types` below: read
      with a few lines of our own, since pgenlib's Python API does not expose
      it) and the ALT dosage of every sample from `read_dosages` ("NA" where
      pgenlib reports -9, missing). Multiallelic variants get kind
      "multiallelic" and no dosages (kindred skips them). Dosages are
      multiples of 2^-14 and are printed with Python's shortest round-trip
      repr, so they parse back to the very same double.

  types PGEN
      Prints how many records of each type the .pgen holds (for the README).
"""

import collections
import gzip
import sys
from pathlib import Path

import numpy as np


def record_types(path):
    """The record type ("vrtype") of every variant, from the .pgen header.

    Storage modes 0x02/0x03/0x04 have one implied type (0x00/0x40/0xc0);
    modes 0x10/0x11 store, per block of 2^16 variants, 4-bit types (header
    byte 11, low nibble < 4) or 8-bit types, then the record lengths
    (1 + (byte11 & 3) bytes each), the allele counts ((byte11 >> 4) & 3
    bytes each) and, when byte11 >> 6 == 3, a provisional-REF bitarray.
    """
    b = Path(path).read_bytes()
    if b[:2] != b"\x6c\x1b":
        raise SystemExit(f"{path}: not a PGEN file")
    mode = b[2]
    m = int.from_bytes(b[3:7], "little")
    ctrl = b[11]
    if mode in (0x02, 0x03, 0x04):
        return mode, [{0x02: 0x00, 0x03: 0x40, 0x04: 0xC0}[mode]] * m
    if mode not in (0x10, 0x11):
        raise SystemExit(f"{path}: storage mode {mode:#04x} is not handled here")
    n_blocks = (m + 0xFFFF) >> 16
    at = 12 + 8 * n_blocks
    types = []
    for blk in range(n_blocks):
        k = min(1 << 16, m - (blk << 16))
        if ctrl & 15 < 4:
            types += [(b[at + i // 2] >> (4 * (i % 2))) & 15 for i in range(k)]
            at += (k + 1) // 2
        else:
            types += list(b[at : at + k])
            at += k
        at += k * (1 + (ctrl & 3)) + k * ((ctrl >> 4) & 3)
        if ctrl >> 6 == 3:
            at += (k + 7) // 8
    return mode, types


def type_counts(path):
    mode, types = record_types(path)
    c = collections.Counter(types)
    return mode, ", ".join(f"0x{t:02x}: {c[t]}" for t in sorted(c))


def golden(out, prefix):
    import pgenlib

    prefix = Path(prefix)
    pvar_path = prefix.with_name(prefix.name + ".pvar")
    if not pvar_path.exists():
        pvar_path = prefix.with_name(prefix.name + ".bim")
    pgen_path = prefix.with_name(prefix.name + ".pgen")
    pvar = pgenlib.PvarReader(bytes(pvar_path))
    m = pvar.get_variant_ct()
    offsets = pvar.get_allele_idx_offsets()
    pgen = pgenlib.PgenReader(bytes(pgen_path), variant_ct=m, allele_idx_offsets=offsets)
    n = pgen.get_raw_sample_ct()
    _, types = record_types(pgen_path)
    assert len(types) == m
    buf = np.empty(n, dtype=np.float64)
    rows = []
    for v in range(m):
        ct = pvar.get_allele_ct(v)
        alts = ",".join(pvar.get_allele_code(v, a).decode() for a in range(1, ct))
        head = [
            str(v),
            pvar.get_variant_chrom(v).decode(),
            str(pvar.get_variant_pos(v)),
            pvar.get_variant_id(v).decode(),
            pvar.get_allele_code(v, 0).decode(),
            alts,
            f"0x{types[v]:02x}",
        ]
        if ct != 2:
            rows.append(head + ["multiallelic"])
            continue
        pgen.read_dosages(v, buf)
        cells = ["NA" if x == -9 else repr(float(x)) for x in buf]
        rows.append(head + ["biallelic"] + [c[:-2] if c.endswith(".0") else c for c in cells])
    pgen.close()
    pvar.close()
    text = [
        f"# pgen_reference.py golden {prefix.name}: {m} variants, {n} samples",
        "# oracle: pgenlib " + pgenlib_version() + " PgenReader.read_dosages (ALT dosage), NA = missing",
        "# columns: index chrom pos id ref alt record_type kind dosage_1..dosage_N; kind = biallelic | multiallelic",
    ]
    text += ["\t".join(r) for r in rows]
    with gzip.GzipFile(out, "wb", compresslevel=9, mtime=0) as gz:
        gz.write(("\n".join(text) + "\n").encode())


def pgenlib_version():
    from importlib.metadata import version

    return version("pgenlib")


def simulate(outdir):
    """Inputs of the simulated filesets.

    sim.*: 243 samples (not a multiple of 4 or 8; fewer than 256, so
    difflists store 1-byte sample IDs) x 64 variants of ALT dosages for
    `plink2 --import-dosage format=1` (the A1 column is ALT). Blocks of
    variants chosen so that plink2 stores each kind of record:
      0-7    random hard calls, some missing            -> 2-bit array (0x00)
      8-11   two genotypes common, a few others          -> 1-bit array (0x01)
      12-17  a copy of the variant before, few changes  -> LD-compressed (0x02)
      18-22  a fresh variant, then each one the one before with 0 and 2
             swapped and a few changes                  -> inverted LD (0x03)
      23-28  almost all 0 / almost all 2 / almost all missing
                                                        -> difflists (0x04, 0x06, 0x07)
      29-63  fractional dosages in groups of four: every sample (0x40), about
             half of them (bitarray, 0x60), a few (dosage list, 0x20), and the
             hard calls of the one before with a few dosages (LD-compressed
             main track, 0x22); missing values ("NA") and hard calls mixed in
    multi.vcf: 37 samples x 12 variants of GT (some phased) with two
    multiallelic sites -> phase track (0x10), multiallelic hard calls (0x08).
    """
    out = Path(outdir)
    rng = np.random.default_rng(20261130)
    n = 243
    geno = []

    def random_calls(p_missing):
        g = rng.binomial(2, rng.uniform(0.1, 0.9), size=n).astype(float)
        g[rng.random(n) < p_missing] = np.nan
        return g

    def changed(g, k):
        g = g.copy()
        idx = rng.choice(n, size=k, replace=False)
        g[idx] = rng.integers(0, 3, size=k)
        return g

    for _ in range(8):
        geno.append(random_calls(0.05))
    for _ in range(4):
        g = rng.binomial(1, 0.5, size=n).astype(float)
        g[rng.choice(n, size=6, replace=False)] = [2, 2, 2, np.nan, np.nan, 2]
        geno.append(g)
    for _ in range(6):
        geno.append(changed(geno[-1], 6))
    geno.append(random_calls(0.05))
    for _ in range(4):
        geno.append(changed(2 - geno[-1], 4))
    for common in [0.0, 0.0, 2.0, 2.0, np.nan, np.nan]:
        g = changed(np.full(n, common), 7)
        if not np.isnan(common):
            g[rng.choice(n, size=2, replace=False)] = np.nan
        geno.append(g)
    while len(geno) < 64:
        kind = (len(geno) - 29) % 4
        if kind == 0:
            g = np.round(rng.uniform(0.01, 1.99, size=n), 3)
            g[g == 1.0] = 1.001
        elif kind == 3:
            g = np.round(geno[-1])
        else:
            g = random_calls(0.04)
        if kind != 0:
            share = [0, 0.5, 0.03, 0.02][kind]
            frac = rng.random(n) < share
            g[frac] = np.round(rng.uniform(0, 2, size=frac.sum()), 3)
            g[rng.random(n) < 0.03] = np.nan
        geno.append(g)

    with open(out / "sim.fam", "w") as f:
        for i in range(n):
            f.write(f"fam{i // 4} ind{i} 0 0 {1 + i % 2} -9\n")
    with open(out / "sim.map", "w") as f:
        for v in range(len(geno)):
            f.write(f"{1 + v // 32} sim{v} 0 {1000 * (v + 1)}\n")
    bases = "ACGT"
    with open(out / "sim.dose", "w") as f:
        f.write("SNP A1 A2 " + " ".join(f"fam{i // 4} ind{i}" for i in range(n)) + "\n")
        for v, g in enumerate(geno):
            a1, a2 = bases[v % 4], bases[(v + 1) % 4]
            vals = ["NA" if np.isnan(x) else f"{x:g}" for x in g]
            f.write(f"sim{v} {a1} {a2} " + " ".join(vals) + "\n")

    n = 37
    with open(out / "multi.vcf", "w") as f:
        f.write("##fileformat=VCFv4.2\n##contig=<ID=1>\n")
        f.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
        f.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t")
        f.write("\t".join(f"s{i}" for i in range(n)) + "\n")
        for v in range(12):
            alts = ["C", "C,T", "G", "T,G,A"][v % 4] if v in (1, 7) else "C"
            k = len(alts.split(","))
            calls = []
            for i in range(n):
                a, b = rng.integers(0, k + 1, size=2)
                if rng.random() < 0.05:
                    calls.append("./.")
                elif v % 3 == 0:
                    calls.append(f"{a}/{b}")
                else:
                    calls.append(f"{a}|{b}")
            f.write(f"1\t{100 * (v + 1)}\tm{v}\tA\t{alts}\t.\t.\t.\tGT\t" + "\t".join(calls) + "\n")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "golden":
        golden(*args)
    elif cmd == "simulate":
        simulate(*args)
    elif cmd == "types":
        for p in args:
            mode, counts = type_counts(p)
            print(f"{Path(p).name}\tmode 0x{mode:02x}\t{counts}")
    else:
        sys.exit(f"unknown subcommand {cmd}")
