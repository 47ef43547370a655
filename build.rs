//! Stamps the binary with the commit it was built from (`--version`; generated workflows pin this
//! repository's action to it), or `unknown` when built outside a git checkout (a source tarball)
//! or without git installed.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (out.status.success() && !text.is_empty()).then(|| text.to_string())
}

fn main() {
    let full = std::env::var("BETEKK_GIT_COMMIT")
        .ok()
        .filter(|c| c.len() == 40 && c.bytes().all(|b| b.is_ascii_hexdigit()))
        .or_else(|| git(&["rev-parse", "HEAD"]))
        .unwrap_or_else(|| "unknown".into());
    let short = if full == "unknown" {
        &full
    } else {
        &full[..12]
    };
    println!("cargo:rustc-env=BETEKK_GIT_COMMIT={short}");
    println!("cargo:rustc-env=BETEKK_GIT_COMMIT_FULL={full}");
    println!("cargo:rerun-if-env-changed=BETEKK_GIT_COMMIT");
    // HEAD's reflog is written on every commit, checkout and reset of this work tree (worktrees
    // have their own), so the stamp follows the checkout without rebuilding on every build.
    for path in ["HEAD", "logs/HEAD"] {
        if let Some(p) = git(&["rev-parse", "--git-path", path]) {
            println!("cargo:rerun-if-changed={p}");
        }
    }
}
