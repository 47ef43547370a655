//! Where a spec is applied: accounts (targets) and regions, and which region the command runs in.
//!
//! The spec's regions are authoritative: `AWS_REGION`/`AWS_DEFAULT_REGION` (which
//! `aws-actions/configure-aws-credentials` sets in every GitHub job) only choose the region of a
//! spec that names none, and `--region` selects among the spec's regions.

use serde::{Deserialize, Serialize};

/// The region used when neither the spec nor the environment names one.
pub(crate) const DEFAULT_REGION: &str = "ap-southeast-1";

/// An account the spec is applied to, through a role assumed with STS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Target {
    /// Shown in plans and reports; `--target NAME` selects it.
    pub(crate) name: String,
    pub(crate) account: String,
    /// The role's ARN (a bare role name is made an ARN in the target's account by the reader).
    pub(crate) role_arn: String,
    pub(crate) external_id: Option<String>,
    /// Empty: the spec's regions.
    pub(crate) regions: Vec<String>,
}

/// The regions a command runs in, and a note when the environment named another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RegionChoice {
    pub(crate) regions: Vec<String>,
    pub(crate) note: Option<String>,
}

/// `spec`: the regions the spec names (none, one, or several); `flag`: `--region`; `env`: the
/// value of `AWS_REGION`, else `AWS_DEFAULT_REGION`.
pub(crate) fn choose_regions(
    spec: &[String],
    flag: Option<&str>,
    env: Option<&str>,
) -> Result<RegionChoice, String> {
    let env = env.filter(|e| !e.is_empty());
    let flag = flag.filter(|f| !f.is_empty());
    if spec.is_empty() {
        let region = flag.or(env).unwrap_or(DEFAULT_REGION).to_string();
        return Ok(RegionChoice {
            regions: vec![region],
            note: None,
        });
    }
    let regions = match flag {
        Some(r) if spec.iter().any(|s| s == r) => vec![r.to_string()],
        Some(r) => {
            return Err(format!(
                "--region {r} is not a region of the spec ({}); the spec's regions are authoritative",
                spec.join(", ")
            ));
        }
        None => spec.to_vec(),
    };
    let note = env.filter(|e| !regions.iter().any(|r| r == e)).map(|e| {
        format!(
            "note: the environment's region {e} (AWS_REGION) is not used: the spec names {}",
            regions.join(", ")
        )
    });
    Ok(RegionChoice { regions, note })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_spec_s_regions_are_authoritative() {
        let sg = v(&["ap-southeast-1"]);
        let both = v(&["ap-southeast-1", "ap-southeast-2"]);
        // The environment does not move a spec's region; it is noted.
        let c = choose_regions(&sg, None, Some("us-east-1")).unwrap();
        assert_eq!(c.regions, sg);
        assert!(
            c.note
                .unwrap()
                .contains("us-east-1 (AWS_REGION) is not used: the spec names ap-southeast-1")
        );
        // The same region in the environment: no note.
        assert_eq!(
            choose_regions(&sg, None, Some("ap-southeast-1"))
                .unwrap()
                .note,
            None
        );
        // --region selects among the spec's regions, and only those.
        assert_eq!(
            choose_regions(&both, Some("ap-southeast-2"), None)
                .unwrap()
                .regions,
            v(&["ap-southeast-2"])
        );
        assert!(
            choose_regions(&sg, Some("us-east-1"), None)
                .unwrap_err()
                .contains("not a region of the spec")
        );
        assert_eq!(choose_regions(&both, None, None).unwrap().regions, both);
        // A spec without a region: the flag, then the environment, then the default.
        assert_eq!(
            choose_regions(&[], Some("eu-west-1"), Some("us-east-1"))
                .unwrap()
                .regions,
            v(&["eu-west-1"])
        );
        assert_eq!(
            choose_regions(&[], None, Some("us-east-1"))
                .unwrap()
                .regions,
            v(&["us-east-1"])
        );
        assert_eq!(
            choose_regions(&[], None, None).unwrap().regions,
            v(&[DEFAULT_REGION])
        );
    }
}
