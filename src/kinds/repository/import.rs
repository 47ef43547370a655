//! How `import` writes a repository: an item of `repositories:`, its Lambda pull grant apart from
//! the rest of its policy.

use std::fmt::Write;

use super::{ATTRIBUTES, Repository, split_lambda_pull};
use crate::import::section::{Context, Placement, Section};
use crate::import::text::{fields, q, tags_line};
use crate::model::{LifecyclePolicy, Live};

impl Section for Repository {
    const SECTION: Option<Placement> = Some(Placement {
        key: "repositories",
        rank: 0,
        shared: false,
    });

    fn item(&self, _live: &Live, ctx: &mut Context<'_>) -> Result<String, String> {
        if let Some(LifecyclePolicy::Foreign { .. }) = &self.settings.lifecycle_policy {
            return Err("its lifecycle policy uses rules the spec cannot express".into());
        }
        let mut s = String::new();
        let _ = writeln!(s, "  - name: {}", q(&self.name));
        fields(&mut s, "    ", ATTRIBUTES, self);
        if let Some(doc) = &self.settings.repository_policy {
            let (pull, rest) = split_lambda_pull(doc, &ctx.env);
            if let Some(rest) = rest {
                let _ = writeln!(s, "    repository_policy: {}", q(rest.original()));
            }
            if let Some(functions) = pull {
                let _ = writeln!(s, "    lambda_pull: {}", q(functions));
            }
        }
        tags_line(&mut s, &self.tags);
        Ok(s)
    }
}
