//! Projects, bids and experts for the domain's tests.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::*;

/// Monday 2 November 2026, 09:00 in Datong.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 1, 0, 0).unwrap()
}

pub fn party(name: &str, n: u32) -> Party {
    Party {
        name: name.into(),
        credit_code: credit_code(&format!("91140200MA0K{n:05}")),
        contact_name: format!("联系人{n}"),
        contact_phone: format!("1390000{n:04}"),
        address: "山西省大同市平城区".into(),
    }
}

pub fn owner() -> Party {
    Party {
        name: "大同市第三人民医院".into(),
        credit_code: credit_code("12140200MB0000001"),
        ..Default::default()
    }
}

pub fn agency() -> Party {
    Party {
        name: "山西省招标有限公司大同分公司".into(),
        credit_code: credit_code("91140200MA0A00001"),
        ..Default::default()
    }
}

/// A procurement open tender: bids from t0, deadline 25 days on, opening an hour later.
pub fn tender_draft() -> ProjectDraft {
    ProjectDraft {
        title: "大同市第三人民医院医学影像设备采购项目".into(),
        description: "采购64排CT一台".into(),
        category: Category::GovernmentProcurement,
        method: Method::OpenTender,
        region_code: "140200".into(),
        owner: owner(),
        agency: agency(),
        lots: vec![Lot {
            id: "1".into(),
            title: "64排CT".into(),
            budget_fen: 6_000_000_00,
            min_increment_fen: 0,
            failed: false,
        }],
        periods: Periods {
            announced_at: None,
            enquiry_end: Some(t0() + Duration::days(15)),
            bid_start: t0(),
            bid_deadline: t0() + Duration::days(25),
            opening_at: Some(t0() + Duration::days(25) + Duration::hours(1)),
            evaluation_end: None,
            award_publicity_days: 0,
            award_publicity_end: None,
        },
        min_valid_bids: 0,
        evaluation: EvaluationRule {
            method: EvaluationMethod::LowestPrice,
            price_weight: 0,
            technical_weight: 0,
            commercial_weight: 0,
            expert_specialty: "医疗设备".into(),
            panel_size: 3,
        },
        extension_minutes: 0,
    }
}

/// A land-use listing: quoting from 21 days after t0 for 11 days.
pub fn listing_draft() -> ProjectDraft {
    let start = t0() + Duration::days(21);
    ProjectDraft {
        title: "平城区DTG-2026-18号宗地国有建设用地使用权挂牌出让".into(),
        description: "住宅用地，出让年限70年".into(),
        category: Category::LandUse,
        method: Method::Listing,
        lots: vec![Lot {
            id: "1".into(),
            title: "DTG-2026-18号宗地".into(),
            budget_fen: 58_000_000_00,
            min_increment_fen: 500_000_00,
            failed: false,
        }],
        periods: Periods {
            announced_at: None,
            enquiry_end: None,
            bid_start: start,
            bid_deadline: start + Duration::days(11),
            opening_at: None,
            evaluation_end: None,
            award_publicity_days: 0,
            award_publicity_end: None,
        },
        owner: Party {
            name: "大同市规划和自然资源局".into(),
            credit_code: credit_code("11140200MB0000002"),
            ..Default::default()
        },
        ..tender_draft()
    }
}

pub fn created(draft: ProjectDraft) -> Project {
    Project::create(
        "p1".into(),
        "140200-2026-ZC0001".into(),
        draft,
        t0() - Duration::days(2),
    )
    .unwrap()
}

pub fn step(p: &Project, c: Command, now: DateTime<Utc>) -> Project {
    decide(p, c, now).unwrap().project
}

pub fn sealed_bid(p: &Project, n: u32, price_fen: i64) -> UnsealedBid {
    let content = SealedBid {
        price_fen,
        bidder: party(&format!("投标人{n}"), n),
        documents: vec![BidDocument {
            name: "投标文件.pdf".into(),
            media_type: "application/pdf".into(),
            content: format!("bid documents of bidder {n}").into_bytes(),
        }],
        nonce: format!("{n:064}"),
    };
    UnsealedBid {
        bid_id: format!("b{n}"),
        lot_id: "1".into(),
        submitted_at: t0() + Duration::days(i64::from(n)),
        commitment: content.commitment(&p.id, "1"),
        content,
    }
}

pub fn pool() -> Vec<Expert> {
    (1..=12)
        .map(|i| Expert {
            id: format!("e{i:02}"),
            name: format!("专家{i}"),
            specialty: "医疗设备".into(),
            organization: format!("山西医科大学第{i}医院"),
            organization_credit_code: credit_code(&format!("12140000MB{i:07}")),
            conflict_credit_codes: Vec::new(),
            active: true,
        })
        .collect()
}

pub fn opening_time(p: &Project) -> DateTime<Utc> {
    p.periods.opening_at.unwrap()
}

/// The tender project brought to `state` by commands; `now` suits further commands there.
pub fn tender_in(state: ProjectState) -> (Project, DateTime<Utc>) {
    let draft = created(tender_draft());
    let before = t0() - Duration::days(1);
    if state == ProjectState::Draft {
        return (draft, before);
    }
    if state == ProjectState::Cancelled {
        let c = step(
            &draft,
            Command::Cancel {
                reason: "需求变更".into(),
            },
            before,
        );
        return (c, before);
    }
    let mut announced_draft = tender_draft();
    announced_draft.periods.bid_start = t0() + Duration::days(1);
    let announced = step(&created(announced_draft), Command::Announce, before);
    if state == ProjectState::Announced {
        return (announced, before + Duration::hours(1));
    }
    let p = step(
        &step(&draft, Command::Announce, before),
        Command::Tick,
        t0(),
    );
    if state == ProjectState::Bidding {
        return (p, t0() + Duration::days(2));
    }
    let at = opening_time(&p);
    let bids = |n: u32| {
        (1..=n)
            .map(|i| sealed_bid(&p, i, 5_000_000_00 + i64::from(i)))
            .collect()
    };
    let seed = "5e".repeat(32);
    if state == ProjectState::Failed {
        let f = step(
            &p,
            Command::OpenBids {
                bids: bids(2),
                draw_seed: seed,
            },
            at,
        );
        return (f, at + Duration::hours(1));
    }
    let p = step(
        &p,
        Command::OpenBids {
            bids: bids(3),
            draw_seed: seed,
        },
        at,
    );
    let now = at + Duration::hours(1);
    if state == ProjectState::Opened {
        return (p, now);
    }
    let p = step(&p, Command::DrawExperts { pool: pool() }, now);
    if state == ProjectState::Evaluating {
        return (p, now);
    }
    let p = step(&p, Command::Evaluate { sheets: Vec::new() }, now);
    let p = step(&p, Command::PublicizeAward, now);
    let p = step(
        &p,
        Command::FileObjection {
            subject: "u2".into(),
            objector: party("投标人2", 2),
            text: "评标价格计算有误".into(),
            took_part: true,
        },
        now + Duration::hours(1),
    );
    if state == ProjectState::AwardPublicized {
        return (p, now + Duration::hours(2));
    }
    let p = step(
        &p,
        Command::AnswerObjection {
            objection_id: "q1".into(),
            answer: "经复核，评标价格计算无误".into(),
            upheld: false,
        },
        now + Duration::hours(2),
    );
    let later = now + Duration::days(10);
    let p = step(&p, Command::Tick, later);
    if state == ProjectState::Awarded {
        return (p, later);
    }
    let p = step(
        &p,
        Command::RecordContract {
            award_id: "a1".into(),
            title: "64排CT采购合同".into(),
            value_fen: 5_000_000_01,
            signed_on: later.date_naive(),
        },
        later,
    );
    assert_eq!(p.state, ProjectState::Contracted);
    (p, later)
}
