//! Announcing a project (the legal minimum periods are checked against the moment of
//! announcement) and amending it (a material amendment close to the deadline extends it).

use chrono::{DateTime, Duration, Utc};
use onewindow_kit::error::Violations;

use super::auction::AuctionStatus;
use super::error::TradingError;
use super::kinds::ProjectState;
use super::machine::{AmendmentInput, DomainEvent};
use super::project::{evaluation_end_problem, Amendment, Project, MAX_DESCRIPTION_CHARS};

fn days(d: Duration) -> i64 {
    d.num_days()
}

/// Draft -> announced, if the periods leave the legal minimums from now.
pub(super) fn announce(
    p: &mut Project,
    now: DateTime<Utc>,
) -> Result<Vec<DomainEvent>, TradingError> {
    let r = p.rules();
    let periods = &p.periods;
    let mut v = Violations::new();
    if p.method.is_sealed() {
        v.check(
            periods.bid_deadline - now < r.notice,
            "periods.bid_deadline",
            format!(
                "must be at least {} days after the announcement ({}) for {}",
                days(r.notice),
                now,
                p.method
            ),
        );
    } else {
        v.check(
            periods.bid_start - now < r.notice,
            "periods.bid_start",
            format!(
                "must be at least {} days after the announcement ({}) for {}",
                days(r.notice),
                now,
                p.method
            ),
        );
        v.check(
            periods.bid_deadline - periods.bid_start < r.quoting,
            "periods.bid_deadline",
            format!("quoting must last at least {} days", days(r.quoting)),
        );
    }
    v.check(
        periods.bid_deadline <= now,
        "periods.bid_deadline",
        "must be in the future",
    );
    TradingError::check(v)?;
    p.periods.announced_at = Some(now);
    if p.method.is_ascending() {
        if let Some(lot) = p.lots.first() {
            p.auction = Some(AuctionStatus::new(
                lot.budget_fen,
                lot.min_increment_fen,
                p.periods.bid_deadline,
            ));
        }
    }
    p.state = ProjectState::Announced;
    Ok(vec![DomainEvent::Announced])
}

/// A draft is edited freely; an announced project takes a recorded amendment, before its
/// deadline (an auction or listing only before quoting starts).
pub(super) fn amend(
    p: &mut Project,
    input: AmendmentInput,
    now: DateTime<Utc>,
) -> Result<Vec<DomainEvent>, TradingError> {
    if let Some(description) = &input.description {
        let mut v = Violations::new();
        v.check_chars(description, MAX_DESCRIPTION_CHARS, "description");
        TradingError::check(v)?;
    }
    if p.state == ProjectState::Draft {
        return edit_draft(p, input);
    }
    if p.method.is_ascending() && p.state == ProjectState::Bidding {
        return Err(p.illegal_because("amend", "quoting has started"));
    }
    if now >= p.periods.bid_deadline {
        return Err(p.illegal_because(
            "amend",
            format!("the bid deadline passed at {}", p.periods.bid_deadline),
        ));
    }
    let mut v = Violations::new();
    let summary = input.summary.trim().to_string();
    v.check(
        summary.is_empty() || summary.chars().count() > 2000,
        "summary",
        "must be 1 to 2000 characters",
    );
    v.check(
        input.title.is_some(),
        "title",
        "only a draft's title can change",
    );
    let old_deadline = p.periods.bid_deadline;
    let mut deadline = input.bid_deadline.unwrap_or(old_deadline);
    v.check(
        deadline < old_deadline,
        "bid_deadline",
        "an amendment may not bring the deadline forward",
    );
    TradingError::check(v)?;
    let r = p.rules();
    if input.material {
        if p.method.is_ascending() {
            // A material change repeats the announcement of an auction or listing.
            let old_start = p.periods.bid_start;
            let start = old_start.max(now + r.notice);
            let span = (old_deadline - old_start).max(r.quoting);
            p.periods.bid_start = start;
            deadline = deadline.max(start + span).max(now + r.amendment);
        } else {
            deadline = deadline.max(now + r.amendment);
        }
    }
    let moved = deadline - old_deadline;
    if let Some(opening) = p.periods.opening_at {
        let wanted = input.opening_at.unwrap_or(opening + moved);
        if wanted < deadline {
            return Err(TradingError::invalid(
                "opening_at",
                format!("must not be before the bid deadline ({deadline})"),
            ));
        }
        let evaluation_end = moved_evaluation_end(p, opening, wanted, input.evaluation_end)
            .map_err(|problem| TradingError::invalid("evaluation_end", problem))?;
        p.periods.opening_at = Some(wanted);
        p.periods.evaluation_end = evaluation_end;
    } else if input.opening_at.is_some() {
        return Err(TradingError::invalid(
            "opening_at",
            "an auction or listing has no opening",
        ));
    } else if input.evaluation_end.is_some() {
        return Err(TradingError::invalid(
            "evaluation_end",
            "an auction or listing has no evaluation",
        ));
    }
    p.periods.bid_deadline = deadline;
    if let Some(a) = p.auction.as_mut() {
        a.end = deadline;
    }
    if let Some(d) = input.description {
        p.description = d;
    }
    p.amendments.push(Amendment {
        at: now,
        summary,
        material: input.material,
        previous_deadline: old_deadline,
        new_deadline: deadline,
    });
    Ok(vec![DomainEvent::Amended])
}

fn edit_draft(p: &mut Project, input: AmendmentInput) -> Result<Vec<DomainEvent>, TradingError> {
    let mut v = Violations::new();
    if let Some(title) = &input.title {
        v.check(
            title.trim().is_empty() || title.chars().count() > 200,
            "title",
            "must be 1 to 200 characters",
        );
    }
    let deadline = input.bid_deadline.unwrap_or(p.periods.bid_deadline);
    v.check(
        deadline <= p.periods.bid_start,
        "bid_deadline",
        "must be after bid_start",
    );
    let opening = input.opening_at.or(p.periods.opening_at);
    match (p.method.is_sealed(), opening) {
        (true, Some(at)) => v.check(
            at < deadline,
            "opening_at",
            "must not be before bid_deadline",
        ),
        (false, Some(_)) => v.add("opening_at", "an auction or listing has no opening"),
        _ => {}
    }
    let mut evaluation_end = None;
    match (p.periods.opening_at, opening) {
        (Some(old), Some(new)) => match moved_evaluation_end(p, old, new, input.evaluation_end) {
            Ok(end) => evaluation_end = end,
            Err(problem) => v.add("evaluation_end", problem),
        },
        _ if input.evaluation_end.is_some() => {
            v.add("evaluation_end", "an auction or listing has no evaluation")
        }
        _ => {}
    }
    TradingError::check(v)?;
    if let Some(t) = input.title {
        p.title = t.trim().to_string();
    }
    if let Some(d) = input.description {
        p.description = d;
    }
    p.periods.bid_deadline = deadline;
    p.periods.opening_at = opening;
    p.periods.evaluation_end = evaluation_end;
    Ok(Vec::new())
}

/// The evaluation end once the opening moves from `old` to `new`: the one given, or the
/// current one moved with the opening so that the evaluation keeps its length.
fn moved_evaluation_end(
    p: &Project,
    old: DateTime<Utc>,
    new: DateTime<Utc>,
    given: Option<DateTime<Utc>>,
) -> Result<Option<DateTime<Utc>>, String> {
    let Some(end) = given.or(p.periods.evaluation_end.map(|end| end + (new - old))) else {
        return Ok(None);
    };
    match evaluation_end_problem(new, end) {
        Some(problem) => Err(problem),
        None => Ok(Some(end)),
    }
}
