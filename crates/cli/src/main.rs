//! The `kindred` command line: genome-wide association with linear mixed
//! models. This crate only wires the library crates together: flags,
//! threads, progress, logs and exit codes.

mod alloc;
mod args;
mod cmd;
mod exit;
mod interrupt;
mod lock;
mod memory;
mod outputs;
mod progress;
mod reporter;
mod runlog;
mod signals;
mod watch;

use std::process::ExitCode;

use clap::Parser;

#[global_allocator]
static ALLOC: alloc::HugePages = alloc::HugePages;

fn main() -> ExitCode {
    alloc::configure();
    interrupt::mark_start();
    signals::install();
    let cli = args::Cli::parse();
    if let Err(e) = cmd::set_threads(cli.threads()) {
        eprintln!("kindred: {e:#}");
        return ExitCode::from(exit::INTERNAL);
    }
    match cmd::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if exit::is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("kindred: error: {e:#}{}", exit::hint(&e));
            ExitCode::from(exit::code(&e))
        }
    }
}
