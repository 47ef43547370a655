//! Drift reports for people (grouped by class, live vs spec per attribute) and machines (JSON).

use std::fmt::Write;

use serde::Serialize;
use serde_json::Value;

use super::Style;
use super::json::SCHEMA_VERSION;
use crate::drift::{Class, Counts, DriftReport, LastApplied, ResourceDrift};
use crate::model::ApiStats;

/// Where and when a report was taken.
#[derive(Debug, Clone, Serialize)]
pub struct Context {
    pub timestamp: String,
    pub account: String,
    pub region: String,
    pub stack: String,
    pub spec: String,
}

#[derive(Serialize)]
pub struct DriftDocument<'a> {
    pub schema_version: u32,
    /// `drift`, so a consumer of JSON lines can tell documents apart.
    pub kind: &'static str,
    #[serde(flatten)]
    pub context: &'a Context,
    pub in_sync: bool,
    /// Whether anything was drifted or missing: changed in AWS, not in the spec.
    pub out_of_band: bool,
    pub counts: Counts,
    pub resources: &'a [ResourceDrift],
    pub stats: &'a ApiStats,
}

impl<'a> DriftDocument<'a> {
    pub fn new(report: &'a DriftReport, context: &'a Context, stats: &'a ApiStats) -> Self {
        DriftDocument {
            schema_version: SCHEMA_VERSION,
            kind: "drift",
            context,
            in_sync: report.in_sync(),
            out_of_band: report.out_of_band(),
            counts: report.counts(),
            resources: &report.resources,
            stats,
        }
    }
}

/// A cycle that could not be read, as one JSON document (so `--every` output stays parseable).
#[derive(Serialize)]
pub struct DriftErrorDocument<'a> {
    pub schema_version: u32,
    pub kind: &'static str,
    pub timestamp: &'a str,
    pub spec: &'a str,
    pub error: &'a str,
}

fn heading(class: Class) -> &'static str {
    match class {
        Class::Drifted => "Drifted: changed in AWS since the last apply",
        Class::Missing => "Missing: in the spec, not in AWS",
        Class::Pending => "Pending: the spec changed since the last apply; AWS is as applied",
        Class::Unmanaged => {
            "Unmanaged: in no spec (named with the project prefix, or registry parts no stack owns)"
        }
        Class::InSync => "In sync",
    }
}

fn symbol(class: Class, style: Style) -> String {
    match class {
        Class::Drifted => style.red("!"),
        Class::Missing => style.red("-"),
        Class::Pending => style.yellow("~"),
        Class::Unmanaged => style.yellow("?"),
        Class::InSync => style.green("="),
    }
}

pub fn human(report: &DriftReport, ctx: &Context, style: Style) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} stack {} ({}) in account {}, {} at {}\n",
        style.bold("Drift report:"),
        ctx.stack,
        ctx.spec,
        ctx.account,
        ctx.region,
        ctx.timestamp
    );
    for class in Class::ALL {
        let members: Vec<&ResourceDrift> = report.of_class(class).collect();
        if members.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{} ({}):", style.bold(heading(class)), members.len());
        for r in members {
            let _ = writeln!(out, "  {} {}", symbol(class, style), r.address);
            if let Some(note) = &r.note {
                let _ = writeln!(out, "      # {note}");
            }
            for a in &r.attributes {
                let origin = match a.last_applied {
                    LastApplied::Live => "spec changed",
                    LastApplied::Spec => "changed in AWS",
                    LastApplied::Neither => "changed in AWS and in the spec",
                    LastApplied::Unknown => "origin unknown",
                };
                let _ = writeln!(
                    out,
                    "      {} {} ({origin})",
                    symbol(a.class, style),
                    a.name
                );
                let _ = writeln!(out, "          live: {}", shown(&a.live));
                let _ = writeln!(out, "          spec: {}", shown(&a.spec));
            }
        }
        out.push('\n');
    }
    let c = report.counts();
    let _ = writeln!(
        out,
        "{} {} drifted, {} missing, {} pending, {} unmanaged, {} in sync.",
        style.bold("Drift:"),
        c.drifted,
        c.missing,
        c.pending,
        c.unmanaged,
        c.in_sync
    );
    out
}

fn shown(v: &Option<Value>) -> String {
    v.as_ref().map_or("(absent)".into(), Value::to_string)
}
