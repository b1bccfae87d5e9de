//! A case after acceptance: its stages in the item's order, suspensions for the special
//! procedures the item allows, extensions within its maximum, fees charged against its fee
//! items and paid once, conclusion, and the applicant's withdrawal.
//!
//! Fees: a fee must be one of the pinned version's fee items (anything else is refused,
//! so nothing the catalog does not publish can go through the center's cashier). The
//! amount is recorded as charged: a reduction or waiver is lawful and an overcharge is
//! not, but deciding which is supervision's job, so a difference from the standard is
//! recorded and flagged rather than refused. A version that says the item is free yet
//! lists fee items (the catalog forbids it, imported data may not) is charged as listed
//! and every fee flagged `on_free_item`; a free item without fee items refuses every
//! charge by the first rule.

use onewindow_kit::error::Violations;

use super::case::{CaseState, ChargedFee, Conclusion, Extension, Outcome, StageState, Suspension};
use super::command::{CommandKind, FeeCharge};
use super::decide::Transition;
use super::error::CaseError;
use super::event::{CaseFact, StageDeadline};
use super::intake::{check_conclusion, check_text};
use super::terms::{SpecialProcedure, Stage};

/// The longest a suspension may be declared for: about a working year.
pub const MAX_DECLARED_DAYS: u32 = 250;
/// The largest single fee, in fen (one hundred million yuan).
pub const MAX_FEE_FEN: i64 = 10_000_000_000;
/// The most fees one charge may list: as many as the catalog lets an item list.
pub const MAX_FEES: usize = 50;

impl Transition<'_> {
    fn require_no_open_suspension(&self) -> Result<(), CaseError> {
        match self.case.open_suspension() {
            Some(s) => Err(self.precondition(format!(
                "the {} suspension is open: end it first",
                s.procedure.as_str()
            ))),
            None => Ok(()),
        }
    }

    /// Completes the current stage; stages complete in the item's order, none skipped,
    /// and conclude is completed by concluding.
    pub fn complete_stage(&mut self, stage: Stage, opinion: String) -> Result<(), CaseError> {
        let mut v = Violations::new();
        check_text(&mut v, "opinion", &opinion, true);
        CaseError::check(v)?;
        let Some(index) = self.current_index() else {
            return Err(self.precondition("no stage is active"));
        };
        let current = self.case.stages[index].clone();
        if stage == Stage::Accept {
            return Err(self.precondition("accept is completed by accepting the case"));
        }
        if stage != current.stage {
            return Err(self.precondition(format!(
                "the current stage is {}: stages complete in the item's order",
                current.stage.as_str()
            )));
        }
        if stage == Stage::Conclude {
            return Err(self.precondition("the conclude stage is completed by concluding the case"));
        }
        self.require_no_open_suspension()?;
        self.require_handler(&current)?;

        let due = current.due_date.unwrap_or(self.today);
        let record = &mut self.case.stages[index];
        record.state = StageState::Completed;
        record.completed_at = Some(self.now);
        record.completed_on = Some(self.today);
        record.actor = Some(self.actor.subject.clone());
        record.opinion = opinion.clone();
        let next = self.start_stage(index + 1)?;
        self.refresh_deadlines()?;
        self.log(CommandKind::CompleteStage, stage.as_str());
        let fact = CaseFact::StageCompleted {
            stage,
            handler_role: current.handler_role,
            started_on: current.started_on.unwrap_or(self.today),
            due_date: due,
            late: self.today > due,
            opinion_given: !opinion.trim().is_empty(),
            next,
        };
        self.emit(fact);
        Ok(())
    }

    pub fn start_suspension(
        &mut self,
        procedure: SpecialProcedure,
        reason: String,
        declared_days: u32,
    ) -> Result<(), CaseError> {
        let mut v = Violations::new();
        check_text(&mut v, "reason", &reason, true);
        v.check(
            !(1..=MAX_DECLARED_DAYS).contains(&declared_days),
            "declared_days",
            format!("must be between 1 and {MAX_DECLARED_DAYS} working days"),
        );
        CaseError::check(v)?;
        if !self.case.terms.allows(procedure) {
            return Err(self.precondition(format!(
                "the item does not allow the special procedure {}",
                procedure.as_str()
            )));
        }
        self.require_no_open_suspension()?;
        let Some(index) = self.current_index() else {
            return Err(self.precondition("no stage is active"));
        };
        let stage = self.case.stages[index].stage;
        self.case.suspensions.push(Suspension {
            procedure,
            reason: reason.clone(),
            declared_days,
            stage,
            started_on: self.today,
            ended_on: None,
            working_days: 0,
            started_by: self.actor.subject.clone(),
        });
        self.refresh_deadlines()?;
        self.log(CommandKind::StartSuspension, procedure.as_str());
        self.emit(CaseFact::SuspensionStarted {
            procedure,
            reason,
            declared_days,
            stage,
        });
        Ok(())
    }

    /// Ends the open suspension today; its working days move the case's and the stage's
    /// due dates.
    pub fn end_suspension(&mut self, note: String) -> Result<(), CaseError> {
        let mut v = Violations::new();
        check_text(&mut v, "note", &note, false);
        CaseError::check(v)?;
        let Some(open) = self.case.suspensions.iter().position(Suspension::is_open) else {
            return Err(self.precondition("no suspension is open"));
        };
        let started_on = self.case.suspensions[open].started_on;
        let working_days = self
            .calendar
            .count_working_days(started_on, self.today)?
            .value;
        let s = &mut self.case.suspensions[open];
        s.ended_on = Some(self.today);
        s.working_days = working_days;
        let s = s.clone();
        self.refresh_deadlines()?;
        let Some(deadlines) = self.case.deadlines.clone() else {
            return Err(self.precondition("the case has no deadlines"));
        };
        let stage = self.case.current_stage().and_then(|r| {
            Some(StageDeadline {
                stage: r.stage,
                started_on: r.started_on?,
                due_date: r.due_date?,
            })
        });
        self.log(CommandKind::EndSuspension, note);
        self.emit(CaseFact::SuspensionEnded {
            procedure: s.procedure,
            started_on,
            ended_on: self.today,
            declared_days: s.declared_days,
            working_days,
            deadlines,
            stage,
        });
        Ok(())
    }

    pub fn approve_extension(&mut self, days: u32, reason: String) -> Result<(), CaseError> {
        let mut v = Violations::new();
        check_text(&mut v, "reason", &reason, true);
        v.check(days == 0, "days", "must be at least 1 working day");
        CaseError::check(v)?;
        let max = self.case.terms.max_extension_days;
        if max == 0 {
            return Err(self.precondition("the item allows no extension"));
        }
        let total = self.case.extension_days().saturating_add(days);
        if total > max {
            return Err(self.precondition(format!(
                "extensions would total {total} working days, more than the item's maximum of {max}"
            )));
        }
        self.case.extensions.push(Extension {
            days,
            reason: reason.clone(),
            approved_by: self.actor.subject.clone(),
            approved_at: self.now,
        });
        self.refresh_deadlines()?;
        let Some(deadlines) = self.case.deadlines.clone() else {
            return Err(self.precondition("the case has no deadlines"));
        };
        self.log(CommandKind::ApproveExtension, format!("{days}"));
        self.emit(CaseFact::ExtensionApproved {
            days,
            reason,
            total_extension_days: total,
            max_extension_days: max,
            deadlines,
        });
        Ok(())
    }

    /// 办结: only once every stage before conclude is completed, with no suspension open,
    /// by the role the conclude step names. An approval needs the charged fees paid first:
    /// the result is handed over once the center's cashier has the money.
    pub fn conclude(&mut self, conclusion: Conclusion, opinion: String) -> Result<(), CaseError> {
        let mut v = Violations::new();
        check_conclusion(&mut v, &conclusion);
        check_text(&mut v, "opinion", &opinion, false);
        CaseError::check(v)?;
        let pending: Vec<&str> = self
            .case
            .stages
            .iter()
            .filter(|s| s.stage != Stage::Conclude && s.state != StageState::Completed)
            .map(|s| s.stage.as_str())
            .collect();
        if !pending.is_empty() {
            return Err(self.precondition(format!(
                "the stages before conclude are not completed: {}",
                pending.join(", ")
            )));
        }
        let Some(index) = self.current_index() else {
            return Err(self.precondition("no stage is active"));
        };
        let current = self.case.stages[index].clone();
        if current.stage != Stage::Conclude {
            return Err(
                self.precondition(format!("the current stage is {}", current.stage.as_str()))
            );
        }
        self.require_no_open_suspension()?;
        self.require_handler(&current)?;
        self.require_paid(&conclusion)?;
        self.finish_conclusion(conclusion, opinion, false)?;
        self.log(CommandKind::Conclude, String::new());
        Ok(())
    }

    pub fn require_paid(&self, conclusion: &Conclusion) -> Result<(), CaseError> {
        let unpaid = self.case.unpaid_fen();
        if matches!(conclusion, Conclusion::Approved { .. }) && unpaid > 0 {
            return Err(self.precondition(format!("{unpaid} fen of fees are charged and not paid")));
        }
        Ok(())
    }

    /// Completes the conclude stage and closes the case with its outcome.
    pub fn finish_conclusion(
        &mut self,
        conclusion: Conclusion,
        opinion: String,
        immediate: bool,
    ) -> Result<(), CaseError> {
        if let Some(record) = self
            .case
            .stages
            .iter_mut()
            .find(|s| s.stage == Stage::Conclude)
        {
            record.state = StageState::Completed;
            record.completed_at = Some(self.now);
            record.completed_on = Some(self.today);
            record.actor = Some(self.actor.subject.clone());
            record.opinion = opinion;
        }
        self.case.outcome = Some(Outcome {
            conclusion: conclusion.clone(),
            concluded_at: self.now,
            concluded_on: self.today,
            immediate,
        });
        self.close(CaseState::Concluded);
        self.refresh_deadlines()?;
        let Some(deadlines) = self.case.deadlines.clone() else {
            return Err(self.precondition("the case has no deadlines"));
        };
        let elapsed = self
            .calendar
            .count_working_days(deadlines.accepted_on, self.today)?
            .value;
        let (reason_given, legal_basis_given) = match &conclusion {
            Conclusion::Approved { .. } => (false, false),
            Conclusion::Denied {
                reason,
                legal_basis,
            } => (!reason.trim().is_empty(), !legal_basis.trim().is_empty()),
        };
        self.emit(CaseFact::Concluded {
            conclusion,
            reason_given,
            legal_basis_given,
            immediate,
            late: self.today > deadlines.planned_due_date,
            past_statutory_limit: self.today > deadlines.latest_due_date,
            working_days_used: elapsed.saturating_sub(deadlines.suspended_days),
            deadlines,
            fees: self.case.fees.clone(),
        });
        Ok(())
    }

    /// The applicant withdraws before conclusion; an open suspension ends with it.
    pub fn withdraw(&mut self, reason: String) -> Result<(), CaseError> {
        let mut v = Violations::new();
        check_text(&mut v, "reason", &reason, false);
        CaseError::check(v)?;
        if let Some(open) = self.case.suspensions.iter().position(Suspension::is_open) {
            let started_on = self.case.suspensions[open].started_on;
            let days = self
                .calendar
                .count_working_days(started_on, self.today)?
                .value;
            let s = &mut self.case.suspensions[open];
            s.ended_on = Some(self.today);
            s.working_days = days;
        }
        if let Some(i) = self.current_index() {
            self.case.stages[i].suspended_days = self.suspended_in(self.case.stages[i].stage)?;
        }
        let from_state = self.case.state;
        self.case.withdrawal_reason = Some(reason.clone());
        self.close(CaseState::Withdrawn);
        self.log(CommandKind::Withdraw, reason.clone());
        self.emit(CaseFact::Withdrawn { from_state, reason });
        Ok(())
    }

    /// Charges every fee of the case at once (see the module's note on flags).
    pub fn charge_fees(&mut self, fees: Vec<FeeCharge>) -> Result<(), CaseError> {
        let mut v = Violations::new();
        v.check_items(fees.len(), MAX_FEES, "fees");
        v.check(fees.is_empty(), "fees", "must charge at least one fee");
        for (i, fee) in fees.iter().enumerate() {
            if self.case.terms.fee_item(&fee.fee_id).is_none() {
                v.add(
                    format!("fees[{i}].fee_id"),
                    format!("{} is not a fee item of the item version", fee.fee_id),
                );
            } else if fees[..i].iter().any(|f| f.fee_id == fee.fee_id) {
                v.add(
                    format!("fees[{i}].fee_id"),
                    format!("{} is charged twice", fee.fee_id),
                );
            }
            v.check(
                !(0..=MAX_FEE_FEN).contains(&fee.amount_fen),
                format!("fees[{i}].amount_fen"),
                format!("must be between 0 and {MAX_FEE_FEN} fen"),
            );
        }
        CaseError::check(v)?;
        if self.case.state == CaseState::Submitted && !self.case.terms.is_immediate() {
            return Err(self.precondition("fees are charged after acceptance"));
        }
        if !self.case.fees.is_empty() {
            return Err(self.precondition("the fees are already charged: they are charged once"));
        }
        let free = self.case.terms.free_of_charge;
        let mut charged = Vec::with_capacity(fees.len());
        for fee in fees {
            let Some(item) = self.case.terms.fee_item(&fee.fee_id) else {
                continue;
            };
            charged.push(ChargedFee {
                fee_id: item.id.clone(),
                name: item.name.clone(),
                amount_fen: fee.amount_fen,
                standard_amount_fen: item.amount_fen,
                deviates_from_standard: fee.amount_fen != item.amount_fen,
                on_free_item: free,
                charged_at: self.now,
                charged_by: self.actor.subject.clone(),
                paid_at: None,
                payment_reference: None,
            });
        }
        let total_fen = charged.iter().map(|f| f.amount_fen).sum::<i64>();
        let deviates = charged.iter().any(|f| f.deviates_from_standard);
        self.case.fees = charged.clone();
        self.log(CommandKind::ChargeFees, format!("{total_fen} fen"));
        self.emit(CaseFact::FeesCharged {
            fees: charged,
            total_fen,
            free_of_charge: free,
            deviates_from_standard: deviates,
        });
        Ok(())
    }

    /// The one payment of every charged fee (统一收费).
    pub fn record_payment(
        &mut self,
        payment_reference: String,
        amount_fen: i64,
    ) -> Result<(), CaseError> {
        let mut v = Violations::new();
        check_text(&mut v, "payment_reference", &payment_reference, true);
        CaseError::check(v)?;
        if self.case.fees.is_empty() {
            return Err(self.precondition("no fees are charged"));
        }
        let total = self.case.unpaid_fen();
        if self.case.fees.iter().all(|f| f.paid_at.is_some()) {
            return Err(self.precondition("the fees are already paid"));
        }
        if amount_fen != total {
            return Err(CaseError::invalid(
                "amount_fen",
                format!("must equal the total charged, {total} fen"),
            ));
        }
        for fee in &mut self.case.fees {
            fee.paid_at = Some(self.now);
            fee.payment_reference = Some(payment_reference.clone());
        }
        self.log(CommandKind::RecordPayment, format!("{total} fen"));
        self.emit(CaseFact::PaymentRecorded {
            total_fen: total,
            payment_reference,
        });
        Ok(())
    }
}
