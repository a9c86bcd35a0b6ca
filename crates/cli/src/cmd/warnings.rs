//! Warnings about the inputs that leave variants or samples out, each
//! naming the file and the line.

use genotype::{with_extension, Dataset, TableMatch};

/// Warnings about the inputs, each naming a file and line: IDs in
/// `--extract`/`--exclude` lists that match no variant, variant IDs that
/// appear more than once in the `.bim` (lists select every copy), and rows
/// of the phenotype and covariate files that match no `.fam` sample, and
/// kept `.fam` samples that have no row there (both leave samples out).
pub fn inputs(ds: &Dataset) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(first) = &ds.variants.first_unmatched {
        out.push(format!(
            "{} listed variant ID(s) match no variant in the .bim; the first is {first}",
            ds.variants.n_unmatched_ids
        ));
    }
    if let Some((fs, r)) = ds
        .source
        .fileset()
        .and_then(|fs| Some((fs, fs.repeated_ids.first.as_ref()?)))
    {
        out.push(format!(
            "{}, line {}: variant ID '{}' already on line {} ({} repeated ID(s) in all)",
            with_extension(&fs.prefix, "bim").display(),
            r.line,
            r.id,
            r.first_line,
            fs.repeated_ids.n_lines
        ));
    }
    for m in [&ds.pheno_match, &ds.covar_match].into_iter().flatten() {
        out.extend(table_warnings(m));
    }
    out
}

/// The warnings of one phenotype or covariate file's match to the `.fam`.
fn table_warnings(m: &TableMatch) -> Vec<String> {
    let mut out = Vec::new();
    let file = m.file.display();
    if let Some((line, id)) = &m.first_unknown {
        out.push(format!(
            "{file}, line {line}: sample '{id}' is not in the .fam; {} row(s) in all match no .fam sample and are ignored",
            m.n_unknown
        ));
    }
    if let Some(id) = &m.first_absent {
        out.push(format!(
            "{file}: {} of the {} kept .fam sample(s) have no row in it and are not analysed; the first is '{id}'",
            m.n_absent, m.n_kept
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use genotype::SampleId;

    #[test]
    fn table_warnings_name_the_file_the_line_and_the_counts() {
        let m = TableMatch {
            file: "p.txt".into(),
            n_unknown: 704,
            first_unknown: Some((3, SampleId::new("x", "1"))),
            n_kept: 1410,
            n_absent: 706,
            first_absent: Some(SampleId::new("f", "2")),
        };
        assert_eq!(
            table_warnings(&m),
            [
                "p.txt, line 3: sample 'x 1' is not in the .fam; 704 row(s) in all match no .fam sample and are ignored",
                "p.txt: 706 of the 1410 kept .fam sample(s) have no row in it and are not analysed; the first is 'f 2'",
            ]
        );
    }
}
