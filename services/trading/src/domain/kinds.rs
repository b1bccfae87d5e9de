//! The four kinds of trading, their methods, and the legal minimums each method carries.
//!
//! Periods are counted in calendar days: the working-day calendar belongs to the catalog,
//! and a period the law states in working days is set to the calendar span that holds that
//! many working days in any ordinary week (3 working days: 5 days; 5: 7; 20: 28). A public
//! holiday inside the span can still shorten it below the working-day count, so agents
//! should set longer periods around holidays; the service refuses only what is certainly short.
//!
//! | kind and method | announcement to deadline (or to start) | quoting | amendment | bids |
//! |---|---|---|---|---|
//! | procurement open / invited tender | 20 days (政府采购货物和服务招标投标管理办法 art. 16) | - | 15 days | 3 |
//! | procurement negotiation, inquiry | 5 days (3 working days, 非招标采购方式管理办法) | - | 5 days | 3 |
//! | procurement single source | 7 days (5 working days of publicity) | - | 7 days | 1 |
//! | construction open / invited tender | 20 days (招标投标法 art. 24) | - | 15 days (art. 23) | 3 |
//! | land tender | 20 days (国土资源部令第39号 art. 10) | - | 15 days | 3 |
//! | land auction | 20 days to the start (art. 10) | - | 20 days | 1 |
//! | land listing | 20 days to the start (art. 10) | 10 days (art. 17) | 30 days | 1 |
//! | property listing | - | 28 days (20 working days of disclosure, 32号令) | 28 days | 1 |
//! | property auction | 7 days (拍卖法 art. 45) | - | 7 days | 1 |
//!
//! A material amendment of an auction or listing repeats the whole announcement: the end
//! must again be the announcement and quoting minimums away. Agents may set more bids
//! (`min_valid_bids`) than the minimum, never fewer.

use std::fmt;

use chrono::Duration;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    GovernmentProcurement,
    Construction,
    LandUse,
    PropertyRights,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    OpenTender,
    InvitedTender,
    CompetitiveNegotiation,
    Inquiry,
    SingleSource,
    Auction,
    Listing,
}

/// Which prices win: procurement buys (lower is better, the budget is a ceiling); land and
/// property sell (higher is better, the reserve is a floor).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Lower,
    Higher,
}

impl Category {
    pub const ALL: [Category; 4] = [
        Category::GovernmentProcurement,
        Category::Construction,
        Category::LandUse,
        Category::PropertyRights,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::GovernmentProcurement => "government_procurement",
            Category::Construction => "construction",
            Category::LandUse => "land_use",
            Category::PropertyRights => "property_rights",
        }
    }

    /// The letters of the category in a project's code.
    pub fn code(self) -> &'static str {
        match self {
            Category::GovernmentProcurement => "ZC",
            Category::Construction => "GC",
            Category::LandUse => "TD",
            Category::PropertyRights => "CQ",
        }
    }

    pub fn allows(self, method: Method) -> bool {
        use Method::*;
        match self {
            Category::GovernmentProcurement => matches!(
                method,
                OpenTender | InvitedTender | CompetitiveNegotiation | Inquiry | SingleSource
            ),
            Category::Construction => matches!(method, OpenTender | InvitedTender),
            Category::LandUse => matches!(method, OpenTender | Auction | Listing),
            Category::PropertyRights => matches!(method, Listing | Auction),
        }
    }

    pub fn direction(self) -> Direction {
        match self {
            Category::GovernmentProcurement | Category::Construction => Direction::Lower,
            Category::LandUse | Category::PropertyRights => Direction::Higher,
        }
    }

    /// Award publicity when the project does not say: procurement covers the seven working
    /// days in which suppliers may object (质疑); construction the three days of candidate
    /// publicity (招标投标法实施条例 art. 54); property the five working days of its result notice.
    pub fn default_publicity_days(self) -> u32 {
        match self {
            Category::GovernmentProcurement => 9,
            Category::Construction => 3,
            Category::LandUse => 10,
            Category::PropertyRights => 7,
        }
    }

    /// The evaluation period when the project does not say, in days after the opening: the
    /// panel's evaluation and its report (评标报告), which the award publicity follows. Works
    /// bids, with their construction plans, take a panel longer. Property rights trade by
    /// auction or listing only, with no evaluation.
    pub fn default_evaluation_days(self) -> u32 {
        match self {
            Category::Construction => 7,
            Category::GovernmentProcurement | Category::LandUse | Category::PropertyRights => 5,
        }
    }

    pub fn min_publicity_days(self) -> u32 {
        match self {
            Category::GovernmentProcurement | Category::LandUse => 1,
            Category::Construction => 3,
            Category::PropertyRights => 7,
        }
    }
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::OpenTender => "open_tender",
            Method::InvitedTender => "invited_tender",
            Method::CompetitiveNegotiation => "competitive_negotiation",
            Method::Inquiry => "inquiry",
            Method::SingleSource => "single_source",
            Method::Auction => "auction",
            Method::Listing => "listing",
        }
    }

    /// Sealed bids opened at once, as opposed to open ascending quotes.
    pub fn is_sealed(self) -> bool {
        !self.is_ascending()
    }

    pub fn is_ascending(self) -> bool {
        matches!(self, Method::Auction | Method::Listing)
    }
}

/// The legal minimums of one kind and method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// Sealed: announcement to bid deadline. Ascending: announcement to the start of quoting.
    pub notice: Duration,
    /// Ascending: the least time quotes are taken.
    pub quoting: Duration,
    /// A material amendment this close to the deadline extends it to this far away.
    pub amendment: Duration,
    pub min_valid_bids: u32,
}

pub fn rules(category: Category, method: Method) -> Rules {
    use Category::*;
    use Method::*;
    let (notice, quoting, amendment, bids) = match (category, method) {
        (LandUse, Auction) => (20, 0, 20, 1),
        (LandUse, Listing) => (20, 10, 30, 1),
        (PropertyRights, Listing) => (0, 28, 28, 1),
        (PropertyRights, Auction) => (7, 0, 7, 1),
        (_, CompetitiveNegotiation | Inquiry) => (5, 0, 5, 3),
        (_, SingleSource) => (7, 0, 7, 1),
        (_, OpenTender | InvitedTender) => (20, 0, 15, 3),
        // Combinations a category does not allow never get this far.
        (_, Auction | Listing) => (20, 10, 30, 1),
    };
    Rules {
        notice: Duration::days(notice),
        quoting: Duration::days(quoting),
        amendment: Duration::days(amendment),
        min_valid_bids: bids,
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a project is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectState {
    Draft,
    Announced,
    Bidding,
    Opened,
    Evaluating,
    AwardPublicized,
    Awarded,
    Contracted,
    Failed,
    Cancelled,
}

impl ProjectState {
    pub const ALL: [ProjectState; 10] = [
        ProjectState::Draft,
        ProjectState::Announced,
        ProjectState::Bidding,
        ProjectState::Opened,
        ProjectState::Evaluating,
        ProjectState::AwardPublicized,
        ProjectState::Awarded,
        ProjectState::Contracted,
        ProjectState::Failed,
        ProjectState::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProjectState::Draft => "draft",
            ProjectState::Announced => "announced",
            ProjectState::Bidding => "bidding",
            ProjectState::Opened => "opened",
            ProjectState::Evaluating => "evaluating",
            ProjectState::AwardPublicized => "award_publicized",
            ProjectState::Awarded => "awarded",
            ProjectState::Contracted => "contracted",
            ProjectState::Failed => "failed",
            ProjectState::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<ProjectState> {
        ProjectState::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            ProjectState::Contracted | ProjectState::Failed | ProjectState::Cancelled
        )
    }
}

impl fmt::Display for ProjectState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvaluationMethod {
    LowestPrice,
    Scoring,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_allows_only_its_methods() {
        assert!(Category::GovernmentProcurement.allows(Method::SingleSource));
        assert!(!Category::GovernmentProcurement.allows(Method::Auction));
        assert!(!Category::Construction.allows(Method::Inquiry));
        assert!(Category::LandUse.allows(Method::Listing));
        assert!(!Category::PropertyRights.allows(Method::OpenTender));
    }

    #[test]
    fn open_tender_needs_twenty_days_and_three_bids() {
        let r = rules(Category::GovernmentProcurement, Method::OpenTender);
        assert_eq!(r.notice, Duration::days(20));
        assert_eq!(r.amendment, Duration::days(15));
        assert_eq!(r.min_valid_bids, 3);
    }

    #[test]
    fn land_listing_quotes_for_at_least_ten_days() {
        let r = rules(Category::LandUse, Method::Listing);
        assert_eq!(r.notice, Duration::days(20));
        assert_eq!(r.quoting, Duration::days(10));
    }

    #[test]
    fn states_round_trip_through_their_names() {
        for s in ProjectState::ALL {
            assert_eq!(ProjectState::parse(s.as_str()), Some(s));
        }
    }
}
