//! Questions asked on a terminal (dialoguer), and the errors given instead when we may not ask.
//!
//! A command asks only when `Context::interactive` is true; a value given as a flag is never
//! asked again, and off a terminal a missing value is an error naming its flag, so a script
//! never hangs on a prompt.

use anyhow::{Result, bail};
use dialoguer::theme::SimpleTheme;
use dialoguer::{Confirm, Input, Select};

use crate::context::Context;

/// The value of a required flag: given, asked for, or an error naming the flag.
pub fn required(
    ctx: &Context,
    given: Option<String>,
    flag: &str,
    question: &str,
) -> Result<String> {
    if let Some(value) = given {
        return Ok(value);
    }
    if !ctx.interactive {
        bail!("missing {flag} (not asked: {})", why_not(ctx));
    }
    Ok(Input::<String>::with_theme(&SimpleTheme)
        .with_prompt(question)
        .interact_text()?)
}

/// An optional value: given, or asked for on a terminal (Enter skips), or none.
pub fn optional(ctx: &Context, given: Option<String>, question: &str) -> Result<Option<String>> {
    if given.is_some() || !ctx.interactive {
        return Ok(given);
    }
    let answer = Input::<String>::with_theme(&SimpleTheme)
        .with_prompt(format!("{question} (Enter to skip)"))
        .allow_empty(true)
        .interact_text()?;
    Ok(Some(answer).filter(|a| !a.trim().is_empty()))
}

/// One of `choices`: given, picked from a list on a terminal, or `default`.
pub fn choose(
    ctx: &Context,
    given: Option<String>,
    question: &str,
    choices: &[&str],
    default: usize,
) -> Result<Option<String>> {
    if given.is_some() || !ctx.interactive {
        return Ok(given);
    }
    let picked = Select::with_theme(&SimpleTheme)
        .with_prompt(question)
        .items(choices)
        .default(default)
        .interact()?;
    Ok(choices.get(picked).map(|c| c.to_string()))
}

/// Asks before something that cannot be undone; --yes answers for the user. Off a terminal
/// without --yes the answer is no, with an error that says how to proceed.
pub fn confirm(ctx: &Context, question: &str) -> Result<()> {
    if ctx.yes {
        return Ok(());
    }
    if !ctx.interactive {
        bail!("{question} Refusing without --yes ({})", why_not(ctx));
    }
    if Confirm::with_theme(&SimpleTheme)
        .with_prompt(question)
        .default(false)
        .interact()?
    {
        Ok(())
    } else {
        bail!("cancelled; nothing was changed")
    }
}

fn why_not(ctx: &Context) -> &'static str {
    if ctx.yes {
        "--yes was given"
    } else {
        "stdin is not a terminal"
    }
}
