//! What `assoc` and `gwas` say besides the files: the window in the
//! `.json`, and `gwas`'s terminal summary of the strongest hits.

use association::report::{top_hits, WindowReport};
use association::PhenotypeResult;
use genotype::{Dataset, Window};

/// What the `.json` says of the window, for `kindred merge`.
pub(super) fn window_report(w: &Window, ds: &Dataset) -> WindowReport {
    let span = w.span(ds.variants());
    WindowReport {
        window: w.to_string(),
        chunk: match w {
            Window::Chunk { index, count } => Some([*index, *count]),
            Window::Range { .. } => None,
        },
        bim_span: [span.start, span.end],
    }
}

/// lambda_GC to four decimals, `NA` when there is none.
pub(super) fn fmt_lambda(l: Option<f64>) -> String {
    l.map_or("NA".into(), |l| format!("{l:.4}"))
}

/// `kindred gwas`'s terminal summary of one phenotype.
pub(super) fn print(ds: &Dataset, r: &PhenotypeResult, file: &str) {
    println!("phenotype {}", ds.phenotypes[r.phenotype].name);
    match &r.null {
        Some(m) => println!(
            "  n {}   variants {}   h2 (pve) {:.4} (se {:.4})",
            m.n,
            r.rows.len(),
            m.pve,
            m.pve_se
        ),
        None => println!("  n {}   variants {}   (linear model)", r.n_samples, r.rows.len()),
    }
    println!("  lambda_GC {}", fmt_lambda(r.lambda_gc));
    println!(
        "  {:<4} {:<16} {:>12} {:>8} {:>12} {:>12}",
        "chr", "variant", "position", "A1", "beta", "p"
    );
    for row in top_hits(&r.rows, 10) {
        let v = &ds.variants()[row.variant as usize];
        println!(
            "  {:<4} {:<16} {:>12} {:>8} {:>12.4e} {:>12.3e}",
            v.chrom.to_string(),
            v.id,
            v.pos,
            v.a1,
            row.beta,
            row.p_value()
        );
    }
    println!("  results: {file}");
}
