//! Links the `community` binary as a position-dependent executable on Linux.
//!
//! A position-independent one (the default) spends a fixed part of every run in the dynamic
//! loader: about 38,000 relative relocations, and a page fault for each page of read-only
//! data they write to, roughly a millisecond of a command that otherwise takes two or three.
//! The dependencies stay compiled as position-independent code, which links either way; only
//! the final link changes. The cost is address-space randomization of the executable's own
//! code (libraries, heap and stack are still randomized); a build that wants it back can drop
//! this file. README ("Import and export speed") has the measurements.

fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
