//! `explain` in words: per role and subject form, or per question, allowed or denied and why.

use std::fmt::Write;

use super::Style;
use crate::access::{Decision, view::Answer, view::GithubResult};

fn verdict(decision: Decision, style: Style) -> String {
    match decision {
        Decision::Allowed => style.green("allowed"),
        Decision::Denied => style.red("denied "),
        Decision::ExplicitlyDenied => style.red("DENIED "),
    }
}

pub fn github(title: &str, results: &[GithubResult], notes: &[String], style: Style) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", style.bold(title));
    let mut role = "";
    for r in results {
        if r.role != role {
            role = &r.role;
            let _ = writeln!(out, "\n  role {}", style.bold(role));
        }
        let form = match r.subject_form {
            crate::access::SubjectForm::Legacy => "legacy subject",
            crate::access::SubjectForm::Immutable => "immutable subject",
        };
        let _ = writeln!(
            out,
            "    {} {} ({form})",
            verdict(r.evaluation.decision, style),
            r.sub
        );
        let _ = writeln!(out, "      {}", r.evaluation.summary);
    }
    let roles: std::collections::BTreeSet<&str> = results.iter().map(|r| r.role.as_str()).collect();
    let allowed: std::collections::BTreeSet<&str> = results
        .iter()
        .filter(|r| r.evaluation.decision.allowed())
        .map(|r| r.role.as_str())
        .collect();
    let _ = writeln!(
        out,
        "\nThe token may assume {} of {} role{}.",
        allowed.len(),
        roles.len(),
        if roles.len() == 1 { "" } else { "s" }
    );
    for note in notes {
        let _ = writeln!(out, "note: {note}");
    }
    out
}

pub fn answer(answer: &Answer, style: Style) -> String {
    let mut out = String::new();
    let r = &answer.request;
    let _ = writeln!(
        out,
        "{} {} on {}: {}",
        r.principal,
        r.action,
        r.resource,
        verdict(answer.evaluation.decision, style).trim_end()
    );
    for (k, v) in &r.context {
        let _ = writeln!(out, "  context {k} = {}", v.join(", "));
    }
    let _ = writeln!(out, "  {}", answer.evaluation.summary);
    for note in &answer.notes {
        let _ = writeln!(out, "note: {note}");
    }
    out
}
