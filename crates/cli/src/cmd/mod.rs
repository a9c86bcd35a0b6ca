//! One module per subcommand; `run` dispatches.

mod assoc;
mod grm;
mod info;
mod input;
mod model;
mod reml;
mod simulate;

use anyhow::Context;

use crate::args::{Cli, Command};

/// Builds the global rayon pool and tells faer to use it: threads are decided
/// once, here.
pub fn set_threads(threads: usize) -> anyhow::Result<()> {
    let mut b = rayon::ThreadPoolBuilder::new();
    if threads > 0 {
        b = b.num_threads(threads);
    }
    b.build_global().context("starting the thread pool")?;
    faer::set_global_parallelism(faer::Par::rayon(rayon::current_num_threads()));
    Ok(())
}

/// Runs the chosen subcommand.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Info(a) => info::run(&a),
        Command::Simulate(a) => simulate::run(&a),
        Command::Grm(a) => grm::run(&a),
        Command::Reml(a) => reml::run(&a),
        Command::Assoc(a) => assoc::run(&a, false),
        Command::Gwas(a) => assoc::run(&a, true),
    }
}
