//! Where a spec names GitHub organizations (`github.organizations`) and trusted repositories
//! (`roles[].github_trust.repositories`): each item's name, id and source position. Reads the
//! YAML tree only; the spec reader has already said whether the spec is valid.

use crate::spec::yaml::{Node, Pos, Value};

/// Which list an entry is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Place {
    Organization,
    /// In this role's `github_trust.repositories`.
    Repository {
        role: String,
    },
}

/// How an item is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Form {
    /// `app`, `"app"`: the scalar starts here.
    Scalar(Pos),
    /// `{name: app}` or a block mapping: where its `name` key is, and its `id` key if any.
    Map { name_key: Pos, id_key: Option<Pos> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) place: Place,
    pub(crate) name: String,
    /// The id the spec gives (a number or a string of digits).
    pub(crate) id: Option<u64>,
    pub(crate) form: Form,
    /// The dotted field path, as spec errors name it.
    pub(crate) path: String,
    /// Whether the item gives its `subject_claims`.
    pub(crate) has_subject_claims: bool,
}

/// Every organization and trusted repository item of the spec, in file order. Patterns (`*`)
/// have no id and are left out.
pub(crate) fn find(root: &Node) -> Vec<Entry> {
    let mut out = Vec::new();
    if let Some(list) = root
        .value_of("github")
        .and_then(|g| g.value_of("organizations"))
    {
        items(list, "github.organizations", &Place::Organization, &mut out);
    }
    if let Some(Value::Seq(roles)) = root.value_of("roles").map(|r| &r.value) {
        for (i, role) in roles.iter().enumerate() {
            let Some(list) = role
                .value_of("github_trust")
                .and_then(|t| t.value_of("repositories"))
            else {
                continue;
            };
            let name = match role.value_of("name").map(|n| &n.value) {
                Some(Value::String(s)) => s.clone(),
                _ => format!("roles[{i}]"),
            };
            items(
                list,
                &format!("roles[{i}].github_trust.repositories"),
                &Place::Repository { role: name },
                &mut out,
            );
        }
    }
    out
}

fn items(list: &Node, path: &str, place: &Place, out: &mut Vec<Entry>) {
    let Value::Seq(items) = &list.value else {
        return;
    };
    for (i, item) in items.iter().enumerate() {
        let (name, id, form, has_subject_claims) = match &item.value {
            Value::String(s) => (s.clone(), None, Form::Scalar(item.pos), false),
            Value::Map(fields) => {
                let key = |k: &str| fields.iter().find(|(key, _)| key.name == k);
                let Some((
                    name_key,
                    Node {
                        value: Value::String(name),
                        ..
                    },
                )) = key("name")
                else {
                    continue;
                };
                let id = key("id").and_then(|(_, n)| match &n.value {
                    Value::Int(i) => u64::try_from(*i).ok(),
                    Value::String(s) => s.parse().ok(),
                    _ => None,
                });
                let form = Form::Map {
                    name_key: name_key.pos,
                    id_key: key("id").map(|(k, _)| k.pos),
                };
                (name.clone(), id, form, key("subject_claims").is_some())
            }
            _ => continue,
        };
        if name.contains('*') {
            continue;
        }
        out.push(Entry {
            place: place.clone(),
            name,
            id,
            form,
            path: format!("{path}[{i}]"),
            has_subject_claims,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::yaml::parse;

    #[test]
    fn finds_organizations_and_each_roles_repositories_in_every_form() {
        let root = parse(
            "github:\n  organizations: [nus-cee, {name: betekk, id: 9919}]\nroles:\n  - name: ci\n    github_trust:\n      repositories:\n        - app\n        - name: \"lib\"\n          id: \"12\"\n        - \"app-*\"\n",
        )
        .unwrap();
        let found = find(&root);
        let names: Vec<_> = found.iter().map(|e| (e.name.as_str(), e.id)).collect();
        assert_eq!(
            names,
            [
                ("nus-cee", None),
                ("betekk", Some(9919)),
                ("app", None),
                ("lib", Some(12))
            ]
        );
        assert_eq!(
            found[2].form,
            Form::Scalar(Pos {
                line: 7,
                column: 11
            })
        );
        assert_eq!(found[3].place, Place::Repository { role: "ci".into() });
        assert_eq!(found[3].path, "roles[0].github_trust.repositories[1]");
    }
}
