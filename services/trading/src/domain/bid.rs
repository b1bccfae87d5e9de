//! Sealed bids: what a bid holds once unsealed, the limits on its documents, and the
//! commitment (receipt) that binds a bidder to a price before anyone can read it.

use base64::Engine;
use chrono::{DateTime, Utc};
use onewindow_kit::error::Violations;
use onewindow_kit::uploads;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::kinds::Direction;
use super::party::Party;
use super::project::Lot;

pub const BID_KIND: &str = "bid";
pub const MAX_DOCUMENTS: usize = 8;
/// One document (2 MiB) and all of a bid's together (3 MiB): see `onewindow_kit::uploads`,
/// where they are stated for everyone on an upload's path. The gRPC server's decoding limit
/// is derived from them (`MAX_MESSAGE_BYTES` in `app.rs`).
pub const MAX_DOCUMENT_BYTES: usize = uploads::BID_DOCUMENTS.per_file;
pub const MAX_TOTAL_BYTES: usize = uploads::BID_DOCUMENTS.per_request;
const COMMITMENT_DOMAIN: &str = "onewindow-trading-bid-v1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BidStatus {
    Active,
    Withdrawn,
    Replaced,
}

impl BidStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BidStatus::Active => "active",
            BidStatus::Withdrawn => "withdrawn",
            BidStatus::Replaced => "replaced",
        }
    }

    pub fn parse(s: &str) -> Option<BidStatus> {
        [BidStatus::Active, BidStatus::Withdrawn, BidStatus::Replaced]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// A bid as stored, without its sealed content: all that anyone can learn before opening.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BidRecord {
    pub id: String,
    pub project_id: String,
    pub lot_id: String,
    /// The subject of the bidder's principal.
    pub bidder: String,
    pub status: BidStatus,
    pub submitted_at: DateTime<Utc>,
    pub commitment: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BidDocument {
    pub name: String,
    pub media_type: String,
    #[serde(with = "base64_bytes")]
    pub content: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentInfo {
    pub name: String,
    pub media_type: String,
    pub size: i64,
    pub digest: String,
}

impl BidDocument {
    pub fn info(&self) -> DocumentInfo {
        DocumentInfo {
            name: self.name.clone(),
            media_type: self.media_type.clone(),
            size: i64::try_from(self.content.len()).unwrap_or(i64::MAX),
            digest: digest(&self.content),
        }
    }
}

/// What is encrypted: everything about a bid that must stay unread until the opening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedBid {
    pub price_fen: i64,
    pub bidder: Party,
    pub documents: Vec<BidDocument>,
    /// Hex; makes the commitment hiding.
    pub nonce: String,
}

impl SealedBid {
    pub fn digests(&self) -> Vec<String> {
        self.documents.iter().map(|d| digest(&d.content)).collect()
    }

    pub fn commitment(&self, project_id: &str, lot_id: &str) -> String {
        commitment(
            project_id,
            &self.bidder.credit_code,
            lot_id,
            self.price_fen,
            &self.digests(),
            &self.nonce,
        )
    }
}

/// Lowercase hex SHA-256.
pub fn digest(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The receipt: SHA-256 over the fields, each preceded by its length (big-endian u64), so
/// that no two different bids share an encoding.
pub fn commitment(
    project_id: &str,
    bidder_credit_code: &str,
    lot_id: &str,
    price_fen: i64,
    document_digests: &[String],
    nonce: &str,
) -> String {
    let mut h = Sha256::new();
    let price = price_fen.to_string();
    let fixed = [
        COMMITMENT_DOMAIN,
        project_id,
        bidder_credit_code,
        lot_id,
        &price,
    ];
    for part in fixed
        .into_iter()
        .chain(document_digests.iter().map(String::as_str))
        .chain(std::iter::once(nonce))
    {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Checks a bid as submitted, naming every bad field. The price is checked against the
/// lot here as well as at the opening; the error never repeats the price.
pub fn validate_submission(
    lot: Option<&Lot>,
    direction: Direction,
    price_fen: i64,
    documents: &[BidDocument],
    bidder: &Party,
) -> Violations {
    let mut v = Violations::new();
    match lot {
        None => v.add("lot_id", "is not a lot of the project"),
        Some(lot) => match direction {
            Direction::Lower => v.check(
                price_fen > lot.budget_fen,
                "price_fen",
                format!(
                    "must not exceed the lot's ceiling of {} fen",
                    lot.budget_fen
                ),
            ),
            Direction::Higher => v.check(
                price_fen < lot.budget_fen,
                "price_fen",
                format!(
                    "must not be below the lot's reserve of {} fen",
                    lot.budget_fen
                ),
            ),
        },
    }
    v.check(price_fen <= 0, "price_fen", "must be positive");
    v.check(
        documents.is_empty(),
        "documents",
        "a bid needs its documents",
    );
    v.check(
        documents.len() > MAX_DOCUMENTS,
        "documents",
        format!("at most {MAX_DOCUMENTS} documents"),
    );
    let mut total = 0usize;
    for (i, d) in documents.iter().enumerate() {
        total += d.content.len();
        v.check(
            d.name.trim().is_empty() || d.name.chars().count() > 200,
            format!("documents[{i}].name"),
            "must be 1 to 200 characters",
        );
        // Handed back as the Content-Type of the document's download; none means bytes.
        v.check(
            !d.media_type.is_empty() && !uploads::is_media_type(&d.media_type),
            format!("documents[{i}].media_type"),
            "must be a media type such as application/pdf",
        );
        v.check(
            d.content.is_empty(),
            format!("documents[{i}].content"),
            "must not be empty",
        );
        v.check(
            d.content.len() > MAX_DOCUMENT_BYTES,
            format!("documents[{i}].content"),
            format!("must be at most {MAX_DOCUMENT_BYTES} bytes"),
        );
    }
    v.check(
        total > MAX_TOTAL_BYTES,
        "documents",
        format!("must be at most {MAX_TOTAL_BYTES} bytes together"),
    );
    v.extend(bidder.validate("bidder", true));
    v
}

mod base64_bytes {
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(serde::de::Error::custom)
    }
}

/// Hex of random bytes (nonces, seeds), from the caller's randomness.
pub fn hex_of(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// Base64 of bytes, for places that carry bytes in text.
pub fn base64_of(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::party::credit_code;

    fn sealed() -> SealedBid {
        SealedBid {
            price_fen: 123_456_00,
            bidder: Party {
                name: "山西某设备有限公司".into(),
                credit_code: credit_code("91140200MA0K00001"),
                contact_name: "李明".into(),
                contact_phone: "13900000001".into(),
                address: String::new(),
            },
            documents: vec![BidDocument {
                name: "投标文件.pdf".into(),
                media_type: "application/pdf".into(),
                content: b"%PDF technical proposal".to_vec(),
            }],
            nonce: "00".repeat(32),
        }
    }

    #[test]
    fn commitment_changes_with_every_field() {
        let b = sealed();
        let base = b.commitment("p1", "1");
        assert_eq!(base, b.commitment("p1", "1"), "deterministic");
        assert_ne!(base, b.commitment("p2", "1"));
        assert_ne!(base, b.commitment("p1", "2"));
        let mut other = b.clone();
        other.price_fen += 1;
        assert_ne!(base, other.commitment("p1", "1"));
        let mut other = b.clone();
        other.nonce = "01".repeat(32);
        assert_ne!(base, other.commitment("p1", "1"));
        let mut other = b;
        other.documents[0].content.push(b'!');
        assert_ne!(base, other.commitment("p1", "1"));
    }

    #[test]
    fn length_prefixes_keep_field_boundaries() {
        let a = commitment("ab", "c", "1", 1, &[], "n");
        let b = commitment("a", "bc", "1", 1, &[], "n");
        assert_ne!(a, b);
    }

    #[test]
    fn sealed_bid_round_trips_through_json_with_bytes_as_base64() {
        let b = sealed();
        let json = serde_json::to_string(&b).unwrap();
        assert!(!json.contains("technical proposal"));
        let back: SealedBid = serde_json::from_str(&json).unwrap();
        assert_eq!(back, b);
    }

    #[test]
    fn a_price_above_the_ceiling_is_refused_without_repeating_it() {
        let lot = Lot {
            id: "1".into(),
            title: "x".into(),
            budget_fen: 100_00,
            min_increment_fen: 0,
            failed: false,
        };
        let b = sealed();
        let v = validate_submission(Some(&lot), Direction::Lower, 99_99, &b.documents, &b.bidder);
        assert!(v.is_empty(), "{v}");
        let v = validate_submission(
            Some(&lot),
            Direction::Lower,
            100_01,
            &b.documents,
            &b.bidder,
        );
        assert_eq!(v.as_slice()[0].field, "price_fen");
        assert!(!v.to_string().contains("10001"));
        let v = validate_submission(Some(&lot), Direction::Lower, 5, &[], &b.bidder);
        assert_eq!(v.as_slice()[0].field, "documents");
    }

    #[test]
    fn a_documents_media_type_is_one_a_download_can_hand_back() {
        let lot = Lot {
            id: "1".into(),
            title: "x".into(),
            budget_fen: 100_00,
            min_increment_fen: 0,
            failed: false,
        };
        let mut b = sealed();
        b.documents[0].media_type = String::new();
        let v = validate_submission(Some(&lot), Direction::Lower, 5, &b.documents, &b.bidder);
        assert!(v.is_empty(), "none is allowed: {v}");
        for bad in [
            "长".repeat(20_000),
            "text/html\r\nx-evil: 1".into(),
            "pdf".into(),
        ] {
            b.documents[0].media_type = bad;
            let v = validate_submission(Some(&lot), Direction::Lower, 5, &b.documents, &b.bidder);
            assert_eq!(v.as_slice()[0].field, "documents[0].media_type");
        }
    }
}
