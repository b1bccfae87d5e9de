//! A project as Open Contracting Data Standard 1.1 releases, one per stage (tender,
//! amendments, opening, award, final award, contracts, failure or cancellation), each as
//! things stood at that stage, in a release package for publication. Only what is public
//! goes in: contacts masked, no bid before its opening.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use super::award::AwardStatus;
use super::kinds::{Category, Direction, Method, ProjectState};
use super::party::Party;
use super::project::Project;
use super::view::{visible, Viewer};

pub const OCID_PREFIX: &str = "ocds-dtggzy";
pub const PUBLISHER: &str = "大同市公共资源交易中心";

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Yuan as OCDS wants an amount: a JSON number (exact for any amount below 90 trillion yuan).
fn amount(fen: i64) -> Value {
    json!({ "amount": fen as f64 / 100.0, "currency": "CNY" })
}

pub fn method_label(m: Method) -> &'static str {
    match m {
        Method::OpenTender => "公开招标",
        Method::InvitedTender => "邀请招标",
        Method::CompetitiveNegotiation => "竞争性谈判",
        Method::Inquiry => "询价",
        Method::SingleSource => "单一来源",
        Method::Auction => "拍卖",
        Method::Listing => "挂牌",
    }
}

pub fn category_label(c: Category) -> &'static str {
    match c {
        Category::GovernmentProcurement => "政府采购",
        Category::Construction => "建设工程招投标",
        Category::LandUse => "国有土地使用权出让",
        Category::PropertyRights => "产权交易",
    }
}

fn procurement_method(m: Method) -> &'static str {
    match m {
        Method::OpenTender | Method::Auction | Method::Listing => "open",
        Method::InvitedTender | Method::CompetitiveNegotiation | Method::Inquiry => "selective",
        Method::SingleSource => "direct",
    }
}

fn org_ref(p: &Party) -> Value {
    json!({ "id": format!("CN-USCC-{}", p.credit_code), "name": p.name })
}

fn party(p: &Party, roles: &[&str]) -> Value {
    json!({
        "id": format!("CN-USCC-{}", p.credit_code),
        "name": p.name,
        "identifier": { "scheme": "CN-USCC", "id": p.credit_code, "legalName": p.name },
        "address": { "streetAddress": p.address },
        "contactPoint": { "name": p.contact_name, "telephone": p.contact_phone },
        "roles": roles,
    })
}

/// The stages a project has reached, in order: (date, tag, short name).
fn stages(p: &Project) -> Vec<(DateTime<Utc>, &'static str, String)> {
    let mut out = Vec::new();
    let Some(announced) = p.periods.announced_at else {
        return out;
    };
    out.push((announced, "tender", "tender".to_string()));
    for (i, a) in p.amendments.iter().enumerate() {
        out.push((a.at, "tenderAmendment", format!("amendment-{}", i + 1)));
    }
    if let Some(o) = &p.opening {
        out.push((o.opened_at, "tenderUpdate", "opening".to_string()));
    }
    let mut publicized: Vec<DateTime<Utc>> = p.awards.iter().map(|a| a.publicized_at).collect();
    publicized.dedup();
    for (i, at) in publicized.iter().enumerate() {
        out.push((*at, "award", format!("award-{}", i + 1)));
    }
    if let Some(at) = p.awards.iter().filter_map(|a| a.final_at).max() {
        out.push((at, "awardUpdate", "award-final".to_string()));
    }
    for c in &p.contracts {
        out.push((c.recorded_at, "contract", format!("contract-{}", c.id)));
    }
    if let Some(at) = p.failed_at {
        out.push((at, "tenderUpdate", "unsuccessful".to_string()));
    }
    if let Some(at) = p.cancelled_at {
        out.push((at, "tenderCancellation", "cancelled".to_string()));
    }
    out.sort_by_key(|(at, _, _)| *at);
    out
}

fn tender_status(p: &Project, at: DateTime<Utc>) -> &'static str {
    if p.cancelled_at.is_some_and(|t| t <= at) {
        "cancelled"
    } else if p.failed_at.is_some_and(|t| t <= at) {
        "unsuccessful"
    } else if p.awards.iter().any(|a| a.final_at.is_some_and(|t| t <= at)) {
        "complete"
    } else {
        "active"
    }
}

fn release(p: &Project, at: DateTime<Utc>, tag: &str, name: &str, n: usize) -> Value {
    let ocid = format!("{OCID_PREFIX}-{}", p.code);
    let sale = p.category.direction() == Direction::Higher;
    let mut parties = vec![
        party(&p.owner, &[if sale { "payee" } else { "buyer" }]),
        party(&p.agency, &["procuringEntity"]),
    ];
    let opening = p.opening.as_ref().filter(|o| o.opened_at <= at);
    let mut tender = json!({
        "id": p.code,
        "title": p.title,
        "description": p.description,
        "status": tender_status(p, at),
        "value": amount(p.lots.iter().map(|l| l.budget_fen).sum()),
        "procurementMethod": procurement_method(p.method),
        "procurementMethodDetails": format!("{}（{}）", method_label(p.method), category_label(p.category)),
        "procuringEntity": org_ref(&p.agency),
        "tenderPeriod": { "startDate": iso(p.periods.bid_start), "endDate": iso(p.periods.bid_deadline) },
        "lots": p.lots.iter().map(|l| json!({
            "id": l.id, "title": l.title, "value": amount(l.budget_fen),
            "status": if l.failed && opening.is_some() { "unsuccessful" } else { "active" },
        })).collect::<Vec<_>>(),
        "amendments": p.amendments.iter().enumerate().filter(|(_, a)| a.at <= at).map(|(i, a)| json!({
            "id": format!("amendment-{}", i + 1), "date": iso(a.at), "description": a.summary,
            "rationale": if a.material { "material" } else { "clarification" },
        })).collect::<Vec<_>>(),
    });
    if p.category == Category::Construction {
        tender["mainProcurementCategory"] = json!("works");
    }
    if let Some(end) = p.periods.enquiry_end {
        tender["enquiryPeriod"] =
            json!({ "startDate": p.periods.announced_at.map(iso), "endDate": iso(end) });
    }
    if let Some(o) = opening {
        tender["numberOfTenderers"] = json!(o.bids.len());
        tender["tenderers"] = o.bids.iter().map(|b| org_ref(&b.bidder)).collect();
        tender["bids"] = json!({ "details": o.bids.iter().map(|b| json!({
            "id": b.bid_id, "date": iso(b.submitted_at), "relatedLots": [b.lot_id],
            "status": if b.valid { "valid" } else { "disqualified" },
            "tenderers": [org_ref(&b.bidder)], "value": amount(b.price_fen),
        })).collect::<Vec<_>>() });
        for b in &o.bids {
            parties.push(party(&b.bidder, &["tenderer"]));
        }
    }
    let awards: Vec<Value> = p
        .awards
        .iter()
        .filter(|a| a.publicized_at <= at)
        .map(|a| {
            let status = match a.status {
                AwardStatus::Active if a.final_at.is_some_and(|t| t <= at) => "active",
                AwardStatus::Cancelled if tag != "award" || a.publicized_at < at => "cancelled",
                _ => "pending",
            };
            json!({
                "id": a.id, "title": format!("{} 第{}标段", p.title, a.lot_id), "status": status,
                "date": iso(a.publicized_at), "value": amount(a.value_fen),
                "suppliers": [org_ref(&a.supplier)], "relatedLots": [a.lot_id],
            })
        })
        .collect();
    for a in p.awards.iter().filter(|a| a.publicized_at <= at) {
        let role = if sale { "payer" } else { "supplier" };
        if opening.is_none() {
            parties.push(party(&a.supplier, &["tenderer", role]));
        } else {
            parties.push(party(&a.supplier, &[role]));
        }
    }
    if p.awards.iter().any(|a| a.publicized_at <= at) {
        tender["awardPeriod"] = json!({
            "startDate": p.awards.iter().map(|a| a.publicized_at).min().map(iso),
            "endDate": p.periods.award_publicity_end.map(iso),
        });
    }
    let contracts: Vec<Value> = p
        .contracts
        .iter()
        .filter(|c| c.recorded_at <= at)
        .map(|c| {
            json!({
                "id": c.id, "awardID": c.award_id, "title": c.title, "status": "active",
                "value": amount(c.value_fen), "dateSigned": c.signed_on.to_string(),
            })
        })
        .collect();
    let mut r = json!({
        "ocid": ocid,
        "id": format!("{ocid}-{n:02}-{name}"),
        "date": iso(at),
        "tag": [tag],
        "initiationType": "tender",
        "language": "zh",
        "parties": parties,
        "buyer": org_ref(&p.owner),
        "tender": tender,
    });
    if !awards.is_empty() {
        r["awards"] = Value::Array(awards);
    }
    if !contracts.is_empty() {
        r["contracts"] = Value::Array(contracts);
    }
    r
}

/// The release package of a project as the public sees it.
pub fn release_package(project: &Project, published: DateTime<Utc>) -> Value {
    let releases: Vec<Value> = match visible(project, &Viewer::Public) {
        Some(p) if p.state != ProjectState::Draft => stages(&p)
            .iter()
            .enumerate()
            .map(|(i, (at, tag, name))| release(&p, *at, tag, name, i + 1))
            .collect(),
        _ => Vec::new(),
    };
    json!({
        "uri": format!("/api/v1/trading/projects/{}/ocds", project.id),
        "version": "1.1",
        "publishedDate": iso(published),
        "publisher": { "name": PUBLISHER, "scheme": "CN-USCC" },
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "releases": releases,
    })
}
