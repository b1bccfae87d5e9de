//! The longer moves of the state machine, each on a project already in the right state.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::auction::AuctionStatus;
use super::award::{AwardStatus, Contract, Objection, ObjectionStatus};
use super::error::TradingError;
use super::kinds::{rules, ProjectState as S};
use super::machine::DomainEvent;
use super::party::Party;
use super::project::{Project, MAX_TITLE_CHARS};

pub(super) fn close_auction(p: &mut Project, a: &AuctionStatus) -> DomainEvent {
    let winner = a
        .highest
        .as_ref()
        .and_then(|h| a.number_of(h.number).map(|w| (h, w)));
    match winner {
        Some((h, w)) if a.bidders() >= p.min_valid_bids => {
            let lot = p.lots.first().map(|l| l.id.clone()).unwrap_or_default();
            p.awards.push(super::award::Award {
                id: format!("a{}", p.awards.len() + 1),
                lot_id: lot,
                bid_id: format!("quote-{}", h.seq),
                supplier: w.party.clone(),
                value_fen: h.amount_fen,
                runner_up_value_fen: a.second_fen,
                status: AwardStatus::Pending,
                publicized_at: a.end,
                final_at: None,
            });
            p.periods.award_publicity_end =
                Some(a.end + Duration::days(i64::from(p.periods.award_publicity_days)));
            p.state = S::AwardPublicized;
            DomainEvent::AwardPublicized
        }
        _ => {
            p.failure_reason = Some(if a.highest.is_none() {
                "no quote at or above the reserve".to_string()
            } else {
                format!(
                    "{} bidders quoted, {} required",
                    a.bidders(),
                    p.min_valid_bids
                )
            });
            p.failed_at = Some(a.end);
            for l in &mut p.lots {
                l.failed = true;
            }
            p.state = S::Failed;
            DomainEvent::Failed
        }
    }
}

pub(super) fn file_objection(
    p: &mut Project,
    subject: String,
    objector: Party,
    text: String,
    took_part: bool,
    now: DateTime<Utc>,
) -> Result<Vec<DomainEvent>, TradingError> {
    let name = "file_objection";
    if let Some(end) = p.periods.award_publicity_end.filter(|end| now >= *end) {
        return Err(p.illegal_because(name, format!("the publicity ended at {end}")));
    }
    if !took_part {
        return Err(TradingError::PermissionDenied(
            "only a bidder of the project may object to its award".into(),
        ));
    }
    let mut v = objector.validate("objector", true);
    let text = text.trim().to_string();
    v.check(
        text.is_empty() || text.chars().count() > 5000,
        "text",
        "must be 1 to 5000 characters",
    );
    TradingError::check(v)?;
    let id = format!("q{}", p.objections.len() + 1);
    p.objections.push(Objection {
        id: id.clone(),
        objector,
        objector_subject: subject,
        text,
        status: ObjectionStatus::Open,
        answer: None,
        filed_at: now,
        answered_at: None,
    });
    Ok(vec![DomainEvent::ObjectionFiled(id)])
}

pub(super) fn record_contract(
    p: &mut Project,
    award_id: String,
    title: String,
    value_fen: i64,
    signed_on: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<DomainEvent>, TradingError> {
    let name = "record_contract";
    let Some(award) = p.awards.iter().find(|a| a.id == award_id) else {
        return Err(TradingError::not_found("award", award_id));
    };
    if award.status != AwardStatus::Active {
        return Err(TradingError::not_found("award", award_id));
    }
    if p.contracts.iter().any(|c| c.award_id == award_id) {
        return Err(TradingError::illegal("award", award_id, "contracted", name));
    }
    let mut v = onewindow_kit::error::Violations::new();
    let title = title.trim().to_string();
    v.check(title.is_empty(), "title", "must not be empty");
    v.check_chars(&title, MAX_TITLE_CHARS, "title");
    v.check(value_fen <= 0, "value_fen", "must be positive");
    TradingError::check(v)?;
    let id = format!("c{}", p.contracts.len() + 1);
    p.contracts.push(Contract {
        id: id.clone(),
        award_id,
        title,
        value_fen,
        signed_on,
        recorded_at: now,
    });
    let all = p
        .awards
        .iter()
        .filter(|a| a.status == AwardStatus::Active)
        .all(|a| p.contracts.iter().any(|c| c.award_id == a.id));
    if all {
        p.state = S::Contracted;
    }
    Ok(vec![DomainEvent::ContractSigned(id)])
}

pub(super) fn place_quote(
    p: &mut Project,
    subject: String,
    bidder: Party,
    amount_fen: i64,
    now: DateTime<Utc>,
) -> Result<Vec<DomainEvent>, TradingError> {
    let name = "submit_quote";
    if !p.method.is_ascending() {
        return Err(p.illegal_because(name, "sealed bids are submitted, not quoted"));
    }
    let mut v = bidder.validate("bidder", true);
    v.check(
        bidder.credit_code == p.owner.credit_code || bidder.credit_code == p.agency.credit_code,
        "bidder.credit_code",
        "the owner or the agency may not bid",
    );
    TradingError::check(v)?;
    let extension = Duration::minutes(i64::from(p.extension_minutes));
    let Some(auction) = p.auction.as_mut() else {
        return Err(p.illegal(name));
    };
    let quote = auction
        .place(&subject, &bidder, amount_fen, now, extension)
        .map_err(|why| TradingError::invalid("amount_fen", why))?;
    Ok(vec![DomainEvent::QuotePlaced(quote)])
}

/// Sealed bids are taken while bidding, until the deadline.
pub(super) fn sealed_bidding_open(
    p: &Project,
    command: &'static str,
    now: DateTime<Utc>,
) -> Result<(), TradingError> {
    if !p.method.is_sealed() {
        return Err(p.illegal_because(command, "an auction or listing takes quotes"));
    }
    if now >= p.periods.bid_deadline {
        return Err(p.illegal_because(
            command,
            format!("the bid deadline passed at {}", p.periods.bid_deadline),
        ));
    }
    Ok(())
}

pub(super) fn answer_objection(
    p: &mut Project,
    id: &str,
    answer: String,
    upheld: bool,
    now: DateTime<Utc>,
) -> Result<Vec<DomainEvent>, TradingError> {
    let answer = answer.trim().to_string();
    if answer.is_empty() || answer.chars().count() > 5000 {
        return Err(TradingError::invalid(
            "answer",
            "must be 1 to 5000 characters",
        ));
    }
    let Some(o) = p.objections.iter_mut().find(|o| o.id == id) else {
        return Err(TradingError::not_found("objection", id));
    };
    if !o.is_open() {
        let state = match o.status {
            ObjectionStatus::Upheld => "upheld",
            _ => "dismissed",
        };
        return Err(TradingError::illegal(
            "objection",
            id,
            state,
            "answer_objection",
        ));
    }
    o.status = if upheld {
        ObjectionStatus::Upheld
    } else {
        ObjectionStatus::Dismissed
    };
    o.answer = Some(answer);
    o.answered_at = Some(now);
    let mut events = vec![DomainEvent::ObjectionAnswered(id.to_string())];
    if upheld {
        // The award is withdrawn: the other objections against it are moot, and the panel
        // evaluates again.
        for other in p.objections.iter_mut().filter(|o| o.is_open()) {
            other.status = ObjectionStatus::Dismissed;
            other.answer = Some(format!(
                "moot: the award was withdrawn after objection {id}"
            ));
            other.answered_at = Some(now);
        }
        for a in p
            .awards
            .iter_mut()
            .filter(|a| a.status == AwardStatus::Pending)
        {
            a.status = AwardStatus::Cancelled;
        }
        p.evaluation_result = None;
        p.periods.award_publicity_end = None;
        p.state = S::Evaluating;
        events.push(DomainEvent::AwardsCancelled);
    }
    Ok(events)
}

impl Project {
    /// Sealed bids open at or after the opening time, while bidding.
    pub(crate) fn check_opening_time(&self, now: DateTime<Utc>) -> Result<(), TradingError> {
        if !self.method.is_sealed() {
            return Err(self.illegal_because("open_bids", "an auction or listing has no opening"));
        }
        match self.periods.opening_at {
            Some(at) if now >= at => Ok(()),
            Some(at) => Err(self.illegal_because("open_bids", format!("the opening is at {at}"))),
            None => Err(self.illegal("open_bids")),
        }
    }

    /// The legal minimums of this project's kind and method.
    pub fn rules(&self) -> super::kinds::Rules {
        rules(self.category, self.method)
    }
}
