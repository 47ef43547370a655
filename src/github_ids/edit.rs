//! Writes ids (and customized subject templates) into a spec's text, entry by entry, where the
//! entries are written: a scalar item becomes `{name: …, id: N}`, a mapping gets an `id` (and a
//! `subject_claims`) next to its `name`. Every other byte of the file (comments, quoting, order,
//! blank lines) stays as it was. Text only; no YAML is re-emitted.

use super::entries::{Entry, Form};
use crate::spec::yaml::Pos;

/// One id to write into one entry.
pub(crate) struct IdEdit<'a> {
    pub(crate) entry: &'a Entry,
    pub(crate) id: u64,
    /// GitHub's customized subject template for it, written when the entry gives none.
    pub(crate) subject_claims: Option<Vec<String>>,
}

impl IdEdit<'_> {
    /// The `key: value` pairs to add: the id when the entry has none, the template when it gives
    /// none.
    fn fields(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.entry.id.is_none() {
            out.push(format!("id: {}", self.id));
        }
        if let Some(keys) = self
            .subject_claims
            .as_ref()
            .filter(|_| !self.entry.has_subject_claims)
        {
            out.push(format!("subject_claims: [{}]", keys.join(", ")));
        }
        out
    }
}

/// Why an entry could not be rewritten: its text is not where the YAML reader said.
#[derive(Debug, thiserror::Error)]
#[error("{path} ({line}:{column}): cannot find {what} in the file's text; add `id: {id}` by hand")]
pub(crate) struct EditError {
    path: String,
    line: u64,
    column: u64,
    what: String,
    id: u64,
}

/// The text with each edit made; what an entry already gives is left alone.
pub(crate) fn apply(text: &str, edits: &[IdEdit]) -> Result<String, EditError> {
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    let mut ordered: Vec<&IdEdit> = edits.iter().filter(|e| !e.fields().is_empty()).collect();
    // From the end backwards, so that an inserted line does not move the positions still to edit.
    ordered.sort_by_key(|e| std::cmp::Reverse(position(&e.entry.form)));
    for edit in ordered {
        let entry = edit.entry;
        let fail = |pos: Pos, what: &str| EditError {
            path: entry.path.clone(),
            line: pos.line,
            column: pos.column,
            what: what.to_string(),
            id: edit.id,
        };
        match entry.form {
            Form::Scalar(pos) => {
                let line = line_mut(&mut lines, pos).ok_or_else(|| fail(pos, "the name"))?;
                let (start, end) = token_at(line, col(pos))
                    .filter(|&(s, e)| unquote(&line[s..e]) == entry.name)
                    .ok_or_else(|| fail(pos, &format!("{:?}", entry.name)))?;
                let token = line[start..end].to_string();
                let fields = edit.fields().join(", ");
                line.replace_range(start..end, &format!("{{name: {token}, {fields}}}"));
            }
            Form::Map { name_key, .. } => {
                let line = line_mut(&mut lines, name_key).ok_or_else(|| fail(name_key, "name:"))?;
                let key = col(name_key);
                let rest = line.get(key..).unwrap_or("");
                let value_start = rest
                    .strip_prefix("name")
                    .map(|r| r.trim_start())
                    .and_then(|r| r.strip_prefix(':'))
                    .map(|r| line.len() - r.trim_start().len())
                    .ok_or_else(|| fail(name_key, "name:"))?;
                let (_, end) = token_at(line, value_start)
                    .ok_or_else(|| fail(name_key, "the name's value"))?;
                let flow = line[..key].trim_end().ends_with(['{', ',']);
                if flow {
                    line.insert_str(end, &format!(", {}", edit.fields().join(", ")));
                } else {
                    let indent = " ".repeat(key);
                    let at = name_key.line as usize;
                    for (i, field) in edit.fields().iter().enumerate() {
                        lines.insert(at + i, format!("{indent}{field}"));
                    }
                }
            }
        }
    }
    Ok(lines.join("\n"))
}

fn position(form: &Form) -> Pos {
    match form {
        Form::Scalar(p) => *p,
        Form::Map { name_key, .. } => *name_key,
    }
}

/// The byte offset of a 1-based column (the reader counts characters).
fn col(pos: Pos) -> usize {
    pos.column.saturating_sub(1) as usize
}

fn line_mut(lines: &mut [String], pos: Pos) -> Option<&mut String> {
    let line = lines.get_mut((pos.line as usize).checked_sub(1)?)?;
    // Columns count characters; the edits work on bytes, so only ASCII before the column is safe.
    line.get(..col(pos))
        .filter(|before| before.is_ascii())
        .map(|_| ())?;
    Some(line)
}

/// The scalar token starting at byte `start`: a quoted string with its quotes, or a plain scalar
/// up to the next `,`, `}`, `]` or ` #`, without trailing spaces.
fn token_at(line: &str, start: usize) -> Option<(usize, usize)> {
    let rest = line.get(start..)?;
    let quote = rest.chars().next()?;
    if quote == '"' || quote == '\'' {
        let close = rest[1..].find(quote)?;
        return Some((start, start + close + 2));
    }
    let mut end = rest.len();
    for (i, c) in rest.char_indices() {
        if matches!(c, ',' | '}' | ']') || (c == '#' && rest[..i].ends_with(' ')) {
            end = i;
            break;
        }
    }
    let len = rest[..end].trim_end().len();
    (len > 0).then_some((start, start + len))
}

fn unquote(token: &str) -> &str {
    token.trim_matches(['"', '\''])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::github_ids::entries::find;
    use crate::spec::yaml::parse;

    fn with_ids(text: &str, ids: &[(&str, u64)]) -> String {
        let entries = find(&parse(text).unwrap());
        let edits: Vec<IdEdit> = entries
            .iter()
            .filter_map(|entry| {
                let id = ids.iter().find(|(n, _)| *n == entry.name)?.1;
                Some(IdEdit {
                    entry,
                    id,
                    subject_claims: None,
                })
            })
            .collect();
        let out = apply(text, &edits).unwrap();
        parse(&out).expect("still YAML");
        out
    }

    #[test]
    fn a_scalar_item_becomes_a_name_and_id_mapping_in_flow_and_block_lists() {
        let text = "github:\n  organizations: [nus-cee, \"betekk\"]  # old, new\nroles:\n  - name: ci\n    github_trust:\n      repositories:\n        - app   # the service\n        - 'lib'\n";
        assert_eq!(
            with_ids(
                text,
                &[("nus-cee", 1), ("betekk", 2), ("app", 3), ("lib", 4)]
            ),
            "github:\n  organizations: [{name: nus-cee, id: 1}, {name: \"betekk\", id: 2}]  # old, new\nroles:\n  - name: ci\n    github_trust:\n      repositories:\n        - {name: app, id: 3}   # the service\n        - {name: 'lib', id: 4}\n"
        );
    }

    #[test]
    fn a_mapping_gets_an_id_next_to_its_name_and_one_with_an_id_is_left_alone() {
        let text = "roles:\n  - name: ci\n    github_trust:\n      repositories:\n        - {name: app}\n        - name: lib # keep\n          # a comment\n        - {name: old, id: 7}\n";
        assert_eq!(
            with_ids(text, &[("app", 3), ("lib", 4), ("old", 8)]),
            "roles:\n  - name: ci\n    github_trust:\n      repositories:\n        - {name: app, id: 3}\n        - name: lib # keep\n          id: 4\n          # a comment\n        - {name: old, id: 7}\n"
        );
    }

    #[test]
    fn a_customized_template_is_written_beside_the_id_unless_the_entry_gives_one() {
        let text = "github:\n  organizations: [octo, {name: other, id: 2}, {name: kept, subject_claims: [repo]}]\nroles:\n  - name: ci\n    github_trust:\n      repositories:\n        - name: lib\n";
        let entries = find(&parse(text).unwrap());
        let keys = Some(vec![
            "repo".to_string(),
            "context".to_string(),
            "job_workflow_ref".to_string(),
        ]);
        let edits: Vec<IdEdit> = entries
            .iter()
            .map(|entry| IdEdit {
                entry,
                id: 7,
                subject_claims: keys.clone(),
            })
            .collect();
        let out = apply(text, &edits).unwrap();
        parse(&out).expect("still YAML");
        assert_eq!(
            out,
            "github:\n  organizations: [{name: octo, id: 7, subject_claims: [repo, context, job_workflow_ref]}, {name: other, subject_claims: [repo, context, job_workflow_ref], id: 2}, {name: kept, id: 7, subject_claims: [repo]}]\nroles:\n  - name: ci\n    github_trust:\n      repositories:\n        - name: lib\n          id: 7\n          subject_claims: [repo, context, job_workflow_ref]\n"
        );
    }
}
