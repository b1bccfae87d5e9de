//! Property: under any sequence of bids, withdrawals, amendments, time passing and attempts
//! to open or read, no sealed bid is readable before its opening: a permit to decrypt exists
//! only at or after the opening time of a bidding project, and until the opening record
//! exists no view of the project (stored body, public, bidder and staff views, OCDS) holds
//! a price or a byte of a document.

use chrono::Duration;
use proptest::prelude::*;

use super::fixtures::*;
use super::*;
use crate::seal::{bid_aad, MasterKey};

#[derive(Debug, Clone)]
enum Op {
    Submit {
        bidder: u32,
        price: i64,
        marker: u64,
    },
    Withdraw {
        bidder: u32,
    },
    Amend {
        material: bool,
    },
    Advance {
        hours: i64,
    },
    TryOpen,
    TryRead,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1u32..5, 100_000_001i64..599_999_999, any::<u64>())
            .prop_map(|(bidder, price, marker)| Op::Submit { bidder, price, marker }),
        1 => (1u32..5).prop_map(|bidder| Op::Withdraw { bidder }),
        1 => any::<bool>().prop_map(|material| Op::Amend { material }),
        3 => (0i64..240).prop_map(|hours| Op::Advance { hours }),
        2 => Just(Op::TryOpen),
        1 => Just(Op::TryRead),
    ]
}

struct Stored {
    id: String,
    bidder: u32,
    active: bool,
    sealed: Vec<u8>,
    commitment: String,
    submitted_at: chrono::DateTime<chrono::Utc>,
}

fn secrets_absent(p: &Project, secrets: &[String]) -> Result<(), TestCaseError> {
    let mut texts = vec![serde_json::to_string(p).unwrap()];
    for viewer in [Viewer::Public, Viewer::Staff, Viewer::Bidder("u1".into())] {
        texts.push(format!("{:?}", visible(p, &viewer)));
    }
    texts.push(ocds::release_package(p, t0()).to_string());
    for text in &texts {
        for s in secrets {
            prop_assert!(!text.contains(s.as_str()), "{s} leaked before the opening");
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_sealed_bid_is_never_readable_before_the_opening(ops in prop::collection::vec(op(), 1..40)) {
        let master = MasterKey::new([42u8; 32]);
        let mut p = step(&created(tender_draft()), Command::Announce, t0() - Duration::days(1));
        let sealed_key = master.new_project_key(&p.id).unwrap();
        let sealing = master.sealing_key(&p.id, &sealed_key).unwrap();
        let mut now = t0();
        let mut stored: Vec<Stored> = Vec::new();
        let mut secrets: Vec<String> = Vec::new();
        for op in ops {
            match op {
                Op::Submit { bidder, price, marker } => {
                    if decide(&p, Command::SubmitBid { lot_id: "1".into() }, now).is_ok() {
                        let marker = format!("doc-{marker:016x}");
                        let content = SealedBid {
                            price_fen: price,
                            bidder: party(&format!("投标人{bidder}"), bidder),
                            documents: vec![BidDocument {
                                name: "投标文件.pdf".into(),
                                media_type: "application/pdf".into(),
                                content: marker.clone().into_bytes(),
                            }],
                            nonce: hex::encode(crate::seal::random::<32>()),
                        };
                        let id = format!("b{}", stored.len() + 1);
                        let plain = serde_json::to_vec(&content).unwrap();
                        let sealed = sealing.seal(&bid_aad(&p.id, &id, "1", &bidder.to_string()), &plain).unwrap();
                        prop_assert!(!sealed.windows(marker.len()).any(|w| w == marker.as_bytes()));
                        for s in stored.iter_mut().filter(|s| s.bidder == bidder) {
                            s.active = false;
                        }
                        stored.push(Stored {
                            id,
                            bidder,
                            active: true,
                            sealed,
                            commitment: content.commitment(&p.id, "1"),
                            submitted_at: now,
                        });
                        secrets.push(price.to_string());
                        secrets.push(marker);
                    }
                }
                Op::Withdraw { bidder } => {
                    if decide(&p, Command::WithdrawBid, now).is_ok() {
                        for s in stored.iter_mut().filter(|s| s.bidder == bidder) {
                            s.active = false;
                        }
                    }
                }
                Op::Amend { material } => {
                    let c = Command::Amend(AmendmentInput {
                        summary: "澄清".into(),
                        material,
                        ..Default::default()
                    });
                    if let Ok(d) = decide(&p, c, now) {
                        p = d.project;
                    }
                }
                Op::Advance { hours } => {
                    now += Duration::hours(hours);
                    p = decide(&p, Command::Tick, now).unwrap().project;
                }
                Op::TryOpen => match p.permit_opening(now) {
                    Ok(permit) => {
                        prop_assert_eq!(p.state, ProjectState::Bidding);
                        prop_assert!(now >= p.periods.opening_at.unwrap());
                        let key = master.opening_key(&permit, &sealed_key).unwrap();
                        let bids = stored
                            .iter()
                            .filter(|s| s.active)
                            .map(|s| {
                                let aad = bid_aad(&p.id, &s.id, "1", &s.bidder.to_string());
                                let plain = key.open(&aad, &s.sealed).unwrap();
                                UnsealedBid {
                                    bid_id: s.id.clone(),
                                    lot_id: "1".into(),
                                    submitted_at: s.submitted_at,
                                    commitment: s.commitment.clone(),
                                    content: serde_json::from_slice(&plain).unwrap(),
                                }
                            })
                            .collect();
                        let d = decide(&p, Command::OpenBids { bids, draw_seed: "00".repeat(32) }, now);
                        p = d.unwrap().project;
                        prop_assert!(p.opening.as_ref().unwrap().bids.iter().all(|b| b.valid));
                    }
                    Err(_) => {
                        prop_assert!(
                            p.opening.is_some()
                                || now < p.periods.opening_at.unwrap()
                                || p.state != ProjectState::Bidding
                        );
                    }
                },
                Op::TryRead => {
                    prop_assert_eq!(p.permit_reading().is_ok(), p.opening.is_some());
                }
            }
            if p.opening.is_none() {
                secrets_absent(&p, &secrets)?;
            }
        }
    }
}
