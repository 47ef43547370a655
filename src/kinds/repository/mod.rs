//! An ECR repository as the spec wants it or as AWS has it.

pub(crate) mod apply;
mod import;
pub(crate) mod observe;
pub(crate) mod plan;
pub(crate) mod spec;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::model::attribute::{Attribute, Import, Mutation, Ty};
use crate::model::repository_settings::{RepositorySettings, WithSettings};
use crate::model::{Encryption, PolicyDocument, Tags};

/// An ECR repository with every setting this tool manages: the desired one from the spec, or the
/// observed one read back from AWS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Repository {
    pub(crate) name: String,
    /// Its mutability with the exclusion filters, encryption, lifecycle and repository policies.
    #[serde(flatten)]
    pub(crate) settings: RepositorySettings,
    pub(crate) scan_on_push: bool,
    /// Behaviour on delete, not a property of the live repository: never compared.
    #[serde(default)]
    pub(crate) force_delete: bool,
    #[serde(default)]
    pub(crate) tags: Tags,
}

impl WithSettings for Repository {
    fn settings(&self) -> &RepositorySettings {
        &self.settings
    }
}

/// The calls that write a repository's attributes in place, in the order a plan makes them; the
/// planner turns each into its op with the desired value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Write {
    /// `PutImageTagMutability`: the mutability with its exclusion filters (one call sets both).
    TagMutability,
    /// `PutImageScanningConfiguration`.
    ScanOnPush,
    /// `PutLifecyclePolicy`, or `DeleteLifecyclePolicy` when the spec has none.
    LifecyclePolicy,
    /// `SetRepositoryPolicy`, or `DeleteRepositoryPolicy` when the spec has none.
    RepositoryPolicy,
}

/// In fingerprint order (an attribute added later goes last, so that recorded fingerprints stay
/// readable).
pub(crate) const ATTRIBUTES: &[Attribute<Repository, Write>] = &[
    RepositorySettings::image_tag_mutability().written_by(Write::TagMutability),
    Attribute::<Repository, Write>::plain(
        "scan_on_push",
        |r| json!(r.scan_on_push),
        Mutation::InPlace,
    )
    .spec(Ty::Bool, "Scan each pushed image (default true)")
    .written_by(Write::ScanOnPush),
    // By type only (AES256, KMS, KMS_DSSE): a spec may name a KMS key by alias, or leave it out
    // for the AWS managed key, while AWS reports a key ARN; the key itself is compared with
    // `Encryption::satisfied_by`. AWS reports the managed key's ARN like any other key's, so
    // import writes what was read.
    RepositorySettings::encryption()
        .compared_as(|r: &Repository| json!(r.settings.encryption.type_name()))
        .changed_by(Mutation::Replace),
    RepositorySettings::lifecycle_policy().written_by(Write::LifecyclePolicy),
    // Imported split in two: the `lambda_pull` statement and the rest.
    RepositorySettings::repository_policy()
        .imported(Import::ByKind)
        .written_by(Write::RepositoryPolicy),
    Attribute::tags().spec(Ty::StringMap, "This repository's own tags"),
    Attribute::<Repository, Write>::plain(
        "force_delete",
        |r| json!(r.force_delete),
        Mutation::Recorded,
    )
    .spec(
        Ty::Bool,
        "Whether a replacement may delete the repository with its images (default false; apply \
         also needs --allow-replace)",
    ),
    RepositorySettings::image_tag_mutability_exclusion_filters()
        .added_later(|| json!([]))
        .written_by(Write::TagMutability),
];

impl crate::model::tags::Tagged for Repository {
    fn tags(&self) -> &Tags {
        &self.tags
    }
}

/// The Sid of the repository-policy statement that lets Lambda pull images. It is the one Lambda
/// itself adds when a function is created from a repository that does not let it pull, so Lambda
/// finds it in place and never adds (nor later loses) a statement of its own.
pub(crate) const LAMBDA_PULL_SID: &str = "LambdaECRImageRetrievalPolicy";

/// The statement `lambda_pull` writes: `lambda.amazonaws.com` may pull, only for these functions
/// of this account and region (`aws:sourceArn`).
pub(crate) fn lambda_pull_statement(functions: &[String]) -> Value {
    let arns: Vec<String> = functions
        .iter()
        .map(|f| format!("arn:{{partition}}:lambda:{{region}}:{{account}}:function:{f}"))
        .collect();
    json!({
        "Sid": LAMBDA_PULL_SID,
        "Effect": "Allow",
        "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        "Condition": {"StringLike": {"aws:sourceArn": arns}},
    })
}

/// A repository policy with the `lambda_pull` statement merged in (or made of it alone).
pub(crate) fn with_lambda_pull(
    policy: Option<&PolicyDocument>,
    functions: &[String],
) -> Result<PolicyDocument, String> {
    let mut doc = policy
        .map(|p| p.original().clone())
        .unwrap_or_else(|| json!({"Version": "2012-10-17", "Statement": []}));
    let statements = match doc.get_mut("Statement") {
        Some(Value::Array(items)) => items,
        Some(one) => {
            *one = Value::Array(vec![one.clone()]);
            one.as_array_mut().expect("just made a list")
        }
        None => return Err("the repository policy has no Statement".into()),
    };
    if statements
        .iter()
        .any(|s| s.get("Sid").and_then(Value::as_str) == Some(LAMBDA_PULL_SID))
    {
        return Err(format!(
            "repository_policy already has a statement with Sid {LAMBDA_PULL_SID:?}, which lambda_pull writes; remove one of them"
        ));
    }
    statements.push(lambda_pull_statement(functions));
    PolicyDocument::from_json(doc).map_err(|e| e.to_string())
}

/// Splits a live repository policy into what `lambda_pull` wrote (its function patterns) and the
/// rest; `None` for the functions when there is no such statement or it is not of that form.
pub(crate) fn split_lambda_pull(
    policy: &PolicyDocument,
    env: &crate::model::Env,
) -> (Option<Vec<String>>, Option<PolicyDocument>) {
    let original = policy.original();
    let statements: Vec<Value> = match original.get("Statement") {
        Some(Value::Array(items)) => items.clone(),
        Some(one) => vec![one.clone()],
        None => return (None, Some(policy.clone())),
    };
    let (pull, rest): (Vec<Value>, Vec<Value>) = statements
        .into_iter()
        .partition(|s| s.get("Sid").and_then(Value::as_str) == Some(LAMBDA_PULL_SID));
    let [statement] = pull.as_slice() else {
        return (None, Some(policy.clone()));
    };
    let prefix = env.bind("arn:{partition}:lambda:{region}:{account}:function:");
    let arns = PolicyDocument::from_json(json!({"Statement": [statement]}))
        .ok()
        .and_then(|d| {
            d.canonical()["Statement"][0]["Condition"]["StringLike"]["aws:sourcearn"]
                .as_array()
                .cloned()
        })
        .unwrap_or_default();
    let functions: Option<Vec<String>> = arns
        .iter()
        .map(|a| {
            a.as_str()
                .and_then(|a| a.strip_prefix(&prefix))
                .map(str::to_string)
        })
        .collect();
    let functions = match functions.filter(|f| !f.is_empty()) {
        Some(f) => f,
        None => return (None, Some(policy.clone())),
    };
    let regenerated = PolicyDocument::from_json(
        env.bind_json(&json!({"Statement": [lambda_pull_statement(&functions)]})),
    );
    let same = regenerated.is_ok_and(|r| {
        PolicyDocument::from_json(json!({"Statement": [statement]})).is_ok_and(|s| s == r)
    });
    if !same {
        return (None, Some(policy.clone()));
    }
    let rest = (!rest.is_empty()).then(|| {
        let mut doc = original.clone();
        doc["Statement"] = Value::Array(rest);
        PolicyDocument::from_json(doc).expect("a part of a valid document is valid")
    });
    (Some(functions), rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kms(key: &str) -> Encryption {
        Encryption::Kms {
            kms_key: Some(key.into()),
        }
    }

    #[test]
    fn encryption_equivalence() {
        let arn = "arn:aws:kms:ap-southeast-1:123456789012:key/1234abcd-12ab";
        assert!(Encryption::Aes256.satisfied_by(&Encryption::Aes256));
        assert!(!Encryption::Aes256.satisfied_by(&kms(arn)));
        assert!(!kms(arn).satisfied_by(&Encryption::Aes256));
        assert!(kms(arn).satisfied_by(&kms(arn)));
        assert!(kms("1234abcd-12ab").satisfied_by(&kms(arn)));
        assert!(kms("alias/ecr").satisfied_by(&kms(arn)));
        assert!(!kms("ffff").satisfied_by(&kms(arn)));
        assert!(!kms("arn:aws:kms:ap-southeast-1:123456789012:key/other").satisfied_by(&kms(arn)));
    }

    #[test]
    fn no_key_is_the_managed_key_and_matches_the_arn_aws_reports() {
        let managed =
            "arn:aws:kms:ap-southeast-1:123456789012:key/0f0f0f0f-aaaa-bbbb-cccc-0123456789ab";
        let no_key = Encryption::Kms { kms_key: None };
        assert!(no_key.satisfied_by(&kms(managed)));
        assert!(no_key.satisfied_by(&no_key));
        let dsse = |key: Option<&str>| Encryption::KmsDsse {
            kms_key: key.map(str::to_string),
        };
        assert!(dsse(None).satisfied_by(&dsse(Some(managed))));
        assert!(dsse(Some("alias/ecr")).satisfied_by(&dsse(Some(managed))));
        assert!(!dsse(Some("ffff")).satisfied_by(&dsse(Some(managed))));
        // The type is never a match across KMS and KMS_DSSE, nor with AES256.
        assert!(!no_key.satisfied_by(&dsse(Some(managed))));
        assert!(!dsse(None).satisfied_by(&kms(managed)));
        assert!(!dsse(None).satisfied_by(&Encryption::Aes256));
        assert!(!Encryption::Aes256.satisfied_by(&dsse(None)));
    }

    #[test]
    fn encryption_is_fingerprinted_by_type_only() {
        let canonical = |e: Encryption| {
            let mut r = crate::testing::repo("betekk-app").build();
            r.settings.encryption = e;
            crate::model::attribute::comparable(ATTRIBUTES, &r)
                .into_iter()
                .find(|(name, _)| *name == "encryption")
                .map(|(_, v)| v)
        };
        assert_eq!(
            canonical(Encryption::Kms { kms_key: None }),
            canonical(kms("arn:aws:kms:ap-southeast-1:123456789012:key/x"))
        );
        assert_eq!(
            canonical(Encryption::Kms { kms_key: None }),
            Some(json!("KMS"))
        );
        assert_eq!(
            canonical(Encryption::KmsDsse { kms_key: None }),
            Some(json!("KMS_DSSE"))
        );
        assert_eq!(canonical(Encryption::Aes256), Some(json!("AES256")));
    }
}

#[cfg(test)]
mod lambda_pull_tests {
    use super::*;
    use crate::model::Env;

    #[test]
    fn lambda_pull_merges_and_splits_back() {
        let env = Env::placeholder("ap-southeast-1");
        let own = PolicyDocument::from_json(json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "Ci", "Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "ecr:BatchGetImage"}
        ]}))
        .unwrap();
        let functions = vec!["betekk-probe-engine-*".to_string()];
        let merged = with_lambda_pull(Some(&own), &functions).unwrap().bind(&env);
        let text = merged.to_json_string();
        assert!(text.contains(r#""aws:sourceArn":["arn:aws:lambda:ap-southeast-1:123456789012:function:betekk-probe-engine-*"]"#), "{text}");
        assert!(text.contains(LAMBDA_PULL_SID));
        let (back, rest) = split_lambda_pull(&merged, &env);
        assert_eq!(back, Some(functions.clone()));
        assert_eq!(rest, Some(own.clone()));
        // Alone: nothing else remains.
        let alone = with_lambda_pull(None, &functions).unwrap().bind(&env);
        assert_eq!(
            split_lambda_pull(&alone, &env),
            (Some(functions.clone()), None)
        );
        // The Sid is taken: an error, not a silent second statement.
        let clash = PolicyDocument::from_json(
            json!({"Version": "2012-10-17", "Statement": [lambda_pull_statement(&functions)]}),
        )
        .unwrap();
        assert!(with_lambda_pull(Some(&clash), &functions).is_err());
    }

    #[test]
    fn a_statement_lambda_added_for_all_functions_is_not_taken_for_ours_when_it_differs() {
        let env = Env::placeholder("ap-southeast-1");
        let foreign = PolicyDocument::from_json(json!({"Version": "2008-10-17", "Statement": [{
            "Sid": LAMBDA_PULL_SID, "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:SetRepositoryPolicy"],
            "Condition": {"StringLike": {"aws:sourceArn": "arn:aws:lambda:ap-southeast-1:123456789012:function:*"}}
        }]}))
        .unwrap();
        let (functions, rest) = split_lambda_pull(&foreign, &env);
        assert_eq!(functions, None);
        assert_eq!(rest, Some(foreign));
    }
}

impl crate::model::unit::Declared for Repository {
    type Write = Write;
    const ATTRIBUTES: &'static [Attribute<Self, Write>] = ATTRIBUTES;
    fn access(&self, _env: &crate::model::Env) -> Vec<crate::model::access_fact::AccessFact> {
        use crate::model::access_fact::AccessFact;
        let mut facts = vec![AccessFact::RepositoryPolicy {
            repository: self.name.clone(),
            document: self.settings.repository_policy.clone(),
        }];
        if let Encryption::Kms { kms_key: Some(key) } | Encryption::KmsDsse { kms_key: Some(key) } =
            &self.settings.encryption
        {
            facts.push(AccessFact::KmsKey(key.clone()));
        }
        facts
    }
    const OUTPUT: Option<crate::model::unit::OutputSection> =
        Some(crate::model::unit::OutputSection {
            key: "repositories",
            shape: crate::model::unit::OutputShape::Fields,
            rank: 0,
        });
    /// `url` as AWS reports it; `dual_stack_url` through the registry's dual-stack host, where
    /// AWS documents one.
    fn output(
        &self,
        live: &crate::model::Live,
        env: &crate::model::Env,
    ) -> Vec<(&'static str, String)> {
        let mut fields = vec![
            ("url", live.uri.clone().unwrap_or_default()),
            ("arn", live.arn.clone()),
        ];
        if let Some(host) = env.dual_stack_registry_host() {
            fields.push(("dual_stack_url", format!("{host}/{}", self.name)));
        }
        fields
    }
    fn name(&self) -> String {
        self.name.clone()
    }
    crate::model::unit::tags_in_field!();
    fn bind(&mut self, env: &crate::model::Env) {
        self.settings.bind(env);
    }
}

/// Read with the IAM and ECR listings (`observe`), not as a registry kind.
impl crate::observe::read::Read for Repository {
    const READS: &'static [(&'static str, crate::observe::ReadScope)] = {
        use crate::observe::ReadScope;
        &[
            ("ecr:DescribeRepositories", ReadScope::EveryRepository),
            ("ecr:GetLifecyclePolicy", ReadScope::Repositories),
            ("ecr:GetRepositoryPolicy", ReadScope::Repositories),
            // Only for a repository whose lifecycle rules the spec changes (`ecr:BatchGetImage` too
            // when it holds image indexes: not granted, it pulls manifests; denied, the indexes go
            // unread).
            ("ecr:DescribeImages", ReadScope::Repositories),
            (
                "ecr:ListTagsForResource",
                ReadScope::RepositoriesAndCandidates,
            ),
        ]
    };
}
