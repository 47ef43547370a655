//! `completions SHELL` and `man`: generated from the clap definition, so they never lag behind it.

use clap::CommandFactory;
use clap_complete::Shell;

use super::Exit;
use crate::cli::{Cli, CompletionsArgs};
use crate::error::Error;

/// The completion script for `shell`, completing commands, flags and enumerated values.
pub(crate) fn script(shell: Shell) -> Vec<u8> {
    let mut command = Cli::command();
    let name = command.get_name().to_string();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, name, &mut out);
    out
}

pub(crate) fn completions(args: &CompletionsArgs) -> Result<Exit, Error> {
    write_stdout(&script(args.shell), "the completion script")
}

pub(crate) fn man() -> Result<Exit, Error> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .map_err(|source| Error::Io {
            what: "cannot render the man page".into(),
            source,
        })?;
    write_stdout(&page, "the man page")
}

fn write_stdout(bytes: &[u8], what: &str) -> Result<Exit, Error> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(bytes) {
        // `betekk-ecr man | head` is not an error.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Io {
            what: format!("cannot write {what}"),
            source: e,
        }),
        _ => Ok(Exit::Ok),
    }
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use super::*;

    #[test]
    fn the_bash_script_parses_and_registers_a_completion_for_the_binary() {
        let dir = std::env::temp_dir().join(format!("betekk-completions-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("betekk-ecr.bash");
        std::fs::write(&file, script(Shell::Bash)).unwrap();
        let syntax = Command::new("bash").arg("-n").arg(&file).output().unwrap();
        assert!(syntax.status.success(), "{syntax:?}");
        let loaded = Command::new("bash")
            .arg("-c")
            .arg(format!("source {:?} && complete -p betekk-ecr", file))
            .output()
            .unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        let stdout = String::from_utf8_lossy(&loaded.stdout);
        assert!(loaded.status.success(), "{loaded:?}");
        assert!(stdout.trim_end().ends_with(" betekk-ecr"), "{stdout}");
        assert!(stdout.contains("-F _betekk__ecr"), "{stdout}");
    }

    #[test]
    fn every_shell_gets_the_commands_and_their_flags() {
        for (shell, marker) in [
            (Shell::Bash, "complete -F"),
            (Shell::Zsh, "#compdef betekk-ecr"),
            (Shell::Fish, "complete -c betekk-ecr"),
            (Shell::PowerShell, "Register-ArgumentCompleter"),
        ] {
            let text = String::from_utf8(script(shell)).unwrap();
            assert!(text.contains(marker), "{shell}: no {marker:?}");
            for word in ["plan", "apply", "drift", "detailed-exitcode", "fail-on"] {
                assert!(text.contains(word), "{shell}: {word} is not completed");
            }
        }
    }

    #[test]
    fn the_man_page_documents_every_command_and_the_exit_codes() {
        let mut page = Vec::new();
        clap_mangen::Man::new(Cli::command())
            .render(&mut page)
            .unwrap();
        // roff escapes the hyphens of command names (`force\-unlock`).
        let page = String::from_utf8(page).unwrap().replace("\\-", "-");
        assert!(
            page.starts_with(".ie") || page.contains(".TH betekk-ecr 1"),
            "{page}"
        );
        for command in Cli::command().get_subcommands() {
            assert!(
                page.contains(command.get_name()),
                "{} is missing",
                command.get_name()
            );
        }
        assert!(page.contains("Exit codes"), "{page}");
    }

    #[test]
    fn the_version_names_the_commit_it_was_built_from() {
        let version = Cli::command().render_version();
        let head = Command::new("git")
            .args(["rev-parse", "HEAD"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
        let expected = std::env::var("BETEKK_GIT_COMMIT")
            .ok()
            .filter(|c| c.len() == 40)
            .or(head)
            .map_or("unknown".into(), |c| c[..12].to_string());
        assert_eq!(
            version.trim(),
            format!(
                "betekk-ecr {} (commit {expected})",
                env!("CARGO_PKG_VERSION")
            )
        );
    }
}
