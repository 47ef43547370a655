//! Markdown reports of plans, applies and drift, for pull-request comments and job summaries: a
//! summary line, a table of changes, and each resource's attribute diff in a collapsed `<details>`
//! block. A report never exceeds GitHub's comment limit: whole rows and blocks are left out, and a
//! note says how many, so the Markdown that remains is never cut mid-block.

use std::fmt::Write;

use serde_json::Value;

use super::drift::Context;
use super::human::line_diff;
use crate::apply::{Outcome, Report, Status};
use crate::drift::{Class, DriftReport, LastApplied, ResourceDrift};
use crate::plan::{Action, Change, Plan};

/// GitHub's limit on a comment body (and on what `gh pr comment` accepts), in characters.
pub const COMMENT_LIMIT: usize = 65_536;

/// Where a plan or apply ran.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub stack: &'a str,
    pub account: &'a str,
    pub region: &'a str,
}

impl Scope<'_> {
    fn line(&self) -> String {
        format!(
            "Stack `{}` · account `{}` · region `{}`\n\n",
            self.stack, self.account, self.region
        )
    }
}

pub fn plan(plan: &Plan, scope: Scope<'_>, limit: usize) -> String {
    let mut doc = Document::default();
    if plan.is_empty() {
        doc.fixed(format!(
            "### betekk-ecr plan: no changes\n\n{}Live AWS matches the spec.\n",
            scope.line()
        ));
        return doc.render(limit, "");
    }
    let s = plan.summary();
    doc.fixed(format!(
        "### betekk-ecr plan: {} to add, {} to change, {} to replace, {} to destroy\n\n{}",
        s.add,
        s.change,
        s.replace,
        s.destroy,
        scope.line()
    ));
    changes_table(&mut doc, plan);
    doc.render(limit, "the full plan: `betekk-ecr plan --output json`")
}

pub fn apply(plan: &Plan, report: &Report, scope: Scope<'_>, limit: usize) -> String {
    let mut doc = Document::default();
    let succeeded = report.outcomes.iter().filter(|o| o.status.succeeded());
    let title = if plan.is_empty() {
        ": no changes".to_string()
    } else if report.succeeded() {
        let done = |action: Action| succeeded.clone().filter(|o| o.action == action).count();
        format!(
            " complete: {} added, {} changed, {} replaced, {} destroyed",
            done(Action::Create),
            done(Action::Update),
            done(Action::Replace),
            done(Action::Delete)
        )
    } else if report.count(Status::Interrupted) > 0 {
        format!(
            " interrupted: {} interrupted, {} failed, {} skipped, {} succeeded of {} changes",
            report.count(Status::Interrupted),
            report.count(Status::Failed),
            report.count(Status::Skipped),
            succeeded.count(),
            plan.changes.len()
        )
    } else {
        format!(
            " failed: {} failed, {} skipped, {} succeeded of {} changes",
            report.count(Status::Failed),
            report.count(Status::Skipped),
            succeeded.count(),
            plan.changes.len()
        )
    };
    doc.fixed(format!("### betekk-ecr apply{title}\n\n{}", scope.line()));
    if !report.succeeded() {
        let when = if report.count(Status::Interrupted) > 0 {
            ""
        } else {
            " once the cause is fixed"
        };
        doc.fixed(format!(
            "Run apply again{when}; it picks up where this one stopped.\n\n"
        ));
    }
    if !plan.is_empty() {
        doc.fixed(
            "| | Resource | Action | Outcome | Time |\n| :-: | --- | --- | --- | --: |\n".into(),
        );
        for change in &plan.changes {
            let outcome = report.outcomes.iter().find(|o| o.address == change.address);
            doc.row(format!(
                "| `{}` | `{}` | {} | {} | {} |\n",
                symbol(change.action),
                change.address,
                action_word(change.action),
                outcome.map_or("not run".into(), outcome_cell),
                outcome.map_or(String::new(), |o| format!(
                    "{:.1}s",
                    o.duration_ms as f64 / 1000.0
                ))
            ));
        }
        doc.fixed("\n".into());
        details(&mut doc, plan);
    }
    doc.render(limit, "the full report: `betekk-ecr apply --output json`")
}

pub fn drift(report: &DriftReport, ctx: &Context, limit: usize) -> String {
    let mut doc = Document::default();
    let c = report.counts();
    doc.fixed(format!(
        "### betekk-ecr drift: {}\n\n{} drifted, {} missing, {} pending, {} unmanaged, {} in sync.\n\n\
         Stack `{}` (`{}`) · account `{}` · region `{}` · {}\n\n",
        if report.in_sync() {
            "in sync"
        } else if report.out_of_band() {
            "**drift found**"
        } else {
            "changes pending"
        },
        c.drifted,
        c.missing,
        c.pending,
        c.unmanaged,
        c.in_sync,
        ctx.stack,
        ctx.spec,
        ctx.account,
        ctx.region,
        ctx.timestamp
    ));
    let listed: Vec<&ResourceDrift> = Class::ALL
        .into_iter()
        .filter(|class| *class != Class::InSync)
        .flat_map(|class| report.of_class(class))
        .collect();
    if listed.is_empty() {
        return doc.render(limit, "");
    }
    doc.fixed("| | Resource | Status | Attributes |\n| :-: | --- | --- | --- |\n".into());
    for r in &listed {
        let attributes: Vec<String> = r
            .attributes
            .iter()
            .map(|a| format!("{} ({})", a.name, origin(a.last_applied)))
            .collect();
        doc.row(format!(
            "| `{}` | `{}` | {} | {} |\n",
            drift_symbol(r.class),
            r.address,
            class_cell(r.class),
            cell(&attributes.join(", "))
        ));
    }
    doc.fixed("\n".into());
    for r in &listed {
        if let Some(note) = &r.note {
            doc.detail(format!("> `{}`: {}\n\n", r.address, cell(note)));
        }
    }
    for r in listed.iter().filter(|r| !r.attributes.is_empty()) {
        let mut lines = Vec::new();
        for a in &r.attributes {
            lines.push(format!("  {} ({}):", a.name, origin(a.last_applied)));
            lines.extend(value_diff(a.live.as_ref(), a.spec.as_ref()));
        }
        doc.detail(block(
            &format!(
                "<code>{} {}</code> {}",
                drift_symbol(r.class),
                html(&r.address.to_string()),
                class_word(r.class)
            ),
            "`-` live in AWS, `+` as the spec asks",
            &lines,
        ));
    }
    doc.render(limit, "the full report: `betekk-ecr drift --output json`")
}

/// The table of a plan's changes, the notes, then one collapsed diff per changed resource.
fn changes_table(doc: &mut Document, plan: &Plan) {
    doc.fixed("| | Resource | Action | Attributes |\n| :-: | --- | --- | --- |\n".into());
    for change in &plan.changes {
        let names: Vec<String> = change
            .attributes
            .iter()
            .map(|a| {
                if a.forces_replacement {
                    format!("{} (forces replacement)", a.name)
                } else {
                    a.name.clone()
                }
            })
            .collect();
        doc.row(format!(
            "| `{}` | `{}` | {} | {} |\n",
            symbol(change.action),
            change.address,
            action_word(change.action),
            cell(&names.join(", "))
        ));
    }
    doc.fixed("\n".into());
    details(doc, plan);
}

fn details(doc: &mut Document, plan: &Plan) {
    for change in &plan.changes {
        for note in &change.notes {
            let expires = change
                .lifecycle_preview
                .as_ref()
                .is_some_and(|p| p.summary.expire > 0)
                && note.starts_with("lifecycle_policy:");
            let kind = match change.action {
                Action::Replace | Action::Delete => "WARNING",
                Action::Create | Action::Update if expires => "WARNING",
                Action::Create | Action::Update => "NOTE",
            };
            doc.detail(format!(
                "> [!{kind}]\n> `{}`: {}\n\n",
                change.address,
                cell(note)
            ));
        }
    }
    for change in plan.changes.iter().filter(|c| !c.attributes.is_empty()) {
        doc.detail(change_block(change));
    }
}

fn change_block(change: &Change) -> String {
    let mut lines = Vec::new();
    for a in &change.attributes {
        let tail = if a.forces_replacement {
            " # forces replacement"
        } else {
            ""
        };
        match (&a.before, &a.after) {
            (None, Some(v)) => lines.extend(labelled('+', &a.name, v, tail)),
            (Some(v), None) => lines.extend(labelled('-', &a.name, v, tail)),
            (Some(b), Some(v))
                if !b.is_object() && !b.is_array() && !v.is_object() && !v.is_array() =>
            {
                lines.push(format!("- {} = {b}{tail}", a.name));
                lines.push(format!("+ {} = {v}{tail}", a.name));
            }
            (before, after) => {
                lines.push(format!("  {}:{tail}", a.name));
                lines.extend(value_diff(before.as_ref(), after.as_ref()));
            }
        }
    }
    block(
        &format!(
            "<code>{} {}</code> {}",
            html(symbol(change.action)),
            html(&change.address.to_string()),
            verb(change.action)
        ),
        "",
        &lines,
    )
}

/// `+ name = value`, a document continuing on the following lines with the same mark.
fn labelled(mark: char, name: &str, value: &Value, tail: &str) -> Vec<String> {
    let text = pretty(value);
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default();
    let mut out = vec![format!("{mark} {name} = {first}{tail}")];
    out.extend(lines.map(|l| format!("{mark} {l}")));
    out
}

/// A line diff of two values' pretty forms, indented under the attribute's name.
fn value_diff(before: Option<&Value>, after: Option<&Value>) -> Vec<String> {
    let text = |v: Option<&Value>| v.map_or("(absent)".to_string(), pretty);
    line_diff(&text(before), &text(after))
        .into_iter()
        .map(|(mark, line)| format!("{mark}   {line}"))
        .collect()
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

/// A collapsed block with a `diff` fence long enough that no line of the content can close it.
fn block(summary: &str, caption: &str, lines: &[String]) -> String {
    let longest_run = lines
        .iter()
        .flat_map(|l| l.split(|c| c != '`'))
        .map(str::len)
        .max()
        .unwrap_or(0);
    let fence = "`".repeat(longest_run.max(2) + 1);
    let mut out = format!("<details><summary>{summary}</summary>\n\n");
    if !caption.is_empty() {
        let _ = writeln!(out, "{caption}\n");
    }
    let _ = writeln!(out, "{fence}diff");
    for line in lines {
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(out, "{fence}\n\n</details>\n");
    out
}

fn symbol(action: Action) -> &'static str {
    match action {
        Action::Create => "+",
        Action::Update => "~",
        Action::Replace => "-/+",
        Action::Delete => "-",
    }
}

fn action_word(action: Action) -> &'static str {
    match action {
        Action::Create => "create",
        Action::Update => "update in place",
        Action::Replace => "**replace**",
        Action::Delete => "**destroy**",
    }
}

fn verb(action: Action) -> &'static str {
    match action {
        Action::Create => "will be created",
        Action::Update => "will be updated in place",
        Action::Replace => "must be replaced",
        Action::Delete => "will be destroyed",
    }
}

fn outcome_cell(o: &Outcome) -> String {
    let error = o.error.as_deref().map(cell);
    match o.status {
        Status::Applied => "applied".into(),
        Status::NotNeeded => "already as planned".into(),
        Status::Failed => format!("**failed**: {}", error.unwrap_or_default()),
        Status::Skipped => format!("skipped: {}", error.unwrap_or_default()),
        Status::Interrupted => format!("interrupted: {}", error.unwrap_or_default()),
    }
}

fn drift_symbol(class: Class) -> &'static str {
    match class {
        Class::Drifted => "!",
        Class::Missing => "-",
        Class::Pending => "~",
        Class::Unmanaged => "?",
        Class::InSync => "=",
    }
}

fn class_word(class: Class) -> &'static str {
    match class {
        Class::Drifted => "changed in AWS since the last apply",
        Class::Missing => "is in the spec, not in AWS",
        Class::Pending => "changed in the spec since the last apply",
        Class::Unmanaged => {
            "is in no spec (named with the project prefix, or a registry part no stack owns)"
        }
        Class::InSync => "is in sync",
    }
}

fn class_cell(class: Class) -> &'static str {
    match class {
        Class::Drifted => "**drifted**",
        Class::Missing => "**missing**",
        Class::Pending => "pending",
        Class::Unmanaged => "unmanaged",
        Class::InSync => "in sync",
    }
}

fn origin(last: LastApplied) -> &'static str {
    match last {
        LastApplied::Live => "spec changed",
        LastApplied::Spec => "changed in AWS",
        LastApplied::Neither => "changed in AWS and in the spec",
        LastApplied::Unknown => "origin unknown",
    }
}

/// Text safe inside a table cell or a quote: one line, `|` escaped, HTML inert.
fn cell(text: &str) -> String {
    html(text).replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A report assembled from whole pieces, so that it can be cut to a limit between them.
#[derive(Default)]
struct Document {
    pieces: Vec<(Piece, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    /// Headings, table headers: always kept (they are short).
    Fixed,
    /// A table row.
    Row,
    /// A note or a collapsed diff.
    Detail,
}

impl Document {
    fn fixed(&mut self, text: String) {
        self.pieces.push((Piece::Fixed, text));
    }
    fn row(&mut self, text: String) {
        self.pieces.push((Piece::Row, text));
    }
    fn detail(&mut self, text: String) {
        self.pieces.push((Piece::Detail, text));
    }

    /// Everything if it fits in `limit` characters; else the pieces up to the first that does not
    /// fit (fixed ones always), and a note naming what was left out and `full`.
    fn render(self, limit: usize, full: &str) -> String {
        let whole: String = self.pieces.iter().map(|(_, t)| t.as_str()).collect();
        if whole.chars().count() <= limit {
            return whole;
        }
        let note = |rows: usize, details: usize| {
            format!(
                "> [!NOTE]\n> Truncated to {} characters, the limit of a GitHub comment: {rows} table \
                 rows and {details} notes or diffs left out; {full}.\n",
                thousands(limit)
            )
        };
        let (total_rows, total_details) = self.pieces.iter().fold((0, 0), |(r, d), (p, _)| {
            (
                r + usize::from(*p == Piece::Row),
                d + usize::from(*p == Piece::Detail),
            )
        });
        let reserve = note(total_rows, total_details).chars().count();
        let fixed: usize = self
            .pieces
            .iter()
            .filter(|(p, _)| *p == Piece::Fixed)
            .map(|(_, t)| t.chars().count())
            .sum();
        let mut budget = limit.saturating_sub(reserve + fixed);
        let (mut out, mut cut, mut rows, mut details) = (String::new(), false, 0, 0);
        for (piece, text) in &self.pieces {
            if *piece == Piece::Fixed {
                out.push_str(text);
                continue;
            }
            let n = text.chars().count();
            if !cut && n <= budget {
                budget -= n;
                out.push_str(text);
            } else {
                cut = true;
                match piece {
                    Piece::Row => rows += 1,
                    _ => details += 1,
                }
            }
        }
        if !out.ends_with("\n\n") {
            out.push('\n');
        }
        out.push_str(&note(rows, details));
        out
    }
}

/// `65536` → `65,536`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
