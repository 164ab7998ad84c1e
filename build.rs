//! Links the `community` binary as a position-dependent executable on Linux.
//!
//! A position-independent one (the default) spends a fixed part of every run in the dynamic
//! loader: about 38,000 relative relocations, and a page fault for each page of read-only
//! data they write to, roughly a millisecond of a command that otherwise takes two or three.
//! The dependencies stay compiled as position-independent code, which links either way; only
//! the final link changes. The cost is address-space randomization of the executable's own
//! code (libraries, heap and stack are still randomized); a build that wants it back can drop
//! this file. README ("Import and export speed") has the measurements.
//!
//! A static build (`-C target-feature=+crt-static`, README "Install") is left to rustc: it
//! links a static position-independent executable unless `-C relocation-model=static` asks
//! for a position-dependent one, and `-no-pie` on top of the former makes one that crashes at
//! start (tried: a segmentation fault, nothing printed).

fn main() {
    let linux = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux");
    let static_crt = std::env::var("CARGO_CFG_TARGET_FEATURE")
        .is_ok_and(|features| features.split(',').any(|f| f == "crt-static"));
    if linux && !static_crt {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
