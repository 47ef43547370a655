//! ARN and key syntax, checked offline so that a mistyped ARN is a spec error with its position,
//! not a failed apply. `{partition}`, `{account}` and `{region}` stand for their values.

/// Partitions AWS has; `{partition}` is bound to the caller's.
const PARTITIONS: &[&str] = &[
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
    "{partition}",
];

pub(crate) fn partition_ok(p: &str) -> bool {
    PARTITIONS.contains(&p)
}

pub(crate) fn account_ok(a: &str) -> bool {
    a == "{account}" || crate::model::is_account_id(a)
}

pub(crate) fn region_ok(r: &str) -> bool {
    if r == "{region}" {
        return true;
    }
    let parts: Vec<&str> = r.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

/// IAM's characters for role, user and policy names: letters, digits and `+=,.@_-`.
fn iam_name_ok(name: &str, max: usize) -> bool {
    !name.is_empty()
        && name.len() <= max
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
}

/// `PATH/NAME` after `role/`, `user/` or `policy/`: path segments of the same characters.
fn path_and_name_ok(rest: &str, max: usize) -> bool {
    let mut segments: Vec<&str> = rest.split('/').collect();
    let name = segments.pop().unwrap_or_default();
    iam_name_ok(name, max) && segments.iter().all(|s| iam_name_ok(s, 512))
}

/// `arn:PARTITION:iam::ACCOUNT:KIND/PATH/NAME`, the account being `aws` only for AWS managed
/// policies.
fn iam_arn(arn: &str, kind: &str, max: usize) -> Result<(), String> {
    let expected = format!("expected arn:PARTITION:iam::ACCOUNT:{kind}/NAME");
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ["arn", partition, "iam", "", account, resource] = parts.as_slice() else {
        return Err(format!("{arn:?} is not an IAM {kind} ARN; {expected}"));
    };
    if !partition_ok(partition) {
        return Err(format!(
            "{arn:?}: unknown partition {partition:?}; expected aws, aws-cn, aws-us-gov, … or {{partition}}"
        ));
    }
    if !(account_ok(account) || (kind == "policy" && *account == "aws")) {
        return Err(format!(
            "{arn:?}: the account must be 12 digits or {{account}}{}, got {account:?}",
            if kind == "policy" {
                " (aws for AWS managed policies)"
            } else {
                ""
            }
        ));
    }
    let Some(rest) = resource.strip_prefix(&format!("{kind}/")) else {
        return Err(format!("{arn:?} is not a {kind} ARN; {expected}"));
    };
    if !path_and_name_ok(rest, max) {
        return Err(format!(
            "{arn:?}: the {kind} name must be 1-{max} letters, digits or +=,.@_- (after an optional path)"
        ));
    }
    Ok(())
}

pub(crate) fn check_policy_arn(arn: &str) -> Result<(), String> {
    iam_arn(arn, "policy", 128)
}

pub(crate) fn check_role_arn(arn: &str) -> Result<(), String> {
    iam_arn(arn, "role", 64)
}

/// A role or user ARN (`arn:PARTITION:iam::ACCOUNT:role/PATH/NAME` or `…:user/PATH/NAME`).
pub(crate) fn check_role_or_user_arn(arn: &str) -> Result<(), String> {
    match arn.splitn(6, ':').nth(5) {
        Some(r) if r.starts_with("user/") => iam_arn(arn, "user", 64),
        _ => check_role_arn(arn),
    }
}

/// An account id, an account's root ARN, or a role or user ARN.
pub(crate) fn check_aws_principal(p: &str) -> Result<(), String> {
    if account_ok(p) && p != "{account}" {
        return Ok(());
    }
    if !p.starts_with("arn:") {
        return Err(format!(
            "{p:?} is not an AWS principal; give a 12-digit account id or an IAM ARN (root, role/NAME, user/NAME)"
        ));
    }
    let parts: Vec<&str> = p.splitn(6, ':').collect();
    if let ["arn", partition, "iam", "", account, "root"] = parts.as_slice()
        && partition_ok(partition)
        && account_ok(account)
    {
        return Ok(());
    }
    match parts.get(5) {
        Some(r) if r.starts_with("role/") => check_role_arn(p),
        Some(r) if r.starts_with("user/") => iam_arn(p, "user", 64),
        _ => Err(format!(
            "{p:?}: expected an account's root, a role or a user (arn:…:iam::ACCOUNT:root|role/NAME|user/NAME)"
        )),
    }
}

fn hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A KMS key id: a UUID, or a multi-Region key's `mrk-` and 32 hex digits.
fn key_id_ok(id: &str) -> bool {
    if let Some(rest) = id.strip_prefix("mrk-") {
        return rest.len() == 32 && hex(rest);
    }
    let groups: Vec<&str> = id.split('-').collect();
    groups.len() == 5
        && groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups.iter().all(|g| hex(g))
}

/// `alias/NAME`: letters, digits, `/_-`, at most 256 characters in all.
fn alias_ok(alias: &str) -> bool {
    alias.len() <= 256
        && alias.strip_prefix("alias/").is_some_and(|name| {
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"/_-".contains(&b))
        })
}

/// A KMS key as ECR takes it: key ARN, key id, `alias/NAME` or alias ARN.
pub(crate) fn check_kms_key(key: &str) -> Result<(), String> {
    let expected = "expected a key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), a key id (a UUID or mrk-…), alias/NAME or an alias ARN";
    if !key.starts_with("arn:") {
        return if key_id_ok(key) || alias_ok(key) {
            Ok(())
        } else {
            Err(format!("{key:?} is not a KMS key; {expected}"))
        };
    }
    let parts: Vec<&str> = key.splitn(6, ':').collect();
    let ok = match parts.as_slice() {
        ["arn", partition, "kms", region, account, resource] => {
            partition_ok(partition)
                && region_ok(region)
                && account_ok(account)
                && (resource.strip_prefix("key/").is_some_and(key_id_ok) || alias_ok(resource))
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("{key:?} is not a KMS key ARN; {expected}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kms_keys() {
        for ok in [
            "arn:aws:kms:ap-southeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws:kms:us-gov-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab",
            "arn:{partition}:kms:{region}:{account}:alias/ecr",
            "1234abcd-12ab-34cd-56ef-1234567890ab",
            "mrk-1234abcd12ab34cd56ef1234567890ab",
            "alias/aws/ecr",
            "alias/team_key-1",
        ] {
            assert_eq!(check_kms_key(ok), Ok(()), "{ok}");
        }
        for bad in [
            "arn:aws:kms:::",
            "not a key!",
            "alias/",
            "alias/with space",
            "1234abcd-12ab-34cd-56ef",
            "mrk-12",
            "arn:aws:kms:ap-southeast-1:123456789012:key/",
            "arn:aws:kms:nowhere:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws:s3:ap-southeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws:kms:ap-southeast-1:12345:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        ] {
            assert!(check_kms_key(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn policy_and_role_arns() {
        for ok in [
            "arn:aws:iam::123456789012:policy/x",
            "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
            "arn:{partition}:iam::{account}:policy/team/ops/Deploy+=,.@_-",
            "arn:aws-cn:iam::123456789012:policy/x",
        ] {
            assert_eq!(check_policy_arn(ok), Ok(()), "{ok}");
        }
        for bad in [
            "arn:aws:iam::notanaccount:policy/x",
            "arn:aws:iam::123456789012:policy/",
            "arn:aws:s3:::x:policy/y",
            "arn:aws:iam::123456789012:role/x",
            "arn:aws:iam:us-east-1:123456789012:policy/x",
            "arn:aws:iam::123456789012:policy/a b",
            "arn:nowhere:iam::123456789012:policy/x",
        ] {
            assert!(check_policy_arn(bad).is_err(), "{bad}");
        }
        assert_eq!(
            check_role_arn("arn:aws:iam::123456789012:role/path/R"),
            Ok(())
        );
        assert!(check_role_arn("arn:aws:iam::aws:role/R").is_err());
        assert!(
            check_role_arn(&format!(
                "arn:aws:iam::123456789012:role/{}",
                "r".repeat(65)
            ))
            .is_err()
        );
        assert_eq!(check_aws_principal("111122223333"), Ok(()));
        assert_eq!(
            check_aws_principal("arn:aws:iam::111122223333:root"),
            Ok(())
        );
        assert_eq!(
            check_aws_principal("arn:{partition}:iam::{account}:user/deployer"),
            Ok(())
        );
        assert!(check_aws_principal("arn:aws:iam::111122223333:group/g").is_err());
        assert!(check_aws_principal("{account}").is_err());
    }
}
