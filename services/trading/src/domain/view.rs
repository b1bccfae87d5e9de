//! Who sees what of a project. Drafts are staff's; contact details are masked for everyone
//! but staff; the panel and the scores stay with staff until the award is publicized (the
//! panel's names are confidential while it works). Nothing here can reveal a sealed bid:
//! a project holds no price or document before its opening record exists.

use super::kinds::ProjectState;
use super::project::Project;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Viewer {
    Public,
    /// Trading agents and supervisors (and services).
    Staff,
    /// An enterprise, by its principal's subject.
    Bidder(String),
}

impl Viewer {
    pub fn is_staff(&self) -> bool {
        matches!(self, Viewer::Staff)
    }
}

/// The project as `viewer` may see it, or `None` when it is not theirs to see.
pub fn visible(project: &Project, viewer: &Viewer) -> Option<Project> {
    if project.state == ProjectState::Draft && !viewer.is_staff() {
        return None;
    }
    let mut p = project.clone();
    if let Some(a) = p.auction.as_mut() {
        for participant in &mut a.participants {
            participant.subject.clear();
        }
    }
    for o in &mut p.objections {
        o.objector_subject.clear();
    }
    if viewer.is_staff() {
        return Some(p);
    }
    let results_public = matches!(
        p.state,
        ProjectState::AwardPublicized | ProjectState::Awarded | ProjectState::Contracted
    );
    if !results_public {
        p.panel = None;
        p.evaluation_result = None;
    }
    mask_contacts(&mut p);
    Some(p)
}

/// Masks every party's contact person and phone (events and every non-staff view).
pub fn mask_contacts(p: &mut Project) {
    p.owner = p.owner.masked();
    p.agency = p.agency.masked();
    if let Some(o) = p.opening.as_mut() {
        for b in &mut o.bids {
            b.bidder = b.bidder.masked();
        }
    }
    if let Some(e) = p.evaluation_result.as_mut() {
        for r in &mut e.ranking {
            r.bidder = r.bidder.masked();
        }
    }
    for a in &mut p.awards {
        a.supplier = a.supplier.masked();
    }
    for o in &mut p.objections {
        o.objector = o.objector.masked();
    }
    if let Some(a) = p.auction.as_mut() {
        for participant in &mut a.participants {
            participant.party = participant.party.masked();
        }
    }
}
