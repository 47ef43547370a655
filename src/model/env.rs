//! The account, partition and region a spec is applied to, and the binding of `{account}`,
//! `{partition}` and `{region}` in names and documents once they are known (after STS answers).

use serde_json::Value;

/// Where a spec is applied: what `{account}`, `{partition}` and `{region}` stand for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Env {
    /// The 12-digit account id, from STS.
    pub account: String,
    /// The ARN partition (`aws`, `aws-cn`, `aws-us-gov`), from the caller's STS ARN.
    pub partition: String,
    /// The region repositories are made in, e.g. `ap-southeast-1`.
    pub region: String,
}

/// A 12-digit AWS account id.
pub(crate) fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Tokens left in place by the spec reader and bound by [`Env::bind`].
pub(crate) const ENV_TOKENS: &[&str] = &["account", "partition", "region"];

impl Env {
    /// A stand-in used offline (validate) to measure documents at their real length.
    pub(crate) fn placeholder(region: &str) -> Self {
        Env {
            account: "123456789012".into(),
            partition: "aws".into(),
            region: region.into(),
        }
    }

    pub(crate) fn bind(&self, text: &str) -> String {
        if !text.contains('{') {
            return text.to_string();
        }
        text.replace("{account}", &self.account)
            .replace("{partition}", &self.partition)
            .replace("{region}", &self.region)
    }

    /// Binds every string in a JSON value.
    pub(crate) fn bind_json(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.bind(s)),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.bind_json(v)).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (self.bind(k), self.bind_json(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    pub(crate) fn iam_arn(&self, kind: &str, name: &str) -> String {
        format!("arn:{}:iam::{}:{kind}/{name}", self.partition, self.account)
    }

    /// The registry's host for Docker and OCI clients over IPv4,
    /// `ACCOUNT.dkr.ecr.REGION.amazonaws.com` (`.com.cn` in the China partition).
    pub fn registry_host(&self) -> String {
        let domain = if self.partition == "aws-cn" {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        };
        format!("{}.dkr.ecr.{}.{domain}", self.account, self.region)
    }

    /// The registry's dual-stack host (IPv6 and IPv4), `ACCOUNT.dkr-ecr.REGION.on.aws`. `None`
    /// outside the `aws` partition: AWS's page on dual-stack endpoints names that form only, and
    /// says nothing of China or GovCloud.
    pub fn dual_stack_registry_host(&self) -> Option<String> {
        (self.partition == "aws")
            .then(|| format!("{}.dkr-ecr.{}.on.aws", self.account, self.region))
    }

    pub(crate) fn repository_arn(&self, name: &str) -> String {
        format!(
            "arn:{}:ecr:{}:{}:repository/{name}",
            self.partition, self.region, self.account
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_hosts_are_the_partitions_and_dual_stack_only_where_aws_documents_it() {
        let env = |partition: &str, region: &str| Env {
            account: "111122223333".into(),
            partition: partition.into(),
            region: region.into(),
        };
        let aws = env("aws", "ap-southeast-1");
        assert_eq!(
            aws.registry_host(),
            "111122223333.dkr.ecr.ap-southeast-1.amazonaws.com"
        );
        assert_eq!(
            aws.dual_stack_registry_host().as_deref(),
            Some("111122223333.dkr-ecr.ap-southeast-1.on.aws")
        );
        let china = env("aws-cn", "cn-north-1");
        assert_eq!(
            china.registry_host(),
            "111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn"
        );
        assert_eq!(china.dual_stack_registry_host(), None);
        assert_eq!(
            env("aws-us-gov", "us-gov-west-1").dual_stack_registry_host(),
            None
        );
    }

    #[test]
    fn binds_tokens_in_keys_and_values() {
        let env = Env {
            account: "111122223333".into(),
            partition: "aws-cn".into(),
            region: "cn-north-1".into(),
        };
        let doc = serde_json::json!({"a": ["arn:{partition}:ecr:{region}:{account}:repository/x"], "{account}:k": 1});
        assert_eq!(
            env.bind_json(&doc),
            serde_json::json!({"a": ["arn:aws-cn:ecr:cn-north-1:111122223333:repository/x"], "111122223333:k": 1})
        );
        assert_eq!(
            env.iam_arn("role", "R"),
            "arn:aws-cn:iam::111122223333:role/R"
        );
    }
}
