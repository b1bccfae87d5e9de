//! Auctions and listings (拍卖, 挂牌): open ascending quotes over the reserve, each at least
//! one increment above the highest; a quote in the final minutes moves the end, so that no
//! one wins by quoting at the last second. Bidders appear by number (竞买号) until the end.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::party::Party;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    pub number: u32,
    pub subject: String,
    pub party: Party,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    pub number: u32,
    pub amount_fen: i64,
    pub at: DateTime<Utc>,
    pub seq: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuctionStatus {
    pub reserve_fen: i64,
    pub min_increment_fen: i64,
    pub highest: Option<Standing>,
    /// The runner-up's best quote, for the award.
    pub second_fen: Option<i64>,
    pub quote_count: u32,
    pub end: DateTime<Utc>,
    pub participants: Vec<Participant>,
}

/// A quote as accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub seq: u32,
    pub bidder_number: u32,
    pub amount_fen: i64,
    pub placed_at: DateTime<Utc>,
    /// The end after this quote.
    pub end: DateTime<Utc>,
}

impl AuctionStatus {
    pub fn new(reserve_fen: i64, min_increment_fen: i64, end: DateTime<Utc>) -> Self {
        AuctionStatus {
            reserve_fen,
            min_increment_fen,
            highest: None,
            second_fen: None,
            quote_count: 0,
            end,
            participants: Vec::new(),
        }
    }

    /// The least the next quote may be.
    pub fn minimum_next(&self) -> i64 {
        match &self.highest {
            None => self.reserve_fen,
            Some(h) => h.amount_fen.saturating_add(self.min_increment_fen),
        }
    }

    pub fn participant(&self, subject: &str) -> Option<&Participant> {
        self.participants.iter().find(|p| p.subject == subject)
    }

    pub fn number_of(&self, number: u32) -> Option<&Participant> {
        self.participants.iter().find(|p| p.number == number)
    }

    /// Bidders who placed a quote.
    pub fn bidders(&self) -> u32 {
        u32::try_from(self.participants.len()).unwrap_or(u32::MAX)
    }

    /// Takes a quote, or says why not (the caller turns that into the error). `now` is
    /// before the end: the state machine has closed the auction otherwise.
    pub fn place(
        &mut self,
        subject: &str,
        party: &Party,
        amount_fen: i64,
        now: DateTime<Utc>,
        extension: Duration,
    ) -> Result<Quote, String> {
        let least = self.minimum_next();
        if amount_fen < least {
            return Err(format!("a quote must be at least {least} fen"));
        }
        if let (Some(h), Some(p)) = (&self.highest, self.participant(subject)) {
            if h.number == p.number {
                return Err("the bidder already holds the highest quote".into());
            }
        }
        let number = match self.participant(subject) {
            Some(p) => p.number,
            None => {
                let number = self.bidders() + 1;
                self.participants.push(Participant {
                    number,
                    subject: subject.to_string(),
                    party: party.clone(),
                });
                number
            }
        };
        self.quote_count += 1;
        // A quote in the last minutes leaves the others the same time to answer it.
        if self.end - now < extension {
            self.end = now + extension;
        }
        if let Some(h) = &self.highest {
            self.second_fen = Some(h.amount_fen);
        }
        self.highest = Some(Standing {
            number,
            amount_fen,
            at: now,
            seq: self.quote_count,
        });
        Ok(Quote {
            seq: self.quote_count,
            bidder_number: number,
            amount_fen,
            placed_at: now,
            end: self.end,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(minute: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_790_000_000, 0).unwrap() + Duration::minutes(minute)
    }

    fn party(n: u32) -> Party {
        Party {
            name: format!("竞买人{n}"),
            ..Default::default()
        }
    }

    #[test]
    fn quotes_ascend_by_the_increment_from_the_reserve() {
        let mut a = AuctionStatus::new(1_000_00, 10_00, t(60));
        assert!(a
            .place("a", &party(1), 999_99, t(0), Duration::minutes(5))
            .is_err());
        let q = a
            .place("a", &party(1), 1_000_00, t(0), Duration::minutes(5))
            .unwrap();
        assert_eq!((q.seq, q.bidder_number), (1, 1));
        assert!(a
            .place("b", &party(2), 1_009_99, t(1), Duration::minutes(5))
            .is_err());
        let q = a
            .place("b", &party(2), 1_010_00, t(1), Duration::minutes(5))
            .unwrap();
        assert_eq!(q.bidder_number, 2);
        assert_eq!(a.second_fen, Some(1_000_00));
        assert!(a
            .place("b", &party(2), 1_100_00, t(2), Duration::minutes(5))
            .is_err());
    }

    #[test]
    fn a_quote_in_the_final_minutes_moves_the_end() {
        let mut a = AuctionStatus::new(100, 10, t(60));
        let q = a
            .place("a", &party(1), 100, t(50), Duration::minutes(5))
            .unwrap();
        assert_eq!(q.end, t(60), "ten minutes before the end changes nothing");
        let q = a
            .place("b", &party(2), 110, t(58), Duration::minutes(5))
            .unwrap();
        assert_eq!(q.end, t(63));
        assert_eq!(a.end, t(63));
    }
}
