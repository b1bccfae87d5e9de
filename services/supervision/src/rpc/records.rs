//! Conversions of evaluations, rectifications, complaints, bulletins and figures to the
//! contract, with the views each reader may have.

use onewindow_proto::supervision::v1 as pb;

use super::convert::{count, format_date, opt_date, timestamp};
use crate::domain::bulletin::{Bulletin, BulletinKind};
use crate::domain::complaint::{Complaint, ComplaintKind, ComplaintState};
use crate::domain::evaluation::{Dimension, Evaluation, Rating, Rectification, RectificationState};
use crate::domain::performance::Counts;

pub fn rating_to_proto(r: Rating) -> pb::Rating {
    match r {
        Rating::VeryDissatisfied => pb::Rating::VeryDissatisfied,
        Rating::Dissatisfied => pb::Rating::Dissatisfied,
        Rating::Fair => pb::Rating::Fair,
        Rating::Satisfied => pb::Rating::Satisfied,
        Rating::VerySatisfied => pb::Rating::VerySatisfied,
    }
}

pub fn rating_from_proto(r: i32) -> Option<Rating> {
    Rating::from_score(i64::from(r))
}

pub fn dimension_from_proto(d: i32) -> Option<Dimension> {
    match pb::Dimension::try_from(d).ok()? {
        pb::Dimension::Attitude => Some(Dimension::Attitude),
        pb::Dimension::Efficiency => Some(Dimension::Efficiency),
        pb::Dimension::Convenience => Some(Dimension::Convenience),
        pb::Dimension::Integrity => Some(Dimension::Integrity),
        pb::Dimension::Unspecified => None,
    }
}

fn dimension_to_proto(d: Dimension) -> pb::Dimension {
    match d {
        Dimension::Attitude => pb::Dimension::Attitude,
        Dimension::Efficiency => pb::Dimension::Efficiency,
        Dimension::Convenience => pb::Dimension::Convenience,
        Dimension::Integrity => pb::Dimension::Integrity,
    }
}

pub fn evaluation_to_proto(e: &Evaluation) -> pb::Evaluation {
    pb::Evaluation {
        id: e.id.clone(),
        case_id: e.case.case_id.clone(),
        case_number: e.case.case_number.clone(),
        item_id: e.case.item_id.clone(),
        department_id: e.case.department_id.clone(),
        region_code: e.case.region_code.clone(),
        rating: rating_to_proto(e.rating).into(),
        dimensions: e
            .dimensions
            .iter()
            .map(|(d, r)| pb::DimensionRating {
                dimension: dimension_to_proto(*d).into(),
                rating: rating_to_proto(*r).into(),
            })
            .collect(),
        comment: e.comment.clone(),
        submitted_at: Some(timestamp(e.submitted_at)),
        rectification_id: e.rectification_id.clone().unwrap_or_default(),
    }
}

pub fn rectification_state_from_proto(s: i32) -> Option<RectificationState> {
    match pb::RectificationState::try_from(s).ok()? {
        pb::RectificationState::Open => Some(RectificationState::Open),
        pb::RectificationState::Replied => Some(RectificationState::Replied),
        pb::RectificationState::Closed => Some(RectificationState::Closed),
        pb::RectificationState::Unspecified => None,
    }
}

pub fn rectification_to_proto(r: &Rectification, today: chrono::NaiveDate) -> pb::Rectification {
    pb::Rectification {
        id: r.id.clone(),
        evaluation_id: r.evaluation_id.clone(),
        case_id: r.case.case_id.clone(),
        case_number: r.case.case_number.clone(),
        department_id: r.case.department_id.clone(),
        region_code: r.case.region_code.clone(),
        rating: rating_to_proto(r.rating).into(),
        state: match r.state {
            RectificationState::Open => pb::RectificationState::Open,
            RectificationState::Replied => pb::RectificationState::Replied,
            RectificationState::Closed => pb::RectificationState::Closed,
        }
        .into(),
        opened_on: format_date(r.opened_on),
        due_date: format_date(r.due_on),
        overdue: r.overdue(today),
        call_back: r.call_back.as_ref().map(|c| pb::CallBack {
            at: Some(timestamp(c.at)),
            by: c.by.clone(),
            reached: c.reached,
            note: c.note.clone(),
        }),
        reply: r.reply.as_ref().map(|x| pb::RectificationReply {
            at: Some(timestamp(x.at)),
            by: x.by.clone(),
            measures: x.measures.clone(),
        }),
        closed_at: r.closed_at.map(timestamp),
        closed_by: r.closed_by.clone(),
        close_note: r.close_note.clone(),
        revision: r.revision,
    }
}

pub fn complaint_kind_from_proto(k: i32) -> Option<ComplaintKind> {
    match pb::ComplaintKind::try_from(k).ok()? {
        pb::ComplaintKind::Complaint => Some(ComplaintKind::Complaint),
        pb::ComplaintKind::Report => Some(ComplaintKind::Report),
        pb::ComplaintKind::Unspecified => None,
    }
}

fn complaint_kind(k: ComplaintKind) -> pb::ComplaintKind {
    match k {
        ComplaintKind::Complaint => pb::ComplaintKind::Complaint,
        ComplaintKind::Report => pb::ComplaintKind::Report,
    }
}

pub fn complaint_state_to_proto(s: ComplaintState) -> pb::ComplaintState {
    match s {
        ComplaintState::Received => pb::ComplaintState::Received,
        ComplaintState::Accepted => pb::ComplaintState::Accepted,
        ComplaintState::Rejected => pb::ComplaintState::Rejected,
        ComplaintState::Investigating => pb::ComplaintState::Investigating,
        ComplaintState::Concluded => pb::ComplaintState::Concluded,
        ComplaintState::FeedbackGiven => pb::ComplaintState::FeedbackGiven,
    }
}

pub fn complaint_state_from_proto(s: i32) -> Option<ComplaintState> {
    ComplaintState::ALL
        .into_iter()
        .find(|c| complaint_state_to_proto(*c) as i32 == s)
}

/// Who reads a complaint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComplaintView {
    /// A supervisor reading one complaint: everything.
    Supervisor,
    /// A supervisor's list: the phone and email masked.
    SupervisorList,
    /// Staff of the department concerned: never the complainant.
    Department,
}

/// `13812345678` as `138****5678`; short or landline numbers keep only their last four.
pub fn mask_phone(p: &str) -> String {
    let chars: Vec<char> = p.chars().collect();
    match chars.len() {
        0 => String::new(),
        11 => format!(
            "{}****{}",
            chars[..3].iter().collect::<String>(),
            chars[7..].iter().collect::<String>()
        ),
        n if n > 4 => format!(
            "{}{}",
            "*".repeat(n - 4),
            chars[n - 4..].iter().collect::<String>()
        ),
        n => "*".repeat(n),
    }
}

fn mask_email(e: &str) -> String {
    match e.split_once('@') {
        Some((user, domain)) => {
            let first: String = user.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None if e.is_empty() => String::new(),
        None => "***".into(),
    }
}

pub fn complaint_to_proto(
    c: &Complaint,
    view: ComplaintView,
    today: chrono::NaiveDate,
) -> pb::Complaint {
    let complainant = match view {
        ComplaintView::Department => None,
        ComplaintView::Supervisor => c.complainant.as_ref().map(|p| pb::Complainant {
            name: p.name.clone(),
            phone: p.phone.clone(),
            email: p.email.clone(),
        }),
        ComplaintView::SupervisorList => c.complainant.as_ref().map(|p| pb::Complainant {
            name: p.name.clone(),
            phone: mask_phone(&p.phone),
            email: mask_email(&p.email),
        }),
    };
    pb::Complaint {
        id: c.id.clone(),
        tracking_number: c.tracking_number.clone(),
        kind: complaint_kind(c.kind).into(),
        state: complaint_state_to_proto(c.state).into(),
        case_number: c.concerning.case_number.clone(),
        department_id: c.concerning.department_id.clone(),
        trading_project_id: c.concerning.trading_project_id.clone(),
        region_code: c.concerning.region_code.clone(),
        content: c.content.clone(),
        // Whether someone gave their name is itself a hint to a department.
        anonymous: view != ComplaintView::Department && c.complainant.is_none(),
        complainant,
        filed_at: Some(timestamp(c.filed_at)),
        step_due_date: opt_date(c.step_due_on),
        overdue: c.overdue(today),
        rejection_reason: c.rejection_reason.clone(),
        substantiated: c.substantiated,
        findings: c.findings.clone(),
        feedback: c.feedback.clone(),
        history: c
            .history
            .iter()
            .map(|s| pb::ComplaintStep {
                state: complaint_state_to_proto(s.state).into(),
                at: Some(timestamp(s.at)),
                by: s.by.clone(),
                note: s.note.clone(),
            })
            .collect(),
        revision: c.revision,
    }
}

/// What the complainant sees: states and dates, the outcome, never who handled it.
pub fn complaint_status(c: &Complaint) -> pb::ComplaintStatus {
    pb::ComplaintStatus {
        tracking_number: c.tracking_number.clone(),
        kind: complaint_kind(c.kind).into(),
        state: complaint_state_to_proto(c.state).into(),
        filed_at: Some(timestamp(c.filed_at)),
        step_due_date: opt_date(c.step_due_on),
        rejection_reason: c.rejection_reason.clone(),
        substantiated: c.substantiated,
        feedback: c.feedback.clone(),
        history: c
            .history
            .iter()
            .map(|s| pb::ComplaintStep {
                state: complaint_state_to_proto(s.state).into(),
                at: Some(timestamp(s.at)),
                by: String::new(),
                note: String::new(),
            })
            .collect(),
    }
}

pub fn complaint_changed(c: &Complaint) -> pb::ComplaintChanged {
    pb::ComplaintChanged {
        complaint_id: c.id.clone(),
        tracking_number: c.tracking_number.clone(),
        kind: complaint_kind(c.kind).into(),
        state: complaint_state_to_proto(c.state).into(),
        department_id: c.concerning.department_id.clone(),
        region_code: c.concerning.region_code.clone(),
    }
}

pub fn bulletin_kind_from_proto(k: i32) -> Option<BulletinKind> {
    match pb::BulletinKind::try_from(k).ok()? {
        pb::BulletinKind::Card => Some(BulletinKind::Card),
        pb::BulletinKind::Violation => Some(BulletinKind::Violation),
        pb::BulletinKind::Notice => Some(BulletinKind::Notice),
        pb::BulletinKind::Unspecified => None,
    }
}

pub fn bulletin_to_proto(b: &Bulletin) -> pb::Bulletin {
    pb::Bulletin {
        id: b.id.clone(),
        kind: match b.kind {
            BulletinKind::Card => pb::BulletinKind::Card,
            BulletinKind::Violation => pb::BulletinKind::Violation,
            BulletinKind::Notice => pb::BulletinKind::Notice,
        }
        .into(),
        title: b.title.clone(),
        body: b.body.clone(),
        department_id: b.department_id.clone(),
        region_code: b.region_code.clone(),
        warning_id: b.warning_id.clone(),
        violation_id: b.violation_id.clone(),
        published_at: Some(timestamp(b.published_at)),
        published_by: b.published_by.clone(),
    }
}

fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

pub fn figures(c: &Counts) -> pb::Figures {
    pb::Figures {
        accepted: count(c.accepted),
        concluded: count(c.concluded),
        concluded_on_time: count(c.on_time),
        on_time_rate: round(c.on_time_rate().unwrap_or(0.0)),
        average_working_days: round(c.average_working_days().unwrap_or(0.0)),
        average_promised_days: round(c.average_promised_days().unwrap_or(0.0)),
        early_warnings: count(c.early),
        yellow_cards: count(c.yellow),
        red_cards: count(c.red),
        violations: count(c.violations),
        evaluations: count(c.evaluations),
        average_rating: round(c.average_rating().unwrap_or(0.0)),
        good_rate: round(c.good_rate().unwrap_or(0.0)),
        complaints: count(c.complaints),
        substantiated_complaints: count(c.substantiated),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_masked_in_lists() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("0352-1234567"), "********4567");
        assert_eq!(mask_email("wang@example.com"), "w***@example.com");
    }
}
