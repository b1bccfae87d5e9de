//! Submission and intake (受理): a case comes in, and a clerk of the item's department
//! accepts it (the clock starts), refuses it, or asks once for everything missing
//! (一次性告知) until the applicant resubmits. An immediate item is accepted and concluded
//! in one act.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use onewindow_kit::auth::Role;
use onewindow_kit::error::Violations;
use onewindow_kit::uploads;

use super::applicant::Applicant;
use super::case::{
    Case, CaseMaterial, CaseState, Channel, Conclusion, IntakeRefusal, NewMaterial, StageRecord,
    StageState, SupplementItem, SupplementNotice, TimelineEntry,
};
use super::command::{Actor, CommandKind};
use super::decide::Transition;
use super::error::CaseError;
use super::event::{CaseFact, DomainEvent, EventActor, EventContext};
use super::number::CaseNumber;
use super::terms::{ItemTerms, Stage};

/// Longest free text (reasons, opinions, notes), in characters.
pub const MAX_TEXT_CHARS: usize = 2000;
/// The largest file a material may be (20 MiB), and all the files of one submission,
/// resubmission or bundle together (40 MiB): see `onewindow_kit::uploads`, where they are
/// stated for everyone on an upload's path. The gRPC server's decoding limit is derived
/// from them (`rpc::MAX_MESSAGE_BYTES`), so a file over them gets this domain's refusal.
pub const MAX_MATERIAL_BYTES: u64 = uploads::CASE_MATERIALS.per_file as u64;
pub const MAX_SUBMISSION_BYTES: u64 = uploads::CASE_MATERIALS.per_request as u64;
/// Longest file name of a material, in characters (what file systems keep).
pub const MAX_FILE_NAME_CHARS: usize = 255;
/// Longest media type (RFC 6838 allows 127 characters on each side of the slash).
pub const MAX_CONTENT_TYPE_CHARS: usize = uploads::MAX_MEDIA_TYPE_CHARS;
/// Longest id a request names a material by (the catalog's ids are short codes).
pub const MAX_MATERIAL_ID_CHARS: usize = 64;
/// The most materials one request may give or name: as many as the catalog lets an item
/// (or a bundle, shared) list.
pub const MAX_MATERIALS: usize = 100;

/// A new application, as the service has prepared it: ids and number allocated, files
/// stored, the item version in force fetched from the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub id: String,
    pub case_number: CaseNumber,
    pub terms: ItemTerms,
    pub applicant: Applicant,
    /// `Online` by an applicant for themself, `Window` by a clerk of the item's department.
    pub channel: Channel,
    /// The applicant's account (online submissions).
    pub applicant_subject: Option<String>,
    pub materials: Vec<NewMaterial>,
    pub bundle_case_id: Option<String>,
}

/// Creates a case. The children of a bundle are submitted by the service itself (role
/// `service`) once the bundle's submission was authorized, with the bundle's channel and
/// applicant account; anyone else submits only as the channel says.
pub fn submit(
    submission: Submission,
    actor: &Actor,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(Case, Vec<DomainEvent>), CaseError> {
    let s = submission;
    let t = &s.terms;
    let role = if actor.has(Role::Service) {
        Role::Service
    } else {
        match s.channel {
            Channel::Online
                if actor.has(Role::Applicant)
                    && s.applicant_subject.as_deref() == Some(actor.subject.as_str()) =>
            {
                Role::Applicant
            }
            // A clerk enters what the applicant hands over; linking an account is for the
            // applicant themself, so a clerk cannot give someone else's case to an account.
            Channel::Window
                if actor.has(Role::Clerk)
                    && actor.works_for(&t.department_id, &t.region_code)
                    && s.applicant_subject.is_none() =>
            {
                Role::Clerk
            }
            Channel::Online => {
                return Err(CaseError::denied(
                    "an online application is submitted by the applicant for themself",
                ))
            }
            Channel::Window => {
                return Err(CaseError::denied(format!(
                    "only a clerk of {} in {} may submit at its window",
                    t.department_id, t.region_code
                )))
            }
        }
    };
    t.validate()?;
    if !t.in_force_on(today) || (t.cancelled && t.valid_until.is_none()) {
        return Err(CaseError::NotInForce {
            item_id: t.item_id.clone(),
            version: t.version,
            on: today,
        });
    }
    let mut v = Violations::new();
    v.check(s.id.trim().is_empty(), "id", "must not be empty");
    v.check(
        s.case_number.region_code() != t.region_code,
        "case_number",
        format!("must be numbered in the item's region {}", t.region_code),
    );
    v.check(
        s.case_number.year() != today.year(),
        "case_number",
        format!(
            "must be numbered in the year of submission {}",
            today.year()
        ),
    );
    v.extend_prefixed("applicant", s.applicant.validate());
    check_materials(t, &s.materials, &mut v);
    CaseError::check(v)?;

    let case = Case {
        id: s.id,
        case_number: s.case_number,
        state: CaseState::Submitted,
        applicant: s.applicant,
        applicant_subject: s.applicant_subject,
        channel: s.channel,
        materials: s
            .materials
            .into_iter()
            .map(|m| into_case_material(m, now, 0))
            .collect(),
        submitted_at: now,
        submitted_on: today,
        accepted_on: None,
        deadlines: None,
        stages: Vec::new(),
        suspensions: Vec::new(),
        extensions: Vec::new(),
        supplement_notices: Vec::new(),
        fees: Vec::new(),
        outcome: None,
        intake_refusal: None,
        withdrawal_reason: None,
        closed_at: None,
        timeline: vec![TimelineEntry {
            at: now,
            actor_role: role,
            action: "submit".into(),
            note: String::new(),
        }],
        bundle_case_id: s.bundle_case_id,
        revision: 1,
        terms: s.terms,
    };
    let actor = EventActor {
        subject: actor.subject.clone(),
        role,
        department: actor.department.clone(),
    };
    let fact = CaseFact::Submitted {
        channel: case.channel,
        applicant_kind: case.applicant.kind,
        material_ids: case.material_ids(),
    };
    let event = DomainEvent {
        context: EventContext::of(&case, actor, today, now),
        fact,
    };
    Ok((case, vec![event]))
}

fn into_case_material(m: NewMaterial, now: DateTime<Utc>, round: u32) -> CaseMaterial {
    CaseMaterial {
        id: m.id,
        material_id: m.material_id,
        name: m.name,
        content_type: m.content_type,
        size_bytes: m.size_bytes,
        sha256: m.sha256,
        shared_material_id: m.shared_material_id,
        submitted_at: now,
        round,
    }
}

/// Files must provide the item's materials, one file per material in one request.
fn check_materials(terms: &ItemTerms, materials: &[NewMaterial], v: &mut Violations) {
    // A bundle's shared file given under several materials is one file: counted once.
    let mut files = BTreeSet::new();
    let total = materials
        .iter()
        .filter(|m| files.insert(m.id.as_str()))
        .fold(0u64, |sum, m| sum.saturating_add(m.size_bytes));
    check_total_size(v, "materials", total);
    let mut seen = BTreeSet::new();
    for (i, m) in materials.iter().enumerate() {
        let at = |f: &str| format!("materials[{i}].{f}");
        v.check(m.id.trim().is_empty(), at("id"), "must not be empty");
        if terms.material(&m.material_id).is_none() {
            v.add(
                at("material_id"),
                format!(
                    "{} is not a material of item {}",
                    m.material_id, terms.item_id
                ),
            );
        } else if !seen.insert(m.material_id.as_str()) {
            v.add(
                at("material_id"),
                format!("{} is given twice", m.material_id),
            );
        }
        check_file(v, &at, &m.name, &m.content_type);
        check_file_size(v, at("content"), m.size_bytes);
        v.check(
            m.sha256.len() != 64
                || !m
                    .sha256
                    .bytes()
                    .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
            at("sha256"),
            "must be 64 lowercase hex digits",
        );
    }
}

/// What a file must be whatever it is given for: a name a file system keeps and a media
/// type a download can hand back. `at` names a field of the upload as the request does
/// (`materials[0].file_name`, `shared_materials[1].content_type`).
pub fn check_file(v: &mut Violations, at: &dyn Fn(&str) -> String, name: &str, content_type: &str) {
    v.check(name.trim().is_empty(), at("file_name"), "must not be empty");
    v.check(
        name.chars().count() > MAX_FILE_NAME_CHARS || name.chars().any(char::is_control),
        at("file_name"),
        format!(
            "must be at most {MAX_FILE_NAME_CHARS} characters, none of them control characters"
        ),
    );
    v.check(
        !uploads::is_media_type(content_type),
        at("content_type"),
        "must be a media type such as application/pdf",
    );
}

/// The files of one request, each given as the field path of its content and its size:
/// each within [`MAX_MATERIAL_BYTES`], all within [`MAX_SUBMISSION_BYTES`] (reported on
/// `total_field`). For requests the domain sees only in parts, such as a bundle's.
pub fn check_file_sizes(v: &mut Violations, files: &[(String, u64)], total_field: &str) {
    let mut total = 0u64;
    for (field, size) in files {
        check_file_size(v, field.as_str(), *size);
        total = total.saturating_add(*size);
    }
    check_total_size(v, total_field, total);
}

fn check_file_size(v: &mut Violations, field: impl Into<String>, size: u64) {
    v.check(
        size == 0 || size > MAX_MATERIAL_BYTES,
        field,
        format!(
            "must be 1 byte to {} MiB ({MAX_MATERIAL_BYTES} bytes)",
            MAX_MATERIAL_BYTES >> 20
        ),
    );
}

fn check_total_size(v: &mut Violations, field: &str, total: u64) {
    v.check(
        total > MAX_SUBMISSION_BYTES,
        field,
        format!(
            "the files must be at most {} MiB ({MAX_SUBMISSION_BYTES} bytes) together",
            MAX_SUBMISSION_BYTES >> 20
        ),
    );
}

/// A required free text: not blank, not endless.
pub(crate) fn check_text(v: &mut Violations, field: &str, text: &str, required: bool) {
    if required && text.trim().is_empty() {
        v.add(field, "must not be empty");
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        v.add(
            field,
            format!("must be at most {MAX_TEXT_CHARS} characters"),
        );
    }
}

pub(crate) fn check_conclusion(v: &mut Violations, conclusion: &Conclusion) {
    match conclusion {
        Conclusion::Approved { result_reference } => {
            check_text(v, "conclusion.result_reference", result_reference, true)
        }
        Conclusion::Denied {
            reason,
            legal_basis,
        } => {
            check_text(v, "conclusion.reason", reason, true);
            check_text(v, "conclusion.legal_basis", legal_basis, true);
        }
    }
}

impl Transition<'_> {
    pub fn accept(&mut self, note: String) -> Result<(), CaseError> {
        let mut v = Violations::new();
        check_text(&mut v, "note", &note, false);
        CaseError::check(v)?;
        if self.case.terms.is_immediate() {
            return Err(self.precondition(
                "an immediate item is accepted and concluded in one act: conclude it immediately",
            ));
        }
        self.require_materials(&[Stage::Accept])?;
        self.start_clock(&note, false)?;
        self.log(CommandKind::Accept, note);
        Ok(())
    }

    /// Every required material of `stages` must be present; otherwise the clerk asks for
    /// all of them at once instead.
    fn require_materials(&self, stages: &[Stage]) -> Result<(), CaseError> {
        let missing: Vec<&str> = self
            .case
            .missing_required(stages)
            .iter()
            .map(|m| m.id.as_str())
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        Err(self.precondition(format!(
            "required materials missing: {}; request a supplement instead",
            missing.join(", ")
        )))
    }

    /// Acceptance: the accept stage done today, the next stage active, the deadlines set.
    pub fn start_clock(&mut self, note: &str, immediate: bool) -> Result<(), CaseError> {
        let today = self.today;
        self.case.accepted_on = Some(today);
        self.case.state = CaseState::InProgress;
        self.case.stages = self
            .case
            .terms
            .steps
            .iter()
            .map(|step| StageRecord {
                stage: step.stage,
                handler_role: step.handler_role,
                limit_days: step.limit_days,
                state: StageState::Pending,
                started_on: None,
                due_date: None,
                completed_at: None,
                completed_on: None,
                actor: None,
                opinion: String::new(),
                suspended_days: 0,
            })
            .collect();
        if let Some(accept) = self.case.stages.first_mut() {
            accept.state = StageState::Completed;
            accept.started_on = Some(today);
            accept.due_date = Some(today);
            accept.completed_at = Some(self.now);
            accept.completed_on = Some(today);
            accept.actor = Some(self.actor.subject.clone());
            accept.opinion = note.to_string();
        }
        let next = self.start_stage(1)?;
        self.refresh_deadlines()?;
        let Some(deadlines) = self.case.deadlines.clone() else {
            return Ok(());
        };
        let intake_working_days = self
            .calendar
            .count_working_days(self.case.submitted_on, today)?
            .value;
        let fact = CaseFact::Accepted {
            deadlines,
            stages: next.into_iter().collect(),
            material_ids: self.case.material_ids(),
            window_authorization: self.case.terms.window_authorization,
            immediate,
            intake_working_days,
        };
        self.emit(fact);
        Ok(())
    }

    pub fn refuse_intake(&mut self, reason: String, legal_basis: String) -> Result<(), CaseError> {
        let mut v = Violations::new();
        check_text(&mut v, "reason", &reason, true);
        check_text(&mut v, "legal_basis", &legal_basis, true);
        CaseError::check(v)?;
        self.case.intake_refusal = Some(IntakeRefusal {
            reason: reason.clone(),
            legal_basis: legal_basis.clone(),
            refused_at: self.now,
        });
        self.close(CaseState::IntakeRefused);
        self.log(CommandKind::RefuseIntake, reason.clone());
        let fact = CaseFact::IntakeRefused {
            reason_given: !reason.trim().is_empty(),
            legal_basis_given: !legal_basis.trim().is_empty(),
            reason,
            legal_basis,
            material_ids: self.case.material_ids(),
        };
        self.emit(fact);
        Ok(())
    }

    /// One notice naming every missing or defective material. It must name at least one
    /// and every missing required material of the accept stage. A later notice may only
    /// repeat what was resubmitted or named before without being flagged: anything else
    /// was there at the first notice and should have been named then.
    pub fn request_supplement(&mut self, items: Vec<SupplementItem>) -> Result<(), CaseError> {
        let mut v = Violations::new();
        v.check_items(items.len(), MAX_MATERIALS, "items");
        v.check(items.is_empty(), "items", "must name at least one material");
        let mut named = BTreeSet::new();
        for (i, item) in items.iter().enumerate() {
            let field = format!("items[{i}].material_id");
            if self.case.terms.material(&item.material_id).is_none() {
                v.add(
                    field,
                    format!("{} is not a material of the item", item.material_id),
                );
            } else if !named.insert(item.material_id.as_str()) {
                v.add(field, format!("{} is named twice", item.material_id));
            }
            check_text(&mut v, &format!("items[{i}].problem"), &item.problem, true);
        }
        let unnamed: Vec<&str> = self
            .case
            .missing_required(&[Stage::Accept])
            .iter()
            .map(|m| m.id.as_str())
            .filter(|id| !named.contains(id))
            .collect();
        v.check(
            !unnamed.is_empty() && !items.is_empty(),
            "items",
            format!(
                "the notice must name every missing required material at once: {}",
                unnamed.join(", ")
            ),
        );
        CaseError::check(v)?;

        let earlier: BTreeSet<&str> = self
            .case
            .supplement_notices
            .iter()
            .flat_map(|n| n.items.iter().map(|i| i.material_id.as_str()))
            .collect();
        let late_named: Vec<String> = if self.case.supplement_notices.is_empty() {
            Vec::new()
        } else {
            named
                .iter()
                .filter(|id| !earlier.contains(*id))
                .filter(|id| {
                    // Absent all along, or present since submission and never replaced.
                    self.case
                        .materials
                        .iter()
                        .find(|m| m.material_id == **id)
                        .is_none_or(|m| m.round == 0)
                })
                .map(|id| id.to_string())
                .collect()
        };
        let number = u32::try_from(self.case.supplement_notices.len()).unwrap_or(u32::MAX - 1) + 1;
        self.case.supplement_notices.push(SupplementNotice {
            number,
            items: items.clone(),
            issued_at: self.now,
            issued_by: self.actor.subject.clone(),
            late_named_material_ids: late_named.clone(),
        });
        self.case.state = CaseState::SupplementRequested;
        let names: Vec<&str> = items.iter().map(|i| i.material_id.as_str()).collect();
        self.log(CommandKind::RequestSupplement, names.join(", "));
        let fact = CaseFact::SupplementRequested {
            notice_number: number,
            items,
            late_named_material_ids: late_named,
            material_ids: self.case.material_ids(),
        };
        self.emit(fact);
        Ok(())
    }

    /// Adds or replaces materials (a file for a material present supersedes it); the case
    /// returns to intake.
    pub fn resubmit(&mut self, materials: Vec<NewMaterial>) -> Result<(), CaseError> {
        let mut v = Violations::new();
        v.check(
            materials.is_empty(),
            "materials",
            "must give at least one file",
        );
        check_materials(&self.case.terms, &materials, &mut v);
        CaseError::check(v)?;
        let round = u32::try_from(self.case.supplement_notices.len()).unwrap_or(u32::MAX);
        let mut changed: Vec<String> = Vec::new();
        for m in materials {
            changed.push(m.material_id.clone());
            self.case
                .materials
                .retain(|old| old.material_id != m.material_id);
            self.case
                .materials
                .push(into_case_material(m, self.now, round));
        }
        changed.sort();
        self.case.state = CaseState::Submitted;
        self.log(CommandKind::Resubmit, changed.join(", "));
        let fact = CaseFact::Resubmitted {
            changed_material_ids: changed,
            material_ids: self.case.material_ids(),
        };
        self.emit(fact);
        Ok(())
    }

    /// 即办件: accepted and concluded on the spot. Every required material is needed now,
    /// whatever stage the item files it under, since every stage happens now.
    pub fn conclude_immediately(
        &mut self,
        conclusion: Conclusion,
        opinion: String,
    ) -> Result<(), CaseError> {
        let mut v = Violations::new();
        check_conclusion(&mut v, &conclusion);
        check_text(&mut v, "opinion", &opinion, false);
        CaseError::check(v)?;
        if !self.case.terms.is_immediate() {
            return Err(self.precondition(
                "only an immediate item is concluded on the spot: accept it and go through its stages",
            ));
        }
        self.require_materials(&Stage::ALL)?;
        self.require_paid(&conclusion)?;
        if let Some(step) = self.case.terms.step(Stage::Conclude) {
            let needed = super::decide::handler_role(step.handler_role);
            if !self.actor.has(needed) {
                return Err(CaseError::denied(format!(
                    "the conclude step of {} is handled by {}",
                    self.case.terms.item_id,
                    super::decide::handler_name(step.handler_role)
                )));
            }
        }
        self.start_clock("", true)?;
        self.finish_conclusion(conclusion, opinion, true)?;
        self.log(CommandKind::ConcludeImmediately, String::new());
        Ok(())
    }
}

#[cfg(test)]
mod material_limits {
    use super::*;
    use crate::domain::fixtures::{file, promised_terms};

    fn problems(m: NewMaterial) -> Vec<String> {
        problems_of(&[m])
    }

    fn problems_of(materials: &[NewMaterial]) -> Vec<String> {
        let mut v = Violations::new();
        check_materials(&promised_terms(), materials, &mut v);
        v.as_slice().iter().map(|x| x.field.clone()).collect()
    }

    fn sized(material_id: &str, size_bytes: u64) -> NewMaterial {
        NewMaterial {
            size_bytes,
            ..file(material_id, 1)
        }
    }

    #[test]
    fn a_material_over_its_limit_is_refused_naming_its_content() {
        assert!(problems(sized("m1", MAX_MATERIAL_BYTES)).is_empty());
        assert_eq!(
            problems(sized("m1", MAX_MATERIAL_BYTES + 1)),
            ["materials[0].content"]
        );
        assert_eq!(problems(sized("m1", 0)), ["materials[0].content"]);
        let mut v = Violations::new();
        check_materials(
            &promised_terms(),
            &[sized("m1", 1), sized("m3", MAX_MATERIAL_BYTES + 1)],
            &mut v,
        );
        let refusal = &v.as_slice()[0];
        assert_eq!(refusal.field, "materials[1].content");
        assert!(refusal.description.contains("20 MiB"), "{refusal:?}");
    }

    #[test]
    fn the_files_of_one_submission_are_limited_together() {
        let half = MAX_SUBMISSION_BYTES / 2;
        assert!(problems_of(&[sized("m1", half), sized("m2", half)]).is_empty());
        assert_eq!(
            problems_of(&[sized("m1", half), sized("m2", half), sized("m3", 1)]),
            ["materials"]
        );
        // A bundle's shared file given under several materials is stored, and counted, once.
        let shared = |material_id: &str| NewMaterial {
            id: "shared-file".into(),
            ..sized(material_id, MAX_MATERIAL_BYTES)
        };
        assert!(problems_of(&[shared("m1"), shared("m2"), shared("m3")]).is_empty());
    }

    #[test]
    fn a_bundles_files_are_checked_each_and_together() {
        let mut v = Violations::new();
        let files = [
            (
                "shared_materials[0].content".to_string(),
                MAX_MATERIAL_BYTES,
            ),
            (
                "item_materials[0].materials[0].content".to_string(),
                MAX_MATERIAL_BYTES + 1,
            ),
        ];
        check_file_sizes(&mut v, &files, "item_materials");
        let fields: Vec<&str> = v.as_slice().iter().map(|x| x.field.as_str()).collect();
        assert_eq!(
            fields,
            ["item_materials[0].materials[0].content", "item_materials"]
        );
    }

    #[test]
    fn material_file_names_and_types_are_bounded() {
        assert!(problems(file("m1", 1)).is_empty());
        let long_name = NewMaterial {
            name: "长".repeat(MAX_FILE_NAME_CHARS + 1),
            ..file("m1", 1)
        };
        assert_eq!(problems(long_name), ["materials[0].file_name"]);
        for bad in [
            "",
            "pdf",
            "application/",
            "text/html\r\nx-evil: 1",
            "图片/png",
        ] {
            let m = NewMaterial {
                content_type: bad.into(),
                ..file("m1", 1)
            };
            assert_eq!(problems(m), ["materials[0].content_type"], "{bad:?}");
        }
        for good in [
            "image/jpeg",
            "application/vnd.ms-excel",
            "text/plain; charset=utf-8",
        ] {
            let m = NewMaterial {
                content_type: good.into(),
                ..file("m1", 1)
            };
            assert!(problems(m).is_empty(), "{good:?}");
        }
    }
}
