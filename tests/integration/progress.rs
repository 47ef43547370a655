//! Apply's progress in a real terminal (tmux): a bar with steps done / total that ends at its
//! total, each step's outcome line kept above it; and without a terminal the plain lines.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::harness::{Account, endpoint, path_str};

fn spec(stack: &str) -> String {
    format!(
        "version: 1\nstack: {stack}\nrepositories:\n  - name: \"{{prefix}}-{stack}-a\"\n  \
         - name: \"{{prefix}}-{stack}-b\"\n  - name: \"{{prefix}}-{stack}-c\"\n"
    )
}

/// A tmux server of its own (`-L`), so that no one's sessions are touched.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn new() -> Self {
        let ok = Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(ok, "tmux is needed for this test; scripts/test installs it");
        Tmux {
            socket: format!("betekk-ecr-test-{}", std::process::id()),
        }
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux");
        assert!(out.status.success(), "tmux {args:?}: {out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs `script` in a 150×40 pane and returns the screen once it printed `marker`.
    fn run_until(&self, script: &str, marker: &str, timeout: Duration) -> String {
        self.tmux(&[
            "new-session",
            "-d",
            "-x",
            "150",
            "-y",
            "40",
            "-s",
            "apply",
            script,
        ]);
        let started = Instant::now();
        loop {
            let screen = self.tmux(&["capture-pane", "-p", "-t", "apply"]);
            if screen.contains(marker) {
                return screen;
            }
            assert!(
                started.elapsed() < timeout,
                "no {marker:?} after {timeout:?}:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[test]
fn apply_shows_a_progress_bar_on_a_terminal_and_plain_lines_in_a_pipe() {
    let acct = Account::new();
    let stack = format!("tty{}", &acct.id[8..]);
    let spec_path = acct.write_spec("spec.yaml", &spec(&stack));
    let tmux = Tmux::new();
    let script = format!(
        "env -u AWS_PROFILE AWS_ACCESS_KEY_ID={id} AWS_SECRET_ACCESS_KEY=test AWS_ENDPOINT_URL={url} \
         AWS_REGION=ap-southeast-1 AWS_EC2_METADATA_DISABLED=true NO_COLOR=1 {bin} apply {spec} --yes; \
         echo EXIT=$?; sleep 120",
        id = acct.id,
        url = quote(endpoint()),
        bin = quote(env!("CARGO_BIN_EXE_betekk-ecr")),
        spec = quote(path_str(&spec_path)),
    );
    let screen = tmux.run_until(&script, "EXIT=", Duration::from_secs(90));
    assert!(screen.contains("EXIT=0"), "{screen}");
    // The bar, left at its total, and each outcome line above it.
    let bar = screen
        .lines()
        .find(|l| l.contains("3/3 changes"))
        .unwrap_or_else(|| panic!("no finished bar:\n{screen}"));
    assert!(bar.contains("[========================]"), "{bar}");
    for name in ["a", "b", "c"] {
        let line = format!("repository.betekk-{stack}-{name}: Creation complete after");
        assert!(screen.contains(&line), "no {line:?}:\n{screen}");
    }
    // The steps in flight were the bar's message, not lines of their own.
    assert!(!screen.contains("Creating..."), "{screen}");
    assert!(
        screen.contains("Apply complete! Resources: 3 added, 0 changed, 0 replaced, 0 destroyed."),
        "{screen}"
    );

    // The same in a pipe (CI logs): one line per event, no bar.
    let piped = acct.write_spec("piped.yaml", &spec(&format!("{stack}p")));
    let run = acct.run(&["apply", path_str(&piped), "--yes"]);
    run.expect_code(0);
    assert!(!run.stderr.contains("changes,"), "{}", run.stderr);
    assert!(!run.stderr.contains('\r'), "{}", run.stderr);
    for name in ["a", "b", "c"] {
        let address = format!("repository.betekk-{stack}p-{name}");
        assert!(
            run.stderr.contains(&format!("{address}: Creating...")),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr
                .contains(&format!("{address}: Creation complete after")),
            "{}",
            run.stderr
        );
    }
}
