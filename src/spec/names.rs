//! Naming rules: `{prefix}` / `{PREFIX}` expansion, ECR repository names, stack names and tags.

use crate::model::{MANAGED_BY_TAG, STACK_TAG, Tags};

/// Expands `{prefix}` and `{PREFIX}`; any other `{…}` is an error naming the placeholder.
pub(crate) fn expand(template: &str, prefix: &str) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err(format!("unclosed '{{' in {template:?}"));
        };
        // `${aws:username}` and the like are IAM policy variables, not ours.
        if out.ends_with('$') {
            out.push('{');
            out.push_str(&after[..=close]);
            rest = &after[close + 1..];
            continue;
        }
        match &after[..close] {
            "prefix" => out.push_str(prefix),
            "PREFIX" => out.push_str(&prefix.to_uppercase()),
            // Bound later, once the account is known.
            token if crate::model::env::ENV_TOKENS.contains(&token) => {
                out.push('{');
                out.push_str(token);
                out.push('}');
            }
            other => {
                return Err(format!(
                    "unknown placeholder {{{other}}}; expanded are {{prefix}}, {{PREFIX}}, {{account}}, \
                     {{partition}} and {{region}}"
                ));
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// ECR's rule: 2–256 characters, lowercase components `[a-z0-9]+([._-][a-z0-9]+)*` joined by `/`.
pub(crate) fn check_repository_name(name: &str) -> Result<(), String> {
    const RULE: &str = "2-256 characters; lowercase letters, digits and . _ - between them, \
                        '/' between namespace parts";
    if !(2..=256).contains(&name.len()) {
        return Err(format!(
            "repository name {name:?} has {} characters; allowed: {RULE}",
            name.len()
        ));
    }
    let component_ok = |c: &str| {
        let mut prev_sep = true;
        for b in c.bytes() {
            let alnum = b.is_ascii_lowercase() || b.is_ascii_digit();
            let sep = matches!(b, b'.' | b'_' | b'-');
            if !(alnum || sep) || (sep && prev_sep) {
                return false;
            }
            prev_sep = sep;
        }
        !c.is_empty() && !prev_sep
    };
    if name.split('/').all(component_ok) {
        Ok(())
    } else {
        Err(format!("invalid repository name {name:?}; allowed: {RULE}"))
    }
}

/// IAM role and policy names: `[A-Za-z0-9+=,.@_-]`, 1-64 (roles) or 1-128 (policies) characters.
pub(crate) fn check_iam_name(name: &str, what: &str, max: usize) -> Result<(), String> {
    let ok = (1..=max).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid {what} name {name:?}; allowed: 1-{max} letters, digits and + = , . @ _ -"
        ))
    }
}

/// Stack names end up in a tag value and in messages: keep them plain.
pub(crate) fn check_stack_name(name: &str) -> Result<(), String> {
    let ok = (1..=128).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid stack name {name:?}; allowed: 1-128 letters, digits, '-', '_' or '.'"
        ))
    }
}

/// AWS tag rules plus the keys this tool reserves for itself.
pub(crate) fn check_tags(tags: &Tags) -> Result<(), String> {
    for (key, value) in tags {
        if key.is_empty() || key.chars().count() > 128 {
            return Err(format!("tag key {key:?} must have 1-128 characters"));
        }
        if value.chars().count() > 256 {
            return Err(format!(
                "tag {key:?}: the value has more than 256 characters"
            ));
        }
        if key.to_ascii_lowercase().starts_with("aws:") {
            return Err(format!(
                "tag key {key:?}: the aws: prefix is reserved by AWS"
            ));
        }
        if key == MANAGED_BY_TAG || key.starts_with("betekk-ecr:") {
            return Err(format!(
                "tag key {key:?} is set by betekk-ecr itself ({MANAGED_BY_TAG}, {STACK_TAG})"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_both_placeholders() {
        assert_eq!(
            expand("{PREFIX}-Role/{prefix}", "betekk").unwrap(),
            "BETEKK-Role/betekk"
        );
        assert_eq!(expand("plain", "x").unwrap(), "plain");
        assert!(expand("{prefx}-a", "x").unwrap_err().contains("{prefx}"));
        assert!(expand("{prefix", "x").is_err());
        assert_eq!(
            expand("arn:aws:s3:::{prefix}/${aws:username}/*", "b").unwrap(),
            "arn:aws:s3:::b/${aws:username}/*"
        );
    }

    #[test]
    fn repository_names() {
        for ok in [
            "ab",
            "betekk-probe-engine",
            "team/app",
            "a.b_c-d/e1",
            "a1/b2/c3",
        ] {
            assert!(check_repository_name(ok).is_ok(), "{ok}");
        }
        let long = "a".repeat(257);
        for bad in [
            "a", "Upper", "a--b", "-ab", "ab-", "a//b", "/ab", "ab/", "a b", "a__", &long,
        ] {
            assert!(check_repository_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn reserved_and_oversized_tags() {
        let t = |k: &str, v: &str| Tags::from([(k.to_string(), v.to_string())]);
        assert!(check_tags(&t("Team", "platform")).is_ok());
        assert!(check_tags(&t("aws:x", "1")).is_err());
        assert!(check_tags(&t("ManagedBy", "me")).is_err());
        assert!(check_tags(&t("betekk-ecr:stack", "x")).is_err());
        assert!(check_tags(&t("k", &"v".repeat(257))).is_err());
    }
}
