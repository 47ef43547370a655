//! The signing configuration: one `GetSigningConfiguration`, when the spec declares signing rules
//! or push policies (which must allow signing with the rules that cover their repositories), or
//! this stack's record owns some rules. Every rule goes into the registry state; the stack's own
//! (declared or recorded) are its live resource.

use std::collections::BTreeSet;

use crate::kinds::signing::{RECORD_SECTION, Signing, SigningRule};
use crate::live::{Aws, ErrorKind, LiveError};
use crate::model::registry_record::owner_tags;
use crate::model::wildcard;
use crate::model::{ManagedPolicy, Resource};
use crate::observe::ReadScope;
use crate::observe::named_with_prefix;
use crate::observe::read::{Found, Inventory, Read, Reading};
use crate::observe::registry::live;

impl Read for Signing {
    const READS: &'static [(&'static str, ReadScope)] = &[
        // With signing rules, or push policies (which allow signing with the rules that cover them).
        ("ecr:GetSigningConfiguration", ReadScope::Anything),
    ];

    /// The stack's own rules as its resource, and every rule as the kind's fact (push policies
    /// sign with the rules that cover their repositories, whoever owns them).
    async fn read<C: Aws>(cx: &Reading<'_, C>) -> Result<Found, LiveError> {
        let (client, desired, limit) = (cx.client, cx.desired, cx.limit);
        let ours = cx.records.get(&desired.stack);
        // The spec's rules, unbound: read alongside the caller's identity, so `{partition}` and
        // `{account}` match any; the plan compares the bound rules with what is read.
        let declared: Vec<(String, Vec<String>)> = desired
            .all::<Signing>()
            .flat_map(|s| &s.rules)
            .map(|r| {
                let pattern = r
                    .profile_arn
                    .replace("{partition}", "*")
                    .replace("{account}", "*")
                    .replace("{region}", &desired.region);
                (pattern, r.filters.clone())
            })
            .collect();
        let is_declared = |rule: &SigningRule| {
            declared.iter().any(|(pattern, filters)| {
                *filters == rule.filters && wildcard::matches(pattern, &rule.profile_arn)
            })
        };
        let recorded: BTreeSet<String> = ours
            .map(|r| r.section(RECORD_SECTION).keys().cloned().collect())
            .unwrap_or_default();
        let pushes = desired.manages_iam
            && desired.all::<ManagedPolicy>().any(|p| {
                crate::kinds::signing::pushed_repositories(&p.document)
                    .next()
                    .is_some()
            });
        if declared.is_empty() && recorded.is_empty() && !pushes {
            return Ok(Found::default());
        }
        let rules = match limit.call(client.get_signing_configuration()).await {
            Ok(rules) => rules,
            // A read-only role from before signing was read may lack the permission; a spec that
            // only pushes then plans from its own rules (none), as before.
            Err(e)
                if e.kind == ErrorKind::AccessDenied
                    && declared.is_empty()
                    && recorded.is_empty() =>
            {
                return Ok(Found::default());
            }
            Err(e) => return Err(e),
        };
        let resource = (!declared.is_empty() || !recorded.is_empty()).then(|| {
            let mut own = Signing::new(
                rules
                    .iter()
                    .filter(|r| is_declared(r) || recorded.contains(&r.key()))
                    .cloned()
                    .collect(),
            );
            own.tags = ours
                .filter(|_| !recorded.is_empty())
                .map(|r| r.tags_with(r.section(RECORD_SECTION).values().next()))
                .unwrap_or_default();
            live(Resource::Signing(own))
        });
        Ok(Found {
            live: resource.into_iter().collect(),
            fact: Some(serde_json::json!(rules)),
        })
    }

    /// Rules a record lists, and those no record lists whose filters all name the project's
    /// repositories (import keeps its stack's and the unowned ones).
    async fn inventory<C: Aws>(cx: &Inventory<'_, C>) -> Result<Vec<Resource>, LiveError> {
        let listed = cx.limit.call(cx.client.get_signing_configuration()).await?;
        let found: Vec<SigningRule> = listed
            .into_iter()
            .filter(|r| {
                !owner_tags(cx.records, None, RECORD_SECTION, &r.key()).is_empty()
                    || (!r.filters.is_empty()
                        && r.filters.iter().all(|f| named_with_prefix(f, cx.prefix)))
            })
            .collect();
        Ok((!found.is_empty())
            .then(|| Resource::Signing(Signing::new(found)))
            .into_iter()
            .collect())
    }
}
