//! Apply's progress on stderr: on a terminal, a bar (steps done / total, the steps in flight, IAM
//! propagation waits) above which each finished step's line stays; elsewhere (CI logs, pipes) the
//! plain one-line-per-event output, unchanged.

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{Style, human};
use crate::apply::Event;

pub struct Progress {
    style: Style,
    bar: Option<Bar>,
}

struct Bar {
    bar: ProgressBar,
    in_flight: Mutex<BTreeSet<String>>,
}

impl Progress {
    /// A bar when stderr is a terminal that can redraw (not `TERM=dumb`), else plain lines.
    pub fn for_stderr(total: usize) -> Self {
        let terminal =
            std::io::stderr().is_terminal() && std::env::var("TERM").map_or(true, |t| t != "dumb");
        Progress::new(total, terminal, Style::for_stderr())
    }

    pub fn new(total: usize, bar: bool, style: Style) -> Self {
        let bar = bar.then(|| {
            let bar =
                ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{bar:24}] {pos}/{len} changes, {elapsed} {wide_msg}",
                )
                .expect("a valid template")
                .progress_chars("=> "),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            Bar {
                bar,
                in_flight: Mutex::new(BTreeSet::new()),
            }
        });
        Progress { style, bar }
    }

    pub fn event(&self, event: &Event<'_>) {
        let line = human::event(event, self.style);
        let Some(b) = &self.bar else {
            eprintln!("{line}");
            return;
        };
        let mut in_flight = b.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        match event {
            Event::Started(change) => {
                in_flight.insert(change.address.to_string());
                b.bar.set_message(current(&in_flight));
            }
            Event::Retrying { .. } => {
                // The wait is what the user is looking at: it replaces the step list until the
                // next event.
                b.bar.set_message(line);
            }
            Event::Finished(outcome) => {
                in_flight.remove(&outcome.address.to_string());
                b.bar.println(line);
                b.bar.inc(1);
                b.bar.set_message(current(&in_flight));
            }
        }
    }

    /// Leaves the bar at its final count (the outcome lines stay above it).
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.bar.finish_with_message("done");
        }
    }
}

fn current(in_flight: &BTreeSet<String>) -> String {
    match in_flight.len() {
        0 => String::new(),
        1..=3 => in_flight.iter().cloned().collect::<Vec<_>>().join(", "),
        n => format!(
            "{} and {} more",
            in_flight
                .iter()
                .take(2)
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
            n - 2
        ),
    }
}
