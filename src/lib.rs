//! `community`: run a paid knowledge community (知识付费社群) from a terminal.
//!
//! The binary (`src/main.rs`) only parses and reports; everything lives here so that tests,
//! benchmarks and fuzz targets reach the same code. Data flows one way: arguments -> command ->
//! (pure core | db) -> rows -> renderer.

pub mod calendar;
pub mod chart;
pub mod cli;
pub mod commands;
pub mod config;
pub mod content;
pub mod context;
pub mod course;
pub mod dates;
pub mod db;
pub mod demo;
pub mod forecast;
pub mod ics;
pub mod import;
pub mod member;
pub mod metrics;
pub mod money;
pub mod output;
pub mod plan;
pub mod prompt;
pub mod revenue;
pub mod sanitize;
pub mod summary;
