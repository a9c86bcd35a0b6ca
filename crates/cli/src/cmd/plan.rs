//! `kindred plan CMD ...`: the memory and work of a `grm`, `reml`, `assoc`
//! or `gwas` command, estimated without running it, for a workflow's
//! `resources: mem_mb=`: `key=value` lines (or one JSON object) on stdout.
//! The command's options are turned into library options exactly as the
//! command does; nothing is written.

use association::{estimate, estimate_grm, MemoryEstimate};
use genotype::PhenoSpec;

use crate::args::{AssocArgs, GrmArgs, PlanArgs, Planned, RemlArgs};
use crate::cmd::{input, model, par, setup};
use crate::runlog::RunLog;

/// Estimates and prints.
pub fn run(a: &PlanArgs) -> anyhow::Result<()> {
    let e = match &a.command {
        Planned::Grm(g) => grm(g)?,
        Planned::Reml(r) => reml(r)?,
        Planned::Assoc(x) | Planned::Gwas(x) => assoc(x)?,
    };
    if !a.common().quiet {
        eprintln!("{}", e.describe_work());
        eprintln!("{}", e.describe());
    }
    let fields = fields(&e);
    if a.json {
        let map: serde_json::Map<String, serde_json::Value> =
            fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        println!("{}", serde_json::Value::Object(map));
    } else {
        for (k, v) in fields {
            match v {
                serde_json::Value::String(s) => println!("{k}={s}"),
                v => println!("{k}={v}"),
            }
        }
    }
    Ok(())
}

/// What is printed: the peak first (`mem_mb`, 10⁶ bytes, rounded up).
fn fields(e: &MemoryEstimate) -> Vec<(&'static str, serde_json::Value)> {
    use serde_json::Value;
    let opt = |v: Option<u64>| v.map_or(Value::Null, Value::from);
    vec![
        ("mem_mb", opt(e.peak_mb())),
        ("peak_bytes", opt(e.peak_bytes)),
        (
            "peak_step",
            Value::from(e.peak_step.map_or("none", |s| s.step.describe())),
        ),
        ("n_samples", Value::from(e.n_samples)),
        ("n_groups", Value::from(e.n_groups)),
        ("n_phenotypes", Value::from(e.n_phenotypes)),
        ("n_variants", Value::from(e.n_variants)),
        ("decompositions", Value::from(e.decompositions)),
        ("threads", Value::from(e.threads)),
        ("resident_bytes", Value::from(e.resident_bytes)),
        ("mapped_bytes", Value::from(e.mapped_bytes)),
    ]
}

/// `kindred grm`'s estimate: the samples kept, every selected variant.
fn grm(a: &GrmArgs) -> anyhow::Result<MemoryEstimate> {
    let ds = input::open(&a.input, &PhenoSpec::fam_column(a.qc_pheno_col.max(1)), false)?;
    let n = ds.sample_mask.iter().filter(|&&k| k).count();
    let (kind, precision) = model::kind_precision(a.kind, a.grm_precision);
    Ok(estimate_grm(&ds, n, kind, precision, a.loco, par()))
}

/// `kindred reml`'s options, as `reml` sets them.
fn reml(a: &RemlArgs) -> anyhow::Result<MemoryEstimate> {
    let mut log = RunLog::start(&a.out, true);
    let (ds, opts) = setup::reml(a, &mut log)?;
    Ok(estimate(&ds, &opts))
}

/// `kindred assoc`'s (and `gwas`'s) options, as `assoc` sets them.
fn assoc(a: &AssocArgs) -> anyhow::Result<MemoryEstimate> {
    let mut log = RunLog::start(&a.out, true);
    let (ds, opts, _) = setup::assoc(a, &mut log)?;
    Ok(estimate(&ds, &opts))
}
