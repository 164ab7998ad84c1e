//! `community`: parse the command line, run it, and turn an error into a message and an exit
//! code. Only this file exits the process.

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use community::{cli, commands, output, sanitize};

// The system's allocator. jemalloc served a first import better while its writing thread freed
// what the reading thread had allocated (the two queued on glibc's arena lock); since they go
// back to be freed where they were made (`import::spent`) and the reader makes fewer, glibc's
// malloc is within a few percent there, and a command starts 0.3 ms sooner without jemalloc's
// set-up (README, "Import and export speed").

fn main() -> ExitCode {
    // Usage errors and --help keep clap's own exit codes (2 and 0).
    let mut command = cli::Cli::command();
    let cli = cli::Cli::from_arg_matches_mut(&mut command.get_matches_mut())
        .unwrap_or_else(|err| err.format(&mut command).exit());
    // Freed before the command runs, though the exit would free it anyway: the tree is a few
    // hundred KB of small allocations, and SQLite and the config then reuse those pages instead
    // of faulting in new ones (`member list --limit 1`: 279 to 224 page faults, 4 % faster over
    // 200 paired runs, for 0.13 million more instructions).
    drop(command);
    match commands::run(cli) {
        Ok(code) => code,
        Err(err) if output::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", sanitize::sanitize(&format!("{err:#}")));
            ExitCode::FAILURE
        }
    }
}
