//! IAM's wildcard matching (`StringLike`, `ArnLike`, actions, resources): `*` matches any run of
//! characters (also none, also `/` and `:`), `?` exactly one. Everything else matches itself.

/// Whether `text` matches `pattern`. Iterative with one backtrack point, so it is linear in
/// practice and never recurses.
pub(crate) fn matches(pattern: &str, text: &str) -> bool {
    matches_with(pattern, text, |a, b| a == b)
}

/// Like [`matches`], ignoring ASCII case (IAM actions).
pub(crate) fn matches_ignore_case(pattern: &str, text: &str) -> bool {
    matches_with(pattern, text, |a, b| a.eq_ignore_ascii_case(&b))
}

fn matches_with(pattern: &str, text: &str, eq: impl Fn(char, char) -> bool) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && (p[pi] == '?' || eq(p[pi], t[ti])) {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_as_iam_reads_them() {
        let table = [
            (
                "repo:betekk/app:*",
                "repo:betekk/app:ref:refs/heads/main",
                true,
            ),
            (
                "repo:betekk/app:*",
                "repo:betekk/app-evil:ref:refs/heads/main",
                false,
            ),
            ("repo:betekk/app*", "repo:betekk/app-evil:x", true),
            (
                "repo:betekk@*/svc@9:*",
                "repo:betekk@123/svc@9:pull_request",
                true,
            ),
            (
                "repo:betekk@*/svc@9:*",
                "repo:betekk@123/svc@99:pull_request",
                false,
            ),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("*", "", true),
            ("", "", true),
            ("", "x", false),
            ("a*b*c", "aXXbYYc", true),
            ("a*b*c", "aXXbYY", false),
        ];
        for (pattern, text, want) in table {
            assert_eq!(matches(pattern, text), want, "{pattern} ~ {text}");
        }
        assert!(matches_ignore_case("ECR:Put*", "ecr:putimage"));
        assert!(!matches("ECR:Put*", "ecr:putimage"));
    }
}
