//! An error with its causes in one line: what the executor records per step and the CLI prints.
//! A leaf module, so that any layer may use it without reaching up.

use std::error::Error as StdError;

/// An error and all its causes on one line, outermost first, each cause once.
pub fn chain(error: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}
