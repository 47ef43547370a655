//! Stamps the binary with the commit it was built from (`--version`), or `unknown` when built
//! outside a git checkout (a source tarball) or without git installed.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (out.status.success() && !text.is_empty()).then(|| text.to_string())
}

fn main() {
    let commit = std::env::var("BETEKK_GIT_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(|| git(&["rev-parse", "--short=12", "HEAD"]))
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=BETEKK_GIT_COMMIT={commit}");
    println!("cargo:rerun-if-env-changed=BETEKK_GIT_COMMIT");
    // HEAD's reflog is written on every commit, checkout and reset of this work tree (worktrees
    // have their own), so the stamp follows the checkout without rebuilding on every build.
    for path in ["HEAD", "logs/HEAD"] {
        if let Some(p) = git(&["rev-parse", "--git-path", path]) {
            println!("cargo:rerun-if-changed={p}");
        }
    }
}
