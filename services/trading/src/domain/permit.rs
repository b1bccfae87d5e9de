//! The only way to a decryption key: an [`OpeningPermit`], which this module alone can make,
//! and only for a project whose opening time has come (to open it) or that has been opened
//! (to read its bids' documents). The sealing code asks for a permit, so no path through
//! the service can decrypt a bid early.

use chrono::{DateTime, Utc};

use super::error::TradingError;
use super::kinds::ProjectState;
use super::machine::advance;
use super::project::Project;

/// Proof that a project's sealed bids may be decrypted now.
#[derive(Debug)]
pub struct OpeningPermit {
    project_id: String,
    _private: (),
}

impl OpeningPermit {
    pub fn project_id(&self) -> &str {
        &self.project_id
    }
}

impl Project {
    /// To open the bids: the project is bidding (time applied) and its opening time has come.
    pub fn permit_opening(&self, now: DateTime<Utc>) -> Result<OpeningPermit, TradingError> {
        let (p, _) = advance(self, now);
        if p.state != ProjectState::Bidding {
            return Err(p.illegal("open_bids"));
        }
        p.check_opening_time(now)?;
        Ok(OpeningPermit {
            project_id: p.id.clone(),
            _private: (),
        })
    }

    /// To read what was opened: the opening record exists.
    pub fn permit_reading(&self) -> Result<OpeningPermit, TradingError> {
        if self.opening.is_none() {
            return Err(self.illegal_because("read_bid_document", "the bids are sealed"));
        }
        Ok(OpeningPermit {
            project_id: self.id.clone(),
            _private: (),
        })
    }
}
