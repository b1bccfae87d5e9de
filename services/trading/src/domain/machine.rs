//! The project's state machine: one function from a project and a command to the project
//! after it and the events it caused, or an error naming the state and the command.
//!
//! Time moves a project too (announced -> bidding at the start of bidding, an auction closes
//! at its end, an award becomes final when its publicity ends with no open objection).
//! [`advance`] applies what time has brought before any command, so a command never sees a
//! stale state even when the chronograph is late; the chronograph only makes these moves
//! happen (and their events appear) on time.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::auction::Quote;
use super::award::{awards_from, AwardStatus};
use super::error::TradingError;
use super::evaluation::{evaluate, ScoreSheet};
use super::experts::{draw_panel, Conflicts, Expert};
use super::kinds::ProjectState;
use super::moves::*;
use super::opening::{failure_reason, open, UnsealedBid};
use super::party::Party;
use super::project::Project;

use ProjectState as S;

/// What an amendment changes; `None` keeps a value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AmendmentInput {
    pub summary: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub material: bool,
    pub bid_deadline: Option<DateTime<Utc>>,
    pub opening_at: Option<DateTime<Utc>>,
    /// `None` moves the evaluation end with the opening.
    pub evaluation_end: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Amend(AmendmentInput),
    Announce,
    Cancel {
        reason: String,
    },
    SubmitBid {
        lot_id: String,
    },
    WithdrawBid,
    OpenBids {
        bids: Vec<UnsealedBid>,
        draw_seed: String,
    },
    DrawExperts {
        pool: Vec<Expert>,
    },
    Evaluate {
        sheets: Vec<ScoreSheet>,
    },
    PublicizeAward,
    FileObjection {
        subject: String,
        objector: Party,
        text: String,
        took_part: bool,
    },
    AnswerObjection {
        objection_id: String,
        answer: String,
        upheld: bool,
    },
    RecordContract {
        award_id: String,
        title: String,
        value_fen: i64,
        signed_on: NaiveDate,
    },
    Quote {
        subject: String,
        bidder: Party,
        amount_fen: i64,
    },
    /// Only what time has brought.
    Tick,
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Command::Amend(_) => "amend",
            Command::Announce => "announce",
            Command::Cancel { .. } => "cancel",
            Command::SubmitBid { .. } => "submit_bid",
            Command::WithdrawBid => "withdraw_bid",
            Command::OpenBids { .. } => "open_bids",
            Command::DrawExperts { .. } => "draw_experts",
            Command::Evaluate { .. } => "evaluate",
            Command::PublicizeAward => "publicize_award",
            Command::FileObjection { .. } => "file_objection",
            Command::AnswerObjection { .. } => "answer_objection",
            Command::RecordContract { .. } => "record_contract",
            Command::Quote { .. } => "submit_quote",
            Command::Tick => "tick",
        }
    }
}

/// What happened, for the outbox; the facts are read from the project after the decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainEvent {
    Announced,
    Amended,
    BiddingStarted,
    BidReceived,
    BidWithdrawn,
    Opened,
    Failed,
    Cancelled,
    PanelDrawn,
    Evaluated,
    AwardPublicized,
    AwardsCancelled,
    ObjectionFiled(String),
    ObjectionAnswered(String),
    Awarded,
    ContractSigned(String),
    QuotePlaced(Quote),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub project: Project,
    /// Brought by time before the command (the chronograph's, in the audit trail).
    pub timed: Vec<DomainEvent>,
    /// Caused by the command, in order.
    pub events: Vec<DomainEvent>,
}

impl Decision {
    pub fn changed(&self, before: &Project) -> bool {
        self.project != *before
    }
}

/// Decides `command` on `project` at `now`.
pub fn decide(
    project: &Project,
    command: Command,
    now: DateTime<Utc>,
) -> Result<Decision, TradingError> {
    let (mut p, timed) = advance(project, now);
    let mut events = apply(&mut p, command, now)?;
    // What the command set in motion at once (bidding that starts on announcement, an
    // award that becomes final with the last answer) belongs to the command.
    let (after, more) = advance(&p, now);
    p = after;
    events.extend(more);
    if p != *project {
        p.revision = project.revision + 1;
        p.updated_at = now;
    }
    Ok(Decision {
        project: p,
        timed,
        events,
    })
}

/// What time has brought by `now`: each move at the instant it became due.
pub fn advance(project: &Project, now: DateTime<Utc>) -> (Project, Vec<DomainEvent>) {
    let mut p = project.clone();
    let mut events = Vec::new();
    loop {
        match p.state {
            S::Announced if now >= p.periods.bid_start => {
                p.state = S::Bidding;
                events.push(DomainEvent::BiddingStarted);
            }
            S::Bidding => match p.auction.clone() {
                Some(a) if now >= a.end => events.push(close_auction(&mut p, &a)),
                _ => break,
            },
            S::AwardPublicized if !p.has_open_objection() => {
                let Some(end) = p.periods.award_publicity_end else {
                    break;
                };
                if now < end {
                    break;
                }
                let last_answer = p.objections.iter().filter_map(|o| o.answered_at).max();
                let final_at = last_answer.map_or(end, |a| a.max(end));
                for a in p
                    .awards
                    .iter_mut()
                    .filter(|a| a.status == AwardStatus::Pending)
                {
                    a.status = AwardStatus::Active;
                    a.final_at = Some(final_at);
                }
                p.state = S::Awarded;
                events.push(DomainEvent::Awarded);
            }
            _ => break,
        }
    }
    (p, events)
}

fn apply(
    p: &mut Project,
    command: Command,
    now: DateTime<Utc>,
) -> Result<Vec<DomainEvent>, TradingError> {
    let name = command.name();
    match (p.state, command) {
        (_, Command::Tick) => Ok(Vec::new()),
        (S::Draft | S::Announced | S::Bidding, Command::Amend(input)) => {
            super::amend::amend(p, input, now)
        }
        (S::Draft, Command::Announce) => super::amend::announce(p, now),
        (
            S::Draft | S::Announced | S::Bidding | S::Opened | S::Evaluating | S::AwardPublicized,
            Command::Cancel { reason },
        ) => {
            let reason = reason.trim().to_string();
            if reason.is_empty() || reason.chars().count() > 500 {
                return Err(TradingError::invalid(
                    "reason",
                    "must be 1 to 500 characters",
                ));
            }
            p.cancelled_in = Some(p.state);
            p.cancel_reason = Some(reason);
            p.cancelled_at = Some(now);
            for a in p
                .awards
                .iter_mut()
                .filter(|a| a.status == AwardStatus::Pending)
            {
                a.status = AwardStatus::Cancelled;
            }
            p.state = S::Cancelled;
            Ok(vec![DomainEvent::Cancelled])
        }
        (S::Bidding, Command::SubmitBid { lot_id }) => {
            sealed_bidding_open(p, name, now)?;
            if p.lot(&lot_id).is_none() {
                return Err(TradingError::invalid(
                    "lot_id",
                    "is not a lot of the project",
                ));
            }
            Ok(vec![DomainEvent::BidReceived])
        }
        (S::Bidding, Command::WithdrawBid) => {
            sealed_bidding_open(p, name, now)?;
            Ok(vec![DomainEvent::BidWithdrawn])
        }
        (S::Bidding, Command::OpenBids { bids, draw_seed }) => {
            p.check_opening_time(now)?;
            let record = open(p, bids, draw_seed, now);
            for lot in &mut p.lots {
                lot.failed = record.lots.iter().any(|o| o.lot_id == lot.id && o.failed);
            }
            let failed = record.failed;
            p.opening = Some(record);
            if failed {
                p.failure_reason = p.opening.as_ref().map(|r| failure_reason(p, r));
                p.failed_at = Some(now);
                p.state = S::Failed;
                Ok(vec![DomainEvent::Opened, DomainEvent::Failed])
            } else {
                p.state = S::Opened;
                Ok(vec![DomainEvent::Opened])
            }
        }
        (S::Opened, Command::DrawExperts { pool }) => {
            let Some(opening) = &p.opening else {
                return Err(p.illegal(name));
            };
            let conflicts = Conflicts {
                bidders: opening
                    .bids
                    .iter()
                    .map(|b| b.bidder.credit_code.clone())
                    .collect(),
                owner: p.owner.credit_code.clone(),
                agency: p.agency.credit_code.clone(),
            };
            let panel = draw_panel(
                &pool,
                &p.evaluation.expert_specialty,
                p.evaluation.panel_size,
                &opening.draw_seed,
                &conflicts,
                now,
            )?;
            p.panel = Some(panel);
            p.state = S::Evaluating;
            Ok(vec![DomainEvent::PanelDrawn])
        }
        (S::Evaluating, Command::Evaluate { sheets }) => {
            p.evaluation_result = Some(evaluate(p, sheets, now)?);
            Ok(vec![DomainEvent::Evaluated])
        }
        (S::Evaluating, Command::PublicizeAward) => {
            let Some(evaluation) = &p.evaluation_result else {
                return Err(p.illegal_because(name, "the bids are not evaluated yet"));
            };
            let lots: Vec<String> = p
                .lots
                .iter()
                .filter(|l| !l.failed)
                .map(|l| l.id.clone())
                .collect();
            let awards = awards_from(evaluation, &lots, p.awards.len(), now);
            p.awards.extend(awards);
            p.periods.award_publicity_end =
                Some(now + Duration::days(i64::from(p.periods.award_publicity_days)));
            p.state = S::AwardPublicized;
            Ok(vec![DomainEvent::AwardPublicized])
        }
        (
            S::AwardPublicized,
            Command::FileObjection {
                subject,
                objector,
                text,
                took_part,
            },
        ) => file_objection(p, subject, objector, text, took_part, now),
        (
            S::AwardPublicized,
            Command::AnswerObjection {
                objection_id,
                answer,
                upheld,
            },
        ) => answer_objection(p, &objection_id, answer, upheld, now),
        (
            S::Awarded,
            Command::RecordContract {
                award_id,
                title,
                value_fen,
                signed_on,
            },
        ) => record_contract(p, award_id, title, value_fen, signed_on, now),
        (
            S::Bidding,
            Command::Quote {
                subject,
                bidder,
                amount_fen,
            },
        ) => place_quote(p, subject, bidder, amount_fen, now),
        (_, _) => Err(p.illegal(name)),
    }
}
