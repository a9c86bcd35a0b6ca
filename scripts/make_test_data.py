#!/usr/bin/env python3
"""Regenerate kindred's small test data sets, deterministically.

Writes (after deleting them first, so stale cases never linger):

    data/tiny/       hand-made *valid* PLINK 1 filesets and side tables
    data/malformed/  one directory per broken-input case, plus README.md
                     and cases.tsv describing the error each must produce

Python 3 standard library only.  Run from anywhere:

    python3 scripts/make_test_data.py

Nothing here is random: every genotype is written out literally below, so
the same bytes come out on every run and every Python version.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "data" / "tiny"
MALFORMED = ROOT / "data" / "malformed"
MALFORMED_REL = "data/malformed"  # as a test would spell it from the repo root

NA = None  # missing genotype

MAGIC = bytes([0x6C, 0x1B, 0x01])

# A1-allele count -> 2-bit PLINK code
CODE = {2: 0b00, NA: 0b01, 1: 0b10, 0: 0b11}


# --------------------------------------------------------------------------
# low-level helpers
# --------------------------------------------------------------------------

def encode_variant(counts: list) -> bytes:
    """Pack one variant's A1 counts (2/1/0/None) into ceil(n/4) bytes.

    First sample in the lowest two bits; padding bits are 0.
    """
    out = bytearray()
    for start in range(0, len(counts), 4):
        byte = 0
        for k, g in enumerate(counts[start:start + 4]):
            byte |= CODE[g] << (2 * k)
        out.append(byte)
    return bytes(out)


def encode_bed(matrix: list) -> bytes:
    """matrix[variant][sample] of A1 counts -> full .bed contents."""
    n = len(matrix[0])
    for row in matrix:
        assert len(row) == n, "ragged genotype matrix"
    return MAGIC + b"".join(encode_variant(row) for row in matrix)


def bed_size(n_samples: int, n_variants: int) -> int:
    return 3 + n_variants * ((n_samples + 3) // 4)


def lines(rows, sep="\t", eol="\n") -> bytes:
    """Rows (lists of fields, or preformatted strings) -> bytes."""
    text = []
    for r in rows:
        text.append(r if isinstance(r, str) else sep.join(str(x) for x in r))
    return "".join(t + eol for t in text).encode("utf-8")


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def fmt_g(g) -> str:
    return "." if g is None else str(g)


def hexbytes(b: bytes) -> str:
    return " ".join(f"{x:02x}" for x in b)


def matrix_table(samples, variants, matrix) -> str:
    """Markdown table: one row per variant, one column per sample."""
    head = ["variant", "chr", "A1", "A2"] + [s[1] for s in samples] + [
        "A1 count", "non-missing", "A1 freq", ".bed bytes (hex)"]
    out = ["| " + " | ".join(head) + " |",
           "|" + "---|" * len(head)]
    for v, row in zip(variants, matrix):
        called = [g for g in row if g is not None]
        a1 = sum(called)
        freq = f"{a1 / (2 * len(called)):.6g}" if called else "NA"
        cells = [v[1], v[0], v[4], v[5]] + [fmt_g(g) for g in row] + [
            str(a1), str(len(called)), freq, hexbytes(encode_variant(row))]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


# --------------------------------------------------------------------------
# data/tiny
# --------------------------------------------------------------------------

# .fam: FID IID father mother sex phenotype
TINY_FAM = [
    ["F1", "S1", "0", "0", "1", "1.5"],
    ["F1", "S2", "0", "0", "2", "2.25"],
    ["F1", "S3", "S1", "S2", "1", "-9"],   # child of S1 x S2; missing phenotype
    ["F2", "S4", "0", "0", "2", "0.75"],
    ["F2", "S5", "0", "0", "1", "3"],
    ["F3", "S6", "0", "0", "2", "-1.25"],
    ["F3", "S7", "0", "0", "0", "2.5"],    # sex unknown
]

# .bim: chrom id cM bp A1 A2
TINY_BIM = [
    ["1", "rs1", "0", "1000", "A", "G"],
    ["1", "rs2", "0.5", "2000", "C", "T"],
    ["2", "rs3", "0", "500", "G", "A"],
    ["2", "rs4", "1.25", "1500", "T", "C"],
    ["X", "rs5", "0", "3000", "A", "C"],
    ["MT", "rs6", "0", "150", "G", "A"],
]

# A1 counts, variants x samples (S1..S7)
TINY_G = [
    [2, 1, 0, 1, 2, 0, 1],                 # rs1  normal
    [NA, NA, NA, NA, NA, NA, NA],          # rs2  all missing
    [2, 2, 2, 2, 2, 2, 2],                 # rs3  monomorphic (all hom A1)
    [0, 1, NA, 2, 1, NA, 0],               # rs4  some missing
    [2, 1, 0, 2, 2, 1, 0],                 # rs5  X: males S1,S3,S5 homozygous
    [0, 0, 2, 0, 2, 0, 0],                 # rs6  MT: all homozygous
]

TINY_PHENO = [
    ["FID", "IID", "ph1", "ph2"],
    ["F1", "S1", "0.5", "1"],
    ["F1", "S2", "NA", "2"],
    ["F1", "S3", "1.75", "1"],
    ["F2", "S4", "-0.5", "-9"],
    ["F2", "S5", "2", "2"],
    # F3 S6 absent
    ["F3", "S7", "3.125", "1"],
]

TINY_COVAR = [
    ["FID", "IID", "age", "site"],
    ["F1", "S1", "34", "A"],
    ["F1", "S2", "36", "B"],
    ["F1", "S3", "8", "A"],
    ["F2", "S4", "51", "C"],
    ["F2", "S5", "NA", "B"],
    ["F3", "S6", "29", "C"],
    ["F3", "S7", "42", "A"],
]

TINY_KEEP = [["F1", "S1"], ["F1", "S3"], ["F2", "S5"], ["F3", "S7"]]
TINY_EXTRACT = ["rs1", "rs4", "rs5"]

# multi: 10 samples x 12 variants, chromosomes 1, 2, 3; 8-column .fam
MULTI_FAM = [
    # FID IID pat mat sex pheno(col6) pheno2(col7) pheno3(col8)
    ["M1", "m01", "0", "0", "1", "0.12", "10.5", "1"],
    ["M1", "m02", "0", "0", "2", "-0.43", "11.0", "2"],
    ["M1", "m03", "m01", "m02", "2", "1.07", "NA", "1"],
    ["M2", "m04", "0", "0", "1", "0.88", "9.75", "2"],
    ["M2", "m05", "0", "0", "2", "-1.5", "12.25", "2"],
    ["M3", "m06", "0", "0", "1", "0.3", "8.5", "1"],
    ["M3", "m07", "0", "0", "2", "2.01", "10.0", "1"],
    ["M4", "m08", "0", "0", "1", "-0.77", "13.5", "2"],
    ["M4", "m09", "m08", "0", "2", "0.05", "11.75", "1"],
    ["M5", "m10", "0", "0", "0", "1.6", "9.0", "2"],
]

MULTI_BIM = [
    ["1", "snp1_1", "0", "10000", "A", "G"],
    ["1", "snp1_2", "0.1", "20000", "C", "T"],
    ["1", "snp1_3", "0.2", "35000", "G", "A"],
    ["1", "snp1_4", "0.35", "50000", "T", "C"],
    ["2", "snp2_1", "0", "5000", "A", "C"],
    ["2", "snp2_2", "0.05", "12000", "G", "T"],
    ["2", "snp2_3", "0.2", "40000", "C", "A"],
    ["2", "snp2_4", "0.4", "41000", "T", "G"],
    ["3", "snp3_1", "0", "700", "A", "T"],
    ["3", "snp3_2", "0.01", "800", "C", "G"],
    ["3", "snp3_3", "0.3", "90000", "G", "C"],
    ["3", "snp3_4", "0.6", "150000", "T", "A"],
]

MULTI_G = [
    #m01 m02 m03 m04 m05 m06 m07 m08 m09 m10
    [2, 1, 1, 0, 2, 1, 0, 1, 2, 0],
    [0, 0, 1, 1, 0, 2, 1, 0, 0, 1],
    [1, 2, NA, 1, 1, 0, 2, 2, 1, 1],
    [2, 2, 2, 1, 2, 2, 1, 2, 2, 2],
    [0, 1, 0, 0, 1, 0, 0, 2, 1, 0],
    [1, 1, 2, 0, 1, 1, 2, 1, NA, 0],
    [2, 0, 1, 2, 1, 0, 1, 1, 2, 2],
    [0, 0, 0, 0, 1, 0, 0, 0, 0, 1],
    [1, 2, 1, 1, 0, 1, 2, NA, 1, 1],
    [2, 1, 2, 2, 2, 1, 1, 2, 1, 2],
    [0, 1, 1, 2, 0, 1, 0, 1, 2, 1],
    [1, 0, 1, 1, 2, 2, NA, 0, 1, 0],
]


def make_tiny() -> None:
    assert len(TINY_G) == len(TINY_BIM) and len(TINY_G[0]) == len(TINY_FAM)
    assert len(MULTI_G) == len(MULTI_BIM) and len(MULTI_G[0]) == len(MULTI_FAM)

    tiny_bed = encode_bed(TINY_G)
    assert len(tiny_bed) == bed_size(7, 6) == 3 + 6 * 2
    write(TINY / "tiny.bed", tiny_bed)
    write(TINY / "tiny.bim", lines(TINY_BIM))
    write(TINY / "tiny.fam", lines(TINY_FAM, sep=" "))
    write(TINY / "tiny.pheno.tsv", lines(TINY_PHENO))
    write(TINY / "tiny.covar.tsv", lines(TINY_COVAR))
    write(TINY / "tiny.keep.txt", lines(TINY_KEEP))
    write(TINY / "tiny.extract.txt", lines(TINY_EXTRACT))

    multi_bed = encode_bed(MULTI_G)
    assert len(multi_bed) == bed_size(10, 12) == 3 + 12 * 3
    write(TINY / "multi.bed", multi_bed)
    write(TINY / "multi.bim", lines(MULTI_BIM))
    write(TINY / "multi.fam", lines(MULTI_FAM, sep=" "))

    # Same genotypes as tiny, .bim and .fam with CRLF line endings.  VALID.
    write(TINY / "crlf" / "tiny.bed", tiny_bed)
    write(TINY / "crlf" / "tiny.bim", lines(TINY_BIM, eol="\r\n"))
    write(TINY / "crlf" / "tiny.fam", lines(TINY_FAM, sep=" ", eol="\r\n"))

    # Same genotypes as tiny, .bim separated by a mix of tabs and runs of
    # spaces, .fam likewise.  VALID.
    seps = ["\t", "  ", " \t", "\t\t", "   "]
    mixed_bim = []
    for i, r in enumerate(TINY_BIM):
        s = r[0]
        for j, f in enumerate(r[1:]):
            s += seps[(i + j) % len(seps)] + f
        mixed_bim.append(s)
    mixed_fam = []
    for i, r in enumerate(TINY_FAM):
        s = r[0]
        for j, f in enumerate(r[1:]):
            s += seps[(i + 2 * j + 1) % len(seps)] + f
        mixed_fam.append(s)
    write(TINY / "mixedws" / "tiny.bed", tiny_bed)
    write(TINY / "mixedws" / "tiny.bim", lines(mixed_bim))
    write(TINY / "mixedws" / "tiny.fam", lines(mixed_fam))

    write(TINY / "README.md", tiny_readme().encode("utf-8"))


def tiny_readme() -> str:
    def fam_table(fam, extra_cols=()):
        head = ["FID", "IID", "father", "mother", "sex", "pheno (col 6)"] + list(extra_cols)
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        out += ["| " + " | ".join(r) + " |" for r in fam]
        return "\n".join(out)

    def tsv_block(rows):
        return "```\n" + "\n".join("\t".join(r) if isinstance(r, list) else r for r in rows) + "\n```"

    return f"""# data/tiny — small hand-made valid PLINK 1 filesets

Generated by `scripts/make_test_data.py` (do not edit by hand; edit the
script and rerun it).  Every fileset here is **valid** and must be read
without error.

Genotype tables below give the **count of the A1 allele** (.bim column 5)
per sample; `.` = missing.  .bed codes: `00` = 2 (hom A1), `01` = missing,
`10` = 1 (het), `11` = 0 (hom A2); first sample in the lowest two bits;
unused padding bits in the last byte of each variant are `00`.
"A1 freq" is the plain diploid frequency, A1 count / (2 × non-missing).
plink2 treats A1 as ALT, so for autosomes this equals plink2's
`ALT_FREQS`; on X (males haploid) and MT (haploid) plink2 counts
differently, see the notes.

## tiny.{{bed,bim,fam}} — 7 samples × 6 variants

7 samples (not a multiple of 4: 2 bytes per variant, the last byte holds 3
samples + 1 padding slot), .bed size = 3 + 6 × 2 = {bed_size(7, 6)} bytes.
Three families; S3 is the child of S1 × S2 (so use `--nonfounders` with
plink to count it in frequencies).  S3's phenotype is `-9` (missing).  S7 has
sex `0` (unknown).  .fam is space-separated, .bim tab-separated.

{fam_table(TINY_FAM)}

{matrix_table(TINY_FAM, TINY_BIM, TINY_G)}

What each variant is for:

- `rs1` (chr 1): ordinary, no missing.
- `rs2` (chr 1): **all missing** (bytes `55 15`: the padding slot of the last byte stays `00`); A1 freq undefined.
- `rs3` (chr 2): **monomorphic**, every sample hom A1 (bytes `00 00`).
- `rs4` (chr 2): **some missing** (S3, S6).
- `rs5` (X): males S1, S3, S5 are homozygous (no haploid hets); S7 has
  unknown sex and is homozygous too.  Diploid A1 freq 8/14 = 0.571429.
  plink2 counts males as haploid (1 + 0 + 1 of 3 male alleles) and
  females/unknown-sex as diploid (1 + 2 + 1 + 0 of 8): 6/11 = 0.545455,
  OBS_CT 11.
- `rs6` (MT): all homozygous.  Diploid A1 freq 4/14; plink2 (haploid) 2/7,
  OBS_CT 7 — the same value.

plink2 v2.00a3.5 reads it (`plink2 --bfile data/tiny/tiny --allow-extra-chr
--nonfounders --freq`): ALT (= A1) freqs rs1 0.5, rs2 nan (OBS_CT 0),
rs3 1, rs4 0.4 (OBS_CT 10), rs5 0.545455, rs6 0.285714.  Its
`--export A` output matches the table above exactly.

Sample lists for the side tables:

`tiny.pheno.tsv` (tab-separated, header `FID IID ph1 ph2`): F3 S6 is absent,
S2 has `ph1 = NA`, S4 has `ph2 = -9` (missing).

{tsv_block(TINY_PHENO)}

`tiny.covar.tsv` (tab-separated, header `FID IID age site`): `site` is
categorical with levels A/B/C; S5 has `age = NA`.

{tsv_block(TINY_COVAR)}

`tiny.keep.txt` (FID IID, tab-separated; 4 samples: S1, S3, S5, S7):

{tsv_block(TINY_KEEP)}

`tiny.extract.txt` (one variant id per line): {", ".join(TINY_EXTRACT)}.

## multi.{{bed,bim,fam}} — 10 samples × 12 variants, 8-column .fam

10 samples (3 bytes per variant, last byte holds 2 samples + 2 padding
slots), .bed size = 3 + 12 × 3 = {bed_size(10, 12)} bytes.  Chromosomes 1, 2, 3 with 4
variants each, positions strictly increasing within each chromosome.
The .fam has 8 columns: column 6 is the standard phenotype, columns 7 and 8
are extra phenotypes for kindred (col 7 quantitative with one `NA` for m03,
col 8 coded 1/2 like a case/control trait).  m03 is the child of m01 × m02,
m09 has father m08 and unknown mother.  m10 has sex 0.

plink2 v2.00a3.5 reads it (it uses only .fam column 6 as phenotype);
`--freq` ALT (= A1) freqs equal the "A1 freq" column and `--export A`
matches the table exactly.

{fam_table(MULTI_FAM, ["pheno2 (col 7)", "pheno3 (col 8)"])}

{matrix_table(MULTI_FAM, MULTI_BIM, MULTI_G)}

## crlf/tiny.{{bed,bim,fam}} — CRLF line endings (VALID)

Byte-identical `tiny.bed`; `tiny.bim` and `tiny.fam` have the same content as
the top-level ones but every line ends in `\\r\\n`.  Must read exactly like
`tiny` (in particular the A2 allele must be `G`, not `G\\r`, and the last
phenotype `2.5`, not `2.5\\r`).

## mixedws/tiny.{{bed,bim,fam}} — tab/space mix (VALID)

Byte-identical `tiny.bed`; `tiny.bim` and `tiny.fam` separate fields with
a mix of single tabs, double tabs, runs of spaces and space+tab.  Must read
exactly like `tiny`.
"""


# --------------------------------------------------------------------------
# data/malformed
# --------------------------------------------------------------------------

# Base valid fileset: 5 samples x 3 variants (2 bytes per variant, 9 bytes).
BASE_FAM = [
    ["A", "a1", "0", "0", "1", "1.0"],
    ["A", "a2", "0", "0", "2", "2.0"],
    ["B", "b1", "0", "0", "1", "-0.5"],
    ["B", "b2", "0", "0", "2", "0.25"],
    ["C", "c1", "0", "0", "1", "1.5"],
]
BASE_BIM = [
    ["1", "v1", "0", "100", "A", "G"],
    ["1", "v2", "0.1", "200", "C", "T"],
    ["2", "v3", "0", "300", "G", "A"],
]
BASE_G = [
    [2, 1, 0, 1, NA],
    [0, 0, 1, 2, 1],
    [1, 2, 2, NA, 0],
]
BASE_PHENO = [
    ["FID", "IID", "ph1", "ph2"],
    ["A", "a1", "0.5", "1"],
    ["A", "a2", "1.5", "2"],
    ["B", "b1", "NA", "1"],
    ["B", "b2", "2.5", "2"],
    ["C", "c1", "-1", "1"],
]
BASE_COVAR = [
    ["FID", "IID", "age", "site"],
    ["A", "a1", "30", "A"],
    ["A", "a2", "41", "B"],
    ["B", "b1", "25", "C"],
    ["B", "b2", "60", "A"],
    ["C", "c1", "37", "B"],
]
BASE_KEEP = [["A", "a1"], ["B", "b2"], ["C", "c1"]]
BASE_EXTRACT = ["v1", "v3"]

BASE_BED = encode_bed(BASE_G)
assert len(BASE_BED) == bed_size(5, 3) == 9

# A 4-sample variant of the base (1 byte per variant, 6 bytes) for the one
# case where the base cannot show the defect: with 5 samples an extra .fam
# line gives 6 samples, still 2 bytes per variant, so sizes would agree.
BASE4_BED = encode_bed([row[:4] for row in BASE_G])
assert len(BASE4_BED) == bed_size(4, 3) == 6


# What plink2 v2.00a3.5 (9 Aug 2022) did with each case, observed with
# `plink2 --bfile <case>/in --allow-extra-chr <args> --nonfounders --freq`.
# Informational only: kindred is deliberately stricter in several places.
PLINK2_SAYS = {
    "bed_bad_magic": "error: not a .pgen file",
    "bed_sample_major": "error: unexpected sample-major .bed size",
    "bed_bad_mode_byte": "error: too small to be a valid .pgen",
    "bed_truncated": "error: unexpected .bed size (expected 9)",
    "bed_extra_byte": "error: unexpected .bed size (expected 9)",
    "bed_two_bytes": "error: too small",
    "bed_empty": "error: too small",
    "bed_header_only": "error: too small",
    "bim_five_columns": "error: line 2 has fewer tokens than expected",
    "bim_seven_columns": "accepted (extra column ignored)",
    "bim_nonnumeric_position": "accepted (!)",
    "bim_float_position": "accepted (!)",
    "bim_position_overflow": "error: invalid bp coordinate on line 1",
    "bim_nonnumeric_cm": "error: invalid centimorgan position on line 3",
    "bim_empty": "error: line 1 has fewer tokens than expected",
    "bim_extra_line": "error: unexpected .bed size (expected 11)",
    "bim_missing_line": "error: unexpected .bed size (expected 7)",
    "bim_a1_equals_a2": "accepted",
    "bim_duplicate_variant_id": "accepted",
    "bim_binary_garbage": "error: line 1 has fewer tokens than expected",
    "bim_nonutf8_allele": "accepted",
    "fam_empty": "error: no samples",
    "fam_five_columns": "error: line 3 has fewer tokens than expected",
    "fam_missing_line": "error: unexpected .bed size (expected 6)",
    "fam_extra_line": "error: unexpected .bed size (expected 9)",
    "fam_duplicate_sample": "accepted",
    "fam_nonnumeric_phenotype": "error: PHENO1 entry on line 2 not numeric",
    "fam_nonnumeric_extra_phenotype": "accepted (reads only column 6)",
    "fam_ragged_columns": "accepted (reads only column 6)",
    "fam_blank_line": "error: unexpected interior empty line",
    "pheno_nonnumeric": "error: ph1 entry on line 3",
    "pheno_wrong_columns": "error: line 4 has fewer tokens",
    "pheno_header_only": "error: no entries correspond to loaded samples",
    "pheno_empty": "accepted (file ignored)",
    "pheno_duplicate_sample": "error: duplicate sample ID",
    "covar_wrong_columns": "accepted",
    "keep_unknown_sample": "accepted, silently skipped",
    "keep_one_column": "accepted",
    "remove_one_column": "accepted",
    "extract_unknown_variant": "accepted, skipped",
    "missing_bim": "error: failed to open in.bim",
    "missing_fam": "error: failed to open in.fam",
    "missing_bed": "error: failed to open in.bed",
}


def _copy(rows):
    return [list(r) if isinstance(r, list) else r for r in rows]


# Exit codes of README.md "Exit codes"; a case's code must be one of these.
EXIT_CODES = {0: "success", 3: "file I/O", 4: "malformed", 5: "inconsistent"}


class Case:
    def __init__(self, name, file, line, code, what, flag=None, note=""):
        assert code in EXIT_CODES, (name, code)
        # Rows that must succeed say so first (malformed.rs reads `what`).
        assert (code == 0) == what.startswith(("warning", "accepted")), name
        self.name = name
        self.file = file      # the file the error must name
        self.line = line      # 1-based line, or "-"
        self.code = code      # the exit code kindred must return
        self.what = what
        self.flag = flag      # e.g. "--pheno" (its file is `file`)
        self.note = note
        self.files = {}       # filename -> bytes (None = do not write)

    @property
    def args(self) -> str:
        if not self.flag:
            return ""
        return f"{self.flag} {MALFORMED_REL}/{self.name}/{self.file}"


def base_files(side=()):
    """Valid base fileset as {filename: bytes}; `side` adds side tables."""
    f = {
        "in.bed": BASE_BED,
        "in.bim": lines(BASE_BIM),
        "in.fam": lines(BASE_FAM, sep=" "),
    }
    if "pheno" in side:
        f["in.pheno.tsv"] = lines(BASE_PHENO)
    if "covar" in side:
        f["in.covar.tsv"] = lines(BASE_COVAR)
    if "keep" in side:
        f["keep.txt"] = lines(BASE_KEEP)
    if "remove" in side:
        f["remove.txt"] = lines(BASE_KEEP)
    if "extract" in side:
        f["extract.txt"] = lines(BASE_EXTRACT)
    return f


def build_cases() -> list:
    cases = []

    def case(name, file, line, code, what, flag=None, side=(), note="", **override):
        c = Case(name, file, line, code, what, flag, note)
        c.files = base_files(side)
        for k, v in override.items():
            c.files[k.replace("_", ".", 1) if k.startswith("in_") else k] = v
        cases.append(c)
        return c

    def bim(mod):
        rows = _copy(BASE_BIM)
        mod(rows)
        return lines(rows)

    def fam(mod):
        rows = _copy(BASE_FAM)
        mod(rows)
        return lines(rows, sep=" ")

    def table(base, mod):
        rows = _copy(base)
        mod(rows)
        return lines(rows)

    # ---- .bed ---------------------------------------------------------
    case("bed_bad_magic", "in.bed", "-", 4, "wrong magic bytes (0x6c 0x1c instead of 0x6c 0x1b)",
         in_bed=bytes([0x6C, 0x1C, 0x01]) + BASE_BED[3:])
    case("bed_sample_major", "in.bed", "-", 4, "sample-major mode byte 0x00 (not supported)",
         in_bed=bytes([0x6C, 0x1B, 0x00]) + BASE_BED[3:])
    case("bed_bad_mode_byte", "in.bed", "-", 4, "unknown mode byte 0x02 (must be 0x01)",
         in_bed=bytes([0x6C, 0x1B, 0x02]) + BASE_BED[3:])
    case("bed_truncated", "in.bed", "-", 5, "truncated: 8 bytes, expected 9 (one byte short)",
         in_bed=BASE_BED[:-1])
    case("bed_extra_byte", "in.bed", "-", 5, "one trailing byte: 10 bytes, expected 9",
         in_bed=BASE_BED + b"\x00")
    case("bed_two_bytes", "in.bed", "-", 4, "only 2 bytes (shorter than the 3-byte header)",
         in_bed=BASE_BED[:2])
    case("bed_empty", "in.bed", "-", 4, "empty .bed (0 bytes)", in_bed=b"")
    case("bed_header_only", "in.bed", "-", 5, "header only: 3 bytes, expected 9 (no genotype data)",
         in_bed=BASE_BED[:3])

    # ---- .bim ---------------------------------------------------------
    case("bim_five_columns", "in.bim", 2, 4, "5 columns instead of 6 (cM column dropped)",
         in_bim=bim(lambda r: r[1].pop(2)))
    case("bim_seven_columns", "in.bim", 3, 4, "7 columns instead of 6",
         in_bim=bim(lambda r: r[2].append("extra")))
    case("bim_nonnumeric_position", "in.bim", 2, 4, "non-numeric bp position \"2OO\"",
         in_bim=bim(lambda r: r[1].__setitem__(3, "2OO")))
    case("bim_float_position", "in.bim", 3, 4, "non-integer bp position \"300.5\"",
         in_bim=bim(lambda r: r[2].__setitem__(3, "300.5")))
    case("bim_position_overflow", "in.bim", 1, 4, "bp position 4294967296 does not fit in 32 bits",
         in_bim=bim(lambda r: r[0].__setitem__(3, "4294967296")))
    case("bim_nonnumeric_cm", "in.bim", 3, 4, "non-numeric cM \"zero\"",
         in_bim=bim(lambda r: r[2].__setitem__(2, "zero")))
    case("bim_empty", "in.bim", "-", 4, "empty .bim (0 bytes, no variants)", in_bim=b"")
    case("bim_extra_line", "in.bed", "-", 5,
         ".bim has 4 variants, .bed size (9) fits 3: expected 11 bytes",
         in_bim=bim(lambda r: r.append(["2", "v4", "0", "400", "T", "C"])))
    case("bim_missing_line", "in.bed", "-", 5,
         ".bim has 2 variants, .bed size (9) fits 3: expected 7 bytes",
         in_bim=bim(lambda r: r.pop()))
    case("bim_a1_equals_a2", "in.bim", 2, 0, "accepted: A1 equals A2 (\"C C\"), as in mouse_hs1940.bim",
         in_bim=bim(lambda r: r[1].__setitem__(5, "C")))
    case("bim_duplicate_variant_id", "in.bim", 3, 0,
         "warning (not error): duplicate variant id \"v1\" (first on line 1)",
         in_bim=bim(lambda r: r[2].__setitem__(1, "v1")),
         note="PLINK accepts duplicate variant ids (it only refuses them for "
              "id-based operations such as --extract); kindred may warn or error.")
    case("bim_binary_garbage", "in.bim", 1, 4, "binary garbage, not UTF-8 text",
         in_bim=bytes((i * 37 + 0x80) % 256 for i in range(60)).replace(b"\n", b"\xff")
         .replace(b"\r", b"\xfe"))
    case("bim_nonutf8_allele", "in.bim", 2, 4, "invalid UTF-8 byte 0xff in A1 allele",
         in_bim=lines(BASE_BIM[:1]) + b"1\tv2\t0.1\t200\t\xff\tT\n" + lines(BASE_BIM[2:]))

    # ---- .fam ---------------------------------------------------------
    case("fam_empty", "in.fam", "-", 4, "empty .fam (0 bytes, no samples)", in_fam=b"")
    case("fam_five_columns", "in.fam", 3, 4, "5 columns instead of at least 6 (phenotype missing)",
         in_fam=fam(lambda r: r[2].pop()))
    case("fam_missing_line", "in.bed", "-", 5,
         ".fam has 4 samples, .bed size (9) fits 5: expected 6 bytes",
         in_fam=fam(lambda r: r.pop()))
    extra = case("fam_extra_line", "in.bed", "-", 5,
                 ".fam has 5 samples, .bed size (6) fits 4: expected 9 bytes",
                 in_fam=fam(lambda r: None),
                 note="uses the 4-sample base (1 byte per variant): with 5 samples an extra "
                      ".fam line would still need 2 bytes per variant and be undetectable.")
    extra.files["in.bed"] = BASE4_BED
    case("fam_duplicate_sample", "in.fam", 4, 5, "duplicate sample FID/IID \"A a2\" (first on line 2)",
         in_fam=fam(lambda r: r[3].__setitem__(slice(0, 2), ["A", "a2"])))
    case("fam_nonnumeric_phenotype", "in.fam", 2, 4, "non-numeric phenotype \"abc\" in column 6",
         in_fam=fam(lambda r: r[1].__setitem__(5, "abc")))
    case("fam_nonnumeric_extra_phenotype", "in.fam", 4, 4,
         "non-numeric value \"xyz\" in extra phenotype column 7",
         in_fam=lines([r + [v] for r, v in zip(BASE_FAM, ["0.1", "0.2", "0.3", "xyz", "0.5"])],
                      sep=" "))
    case("fam_ragged_columns", "in.fam", 3, 4, "7 columns where line 1 has 6",
         in_fam=fam(lambda r: r[2].append("0.7")))
    case("fam_blank_line", "in.fam", 3, 0, "accepted: blank lines are skipped (line numbers still count them)",
         in_fam=fam(lambda r: r.insert(2, "")))

    # ---- phenotype / covariate tables ---------------------------------
    case("pheno_nonnumeric", "in.pheno.tsv", 3, 4, "non-numeric phenotype value \"high\" (ph1)",
         flag="--pheno", side=("pheno",),
         **{"in.pheno.tsv": table(BASE_PHENO, lambda r: r[2].__setitem__(2, "high"))})
    case("pheno_wrong_columns", "in.pheno.tsv", 4, 4, "3 columns, header has 4",
         flag="--pheno", side=("pheno",),
         **{"in.pheno.tsv": table(BASE_PHENO, lambda r: r[3].pop())})
    case("pheno_header_only", "in.pheno.tsv", "-", 4, "header line only, no data rows",
         flag="--pheno", side=("pheno",),
         **{"in.pheno.tsv": lines(BASE_PHENO[:1])})
    case("pheno_empty", "in.pheno.tsv", "-", 4, "empty file (no header)",
         flag="--pheno", side=("pheno",), **{"in.pheno.tsv": b""})
    case("pheno_duplicate_sample", "in.pheno.tsv", 5, 5, "duplicate sample \"A a2\" (first on line 3)",
         flag="--pheno", side=("pheno",),
         **{"in.pheno.tsv": table(BASE_PHENO, lambda r: r[4].__setitem__(slice(0, 2), ["A", "a2"]))})
    case("covar_wrong_columns", "in.covar.tsv", 3, 4, "5 columns, header has 4",
         flag="--covar", side=("covar",),
         **{"in.covar.tsv": table(BASE_COVAR, lambda r: r[2].append("7"))})

    # ---- sample / variant lists ---------------------------------------
    case("keep_unknown_sample", "keep.txt", 2, 5, "sample \"Z z9\" is not in in.fam",
         flag="--keep", side=("keep",),
         **{"keep.txt": table(BASE_KEEP, lambda r: r.insert(1, ["Z", "z9"]))},
         note="PLINK skips unknown --keep ids (plink2 2.00a3.5 silently); "
              "listed as an error here as the brief asked.")
    case("keep_one_column", "keep.txt", 2, 4, "1 column where FID IID (2) expected",
         flag="--keep", side=("keep",),
         **{"keep.txt": table(BASE_KEEP, lambda r: r[1].pop(0))})
    case("remove_one_column", "remove.txt", 3, 4, "1 column where FID IID (2) expected",
         flag="--remove", side=("remove",),
         **{"remove.txt": table(BASE_KEEP, lambda r: r[2].pop(0))})
    case("extract_unknown_variant", "extract.txt", 2, 0,
         "warning (not error): variant id \"v99\" is not in in.bim",
         flag="--extract", side=("extract",),
         **{"extract.txt": lines(["v1", "v99", "v3"])},
         note="PLINK warns and skips; kindred should warn and continue with v1, v3.")

    # ---- missing files ------------------------------------------------
    case("missing_bim", "in.bim", "-", 3, ".bim file does not exist (only in.bed, in.fam)",
         **{"in.bim": None})
    case("missing_fam", "in.fam", "-", 3, ".fam file does not exist (only in.bed, in.bim)",
         **{"in.fam": None})
    case("missing_bed", "in.bed", "-", 3, ".bed file does not exist (only in.bim, in.fam)",
         **{"in.bed": None})


    # ---- issue 17: byte-order marks (refused: they would rename the first ID)
    bom = b"\xef\xbb\xbf"
    case("fam_utf8_bom", "in.fam", 1, 4, "UTF-8 byte-order mark before the first FID",
         in_fam=bom + lines(BASE_FAM, sep=" "))
    case("bim_utf8_bom", "in.bim", 1, 4, "UTF-8 byte-order mark before the first chromosome code",
         in_bim=bom + lines(BASE_BIM))
    case("fam_utf16", "in.fam", 1, 4, "UTF-16 (little-endian, with its byte-order mark) instead of UTF-8",
         in_fam=b"\xff\xfe" + lines(BASE_FAM, sep=" ").decode("ascii").encode("utf-16-le"))
    case("pheno_utf8_bom", "in.pheno.tsv", 1, 4, "UTF-8 byte-order mark before the header",
         flag="--pheno", side=("pheno",), **{"in.pheno.tsv": bom + lines(BASE_PHENO)})
    case("covar_utf8_bom", "in.covar.tsv", 1, 4, "UTF-8 byte-order mark before the header",
         flag="--covar", side=("covar",), **{"in.covar.tsv": bom + lines(BASE_COVAR)})
    case("keep_utf8_bom", "keep.txt", 1, 4, "UTF-8 byte-order mark before the first FID",
         flag="--keep", side=("keep",), **{"keep.txt": bom + lines(BASE_KEEP)})
    case("extract_utf8_bom", "extract.txt", 1, 4, "UTF-8 byte-order mark before the first variant ID",
         flag="--extract", side=("extract",), **{"extract.txt": bom + lines(BASE_EXTRACT)})

    # ---- issue 17: numbers that are not numbers -----------------------
    def covar_age(line, value):
        return table(BASE_COVAR, lambda r: r[line - 1].__setitem__(2, value))
    for name, line, value, why in [
        ("covar_overflow", 3, "1e400", "\"1e400\" overflows a double"),
        ("covar_inf", 4, "inf", "\"inf\" is not a finite number"),
        ("covar_signed_nan", 2, "-nan", "\"-nan\" is not a finite number (nan alone is missing)"),
        ("covar_decimal_comma", 5, "37,5", "decimal comma \"37,5\""),
        ("covar_thousands_separator", 6, "1,000", "thousands separator \"1,000\""),
    ]:
        case(name, "in.covar.tsv", line, 4, f"{why} in numeric covariate age (not a reason to make it categorical)",
             flag="--covar", side=("covar",), **{"in.covar.tsv": covar_age(line, value)})
    case("covar_word_makes_categorical", "in.covar.tsv", 3, 0,
         "accepted: a word (\"old\") in a column makes it categorical, every value a level",
         flag="--covar", side=("covar",), **{"in.covar.tsv": covar_age(3, "old")})
    case("covar_numeric_codes", "in.covar.tsv", "-", 0,
         "accepted: site coded 1/2/3 is a numeric column",
         flag="--covar", side=("covar",),
         **{"in.covar.tsv": table(BASE_COVAR, lambda r: [row.__setitem__(3, {"A": "1", "B": "2", "C": "3"}[row[3]])
                                                         for row in r[1:]])})
    case("pheno_overflow", "in.pheno.tsv", 4, 4, "phenotype \"1e400\" overflows a double",
         flag="--pheno", side=("pheno",),
         **{"in.pheno.tsv": table(BASE_PHENO, lambda r: r[3].__setitem__(3, "1e400"))})
    case("pheno_decimal_comma", "in.pheno.tsv", 2, 4, "decimal comma \"0,5\" in ph1",
         flag="--pheno", side=("pheno",),
         **{"in.pheno.tsv": table(BASE_PHENO, lambda r: r[1].__setitem__(2, "0,5"))})
    case("fam_phenotype_inf", "in.fam", 5, 4, "phenotype \"-inf\" in column 6",
         in_fam=fam(lambda r: r[4].__setitem__(5, "-inf")))

    # ---- issue 17: names used twice ------------------------------------
    case("pheno_duplicate_name", "in.pheno.tsv", 1, 4, "header names ph1 twice (--all-phenos would overwrite one)",
         flag="--pheno", side=("pheno",),
         **{"in.pheno.tsv": table(BASE_PHENO, lambda r: r[0].__setitem__(3, "ph1"))})
    case("covar_duplicate_name", "in.covar.tsv", 1, 4, "header names age twice",
         flag="--covar", side=("covar",),
         **{"in.covar.tsv": table(BASE_COVAR, lambda r: r[0].__setitem__(3, "age"))})

    # ---- issue 17: rows and samples that do not match (warnings) -------
    case("pheno_unknown_sample", "in.pheno.tsv", 4, 0,
         "warning (not error): row \"X b1\" matches no .fam sample (wrong FID: b1 is in family B)",
         flag="--pheno", side=("pheno",),
         **{"in.pheno.tsv": table(BASE_PHENO, lambda r: r[3].__setitem__(0, "X"))})
    case("covar_unknown_sample", "in.covar.tsv", 6, 0,
         "warning (not error): row \"Z c1\" matches no .fam sample",
         flag="--covar", side=("covar",),
         **{"in.covar.tsv": table(BASE_COVAR, lambda r: r[5].__setitem__(0, "Z"))})
    case("pheno_absent_sample", "in.pheno.tsv", "-", 0,
         "warning (not error): .fam sample \"C c1\" has no row (not analysed)",
         flag="--pheno", side=("pheno",), **{"in.pheno.tsv": lines(BASE_PHENO[:-1])})

    # ---- issue 17: sample lists with a header line (PLINK 2 writes one)
    case("keep_plink2_header", "keep.txt", "-", 0, "accepted: header line \"#FID IID\" (as PLINK 2 writes)",
         flag="--keep", side=("keep",), **{"keep.txt": lines([["#FID", "IID"]] + BASE_KEEP)})
    case("keep_fid_iid_header", "keep.txt", "-", 0, "accepted: header line \"FID IID\"",
         flag="--keep", side=("keep",), **{"keep.txt": lines([["FID", "IID"]] + BASE_KEEP)})
    case("keep_iid_header", "keep.txt", "-", 0, "accepted: \"#IID\" header, then one IID per line",
         flag="--keep", side=("keep",), **{"keep.txt": lines(["#IID"] + [r[1] for r in BASE_KEEP])})
    case("remove_plink2_header", "remove.txt", "-", 0, "accepted: header line \"#FID IID\"",
         flag="--remove", side=("remove",), **{"remove.txt": lines([["#FID", "IID"]] + BASE_KEEP)})
    case("keep_iid_unknown", "keep.txt", 3, 5, "\"#IID\" list names IID \"zz\", in no family of in.fam",
         flag="--keep", side=("keep",), **{"keep.txt": lines(["#IID", "a1", "zz"])})
    case("keep_header_only", "keep.txt", "-", 4, "header line \"#FID IID\" and no sample",
         flag="--keep", side=("keep",), **{"keep.txt": lines([["#FID", "IID"]])})
    case("keep_empty", "keep.txt", "-", 4, "empty --keep list (0 bytes)",
         flag="--keep", side=("keep",), **{"keep.txt": b""})
    case("extract_empty", "extract.txt", "-", 4, "--extract list of blank lines only",
         flag="--extract", side=("extract",), **{"extract.txt": b"\n  \n\n"})

    # ---- issue 17: a huge .fam beside a tiny .bed ----------------------
    huge = [[f"F{i}", f"I{i}", "0", "0", "1", "1.0"] for i in range(5000)]
    case("fam_huge_bed_tiny", "in.bed", "-", 5,
         ".fam has 5,000 samples but the .bed has 7 bytes: refused from line counts, before parsing IDs",
         in_fam=lines(huge, sep=" "), in_bed=MAGIC + bytes(4))

    # ---- careless but valid, and a few more defects --------------------
    case("pheno_crlf", "in.pheno.tsv", "-", 0, "accepted: CRLF line endings",
         flag="--pheno", side=("pheno",), **{"in.pheno.tsv": lines(BASE_PHENO, eol="\r\n")})
    case("covar_crlf", "in.covar.tsv", "-", 0, "accepted: CRLF line endings",
         flag="--covar", side=("covar",), **{"in.covar.tsv": lines(BASE_COVAR, eol="\r\n")})
    case("pheno_mixed_separators", "in.pheno.tsv", "-", 0, "accepted: tabs on some lines, runs of spaces on others",
         flag="--pheno", side=("pheno",),
         **{"in.pheno.tsv": b"".join(lines([r], sep="\t" if k % 2 else "   ") for k, r in enumerate(BASE_PHENO))})
    case("pheno_trailing_whitespace", "in.pheno.tsv", "-", 0, "accepted: trailing spaces and tabs",
         flag="--pheno", side=("pheno",),
         **{"in.pheno.tsv": lines(["\t".join(r) + " \t " for r in BASE_PHENO])})
    case("pheno_no_header", "in.pheno.tsv", "-", 0, "accepted: no header line (columns named in.pheno_1, ...)",
         flag="--pheno", side=("pheno",), **{"in.pheno.tsv": lines(BASE_PHENO[1:])})
    case("pheno_header_without_values", "in.pheno.tsv", 1, 4, "header \"FID IID\" names no value column",
         flag="--pheno", side=("pheno",), **{"in.pheno.tsv": lines([["FID", "IID"]] + [r[:2] for r in BASE_PHENO[1:]])})
    case("covar_header_only", "in.covar.tsv", "-", 4, "header line only, no data rows",
         flag="--covar", side=("covar",), **{"in.covar.tsv": lines(BASE_COVAR[:1])})
    case("pheno_missing_file", "in.pheno.tsv", "-", 3, "--pheno names a file that does not exist",
         flag="--pheno", side=())
    case("keep_missing_file", "keep.txt", "-", 3, "--keep names a file that does not exist",
         flag="--keep", side=())
    case("bim_negative_position", "in.bim", 2, 0, "accepted: negative bp position -100 (not only -9)",
         in_bim=bim(lambda r: r[1].__setitem__(3, "-100")))
    case("bim_negative_position_overflow", "in.bim", 3, 4, "bp position -2147483649 is below PLINK's 32-bit range",
         in_bim=bim(lambda r: r[2].__setitem__(3, "-2147483649")))
    case("bim_chr_prefix", "in.bim", "-", 0, "accepted: chromosome codes chr1, chr2",
         in_bim=bim(lambda r: [row.__setitem__(0, "chr" + row[0]) for row in r]))
    case("fam_unusual_sex_code", "in.fam", 2, 0, "accepted: sex code 9 (read as unknown, as PLINK does)",
         in_fam=fam(lambda r: r[1].__setitem__(4, "9")))

    names = [c.name for c in cases]
    assert len(names) == len(set(names)), "duplicate case name"
    return cases


def make_malformed() -> None:
    cases = build_cases()
    for c in cases:
        d = MALFORMED / c.name
        d.mkdir(parents=True, exist_ok=True)
        for fname, data in sorted(c.files.items()):
            if data is not None:
                write(d / fname, data)

    # cases.tsv
    rows = [["case", "file", "line", "exit", "what", "args"]]
    for c in cases:
        assert "\t" not in c.what and "\n" not in c.what
        rows.append([c.name, c.file, str(c.line), str(c.code), c.what, c.args])
    write(MALFORMED / "cases.tsv", lines(rows))

    # README.md
    assert set(PLINK2_SAYS) <= {c.name for c in cases}
    table_rows = "\n".join(
        f"| `{c.name}` | `{c.file}` | {c.line} | {c.code} | {c.what.replace('|', '/')} |"
        + (f" `{c.args}`" if c.args else " ") + f" | {PLINK2_SAYS.get(c.name, 'not tried')} |"
        for c in cases)
    notes = "\n".join(f"- `{c.name}`: {c.note}" for c in cases if c.note)
    base_bed_hex = hexbytes(BASE_BED)
    readme = f"""# data/malformed — broken inputs, one defect each

Generated by `scripts/make_test_data.py` (do not edit by hand).

Each `<case>/` directory holds a fileset `in.{{bed,bim,fam}}` (plus
`in.pheno.tsv`, `in.covar.tsv`, `keep.txt`, `remove.txt` or `extract.txt`
when the case is about those) that differs from the valid **base** fileset
below by exactly one defect.  A test runs

    kindred info --bfile data/malformed/<case>/in <args>

from the repository root and expects the exit code in **exit** (README.md,
"Exit codes": 3 file I/O, 4 malformed, 5 inconsistent; 0 for rows that must
succeed) and, for errors, exactly one line on stderr that names **file**
and, where given, the 1-based **line**.  `cases.tsv` is the same table,
tab-separated, header `case file line exit what args` (`line` is `-` when no
line applies, `args` is empty when none).

Conventions:

- Problems inside the .bed (header, size) name `in.bed` with no line.
- Size mismatches between .bed and the .fam/.bim counts name `in.bed` (the
  message should give the expected byte count derived from the .fam sample
  count and the .bim variant count, and the actual size).  The counts are
  line counts, taken before the .fam and .bim are parsed.
- An empty .bim / .fam names that file (no variants / no samples), not the
  .bed.
- Rows whose `what` starts with **`warning (not error):`** must *succeed*
  (exit 0) with a warning on stderr naming the file (and the line, when
  one is given); rows starting with **`accepted`** must succeed.
- A byte-order mark at the start of any text input is refused (line 1):
  it would otherwise become part of the first sample ID or chromosome.

## The base fileset (valid)

5 samples × 3 variants, 2 bytes per variant, .bed = 3 + 3 × 2 = 9 bytes:
`{base_bed_hex}`.  .bim tab-separated, .fam space-separated, side tables
tab-separated with a header line.

| variant | chr | cM | bp | A1 | A2 | a1 | a2 | b1 | b2 | c1 |
|---|---|---|---|---|---|---|---|---|---|---|
""" + "\n".join(
        f"| {b[1]} | {b[0]} | {b[2]} | {b[3]} | {b[4]} | {b[5]} | " + " | ".join(fmt_g(g) for g in row) + " |"
        for b, row in zip(BASE_BIM, BASE_G)) + f"""

.fam: {"; ".join(" ".join(r) for r in BASE_FAM)}.
`keep.txt`/`remove.txt` base: A a1, B b2, C c1.  `extract.txt` base: v1, v3.
`fam_extra_line` uses the first 4 samples only (.bed 6 bytes: `{hexbytes(BASE4_BED)}`).

## Cases

The last column is informational: what plink2 v2.00a3.5 did with the case
(`--allow-extra-chr <args> --nonfounders --freq`; "not tried" for cases
added after that run).  kindred is stricter.

| case | file | line | exit | what is wrong | args | plink2 |
|---|---|---|---|---|---|---|
{table_rows}

## Notes

{notes}

Deliberately **not** included (valid for PLINK, so not errors):

- `.bim` with CRLF line endings → `data/tiny/crlf/` (must read fine).
- `.bim` / `.fam` with a tab/space mix → `data/tiny/mixedws/` (must read fine).
- an extra `.fam` line when it does not change `ceil(n/4)`: undetectable from
  the sizes alone, hence the 4-sample base for `fam_extra_line`.
"""
    write(MALFORMED / "README.md", readme.encode("utf-8"))


def main() -> int:
    for d in (TINY, MALFORMED):
        if d.exists():
            shutil.rmtree(d)
    make_tiny()
    make_malformed()
    n_cases = sum(1 for p in MALFORMED.iterdir() if p.is_dir())
    print(f"wrote {TINY.relative_to(ROOT)} and {MALFORMED.relative_to(ROOT)} ({n_cases} cases)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
