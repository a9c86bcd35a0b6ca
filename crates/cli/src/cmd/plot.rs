//! `kindred plot`: Manhattan and QQ plots (PNG and SVG) of a summary
//! statistics file, kindred's or another tool's, with lambda_GC.

use crate::args::PlotArgs;
use crate::outputs::Outputs;
use crate::runlog::RunLog;

/// Draws and logs what was drawn.
pub fn run(a: &PlotArgs) -> anyhow::Result<()> {
    Outputs::claim(&a.out, &[], std::slice::from_ref(&a.assoc), a.common.quiet)?.run(|log| body(a, log))
}

fn body(a: &PlotArgs, log: &mut RunLog) -> anyhow::Result<()> {
    let s = ::plot::draw(&a.assoc, &a.out, a.title.as_deref())?;
    log.info(format!(
        "{}: {} columns, p-values from '{}'; {} rows plotted, {} passed over (no p-value, or a TEST other than ADD)",
        a.assoc.display(),
        s.format,
        s.p_column,
        s.n_rows,
        s.n_skipped
    ));
    if s.n_unplaced > 0 {
        log.info(format!("{} rows without a position: in the QQ plot only", s.n_unplaced));
    }
    log.info(format!("lambda_GC {:.4}", s.lambda_gc));
    log.info(format!(
        "Manhattan plot: {} points drawn ({} with p <= {:e}, all drawn; the others one per pixel)",
        s.manhattan_points,
        s.n_strong,
        ::plot::SUGGESTIVE_P
    ));
    log.info(format!("QQ plot: {} points drawn", s.qq_points));
    for h in &s.hits {
        log.info(format!(
            "lead variant {} ({}:{}), -log10 p {:.2}",
            h.variant_id, h.chromosome, h.position, h.neg_log10_p
        ));
    }
    for f in &s.files {
        log.info(format!("wrote {}", f.display()));
    }
    Ok(())
}
