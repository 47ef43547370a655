//! Human output in the manner of `tofu plan`: one block per resource, `+ ~ -/+ -`, before → after.

use std::fmt::Write;

use serde_json::Value;

use super::Style;
use crate::apply::{Event, Outcome, Report, Status};
use crate::model::ApiStats;
use crate::plan::{Action, AttributeChange, Change, Plan};

pub fn plan(plan: &Plan, style: Style) -> String {
    if plan.is_empty() {
        return "No changes. Live AWS matches the spec.\n".into();
    }
    let mut out = String::from("betekk-ecr will perform the following actions:\n\n");
    for change in &plan.changes {
        change_block(&mut out, change, style);
        out.push('\n');
    }
    let s = plan.summary();
    let _ = writeln!(
        out,
        "{} {} to add, {} to change, {} to replace, {} to destroy.",
        style.bold("Plan:"),
        s.add,
        s.change,
        s.replace,
        s.destroy
    );
    let deletes: Vec<String> = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Delete)
        .map(|c| c.address.to_string())
        .collect();
    if !deletes.is_empty() {
        let _ = writeln!(out, "{} {}", style.red("Destroys:"), deletes.join(", "));
    }
    out
}

fn symbol(action: Action, style: Style) -> String {
    match action {
        Action::Create => format!("  {}", style.green("+")),
        Action::Update => format!("  {}", style.yellow("~")),
        Action::Replace => style.red("-/+"),
        Action::Delete => format!("  {}", style.red("-")),
    }
}

fn change_block(out: &mut String, change: &Change, style: Style) {
    let verb = match change.action {
        Action::Create => "will be created",
        Action::Update => "will be updated in-place",
        Action::Replace => "must be replaced",
        Action::Delete => "will be destroyed",
    };
    let _ = writeln!(
        out,
        "  {} {verb}",
        style.bold(&format!("# {}", change.address))
    );
    for note in &change.notes {
        let _ = writeln!(out, "  # ({note})");
    }
    let _ = writeln!(
        out,
        "{} {} \"{}\" {{",
        symbol(change.action, style),
        change.kind,
        change.name
    );
    let width = change
        .attributes
        .iter()
        .map(|a| a.name.len())
        .max()
        .unwrap_or(0);
    for attr in &change.attributes {
        attribute(out, attr, width, style);
    }
    let _ = writeln!(out, "    }}");
}

fn attribute(out: &mut String, attr: &AttributeChange, width: usize, style: Style) {
    let name = format!("{:width$}", attr.name);
    let tail = if attr.forces_replacement {
        style.red(" # forces replacement")
    } else {
        String::new()
    };
    match (&attr.before, &attr.after) {
        (None, Some(after)) => {
            let _ = writeln!(
                out,
                "      {} {name} = {}{tail}",
                style.green("+"),
                value(after, 6)
            );
        }
        (Some(before), None) => {
            let _ = writeln!(
                out,
                "      {} {name} = {}{tail}",
                style.red("-"),
                value(before, 6)
            );
        }
        (
            Some(before @ (Value::Object(_) | Value::Array(_))),
            Some(after @ (Value::Object(_) | Value::Array(_))),
        ) if !(is_flat(before) && is_flat(after)) => {
            // Documents: a line diff of their pretty forms, so the changed statement stands out.
            let _ = writeln!(out, "      {} {name} ={tail}", style.yellow("~"));
            for (mark, line) in line_diff(&pretty(before), &pretty(after)) {
                let marker = match mark {
                    '+' => style.green("+"),
                    '-' => style.red("-"),
                    _ => " ".to_string(),
                };
                let _ = writeln!(out, "          {marker} {line}");
            }
        }
        (Some(Value::Object(b)), Some(Value::Object(a))) => {
            let _ = writeln!(out, "      {} {name} = {{{tail}", style.yellow("~"));
            let keys: std::collections::BTreeSet<&String> = b
                .keys()
                .chain(a.keys())
                .filter(|k| b.get(*k) != a.get(*k))
                .collect();
            let kw = keys.iter().map(|k| k.len() + 2).max().unwrap_or(0);
            for key in keys {
                let k = format!("{:kw$}", format!("{key:?}"));
                match (b.get(key), a.get(key)) {
                    (Some(x), Some(y)) if x == y => {}
                    (Some(x), Some(y)) => {
                        let _ = writeln!(
                            out,
                            "          {} {k} = {} -> {}",
                            style.yellow("~"),
                            compact(x),
                            compact(y)
                        );
                    }
                    (None, Some(y)) => {
                        let _ =
                            writeln!(out, "          {} {k} = {}", style.green("+"), compact(y));
                    }
                    (Some(x), None) => {
                        let _ = writeln!(out, "          {} {k} = {}", style.red("-"), compact(x));
                    }
                    (None, None) => {}
                }
            }
            let _ = writeln!(out, "        }}");
        }
        (Some(before), Some(after)) => {
            let _ = writeln!(
                out,
                "      {} {name} = {} -> {}{tail}",
                style.yellow("~"),
                compact(before),
                compact(after)
            );
        }
        (None, None) => {}
    }
}

/// Whether a value is a mapping or list of scalars only (tags, client ids): shown key by key.
fn is_flat(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.values().all(|x| !x.is_object() && !x.is_array()),
        Value::Array(items) => items.iter().all(|x| !x.is_object() && !x.is_array()),
        _ => true,
    }
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

/// A line diff (similar's Myers): `' '` kept, `'-'` only before, `'+'` only after.
pub(crate) fn line_diff(before: &str, after: &str) -> Vec<(char, String)> {
    similar::TextDiff::from_lines(before, after)
        .iter_all_changes()
        .map(|change| {
            let mark = match change.tag() {
                similar::ChangeTag::Equal => ' ',
                similar::ChangeTag::Delete => '-',
                similar::ChangeTag::Insert => '+',
            };
            (mark, change.value().trim_end_matches('\n').to_string())
        })
        .collect()
}

/// Scalars as JSON; objects and lists pretty-printed, indented under the attribute.
fn value(v: &Value, indent: usize) -> String {
    match v {
        Value::Object(_) | Value::Array(_) => {
            let pretty = serde_json::to_string_pretty(v).unwrap_or_default();
            let pad = " ".repeat(indent + 2);
            pretty.lines().collect::<Vec<_>>().join(&format!("\n{pad}"))
        }
        other => other.to_string(),
    }
}

fn compact(v: &Value) -> String {
    v.to_string()
}

/// One progress line (stderr) for an executor event.
pub fn event(event: &Event<'_>, style: Style) -> String {
    match event {
        Event::Started(change) => step_started(change),
        Event::Retrying {
            address,
            attempt,
            wait,
            reason,
        } => format!(
            "{address}: still waiting: {reason}; attempt {attempt} in {:.1}s",
            wait.as_secs_f64()
        ),
        Event::Finished(outcome) => step_finished(outcome, style),
    }
}

/// The line printed (to stderr) when a change starts.
pub fn step_started(change: &Change) -> String {
    let verb = match change.action {
        Action::Create => "Creating...",
        Action::Update => "Modifying...",
        Action::Replace => "Replacing...",
        Action::Delete => "Destroying...",
    };
    format!("{}: {verb}", change.address)
}

/// The line printed (to stderr) when a change ends: its outcome and how long it took.
pub fn step_finished(outcome: &Outcome, style: Style) -> String {
    let secs = outcome.duration_ms as f64 / 1000.0;
    let what = match outcome.action {
        Action::Create => "Creation",
        Action::Update => "Modifications",
        Action::Replace => "Replacement",
        Action::Delete => "Destruction",
    };
    match outcome.status {
        Status::Applied => format!("{}: {what} complete after {secs:.1}s", outcome.address),
        Status::NotNeeded => format!(
            "{}: already as planned, nothing to do ({secs:.1}s)",
            outcome.address
        ),
        Status::Failed => format!(
            "{}: {} after {secs:.1}s: {}",
            outcome.address,
            style.red("failed"),
            outcome.error.as_deref().unwrap_or("unknown error")
        ),
        Status::Skipped => format!(
            "{}: {}: {}",
            outcome.address,
            style.yellow("skipped"),
            outcome.error.as_deref().unwrap_or("a dependency failed")
        ),
        Status::Interrupted => format!(
            "{}: {}: {}",
            outcome.address,
            style.yellow("interrupted"),
            outcome
                .error
                .as_deref()
                .unwrap_or("the apply was interrupted")
        ),
    }
}

pub fn report(plan: &Plan, report: &Report, style: Style) -> String {
    let applied = |action: Action| {
        report
            .outcomes
            .iter()
            .filter(|o| o.action == action && o.status.succeeded())
            .count()
    };
    let mut out = String::new();
    if report.succeeded() {
        let _ = writeln!(
            out,
            "{} Resources: {} added, {} changed, {} replaced, {} destroyed.",
            style.green(&style.bold("Apply complete!")),
            applied(Action::Create),
            applied(Action::Update),
            applied(Action::Replace),
            applied(Action::Delete),
        );
    } else {
        let interrupted = report.count(Status::Interrupted);
        let (title, advice) = if interrupted > 0 {
            (
                style.yellow(&style.bold("Apply interrupted:")),
                format!("{interrupted} interrupted, "),
            )
        } else {
            (style.red(&style.bold("Apply failed:")), String::new())
        };
        let _ = writeln!(
            out,
            "{title} {advice}{} failed, {} skipped, {} succeeded of {} changes. Run apply again{}; \
             it picks up where this one stopped.",
            report.count(Status::Failed),
            report.count(Status::Skipped),
            report
                .outcomes
                .iter()
                .filter(|o| o.status.succeeded())
                .count(),
            plan.changes.len(),
            if interrupted > 0 {
                ""
            } else {
                " once the cause is fixed"
            },
        );
        for o in report.outcomes.iter().filter(|o| !o.status.succeeded()) {
            let _ = writeln!(out, "  {}", step_finished(o, style));
        }
    }
    out
}

/// `API calls: 7 (ecr:DescribeRepositories 1, …), 0 retried`, then a line per lane:
/// `  lane ecr 111111111111 ap-southeast-1: 5 calls, 0 retried, 0 throttled, peak 4 in flight, window 16 (min 16)`.
pub fn stats(stats: &ApiStats) -> String {
    let ops: Vec<String> = stats
        .by_operation
        .iter()
        .map(|(op, n)| format!("{op} {n}"))
        .collect();
    let mut out = format!(
        "API calls: {} ({}), {} retried",
        stats.total,
        ops.join(", "),
        stats.retries
    );
    for (lane, s) in &stats.lanes {
        let _ = write!(
            out,
            "\n  lane {lane}: {} calls, {} retried, {} throttled, peak {} in flight, window {} (min {})",
            s.calls, s.retries, s.throttles, s.peak_in_flight, s.window, s.min_window
        );
    }
    out
}
