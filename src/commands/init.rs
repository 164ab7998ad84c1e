//! `community init`: write community.toml from the annotated example and create the database.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};

use crate::cli::{GlobalArgs, InitArgs};
use crate::config::{self, Config};
use crate::context::Context;
use crate::{db, demo, prompt};

pub fn run(global: &GlobalArgs, args: InitArgs) -> Result<ExitCode> {
    let dir = &args.dir;
    std::fs::create_dir_all(dir).with_context(|| format!("creating folder {}", dir.display()))?;
    let config_path = dir.join(config::FILE_NAME);
    if config_path.exists() {
        bail!(
            "{} already exists; refusing to overwrite it\nhint: edit it, or run `community init` in another folder",
            config_path.display()
        );
    }
    let default_name = folder_name(dir);
    // The context for prompting needs a config; the example's stands in until ours is written.
    let example = Config::parse(config::EXAMPLE, Path::new("community.example.toml"))?;
    let asking = Context::with(global, example, dir.join("community.db"))?;
    let name = match args.name {
        Some(name) => name,
        None if asking.interactive => prompt::required(&asking, None, "--name", "Community name")?,
        None => default_name,
    };
    let name = crate::member::name(&name).context("--name")?;
    let text = config::example_with_name(&name);
    let config = Config::parse(&text, &config_path)?;
    let db_path = global
        .db
        .clone()
        .unwrap_or_else(|| dir.join(&config.community.database));
    let ctx = Context::with(global, config, db_path)?;

    let mut conn = if ctx.db_path.exists() {
        ctx.note(format!(
            "using the existing database {}",
            ctx.db_path.display()
        ));
        db::open(&ctx.db_path, db::Access::Write, &|text| ctx.note(text))?
    } else {
        db::create(&ctx.db_path)?
    };
    std::fs::write(&config_path, text)
        .with_context(|| format!("writing {}", config_path.display()))?;
    if args.demo {
        let tx = conn.transaction()?;
        let count = demo::seed(&tx, &ctx.config, ctx.today, &ctx.now())?;
        tx.commit()?;
        ctx.note(format!("added {count} sample members"));
    }
    ctx.note(format!(
        "created {} and {} for {name:?}",
        config_path.display(),
        ctx.db_path.display()
    ));
    ctx.note("next: `community member add --email you@example.com --name 你的名字`, then `community member list`");
    Ok(ExitCode::SUCCESS)
}

fn folder_name(dir: &Path) -> String {
    std::path::absolute(dir)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "My Community".to_string())
}
