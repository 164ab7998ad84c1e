//! One file per subcommand: arguments in, calls into db/ and the pure modules, rows out.
//! No SQL and no formatting here.

mod content;
mod course;
mod forecast;
mod init;
mod member;
mod member_io;
mod plan;
mod report;
mod revenue;
mod summary;

use std::process::ExitCode;

use anyhow::Result;
use clap::CommandFactory;

use crate::cli::{Cli, Command};
use crate::context::Context;

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Init(args) => init::run(&cli.global, args),
        Command::Completions { shell } => {
            // clap_complete panics on a failed write; write it out ourselves, so that a closed
            // pipe (`community completions bash | head`) ends quietly like every other output.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "community", &mut script);
            std::io::Write::write_all(&mut std::io::stdout().lock(), &script)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout().lock())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Member(command) => member::run(&Context::new(&cli.global)?, command),
        Command::Forecast(command) => forecast::run(&Context::new(&cli.global)?, command),
        Command::Course(command) => course::run(&Context::new(&cli.global)?, command),
        Command::Revenue(command) => revenue::run(&Context::new(&cli.global)?, command),
        Command::Report(command) => report::run(&Context::new(&cli.global)?, command),
        Command::Content(command) => content::run(&Context::new(&cli.global)?, command),
        Command::Plan(command) => plan::run(&Context::new(&cli.global)?, command),
        Command::Summary(args) => summary::run(&Context::new(&cli.global)?, &args),
        Command::Backup(args) => {
            let ctx = Context::new(&cli.global)?;
            let conn = ctx.read_db()?;
            crate::db::backup(&conn, &args.file, args.force)?;
            ctx.note(format!(
                "backed up {} to {}",
                ctx.db_path.display(),
                args.file.display()
            ));
            Ok(ExitCode::SUCCESS)
        }
    }
}
