"""One line per phenotype from the merged scans' .json files: the table a
person reads first (samples, heritability, genomic control, top hit)."""

import json
import sys

with open(snakemake.log[0], "w") as log:  # noqa: F821 (set by snakemake)
    sys.stderr = log
    rows = ["phenotype\tn\tpve\tpve_se\tlambda_gc\tn_variants\ttop_variant\ttop_p"]
    for path in snakemake.input:  # noqa: F821
        with open(path) as f:
            report = json.load(f)
        for p in report["phenotypes"]:
            top = p["top_hits"][0] if p["top_hits"] else {"variant_id": "NA", "p_value": "NA"}
            rows.append(
                "\t".join(
                    str(x)
                    for x in [
                        p["name"],
                        p.get("n", "NA"),
                        p.get("pve", "NA"),
                        p.get("pve_se", "NA"),
                        p["lambda_gc"],
                        p["n_variants_tested"],
                        top["variant_id"],
                        top["p_value"],
                    ]
                )
            )
    with open(snakemake.output[0], "w") as out:  # noqa: F821
        out.write("\n".join(rows) + "\n")
    print(f"{len(rows) - 1} phenotype(s) summarised", file=log)
