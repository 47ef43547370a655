//! Renderings of plans and reports: human (like `tofu plan`), JSON and Markdown, from the same data.
//! Nothing here decides anything or talks to AWS; data goes to stdout, progress to stderr.

pub mod drift;
pub mod explain;
pub mod human;
pub mod json;
pub mod lifecycle;
pub mod markdown;
pub mod progress;
pub mod style;
pub mod targets;

#[cfg(test)]
mod tests;

pub use style::Style;
