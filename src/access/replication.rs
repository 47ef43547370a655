//! Replication between the spec's own targets, checked offline: a destination in another target's
//! account replicates only when the registry policy there lets the source account in, and that
//! policy is this spec's `registry.policy` applied in that account. What `validate` reports.

use super::view::AccessView;
use crate::model::{Env, Resource};
use crate::spec::Spec;

/// One source → destination pair between two of the spec's targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Replication {
    /// What is said of it: who replicates where, and whether the policy lets it in (and why not).
    pub(crate) message: String,
    pub(crate) allowed: bool,
}

/// Every replication rule's destination that is another of the spec's targets' accounts, from
/// each target it runs in, evaluated against the spec's registry policy bound to the destination
/// account and region (principal: the source account's root, as ECR's replication role;
/// `ecr:ReplicateImage` on a repository the rule's filter selects). Destinations outside the
/// spec's targets are not known here (the spec reader notes them).
pub(crate) fn between_targets(spec: &Spec) -> Vec<Replication> {
    let targets = &spec.placement.targets;
    let Some(settings) = spec.desired.resources.iter().find_map(|r| match r {
        Resource::Registry(s) => Some(s),
        _ => None,
    }) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for source in targets {
        for (filters, destinations) in &settings.replication {
            for d in destinations {
                let account = d.account.replace("{account}", &source.account);
                if account == source.account {
                    continue;
                }
                let Some(dest) = targets.iter().find(|t| t.account == account) else {
                    continue;
                };
                let env = Env {
                    account: account.clone(),
                    partition: "aws".into(),
                    region: d.region.clone(),
                };
                let bound: Vec<Resource> = spec
                    .desired
                    .resources
                    .iter()
                    .map(|r| r.bind(&env))
                    .collect();
                let view = AccessView::new(env, "", bound.iter());
                let repository = example_repository(spec, filters);
                let principal = format!("arn:aws:iam::{}:root", source.account);
                let answer = view
                    .principal(
                        &principal,
                        "ecr:ReplicateImage",
                        &repository,
                        &Default::default(),
                    )
                    .expect("a repository name resolves for ecr:");
                let allowed = answer.evaluation.decision.allowed();
                let pair = format!(
                    "replication {filters:?} from target {} ({}) to target {} ({account}) {}",
                    source.name, source.account, dest.name, d.region
                );
                let message = if allowed {
                    format!(
                        "{pair}: this spec's registry.policy, applied there, lets it in (checked for {repository})"
                    )
                } else {
                    format!(
                        "{pair}: this spec's registry.policy, applied there, does not let {principal} \
                         replicate {repository} ({}); add a statement allowing ecr:CreateRepository and \
                         ecr:ReplicateImage for it",
                        answer.evaluation.summary
                    )
                };
                out.push(Replication { message, allowed });
            }
        }
    }
    out
}

/// A repository of the spec the filters select, or a name they select.
fn example_repository(spec: &Spec, filters: &[String]) -> String {
    let selected = |name: &str| filters.is_empty() || filters.iter().any(|f| name.starts_with(f));
    spec.desired
        .resources
        .iter()
        .find_map(|r| match r {
            Resource::Repository(repo) if selected(&repo.name) => Some(repo.name.clone()),
            _ => None,
        })
        .unwrap_or_else(|| match filters.first() {
            Some(f) => format!("{f}example"),
            None => "example".into(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::spec;

    const TARGETS: &str = "version: 1\nstack: dr\nregions: [ap-southeast-1, ap-southeast-2]\ntargets:\n\
        \x20 - {name: prod, account: \"111111111111\", role: Deployer}\n\
        \x20 - {name: dr, account: \"222222222222\", role: Deployer, regions: [ap-southeast-1]}\n\
        repositories: [{name: betekk-app}]\nregistry:\n  replication:\n    rules:\n\
        \x20     - destinations: [{region: ap-southeast-2, account: \"222222222222\"}]\n        filters: [\"{prefix}-\"]\n";

    const POLICY: &str = "  policy:\n    Version: \"2012-10-17\"\n    Statement:\n      - Sid: FromProd\n\
        \x20       Effect: Allow\n        Principal: {AWS: \"arn:aws:iam::111111111111:root\"}\n\
        \x20       Action: [ecr:CreateRepository, ecr:ReplicateImage]\n\
        \x20       Resource: \"arn:aws:ecr:ap-southeast-2:{account}:repository/betekk-*\"\n";

    #[test]
    fn a_destination_in_another_target_is_checked_against_the_specs_registry_policy() {
        // Without a registry policy: prod may not replicate into dr.
        let found = between_targets(&spec(TARGETS));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(!found[0].allowed);
        assert!(
            found[0].message.contains(
                "from target prod (111111111111) to target dr (222222222222) ap-southeast-2"
            ) && found[0]
                .message
                .contains("does not let arn:aws:iam::111111111111:root replicate betekk-app"),
            "{}",
            found[0].message
        );
        // With the statement: allowed.
        let found = between_targets(&spec(&format!("{TARGETS}{POLICY}")));
        assert_eq!(found.len(), 1);
        assert!(found[0].allowed, "{}", found[0].message);
        // A statement for another account does not count.
        let other = POLICY.replace("111111111111", "333333333333");
        assert!(!between_targets(&spec(&format!("{TARGETS}{other}")))[0].allowed);
        // The destination's own target applied in the destination region would replicate into
        // itself: a spec error.
        let into_itself = TARGETS.replace(", regions: [ap-southeast-1]", "");
        let errors = crate::testing::spec_errors(&into_itself);
        assert!(
            errors
                .iter()
                .any(|e| e
                    .contains("replicates ap-southeast-2 of target dr (222222222222) into itself")),
            "{errors:?}"
        );
        // Without targets nothing is known offline.
        let single = "version: 1\nstack: dr\nregion: ap-southeast-1\nregistry:\n  replication:\n    rules:\n\
            \x20     - destinations: [{region: ap-southeast-2, account: \"222222222222\"}]\n";
        assert!(between_targets(&spec(single)).is_empty());
    }
}
