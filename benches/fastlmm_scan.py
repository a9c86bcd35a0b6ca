#!/usr/bin/env python3
"""FaST-LMM's single-SNP scan, the reference of benches/speed.sh.

usage: fastlmm_scan.py BED_PREFIX PHENO_FILE OUT [--loco]

PHENO_FILE: FID IID value, whitespace-separated, no header (pysnptools'
layout). The kernel is built by FaST-LMM from every variant of the fileset
(K0 = the same .bed), as a user of `single_snp` does; with --loco each
chromosome is tested against the kernel without it (FaST-LMM's
leave_out_one_chrom). Writes FaST-LMM's table to OUT, tab-separated.
"""
import sys

from fastlmm.association import single_snp
from pysnptools.snpreader import Bed


def main():
    prefix, pheno, out = sys.argv[1:4]
    loco = "--loco" in sys.argv[4:]
    bed = Bed(prefix, count_A1=True)
    df = single_snp(bed, pheno, K0=bed, leave_out_one_chrom=loco, count_A1=True)
    df.to_csv(out, sep="\t", index=False)


if __name__ == "__main__":
    main()
