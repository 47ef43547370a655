//! `--max-lifecycle-expiry N`: plan and apply refuse a plan whose lifecycle changes would expire
//! more than N images now. Pure: it reads the previews the planner attached.

use super::Plan;

/// The refusal, naming each repository over the limit; `None` when every change is within it.
pub fn over_expiry(plan: &Plan, max: usize) -> Option<String> {
    let over: Vec<String> = plan
        .changes
        .iter()
        .filter_map(|c| {
            let expire = c.lifecycle_preview.as_ref()?.summary.expire;
            (expire > max).then(|| format!("{} would expire {expire}", c.name))
        })
        .collect();
    (!over.is_empty()).then(|| {
        format!(
            "--max-lifecycle-expiry {max}: the new lifecycle rules of {}; nothing was changed",
            over.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::lifecycle_eval::Summary;
    use crate::model::lifecycle_preview::PlanPreview;
    use crate::model::{Address, Kind};
    use crate::plan::{Action, Change};

    fn change_expiring(name: &str, expire: usize) -> Change {
        let mut c = Change::new(
            Address::new(Kind::Repository, name),
            Action::Update,
            Vec::new(),
            Vec::new(),
        );
        c.lifecycle_preview = Some(PlanPreview {
            summary: Summary {
                expire,
                ..Summary::default()
            },
            affected: Vec::new(),
        });
        c
    }

    #[test]
    fn a_plan_expiring_more_than_the_limit_is_refused_and_names_the_repository() {
        let plan = Plan::new(vec![change_expiring("app", 12), change_expiring("web", 3)]);
        assert_eq!(
            over_expiry(&plan, 5).as_deref(),
            Some(
                "--max-lifecycle-expiry 5: the new lifecycle rules of app would expire 12; nothing was changed"
            )
        );
        assert_eq!(over_expiry(&plan, 12), None);
        assert_eq!(over_expiry(&Plan::default(), 0), None);
    }
}
