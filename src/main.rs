//! `community`: parse the command line, run it, and turn an error into a message and an exit
//! code. Only this file exits the process.

use std::process::ExitCode;

use clap::Parser;
use community::{cli, commands, output, sanitize};

fn main() -> ExitCode {
    // Usage errors and --help keep clap's own exit codes (2 and 0).
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(err) if output::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", sanitize::sanitize(&format!("{err:#}")));
            ExitCode::FAILURE
        }
    }
}
