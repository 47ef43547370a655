//! The registration is the only place generic code learns the kinds: these files dispatch
//! through it and must not name a kind (its variant, its module or its ops). A kind added to
//! them by hand fails here.

/// Every kind's names, from the registration: its `Kind`/`Resource` variant, its module and
/// its op enum.
fn kind_names() -> Vec<String> {
    macro_rules! names {
        ($($(#[$doc:meta])* $variant:ident($module:ident :: $model:ident $(, $api:ident)?) = $prefix:literal,)*) => {
            vec![$(
                format!("Kind::{}", stringify!($variant)),
                format!("Resource::{}", stringify!($variant)),
                format!("kinds::{}", stringify!($module)),
                format!("{}Op", stringify!($variant)),
            )*]
        };
    }
    super::for_each_kind!(names)
}

const GENERIC: &[(&str, &str)] = &[
    ("model/mod.rs", include_str!("../model/mod.rs")),
    ("model/address.rs", include_str!("../model/address.rs")),
    (
        "model/fingerprint.rs",
        include_str!("../model/fingerprint.rs"),
    ),
    ("model/unit.rs", include_str!("../model/unit.rs")),
    ("plan/order.rs", include_str!("../plan/order.rs")),
    ("plan/calls.rs", include_str!("../plan/calls.rs")),
    ("plan/op.rs", include_str!("../plan/op.rs")),
    ("plan/planned.rs", include_str!("../plan/planned.rs")),
    ("apply/mod.rs", include_str!("../apply/mod.rs")),
    ("apply/step.rs", include_str!("../apply/step.rs")),
    ("drift/mod.rs", include_str!("../drift/mod.rs")),
    ("commands/output.rs", include_str!("../commands/output.rs")),
    (
        "spec/registry/mod.rs",
        include_str!("../spec/registry/mod.rs"),
    ),
    ("live/mod.rs", include_str!("../live/mod.rs")),
    ("access/view.rs", include_str!("../access/view.rs")),
    ("render/human.rs", include_str!("../render/human.rs")),
    ("render/json.rs", include_str!("../render/json.rs")),
    ("import/section.rs", include_str!("../import/section.rs")),
    ("import/text.rs", include_str!("../import/text.rs")),
];

/// The code of a file: comments and its test module left out.
fn code(text: &str) -> String {
    let text = text
        .split("#[cfg(test)]\nmod tests {")
        .next()
        .unwrap_or(text);
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn names_word(code: &str, name: &str) -> bool {
    code.match_indices(name).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = code[at + name.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

#[test]
fn generic_files_name_no_kind() {
    let names = kind_names();
    // The names as the code spells them, so that a generic file naming a kind is caught.
    for name in [
        "Kind::Repository",
        "Resource::Signing",
        "kinds::pull_time_exclusion",
        "RoleOp",
    ] {
        assert!(
            names.iter().any(|n| n == name),
            "{name} is not among {names:?}"
        );
    }
    let mut found = Vec::new();
    for (file, text) in GENERIC {
        let code = code(text);
        for name in &names {
            if names_word(&code, name) {
                found.push(format!("{file} names {name}"));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn the_check_sees_a_kind_named_by_hand() {
    let code = code("fn f(k: Kind) -> bool { matches!(k, Kind::Signing) }\n// Kind::Role");
    assert!(names_word(&code, "Kind::Signing"));
    assert!(!names_word(&code, "Kind::Role"), "comments are not code");
    assert!(!names_word(&code, "Kind::Sign"), "whole names only");
}
