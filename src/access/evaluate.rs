//! IAM policy evaluation for one request, limited to what betekk-ecr writes and what the spec's
//! `statements:` can say. Pure: documents and a request in, a decision with its reasons out.
//!
//! Supported: Allow/Deny; Action/NotAction (case-insensitive wildcards); Resource/NotResource
//! (wildcards; a resource policy without Resource matches its own resource); Principal/NotPrincipal
//! with `AWS` (`*`, account id, root, role and user ARNs), `Federated` and `Service`; conditions
//! with the String*, Arn*, Bool and Null operators, `…IfExists`, and the `ForAnyValue:` /
//! `ForAllValues:` set qualifiers. Not supported (a condition using them never grants, and makes a
//! Deny apply): Numeric*, Date*, IpAddress, Binary operators and policy variables (`${…}`). SCPs,
//! RCPs and session policies are not seen.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::model::PolicyDocument;
use crate::model::wildcard;

/// Who asks: an IAM ARN (user, role, account root), an OIDC provider ARN (web identity), or a
/// service principal (`lambda.amazonaws.com`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Request {
    /// The principal's ARN, or a service principal's name.
    pub principal: String,
    /// The action, `service:Action` (e.g. `sts:AssumeRoleWithWebIdentity`).
    pub action: String,
    /// The resource's ARN.
    pub resource: String,
    /// Context keys (lower case) → values; a single-valued key has one value.
    pub context: BTreeMap<String, Vec<String>>,
}

impl Request {
    pub(crate) fn new(principal: &str, action: &str, resource: &str) -> Self {
        Request {
            principal: principal.to_string(),
            action: action.to_string(),
            resource: resource.to_string(),
            context: BTreeMap::new(),
        }
    }

    pub(crate) fn with(mut self, key: &str, value: &str) -> Self {
        self.context
            .insert(key.to_ascii_lowercase(), vec![value.to_string()]);
        self
    }
}

/// One policy as evaluated: a name for messages and the (bound) document.
#[derive(Debug, Clone)]
pub struct NamedPolicy<'a> {
    /// How reasons name the policy, e.g. a role or policy name.
    pub name: String,
    /// The document with `{account}`, `{partition}` and `{region}` already bound.
    pub document: &'a PolicyDocument,
}

/// The outcome of one evaluation, with IAM's three answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Every side that must allow does, and no Deny matches.
    Allowed,
    /// No statement allows (an implicit deny).
    Denied,
    /// A Deny statement matches.
    ExplicitlyDenied,
}

impl Decision {
    /// Whether the request is allowed; both kinds of denial are `false`.
    pub fn allowed(self) -> bool {
        self == Decision::Allowed
    }
}

/// How a statement's principal matched the request's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PrincipalMatch {
    /// The principal itself is named (or `*`).
    Exact,
    /// Only its account is named: the account must also allow it through an identity policy.
    Account,
    No,
}

/// Why a statement did or did not apply, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct StatementResult {
    pub(crate) policy: String,
    /// `Sid`, or `#N` (1-based) for a statement without one.
    pub(crate) statement: String,
    pub(crate) effect: String,
    pub(crate) applies: bool,
    pub(crate) reason: String,
}

/// A decision with its reasons, as `explain` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    /// Allowed, denied, or explicitly denied.
    pub decision: Decision,
    /// The statements that decided (the Deny, or the Allows), or for a denial every statement
    /// that was close: right action and principal, with what failed.
    pub(crate) statements: Vec<StatementResult>,
    /// One line: the decision and why.
    pub(crate) summary: String,
}

/// Evaluates a request against identity policies (the caller's own, plus any permissions
/// boundary), and the resource's policy (a role's trust policy, a repository policy).
///
/// AWS's rules as applied here: an explicit Deny anywhere wins; a role's trust policy must allow
/// every `sts:AssumeRole*` (and every request of a service principal needs the resource policy);
/// in the same account an Allow from either side is enough when the resource policy names the
/// principal itself, while a resource policy naming only the account needs the identity side too;
/// across accounts both sides must allow. A permissions boundary must allow as well.
pub fn evaluate(
    request: &Request,
    identity: &[NamedPolicy],
    boundary: Option<&NamedPolicy>,
    resource_policy: Option<&NamedPolicy>,
) -> Evaluation {
    let mut results = Vec::new();
    let mut identity_allow = false;
    let mut deny: Option<StatementResult> = None;
    for policy in identity {
        for (_, result) in statements(policy, request, false) {
            note(&mut results, &mut identity_allow, &mut deny, result);
        }
    }
    let mut resource_match = PrincipalMatch::No;
    if let Some(policy) = resource_policy {
        for (st, result) in statements(policy, request, true) {
            if result.applies && result.effect == "Allow" {
                let m = principal_match(st, &request.principal);
                if m == PrincipalMatch::Exact || resource_match == PrincipalMatch::No {
                    resource_match = m;
                }
            }
            let mut ignored = false;
            note(&mut results, &mut ignored, &mut deny, result);
        }
    }
    let boundary_allows = match boundary {
        None => true,
        Some(policy) => {
            let mut allows = false;
            for (_, result) in statements(policy, request, false) {
                note(&mut results, &mut allows, &mut deny, result);
            }
            allows
        }
    };
    if let Some(d) = deny {
        return Evaluation {
            decision: Decision::ExplicitlyDenied,
            summary: format!(
                "explicitly denied by {} statement {}",
                d.policy, d.statement
            ),
            statements: vec![d],
        };
    }
    let principal_account =
        account_of(&request.principal).filter(|_| !is_federated(&request.principal));
    // A resource without an account in its ARN ("*", S3) is taken to be the caller's own.
    let resource_account = account_of(&request.resource).or(principal_account);
    let same_account = principal_account.is_some() && principal_account == resource_account;
    let assume = request
        .action
        .to_ascii_lowercase()
        .starts_with("sts:assumerole");
    let user = request.principal.contains(":user/");
    let (allowed, why_not) = match (principal_account, resource_match) {
        // A service or a web identity has no identity policies: the resource policy decides.
        (None, PrincipalMatch::Exact) => (true, ""),
        (None, _) if assume => (false, "the role's trust policy does not let this token in"),
        (None, _) => (false, "the resource policy does not let this principal in"),
        (Some(_), PrincipalMatch::No) if assume => (
            false,
            "the role's trust policy does not let this principal in",
        ),
        // A boundary does not limit a same-account grant that names a user itself.
        (Some(_), PrincipalMatch::Exact) if same_account => (
            boundary_allows || user,
            "the permissions boundary does not allow it",
        ),
        (Some(_), PrincipalMatch::Account) if !identity_allow => (
            false,
            "the resource policy names only the account, and no identity policy allows it",
        ),
        (Some(_), m) if !same_account && m == PrincipalMatch::No => (
            false,
            "across accounts the resource policy must allow it too",
        ),
        (Some(_), _) if !identity_allow => (false, "no identity policy allows it"),
        (Some(_), _) if !boundary_allows => (false, "the permissions boundary does not allow it"),
        (Some(_), _) => (true, ""),
    };
    let summary = if allowed {
        let by: Vec<String> = results
            .iter()
            .filter(|r| r.applies)
            .map(|r| format!("{} {}", r.policy, r.statement))
            .collect();
        format!("allowed by {}", by.join(", "))
    } else {
        // The nearest misses: statements for this action whose principal fits, with what failed.
        let near: Vec<String> = results
            .iter()
            .filter(|r| {
                !r.applies
                    && !r.reason.starts_with("action ")
                    && !r.reason.starts_with("principal ")
            })
            .map(|r| format!("{} {}: {}", r.policy, r.statement, r.reason))
            .collect();
        if near.is_empty() {
            format!("denied: {why_not}")
        } else {
            format!("denied: {why_not} ({})", near.join("; "))
        }
    };
    let statements = if allowed {
        results.into_iter().filter(|r| r.applies).collect()
    } else {
        results
    };
    Evaluation {
        decision: if allowed {
            Decision::Allowed
        } else {
            Decision::Denied
        },
        statements,
        summary,
    }
}

fn note(
    results: &mut Vec<StatementResult>,
    allow: &mut bool,
    deny: &mut Option<StatementResult>,
    result: StatementResult,
) {
    if result.applies {
        if result.effect == "Deny" {
            deny.get_or_insert(result.clone());
        } else {
            *allow = true;
        }
    }
    results.push(result);
}

/// A web identity (or SAML) provider: its ARN has an account, but it has no identity policies.
fn is_federated(principal: &str) -> bool {
    principal.contains(":oidc-provider/") || principal.contains(":saml-provider/")
}

/// The account of an ARN (its fifth field), `None` for a service principal.
pub(crate) fn account_of(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(6, ':');
    (parts.next()? == "arn").then_some(())?;
    let account = parts.nth(3)?;
    (!account.is_empty()).then_some(account)
}

fn statements<'a>(
    policy: &'a NamedPolicy,
    request: &Request,
    resource_policy: bool,
) -> Vec<(&'a Value, StatementResult)> {
    let list = policy.document.canonical()["Statement"]
        .as_array()
        .map(|v| v.as_slice())
        .unwrap_or_default();
    let original = policy.document.original();
    list.iter()
        .enumerate()
        .map(|(i, st)| {
            let sid = st["Sid"].as_str().map(str::to_string).unwrap_or_else(|| {
                sid_of_original(original, st).unwrap_or_else(|| format!("#{}", i + 1))
            });
            let effect = st["Effect"].as_str().unwrap_or("Allow").to_string();
            let (applies, reason) = statement_applies(st, request, resource_policy);
            (
                st,
                StatementResult {
                    policy: policy.name.clone(),
                    statement: sid,
                    effect,
                    applies,
                    reason,
                },
            )
        })
        .collect()
}

/// The 1-based position of a statement in the document as written (canonical order is sorted).
fn sid_of_original(original: &Value, canonical: &Value) -> Option<String> {
    let items = match &original["Statement"] {
        Value::Array(items) => items.clone(),
        one @ Value::Object(_) => vec![one.clone()],
        _ => return None,
    };
    items
        .iter()
        .position(|s| {
            PolicyDocument::from_json(serde_json::json!({"Statement": [s]}))
                .is_ok_and(|d| d.canonical()["Statement"][0] == *canonical)
        })
        .map(|i| format!("#{}", i + 1))
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn statement_applies(st: &Value, request: &Request, resource_policy: bool) -> (bool, String) {
    let action_ok = match (st.get("Action"), st.get("NotAction")) {
        (Some(a), _) => strings(a)
            .iter()
            .any(|p| wildcard::matches_ignore_case(p, &request.action)),
        (None, Some(n)) => !strings(n)
            .iter()
            .any(|p| wildcard::matches_ignore_case(p, &request.action)),
        (None, None) => false,
    };
    if !action_ok {
        return (false, format!("action {} not covered", request.action));
    }
    let resource_ok = match (st.get("Resource"), st.get("NotResource")) {
        (Some(r), _) => strings(r)
            .iter()
            .any(|p| wildcard::matches(p, &request.resource)),
        (None, Some(n)) => !strings(n)
            .iter()
            .any(|p| wildcard::matches(p, &request.resource)),
        // A resource policy applies to the resource it is attached to.
        (None, None) => resource_policy,
    };
    if !resource_ok {
        return (false, format!("resource {} not covered", request.resource));
    }
    if resource_policy {
        let m = match (st.get("Principal"), st.get("NotPrincipal")) {
            (Some(_), _) => principal_match(st, &request.principal),
            (None, Some(n)) => {
                let named = principal_in(n, &request.principal);
                if named == PrincipalMatch::No {
                    PrincipalMatch::Exact
                } else {
                    PrincipalMatch::No
                }
            }
            (None, None) => PrincipalMatch::No,
        };
        if m == PrincipalMatch::No {
            return (false, format!("principal {} not named", request.principal));
        }
    }
    match st.get("Condition") {
        None => (true, "no conditions".to_string()),
        Some(c) => conditions(c, request, st["Effect"] == "Deny"),
    }
}

fn principal_match(st: &Value, principal: &str) -> PrincipalMatch {
    match st.get("Principal") {
        Some(p) => principal_in(p, principal),
        None => PrincipalMatch::No,
    }
}

fn principal_in(p: &Value, principal: &str) -> PrincipalMatch {
    let Some(map) = p.as_object() else {
        return PrincipalMatch::No;
    };
    let mut best = PrincipalMatch::No;
    for (kind, ids) in map {
        for id in strings(ids) {
            let m = match kind.as_str() {
                "AWS" if id == "*" => PrincipalMatch::Exact,
                "AWS" if crate::model::is_account_id(id) => {
                    if account_of(principal) == Some(id) && !principal.contains(":oidc-provider/") {
                        PrincipalMatch::Account
                    } else {
                        PrincipalMatch::No
                    }
                }
                "AWS" | "Federated" | "Service" | "CanonicalUser" => {
                    if id == principal || same_role_session(id, principal) {
                        PrincipalMatch::Exact
                    } else {
                        PrincipalMatch::No
                    }
                }
                _ => PrincipalMatch::No,
            };
            if m == PrincipalMatch::Exact {
                return m;
            }
            if m == PrincipalMatch::Account {
                best = m;
            }
        }
    }
    best
}

/// A role ARN in a policy names the sessions of that role too.
fn same_role_session(named: &str, principal: &str) -> bool {
    let (Some(role), Some(session)) = (
        named.split_once(":role/"),
        principal.split_once(":assumed-role/"),
    ) else {
        return false;
    };
    let account = |s: &str| s.rsplit(':').next().map(str::to_string);
    let role_name = role.1.rsplit('/').next().unwrap_or(role.1);
    account(role.0) == account(session.0) && session.1.split('/').next() == Some(role_name)
}

/// Every operator must hold, every key within it, any value within a key. `deny` flips what an
/// unsupported operator does: it never grants, and always lets a Deny apply. Every key is
/// evaluated (not just up to the first failure) so the reason names all that held and failed,
/// `sub` first.
fn conditions(c: &Value, request: &Request, deny: bool) -> (bool, String) {
    let Some(ops) = c.as_object() else {
        return (false, "malformed Condition".into());
    };
    let mut parts: Vec<(bool, bool, String)> = Vec::new();
    let mut all = true;
    for (op, keys) in ops {
        for (key, wanted) in keys.as_object().into_iter().flatten() {
            let wanted = strings(wanted);
            let have = request.context.get(key.as_str()).map(|v| v.as_slice());
            let (ok, text) = match condition(op, have, &wanted) {
                Some(ok) => (ok, describe(key, have, &wanted, ok)),
                None => (deny, format!("{op} on {key} cannot be evaluated here")),
            };
            all &= ok;
            parts.push((!key.ends_with(":sub"), ok, text));
        }
    }
    parts.sort_by_key(|(not_sub, _, _)| *not_sub);
    let text: Vec<String> = parts.into_iter().map(|(_, _, t)| t).collect();
    (all, text.join(", "))
}

fn describe(key: &str, have: Option<&[String]>, wanted: &[&str], ok: bool) -> String {
    // A provider's claims by their name (`sub`), global and service keys in full.
    let claim = match key.rsplit_once(':') {
        Some((host, claim)) if host.contains('.') => claim,
        _ => key,
    };
    match have {
        None if ok => format!("{claim} absent, as allowed"),
        None => format!("{claim} missing (wanted {})", list(wanted)),
        Some(values) if ok => format!("{claim} {} matches", list_owned(values)),
        Some(values) => format!("{claim} {} ≠ {}", list_owned(values), list(wanted)),
    }
}

fn list(values: &[&str]) -> String {
    match values {
        [one] => format!("{one:?}"),
        many => format!(
            "any of {}",
            many.iter()
                .map(|v| format!("{v:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn list_owned(values: &[String]) -> String {
    let refs: Vec<&str> = values.iter().map(String::as_str).collect();
    list(&refs)
}

/// One operator on one key: `None` when the operator is not supported.
fn condition(op: &str, have: Option<&[String]>, wanted: &[&str]) -> Option<bool> {
    let (set, op) = if let Some(rest) = op.strip_prefix("ForAnyValue:") {
        (Some(false), rest)
    } else if let Some(rest) = op.strip_prefix("ForAllValues:") {
        (Some(true), rest)
    } else {
        (None, op)
    };
    let (if_exists, base) = match op.strip_suffix("IfExists") {
        Some(b) => (true, b),
        None => (false, op),
    };
    if base == "Null" {
        let absent = have.is_none_or(|v| v.is_empty());
        return Some(wanted.iter().any(|w| (*w == "true") == absent));
    }
    let test = |value: &str, pattern: &str| -> Option<bool> {
        Some(match base {
            "StringEquals" | "ArnEquals" => value == pattern,
            "StringNotEquals" | "ArnNotEquals" => value != pattern,
            "StringEqualsIgnoreCase" => value.eq_ignore_ascii_case(pattern),
            "StringNotEqualsIgnoreCase" => !value.eq_ignore_ascii_case(pattern),
            "StringLike" | "ArnLike" => wildcard::matches(pattern, value),
            "StringNotLike" | "ArnNotLike" => !wildcard::matches(pattern, value),
            "Bool" => value.eq_ignore_ascii_case(pattern),
            _ => return None,
        })
    };
    let negated = base.contains("Not");
    // A value satisfies the key when it matches any wanted value; negated operators need it to
    // differ from all of them.
    let value_ok = |value: &str| -> Option<bool> {
        let mut results = wanted.iter().map(|w| test(value, w));
        if negated {
            results.try_fold(true, |acc, r| r.map(|r| acc && r))
        } else {
            results.try_fold(false, |acc, r| r.map(|r| acc || r))
        }
    };
    let values = match have {
        Some(v) if !v.is_empty() => v,
        _ => {
            test("", "")?;
            return Some(match set {
                Some(true) => true,
                Some(false) => false,
                None => if_exists || negated,
            });
        }
    };
    match set {
        Some(true) => values
            .iter()
            .map(|v| value_ok(v))
            .try_fold(true, |acc, r| r.map(|r| acc && r)),
        Some(false) => values
            .iter()
            .map(|v| value_ok(v))
            .try_fold(false, |acc, r| r.map(|r| acc || r)),
        // A single-valued key given several values (a caller's mistake) must all match.
        None => values
            .iter()
            .map(|v| value_ok(v))
            .try_fold(true, |acc, r| r.map(|r| acc && r)),
    }
}
