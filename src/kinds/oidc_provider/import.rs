//! How `import` writes the provider: the `github:` section, with the organizations the roles that
//! trust it name.

use std::fmt::Write;

use super::{ATTRIBUTES, OidcProvider};
use crate::import::section::{Context, Placement, Section};
use crate::import::text::{fields, github_names, q, tags_line};
use crate::model::Live;

impl Section for OidcProvider {
    const SECTION: Option<Placement> = Some(Placement {
        key: "github",
        rank: 1,
        shared: true,
    });

    fn head(ctx: &Context<'_>) -> String {
        let mut s = String::new();
        if let Some(orgs) = &ctx.organizations {
            let _ = writeln!(s, "  organizations: {}", q(github_names(orgs)));
        }
        s
    }

    fn item(&self, live: &Live, ctx: &mut Context<'_>) -> Result<String, String> {
        // One provider serves every stack: another stack's is used, not managed.
        let mut s = String::new();
        let _ = writeln!(
            s,
            "  oidc_provider:\n    manage: {}",
            ctx.owns(&live.resource)
        );
        fields(&mut s, "    ", ATTRIBUTES, self);
        tags_line(&mut s, &self.tags);
        Ok(s)
    }
}
