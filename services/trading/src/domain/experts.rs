//! The expert pool and the random draw of an evaluation panel (评标专家抽取). The draw is
//! reproducible: the candidates are the pool's active experts of the specialty in id order,
//! less those excluded for a conflict; a partial Fisher-Yates shuffle driven by ChaCha20
//! seeded with the seed published at the opening picks the panel.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use onewindow_kit::error::Violations;
use rand::RngCore;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde::{Deserialize, Serialize};

use super::error::TradingError;
use super::party::{Party, MAX_NAME_CHARS};
use super::project::MAX_TITLE_CHARS;

pub const EXPERT_KIND: &str = "expert";
/// The most organizations an expert may declare a conflict of interest with, each by its
/// unified social credit code.
pub const MAX_CONFLICTS: usize = 100;
const CREDIT_CODE_CHARS: usize = 18;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expert {
    pub id: String,
    pub name: String,
    pub specialty: String,
    pub organization: String,
    pub organization_credit_code: String,
    #[serde(default)]
    pub conflict_credit_codes: Vec<String>,
    pub active: bool,
}

impl Expert {
    pub fn validate(&self, prefix: &str) -> Violations {
        let mut v = Violations::new();
        let id_ok = !self.id.is_empty()
            && self.id.len() <= 64
            && self
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        v.check(
            !id_ok,
            format!("{prefix}.id"),
            "must be 1 to 64 letters, digits, dashes or underscores",
        );
        v.check(
            self.name.trim().is_empty(),
            format!("{prefix}.name"),
            "must not be empty",
        );
        v.check_chars(&self.name, MAX_NAME_CHARS, format!("{prefix}.name"));
        v.check(
            self.specialty.trim().is_empty(),
            format!("{prefix}.specialty"),
            "must not be empty",
        );
        v.check_chars(
            &self.specialty,
            MAX_TITLE_CHARS,
            format!("{prefix}.specialty"),
        );
        v.check_items(
            self.conflict_credit_codes.len(),
            MAX_CONFLICTS,
            format!("{prefix}.conflict_credit_codes"),
        );
        for (i, code) in self.conflict_credit_codes.iter().enumerate() {
            v.check_chars(
                code,
                CREDIT_CODE_CHARS,
                format!("{prefix}.conflict_credit_codes[{i}]"),
            );
        }
        let org = Party {
            name: self.organization.clone(),
            credit_code: self.organization_credit_code.clone(),
            ..Default::default()
        };
        for f in org.validate("x", false).as_slice() {
            let field = if f.field.ends_with("credit_code") {
                "organization_credit_code"
            } else {
                "organization"
            };
            v.add(format!("{prefix}.{field}"), f.description.clone());
        }
        v
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExcludedExpert {
    pub expert_id: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PanelMember {
    pub expert_id: String,
    pub name: String,
    pub organization: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpertPanel {
    pub specialty: String,
    pub size: u32,
    pub seed: String,
    pub candidate_ids: Vec<String>,
    pub excluded: Vec<ExcludedExpert>,
    pub members: Vec<PanelMember>,
    pub drawn_at: DateTime<Utc>,
}

impl ExpertPanel {
    pub fn has(&self, expert_id: &str) -> bool {
        self.members.iter().any(|m| m.expert_id == expert_id)
    }
}

/// Organizations an expert must not be tied to: the bidders', the owner's, the agency's.
#[derive(Debug, Clone, Default)]
pub struct Conflicts {
    pub bidders: BTreeSet<String>,
    pub owner: String,
    pub agency: String,
}

impl Conflicts {
    fn reason(&self, e: &Expert) -> Option<String> {
        let org = &e.organization_credit_code;
        if self.bidders.contains(org) {
            return Some("works for a bidder".into());
        }
        if *org == self.owner || *org == self.agency {
            return Some("works for the owner or the agency".into());
        }
        e.conflict_credit_codes
            .iter()
            .find(|c| self.bidders.contains(*c) || **c == self.owner || **c == self.agency)
            .map(|c| format!("declared a conflict with {c}"))
    }
}

/// Draws `size` experts of `specialty` from `pool` with `seed` (32 bytes, hex).
pub fn draw_panel(
    pool: &[Expert],
    specialty: &str,
    size: u32,
    seed_hex: &str,
    conflicts: &Conflicts,
    now: DateTime<Utc>,
) -> Result<ExpertPanel, TradingError> {
    let seed = parse_seed(seed_hex)?;
    let mut of_specialty: Vec<&Expert> = pool
        .iter()
        .filter(|e| e.active && e.specialty == specialty)
        .collect();
    of_specialty.sort_by(|a, b| a.id.cmp(&b.id));
    let mut excluded = Vec::new();
    let mut candidates = Vec::new();
    for e in of_specialty {
        match conflicts.reason(e) {
            Some(reason) => excluded.push(ExcludedExpert {
                expert_id: e.id.clone(),
                reason,
            }),
            None => candidates.push(e),
        }
    }
    let wanted = usize::try_from(size).unwrap_or(usize::MAX);
    if candidates.len() < wanted {
        return Err(TradingError::illegal(
            "expert pool",
            specialty,
            format!(
                "short of eligible experts ({} eligible, {size} required)",
                candidates.len()
            ),
            "draw_experts",
        ));
    }
    let order = shuffle_prefix(candidates.len(), wanted, seed);
    let members = order
        .iter()
        .filter_map(|i| candidates.get(*i))
        .map(|e| PanelMember {
            expert_id: e.id.clone(),
            name: e.name.clone(),
            organization: e.organization.clone(),
        })
        .collect();
    Ok(ExpertPanel {
        specialty: specialty.to_string(),
        size,
        seed: seed_hex.to_string(),
        candidate_ids: candidates.iter().map(|e| e.id.clone()).collect(),
        excluded,
        members,
        drawn_at: now,
    })
}

/// The first `k` positions of a Fisher-Yates shuffle of `0..n`: step i swaps position i with
/// i + (u mod (n - i)), u the next u64 of the generator. The modulo's bias is below 2^-40
/// for any pool a city keeps, and the rule is simple enough to redo by hand.
fn shuffle_prefix(n: usize, k: usize, seed: [u8; 32]) -> Vec<usize> {
    let mut rng = ChaCha20Rng::from_seed(seed);
    let mut idx: Vec<usize> = (0..n).collect();
    for i in 0..k.min(n) {
        let span = (n - i) as u64;
        let j = i + usize::try_from(rng.next_u64() % span).unwrap_or(0);
        idx.swap(i, j);
    }
    idx.truncate(k.min(n));
    idx
}

fn parse_seed(hex_seed: &str) -> Result<[u8; 32], TradingError> {
    let bytes = hex::decode(hex_seed)
        .map_err(|_| TradingError::invalid("seed", "must be 64 hex characters"))?;
    <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| TradingError::invalid("seed", "must be 64 hex characters"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::party::credit_code;

    fn expert(i: u32, specialty: &str, org: &str) -> Expert {
        Expert {
            id: format!("e{i:03}"),
            name: format!("专家{i}"),
            specialty: specialty.into(),
            organization: format!("单位{org}"),
            organization_credit_code: credit_code(&format!("12140200MB{org:0>7}")),
            conflict_credit_codes: Vec::new(),
            active: true,
        }
    }

    fn pool() -> Vec<Expert> {
        (0..20)
            .map(|i| expert(i, "医疗设备", &i.to_string()))
            .collect()
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_790_000_000, 0).unwrap()
    }

    #[test]
    fn an_experts_texts_and_declared_conflicts_are_bounded() {
        let mut e = expert(1, "医疗设备", "1");
        e.name = "专".repeat(MAX_NAME_CHARS + 1);
        e.specialty = "医".repeat(MAX_TITLE_CHARS + 1);
        e.conflict_credit_codes = vec!["9".repeat(19)];
        let v = e.validate("expert");
        let fields: Vec<&str> = v.as_slice().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "expert.name",
                "expert.specialty",
                "expert.conflict_credit_codes[0]"
            ]
        );
        e = expert(1, "医疗设备", "1");
        e.conflict_credit_codes = vec![e.organization_credit_code.clone(); MAX_CONFLICTS + 1];
        assert_eq!(
            e.validate("expert").as_slice()[0].field,
            "expert.conflict_credit_codes"
        );
    }

    #[test]
    fn the_same_seed_draws_the_same_panel() {
        let seed = "ab".repeat(32);
        let c = Conflicts::default();
        let a = draw_panel(&pool(), "医疗设备", 5, &seed, &c, now()).unwrap();
        let mut shuffled = pool();
        shuffled.reverse();
        let b = draw_panel(&shuffled, "医疗设备", 5, &seed, &c, now()).unwrap();
        assert_eq!(a.members, b.members, "pool order does not matter");
        let other = draw_panel(&pool(), "医疗设备", 5, &"cd".repeat(32), &c, now()).unwrap();
        assert_ne!(a.members, other.members);
        let ids: BTreeSet<&str> = a.members.iter().map(|m| m.expert_id.as_str()).collect();
        assert_eq!(ids.len(), 5, "no expert twice");
    }

    #[test]
    fn experts_of_bidders_and_declared_conflicts_are_excluded() {
        let mut pool = pool();
        let bidder = pool[3].organization_credit_code.clone();
        pool[7].conflict_credit_codes.push(bidder.clone());
        let owner = pool[9].organization_credit_code.clone();
        let c = Conflicts {
            bidders: [bidder].into_iter().collect(),
            owner,
            agency: String::new(),
        };
        for s in 0..30u8 {
            let seed = hex::encode([s; 32]);
            let panel = draw_panel(&pool, "医疗设备", 9, &seed, &c, now()).unwrap();
            for m in &panel.members {
                assert!(!["e003", "e007", "e009"].contains(&m.expert_id.as_str()));
            }
            let excluded: Vec<&str> = panel
                .excluded
                .iter()
                .map(|e| e.expert_id.as_str())
                .collect();
            assert_eq!(excluded, ["e003", "e007", "e009"]);
        }
    }

    #[test]
    fn a_conflict_declared_with_the_owner_or_the_agency_excludes_the_expert() {
        let mut pool = pool();
        let owner = credit_code("11140200MB0000900");
        let agency = credit_code("91140200MA0A00901");
        pool[2].conflict_credit_codes.push(owner.clone());
        pool[4].conflict_credit_codes.push(agency.clone());
        let c = Conflicts {
            bidders: BTreeSet::new(),
            owner,
            agency: agency.clone(),
        };
        let panel = draw_panel(&pool, "医疗设备", 17, &"02".repeat(32), &c, now()).unwrap();
        let excluded: Vec<(&str, &str)> = panel
            .excluded
            .iter()
            .map(|e| (e.expert_id.as_str(), e.reason.as_str()))
            .collect();
        assert_eq!(excluded.len(), 2, "{excluded:?}");
        assert_eq!(excluded[0].0, "e002");
        assert_eq!(
            excluded[1],
            (
                "e004",
                format!("declared a conflict with {agency}").as_str()
            )
        );
        assert!(!panel.candidate_ids.iter().any(|id| id == "e004"));
        assert!(!panel.members.iter().any(|m| m.expert_id == "e004"));
        assert_eq!(panel.candidate_ids.len(), 18);
    }

    #[test]
    fn other_specialties_and_inactive_experts_are_not_candidates() {
        let mut pool = pool();
        pool.push(expert(50, "建筑工程", "50"));
        pool[0].active = false;
        let panel = draw_panel(
            &pool,
            "医疗设备",
            3,
            &"01".repeat(32),
            &Conflicts::default(),
            now(),
        )
        .unwrap();
        assert_eq!(panel.candidate_ids.len(), 19);
        assert!(!panel.candidate_ids.contains(&"e000".to_string()));
    }

    #[test]
    fn too_small_a_pool_is_a_precondition_failure() {
        let e = draw_panel(
            &pool()[..2],
            "医疗设备",
            3,
            &"01".repeat(32),
            &Conflicts::default(),
            now(),
        )
        .unwrap_err();
        assert!(matches!(e, TradingError::IllegalTransition { .. }));
    }
}
