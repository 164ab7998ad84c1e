//! Integration tests: the real `community` binary on real SQLite files in temp dirs.
//!
//! One test binary (as xsv does) keeps link time low; each module covers one command family.

mod common;
mod content;
mod course;
mod docs;
mod errors;
mod faults;
mod forecast;
mod formats;
mod hostile;
mod import;
mod init;
mod member;
mod plan;
mod privacy;
mod report;
mod revenue;
mod schema;
