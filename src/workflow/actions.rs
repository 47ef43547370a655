//! The third-party actions generated workflows use, each pinned to the full commit of a release.
//!
//! This table is the only place their versions live. A tag can be moved to other code after the
//! fact; a commit cannot, so workflows reference the commit and name the release in a comment
//! (`--pin tags` references the major tag instead). To update: look up the newest release's tag,
//! resolve it to its commit (`git rev-list -n1 vX.Y.Z` in a clone), change the row, and run the
//! workflow tests (they lint every generated workflow).

/// One third-party action, pinned to a release and its commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Action {
    /// `owner/name` as in `uses:`.
    pub repository: &'static str,
    /// The release, `vMAJOR.MINOR.PATCH`.
    pub version: &'static str,
    /// The release's commit: 40 hexadecimal digits.
    pub commit: &'static str,
}

pub(crate) const CHECKOUT: Action = Action {
    repository: "actions/checkout",
    version: "v7.0.1",
    commit: "3d3c42e5aac5ba805825da76410c181273ba90b1",
};

pub(crate) const CONFIGURE_AWS_CREDENTIALS: Action = Action {
    repository: "aws-actions/configure-aws-credentials",
    version: "v6.2.3",
    commit: "e6de054238d6b7531b4efff3b6587d9aade6a06c",
};

pub(crate) const AMAZON_ECR_LOGIN: Action = Action {
    repository: "aws-actions/amazon-ecr-login",
    version: "v2.1.7",
    commit: "03f1aad4c6c7ffd436567f42f9384779290529bd",
};

/// Every third-party action generated workflows use (the tests check each is pinned to a full
/// commit); this repository's own action, pinned to the build's commit, is not in it.
pub const ALL: [Action; 3] = [CHECKOUT, CONFIGURE_AWS_CREDENTIALS, AMAZON_ECR_LOGIN];

/// This repository's own action (`action.yml` at its root), which drift workflows run: pinned to
/// the commit this binary was built from, so a workflow runs the betekk-ecr that generated it.
pub(crate) const BETEKK_ECR_REPOSITORY: &str = "betekk/betekk-ecr";

pub(crate) fn betekk_ecr() -> Option<Action> {
    let commit = env!("BETEKK_GIT_COMMIT_FULL");
    (commit.len() == 40).then_some(Action {
        repository: BETEKK_ECR_REPOSITORY,
        version: concat!("v", env!("CARGO_PKG_VERSION")),
        commit,
    })
}

/// How `uses:` references an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pin {
    /// `owner/name@<commit> # vX.Y.Z`
    Commit,
    /// `owner/name@vX`
    MajorTag,
}

impl Action {
    /// `v7` of `v7.0.1`.
    pub(crate) fn major(&self) -> &'static str {
        self.version.split('.').next().unwrap_or(self.version)
    }

    /// The value of `uses:`, with its trailing comment when pinned to a commit.
    pub(crate) fn uses(&self, pin: Pin) -> String {
        match pin {
            Pin::Commit => format!("{}@{} # {}", self.repository, self.commit, self.version),
            Pin::MajorTag => format!("{}@{}", self.repository, self.major()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_is_pinned_to_a_full_commit_of_a_release() {
        for action in ALL {
            assert_eq!(action.commit.len(), 40, "{action:?}");
            assert!(
                action
                    .commit
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
                "{action:?}"
            );
            let parts: Vec<&str> = action.version.trim_start_matches('v').split('.').collect();
            assert_eq!(parts.len(), 3, "{action:?}");
            assert!(parts.iter().all(|p| p.parse::<u32>().is_ok()), "{action:?}");
        }
        assert_eq!(
            CHECKOUT.uses(Pin::Commit),
            "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1"
        );
        assert_eq!(CHECKOUT.uses(Pin::MajorTag), "actions/checkout@v7");
    }
}
