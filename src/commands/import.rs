//! `import --stack NAME`: write a spec from what exists. Read-only, except that `--adopt` tags
//! the imported resources as the stack's, and refuses if adopting would change anything else.

use super::Exit;
use super::init::write_new;
use super::session::connect;
use crate::apply::{ApplyOptions, apply};
use crate::cli::{GlobalArgs, ImportArgs};
use crate::error::Error;
use crate::observe::{Limit, inventory, observe_limited};
use crate::plan::tag_ops::TagOp;
use crate::plan::{Action, Op, plan};
use crate::render::{Style, human};
use crate::spec;

pub(crate) async fn run(global: &GlobalArgs, args: &ImportArgs) -> Result<Exit, Error> {
    if let Err(e) = spec::names::check_stack_name(&args.stack) {
        return Err(Error::Refused(format!("--stack {:?}: {e}", args.stack)));
    }
    // No spec: --region, else AWS_REGION / AWS_DEFAULT_REGION, else the default.
    let region = super::session::regions_of(global, &[])?.remove(0);
    let client = connect(global, &region).await;
    eprintln!("Reading everything named {}-… in {region}...", args.prefix);
    let inv = inventory(
        &client,
        &args.prefix,
        &region,
        usize::from(global.parallelism),
    )
    .await
    .map_err(Error::Observe)?;
    let imported = crate::import::spec_text(&inv, &args.stack, &args.prefix);
    // What import writes must itself read back as a valid spec.
    let parsed = spec::parse(&imported.text, "import")
        .map_err(|e| Error::Refused(format!("the imported spec does not validate (a bug): {e}")))?;
    for s in &imported.skipped {
        eprintln!("skipped: {s}");
    }
    eprintln!("Imported {} resources.", imported.resources);

    if args.adopt {
        let limit = Limit::lanes(usize::from(global.parallelism));
        let observed = observe_limited(&client, &parsed.desired, &limit)
            .await
            .map_err(Error::Observe)?;
        let adoption = plan(&parsed.desired, &observed)?;
        // Adoption only adds (ownership) tags, never removes one; for registry parts, which have
        // no tags, it writes the stack's ownership record.
        let tag_only =
            |op: &Op| matches!(op, Op::Tags(TagOp::SetTags { unset, .. }) if unset.is_empty());
        let ownership = |c: &&crate::plan::Change| {
            c.kind == crate::model::Kind::RegistryRecord
                || (c.action == Action::Update && c.ops.iter().all(tag_only))
        };
        if let Some(c) = adoption.changes.iter().find(|c| !ownership(c)) {
            return Err(Error::Refused(format!(
                "refused to adopt: {} would need more than tags ({:?}); nothing was changed",
                c.address, c.action
            )));
        }
        let style = Style::for_stderr();
        let report = apply(&client, &adoption, &ApplyOptions::default(), &|event| {
            eprintln!("{}", human::event(&event, style));
        })
        .await;
        if !report.succeeded() {
            eprint!("{}", human::report(&adoption, &report, style));
            return Ok(Exit::Error);
        }
        eprintln!(
            "Adopted {} resources as stack {}.",
            adoption.changes.len(),
            args.stack
        );
    }
    match &args.out {
        None => print!("{}", imported.text),
        Some(path) => write_new(path, &imported.text, args.force)?,
    }
    Ok(Exit::Ok)
}
