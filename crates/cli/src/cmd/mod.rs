//! One module per subcommand; `run` dispatches. Commands parse flags into
//! library options, make one library call and write what it returns; no
//! command imports another.

mod assoc;
mod components;
mod grm;
mod info;
pub(crate) mod input;
mod kernels;
mod merge;
mod model;
mod plan;
mod plot;
mod reml;
mod score;
mod setup;
mod simulate;
mod summary;
mod sumstats;
mod vc_scan;
mod warnings;

use anyhow::Context;

use crate::args::{Cli, Command};

/// Builds the global rayon pool and tells faer to use it: threads are
/// decided once, here. Every parallel loop of the library (faer's
/// multiplies and eigensolver, and kindred's own loops over variants and
/// samples) runs on this pool.
/// More threads than cores only adds switching: `--threads` above the
/// cores available is capped, with a note on stderr.
pub fn set_threads(threads: usize) -> anyhow::Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let mut b = rayon::ThreadPoolBuilder::new();
    if threads > cores {
        eprintln!("note: --threads {threads} capped at the {cores} cores available");
        b = b.num_threads(cores);
    } else if threads > 0 {
        b = b.num_threads(threads);
    }
    b.build_global()
        .map_err(|e| association::Error::InvalidArgument(format!("cannot start {threads} threads: {e}")))
        .context("starting the thread pool")?;
    faer::set_global_parallelism(par());
    Ok(())
}

/// The parallelism the library's matrix routines are given: the whole pool.
pub fn par() -> faer::Par {
    faer::Par::rayon(rayon::current_num_threads())
}

/// Runs the chosen subcommand.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Info(a) => info::run(&a),
        Command::Simulate(a) => simulate::run(&a),
        Command::Grm(a) => grm::run(&a),
        Command::Reml(a) if a.components() => components::run(&a),
        Command::Reml(a) => reml::run(&a),
        Command::Assoc(a) => assoc::run(&a, false),
        Command::Gwas(a) => assoc::run(&a, true),
        Command::Merge(a) => merge::run(&a),
        Command::Plan(a) => plan::run(&a),
        Command::Plot(a) => plot::run(&a),
        Command::Score(a) => score::run(&a),
    }
}
