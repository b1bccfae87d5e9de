//! Properties of an item's version lifecycle over random command sequences on random days:
//! version numbers only grow, at most one draft exists, published versions never change
//! their content or start and never overlap, and a cancelled item stays out of force and
//! takes no new version.

use chrono::{Days, NaiveDate};
use proptest::prelude::*;

use super::fixtures::{directory, instant, licence_content, licence_id};
use super::version::*;
use super::CatalogError;

#[derive(Debug, Clone)]
enum Op {
    CreateDraft,
    UpdateDraft {
        stale: bool,
    },
    Publish {
        from_in: u8,
        until_after: Option<u8>,
        of: u8,
    },
    Cancel {
        in_days: u8,
        blank: bool,
    },
    PassDays(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::CreateDraft),
        1 => any::<bool>().prop_map(|stale| Op::UpdateDraft { stale }),
        4 => (0u8..40, prop::option::of(0u8..60), 0u8..4).prop_map(|(from_in, until_after, of)| {
            Op::Publish { from_in, until_after, of }
        }),
        1 => (0u8..60, prop::bool::weighted(0.2)).prop_map(|(in_days, blank)| Op::Cancel { in_days, blank }),
        3 => (0u8..30).prop_map(Op::PassDays),
    ]
}

fn moment_on(today: NaiveDate) -> Moment {
    let now = instant(2026, 1, 1) + chrono::Duration::days((today - start()).num_days());
    Moment::new(now, today)
}

fn start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).expect("a date")
}

fn later(d: NaiveDate, n: u8) -> NaiveDate {
    d + Days::new(u64::from(n))
}

struct Step {
    before: Vec<ItemVersion>,
    after: Vec<ItemVersion>,
    op: Op,
    today: NaiveDate,
    result: Result<(), CatalogError>,
}

fn run(ops: &[Op]) -> Vec<Step> {
    let id = licence_id();
    let dir = directory();
    let mut today = start();
    let mut versions: Vec<ItemVersion> = Vec::new();
    let mut steps = Vec::new();
    for op in ops {
        let before = versions.clone();
        let at = moment_on(today);
        let result = match *op {
            Op::PassDays(n) => {
                today = later(today, n);
                continue;
            }
            Op::CreateDraft => plan_create_draft(&id, &versions, licence_content(), &dir)
                .map(|draft| versions.push(draft)),
            Op::UpdateDraft { stale } => match current_draft(&versions).cloned() {
                None => continue,
                Some(draft) => {
                    let mut content = licence_content();
                    content.name = format!("{}（第{}稿）", content.name, draft.revision);
                    let expected = draft.revision - i64::from(stale);
                    plan_update_draft(&draft, expected, content, &dir).map(|updated| {
                        for v in versions.iter_mut().filter(|v| v.version == updated.version) {
                            *v = updated.clone();
                        }
                    })
                }
            },
            Op::Publish {
                from_in,
                until_after,
                of,
            } => {
                // Mostly the current draft, sometimes a version that is not there.
                let version = match current_draft(&versions) {
                    Some(d) if of != 0 => d.version,
                    _ => next_version_number(&versions) + u32::from(of),
                };
                let from = later(today, from_in);
                let until = until_after.map(|n| later(from, n));
                plan_publish(&id, &versions, version, from, until, &dir, at)
                    .map(|plan| plan.apply(&mut versions))
            }
            Op::Cancel { in_days, blank } => {
                let reason = if blank { "  " } else { "事项取消" };
                plan_cancel(&id, &versions, later(today, in_days), reason, at)
                    .map(|plan| plan.apply(&mut versions))
            }
        };
        steps.push(Step {
            before,
            after: versions.clone(),
            op: op.clone(),
            today,
            result,
        });
    }
    steps
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(op(), 1..50)
}

fn published(versions: &[ItemVersion]) -> impl Iterator<Item = &ItemVersion> {
    versions
        .iter()
        .filter(|v| v.status == VersionStatus::Published)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn published_versions_never_overlap_and_never_change(ops in ops()) {
        for s in run(&ops) {
            let after: Vec<&ItemVersion> = published(&s.after).collect();
            for (i, a) in after.iter().enumerate() {
                let from = a.valid_from.expect("a published version has a start");
                prop_assert!(a.valid_until.is_none_or(|u| u > from), "{:?}", a);
                for b in &after[i + 1..] {
                    let disjoint = a.valid_until.is_some_and(|u| u <= b.valid_from.expect("start"))
                        || b.valid_until.is_some_and(|u| u <= from);
                    prop_assert!(disjoint, "v{} and v{} overlap after {:?}", a.version, b.version, s.op);
                }
            }
            for old in published(&s.before) {
                let new = s.after.iter().find(|v| v.version == old.version);
                let new = new.expect("a published version is never removed");
                prop_assert_eq!(new.status, VersionStatus::Published);
                prop_assert_eq!(&new.content, &old.content);
                prop_assert_eq!(new.valid_from, old.valid_from);
                prop_assert_eq!(new.published_at, old.published_at);
                // Only its end may move, and only earlier.
                if let Some(until) = old.valid_until {
                    prop_assert!(new.valid_until.is_some_and(|u| u <= until));
                }
            }
        }
    }

    #[test]
    fn versions_only_grow_with_at_most_one_draft(ops in ops()) {
        for s in run(&ops) {
            prop_assert!(s.after.len() >= s.before.len());
            prop_assert!(s.after.iter().filter(|v| v.status == VersionStatus::Draft).count() <= 1);
            let numbers: Vec<u32> = s.after.iter().map(|v| v.version).collect();
            prop_assert!(numbers.windows(2).all(|w| w[0] < w[1]), "{:?}", numbers);
            if s.after.len() > s.before.len() {
                prop_assert_eq!(s.after.last().map(|v| v.version), Some(next_version_number(&s.before)));
            }
        }
    }

    #[test]
    fn a_cancelled_item_stays_out_of_force_and_takes_no_new_version(ops in ops()) {
        for s in run(&ops) {
            if is_cancelled(&s.before) {
                if matches!(s.op, Op::CreateDraft | Op::Publish { .. } | Op::Cancel { .. }) {
                    prop_assert!(
                        matches!(s.result, Err(CatalogError::IllegalTransition { .. })
                            | Err(CatalogError::NotFound { .. })
                            | Err(CatalogError::Invalid(_))),
                        "{:?} on a cancelled item: {:?}", s.op, s.result
                    );
                }
                prop_assert_eq!(published(&s.after).count(), published(&s.before).count());
            }
            if let Some(end) = s.after.iter().find(|v| v.cancelled).and_then(|v| v.valid_until) {
                prop_assert!(end >= s.today || is_cancelled(&s.before));
                for n in [0u8, 1, 30, 200] {
                    prop_assert!(version_in_force(&s.after, later(end, n)).is_none());
                }
            }
        }
    }

    #[test]
    fn at_most_one_version_is_in_force_on_any_day(ops in ops(), probe in 0u8..200) {
        for s in run(&ops) {
            let day = later(start(), probe);
            prop_assert!(s.after.iter().filter(|v| v.in_force_on(day)).count() <= 1);
        }
    }
}
