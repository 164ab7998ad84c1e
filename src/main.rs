//! `community`: parse the command line, run it, and turn an error into a message and an exit
//! code. Only this file exits the process.

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use community::{cli, commands, output, sanitize};

// jemalloc, where it builds: a first import frees on the writing thread what the reading thread
// allocated, and glibc's malloc made the two threads queue on its arena lock (a million-member
// import 10.9 s with it, 8.8 s with jemalloc; README, "Import and export speed"). It costs a
// command's start-up about a tenth of a millisecond. SQLite keeps the system's malloc.
#[cfg(all(target_os = "linux", not(target_env = "musl")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    // Usage errors and --help keep clap's own exit codes (2 and 0).
    let mut command = cli::Cli::command();
    let cli = cli::Cli::from_arg_matches_mut(&mut command.get_matches_mut())
        .unwrap_or_else(|err| err.format(&mut command).exit());
    // The command tree is thousands of small allocations, which the exit frees anyway: dropping
    // them one by one took a tenth of a short command's run (`member list --limit 1`).
    std::mem::forget(command);
    match commands::run(cli) {
        Ok(code) => code,
        Err(err) if output::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", sanitize::sanitize(&format!("{err:#}")));
            ExitCode::FAILURE
        }
    }
}
