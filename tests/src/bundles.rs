//! A bundle case run day by day: on each working day every department with an open child
//! does what its conduct says, until nothing more happens that day (a stage that completes
//! starts the next stage's children the same day, and they arrive at their windows).

use std::collections::BTreeMap;
use std::sync::Mutex;

use onewindow_proto::cases::v1 as pb;

use crate::{supervisor, Applicant, Center, Conduct};

/// More passes in one day than any bundle has stages means something loops.
const MAX_PASSES_PER_DAY: usize = 16;

pub struct BundleRun<'c> {
    center: &'c Center,
    /// The bundle case's id.
    pub id: String,
    applicant: Applicant,
    online: bool,
    /// By item id; an item not named acts [`Conduct::InTime`].
    conduct: Mutex<BTreeMap<String, Conduct>>,
}

/// Every child case of the bundle case, stage after stage.
pub fn children(b: &pb::BundleCase) -> impl Iterator<Item = &pb::BundleChild> {
    b.stages.iter().flat_map(|s| s.children.iter())
}

/// The state of each stage, the first one first.
pub fn stage_states(b: &pb::BundleCase) -> Vec<pb::BundleStageState> {
    b.stages
        .iter()
        .map(|s| pb::BundleStageState::try_from(s.state).unwrap_or_default())
        .collect()
}

/// Whether a case in `state` is still open.
pub fn is_open(state: i32) -> bool {
    state == pb::CaseState::Submitted as i32
        || state == pb::CaseState::SupplementRequested as i32
        || state == pb::CaseState::InProgress as i32
}

impl<'c> BundleRun<'c> {
    /// Follows the bundle case `submitted`, applied for by `applicant`.
    pub fn new(center: &'c Center, submitted: &pb::BundleCase, applicant: &Applicant) -> Self {
        BundleRun {
            center,
            id: submitted.id.clone(),
            applicant: applicant.clone(),
            online: !submitted.applicant_subject.is_empty(),
            conduct: Mutex::new(BTreeMap::new()),
        }
    }

    /// From now on, the department handling `item_id` acts as `conduct`.
    pub fn set_conduct(&self, item_id: &str, conduct: Conduct) {
        self.conduct
            .lock()
            .unwrap()
            .insert(item_id.to_string(), conduct);
    }

    fn conduct_of(&self, item_id: &str) -> Conduct {
        self.conduct
            .lock()
            .unwrap()
            .get(item_id)
            .copied()
            .unwrap_or(Conduct::InTime)
    }

    /// The bundle case as the supervision office reads it.
    pub async fn read(&self) -> pb::BundleCase {
        self.center.bundle_case(&supervisor(), &self.id).await
    }

    /// Today's work of every department with an open child; the bundle case after it.
    pub async fn work_today(&self) -> pb::BundleCase {
        let provider = self.online.then_some(&self.applicant.account);
        for _ in 0..MAX_PASSES_PER_DAY {
            let bundle = self.read().await;
            let mut acted = false;
            for child in children(&bundle) {
                if !is_open(child.state) {
                    continue;
                }
                if child.state == pb::CaseState::InProgress as i32 {
                    let conduct = self.conduct_of(&child.item_id);
                    let (_, did) = self
                        .center
                        .act_on_due_stages(&child.case_id, &child.department_id, conduct)
                        .await;
                    acted |= did;
                } else {
                    self.center
                        .intake(&child.case_id, &child.department_id, provider)
                        .await;
                    acted = true;
                }
            }
            if !acted {
                return bundle;
            }
        }
        panic!(
            "{}: bundle case {} keeps changing within one day",
            self.center.label, self.id
        );
    }

    /// Works day after day until `done` holds after a day's work, for at most `max_days`
    /// working days; the clock stays on the day it held.
    pub async fn run_until(
        &self,
        max_days: u32,
        done: impl Fn(&pb::BundleCase) -> bool,
    ) -> pb::BundleCase {
        for _ in 0..=max_days {
            let bundle = self.work_today().await;
            if done(&bundle) {
                return bundle;
            }
            self.center.next_working_day();
        }
        panic!(
            "{}: bundle case {} did not get there within {max_days} working days",
            self.center.label, self.id
        );
    }

    /// Works until the bundle case concludes, for at most `max_days` working days.
    pub async fn run_until_concluded(&self, max_days: u32) -> pb::BundleCase {
        self.run_until(max_days, |b| {
            b.state == pb::BundleCaseState::Concluded as i32
        })
        .await
    }
}
