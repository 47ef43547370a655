//! Spec errors and warnings: each names the file, line, column and field, and what is allowed.

use std::fmt;

use super::yaml::Pos;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Severity {
    Error,
    Warning,
    /// A security finding of `validate --strict`: allowed, but a platform team would not want it.
    Lint,
}

/// One finding in a spec: an error, a warning or a strict-mode lint, at a file, line, column and
/// field path; its `Display` is the one-line form `FILE:LINE:COLUMN: …`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub(crate) severity: Severity,
    pub(crate) file: String,
    pub(crate) pos: Pos,
    /// Dotted field path, e.g. `repositories[0].image_tag_mutability`; empty for the whole document.
    pub(crate) path: String,
    /// What is wrong and what is allowed instead, without the position.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: ", self.file, self.pos)?;
        match self.severity {
            Severity::Warning => f.write_str("warning: ")?,
            Severity::Lint => f.write_str("strict: ")?,
            Severity::Error => {}
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

/// Every problem found in one spec. Reading goes on after an error so that one run shows them all.
#[derive(Debug, Clone, Default)]
pub(crate) struct Diagnostics {
    file: String,
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub(crate) fn new(file: impl Into<String>) -> Self {
        Diagnostics {
            file: file.into(),
            items: Vec::new(),
        }
    }

    pub(crate) fn error(&mut self, pos: Pos, path: &str, message: impl Into<String>) {
        self.push(Severity::Error, pos, path, message.into());
    }

    pub(crate) fn warning(&mut self, pos: Pos, path: &str, message: impl Into<String>) {
        self.push(Severity::Warning, pos, path, message.into());
    }

    /// A `validate --strict` finding: what is risky, and how to fix it.
    pub(crate) fn lint(&mut self, pos: Pos, path: &str, message: impl Into<String>) {
        self.push(Severity::Lint, pos, path, message.into());
    }

    fn push(&mut self, severity: Severity, pos: Pos, path: &str, message: String) {
        self.items.push(Diagnostic {
            severity,
            file: self.file.clone(),
            pos,
            path: path.to_string(),
            message,
        });
    }

    pub(crate) fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    pub(crate) fn into_items(mut self) -> Vec<Diagnostic> {
        self.items.sort_by_key(|d| d.pos);
        self.items
    }
}

/// A spec that cannot be used: its errors (and any warnings), in source order.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", render(.0))]
pub struct SpecError(pub Vec<Diagnostic>);

fn render(items: &[Diagnostic]) -> String {
    let errors = items
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let mut out = format!(
        "the spec has {errors} error{}:",
        if errors == 1 { "" } else { "s" }
    );
    for d in items {
        out.push_str("\n  ");
        out.push_str(&d.to_string());
    }
    out
}

/// Quotes a user's value the way messages show it.
pub(crate) fn quoted(s: &str) -> String {
    format!("{s:?}")
}

/// `A or B`, `A, B or C`.
pub(crate) fn one_of(allowed: &[&str]) -> String {
    match allowed {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The allowed word a user most likely meant: the same word in another case, else the most
/// similar one (Jaro-Winkler, which favours a shared beginning: `repos` → `repositories`), when it
/// is similar enough that suggesting it helps more than it misleads.
pub(crate) fn nearest<'a>(word: &str, allowed: &[&'a str]) -> Option<&'a str> {
    const SIMILAR_ENOUGH: f64 = 0.8;
    if let Some(same) = allowed.iter().find(|a| a.eq_ignore_ascii_case(word)) {
        return Some(same);
    }
    let word = word.to_ascii_lowercase();
    allowed
        .iter()
        .map(|a| (strsim::jaro_winkler(&word, &a.to_ascii_lowercase()), *a))
        .filter(|(score, _)| *score >= SIMILAR_ENOUGH)
        .max_by(|x, y| x.0.total_cmp(&y.0))
        .map(|(_, a)| a)
}

/// `; did you mean X?` when there is a likely X, else nothing.
pub(crate) fn did_you_mean(word: &str, allowed: &[&str]) -> String {
    nearest(word, allowed).map_or(String::new(), |n| format!("; did you mean {n}?"))
}

#[cfg(test)]
mod tests {
    use super::nearest;

    const REPOSITORY: &[&str] = &[
        "name",
        "image_tag_mutability",
        "scan_on_push",
        "encryption",
        "force_delete",
        "lifecycle_policy",
        "repository_policy",
        "tags",
    ];

    #[test]
    fn a_typo_or_another_case_suggests_the_allowed_word() {
        assert_eq!(nearest("scan_on_pull", REPOSITORY), Some("scan_on_push"));
        assert_eq!(nearest("lifecycle", REPOSITORY), Some("lifecycle_policy"));
        assert_eq!(
            nearest("imagetagmutability", REPOSITORY),
            Some("image_tag_mutability")
        );
        assert_eq!(nearest("tag", REPOSITORY), Some("tags"));
        assert_eq!(
            nearest("immutable", &["MUTABLE", "IMMUTABLE"]),
            Some("IMMUTABLE")
        );
        assert_eq!(
            nearest("mutable", &["MUTABLE", "IMMUTABLE"]),
            Some("MUTABLE")
        );
        assert_eq!(nearest("aes-256", &["AES256", "KMS"]), Some("AES256"));
        assert_eq!(nearest("allow", &["Allow", "Deny"]), Some("Allow"));
        assert_eq!(nearest("ANY", &["tagged", "untagged", "any"]), Some("any"));
        assert_eq!(
            nearest(
                "repos",
                &["version", "stack", "repositories", "roles", "policies"]
            ),
            Some("repositories")
        );
    }

    #[test]
    fn an_unrelated_word_suggests_nothing() {
        assert_eq!(nearest("color", REPOSITORY), None);
        assert_eq!(nearest("zzz", REPOSITORY), None);
        assert_eq!(nearest("forbid", &["Allow", "Deny"]), None);
    }
}
