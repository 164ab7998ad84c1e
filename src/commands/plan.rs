//! `community plan ...` (placeholder while it is written).
use std::process::ExitCode;

use anyhow::Result;

use crate::cli::PlanCommand;
use crate::context::Context;

pub fn run(_ctx: &Context, _command: PlanCommand) -> Result<ExitCode> {
    anyhow::bail!("not yet")
}
