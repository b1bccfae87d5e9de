//! The objects a matrix row acts on, made through the contracts by the people who may make
//! them, and the variables that name them (`case_id`) and their owners (`department`).

use chrono::Utc;
use onewindow_kit::auth::Principal;
use onewindow_proto::cases::v1 as pb;
use onewindow_proto::cases::v1::case_service_client::CaseServiceClient;
use onewindow_proto::catalog::v1 as catalog;
use onewindow_proto::catalog::v1::catalog_service_client::CatalogServiceClient;
use onewindow_proto::supervision::v1 as sup;
use onewindow_proto::supervision::v1::supervision_service_client::SupervisionServiceClient;
use onewindow_proto::trading::v1 as tr;
use onewindow_proto::trading::v1::trading_service_client::TradingServiceClient;
use serde_json::{json, Value as Json};
use tonic::Request;

use super::matrix::{principal, Vars};
use super::world::World;
use crate::upload;

/// 企业投资项目核准 of 发展和改革委员会 (fgw): four stages, expert review allowed, extensions
/// up to 10 days.
pub const STAGED_ITEM: &str = "11140200010837015E010101000000";
/// 中国公民因私出国（境）申请 of the public security bureau (gaj): a fee item.
pub const FEE_ITEM: &str = "111402000140635638010114000000";
/// 企业投资项目备案 of fgw: an immediate item, done at the window.
pub const IMMEDIATE_ITEM: &str = "11140200010837015E100101000000";

impl World {
    /// A request carrying `who`'s token.
    pub fn req<T>(&self, who: &Principal, body: T) -> Request<T> {
        let mut r = Request::new(body);
        if let Some(token) = self.token(who) {
            r.metadata_mut()
                .insert("authorization", format!("Bearer {token}").parse().unwrap());
        }
        r
    }

    pub fn cases(&self) -> CaseServiceClient<tonic::transport::Channel> {
        CaseServiceClient::new(self.channel.clone()).max_decoding_message_size(64 << 20)
    }

    pub fn supervision_client(&self) -> SupervisionServiceClient<tonic::transport::Channel> {
        SupervisionServiceClient::new(self.channel.clone())
    }

    pub fn trading_client(&self) -> TradingServiceClient<tonic::transport::Channel> {
        TradingServiceClient::new(self.channel.clone())
    }

    pub fn catalog(&self) -> CatalogServiceClient<tonic::transport::Channel> {
        CatalogServiceClient::new(self.channel.clone())
    }

    /// An item of the catalog as in force today.
    pub async fn item(&self, item_id: &str) -> catalog::Item {
        self.catalog()
            .get_item(catalog::GetItemRequest {
                item_id: item_id.into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
    }
}

/// A fresh idempotency key.
pub fn request_id() -> String {
    format!("rid-{}", uuid_like())
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        Utc::now().timestamp_nanos_opt().unwrap_or_default(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// What a person writes on an application.
pub fn applicant_details() -> pb::Applicant {
    pb::Applicant {
        kind: pb::ApplicantKind::Person as i32,
        name: "王建国".into(),
        id_type: pb::IdType::ResidentIdCard as i32,
        id_number: "11010519491231002X".into(),
        phone: "13912340001".into(),
    }
}

/// A submission of `item_id` with every required material, as its applicant sends it.
pub async fn submission(world: &World, item_id: &str) -> pb::SubmitCaseRequest {
    let item = world.item(item_id).await;
    pb::SubmitCaseRequest {
        request_id: request_id(),
        item_id: item_id.into(),
        applicant: Some(applicant_details()),
        materials: item
            .materials
            .iter()
            .filter(|m| m.required)
            .map(upload)
            .collect(),
    }
}

fn set(vars: &mut Vars, name: &str, value: impl Into<Json>) {
    vars.insert(name.to_string(), value.into());
}

async fn submit(world: &World, vars: &mut Vars, item_id: &str, department: &str) -> pb::Case {
    set(vars, "department", department);
    let applicant = principal("applicant", vars);
    let body = submission(world, item_id).await;
    let case = world
        .cases()
        .submit_case(world.req(&applicant, body))
        .await
        .unwrap_or_else(|e| panic!("submit {item_id}: {e:?}"))
        .into_inner();
    set(vars, "case_id", case.id.clone());
    set(vars, "case_number", case.case_number.clone());
    set(vars, "query_code", case.query_code.clone());
    set(vars, "case_material_id", case.materials[0].id.clone());
    set(vars, "item_id", item_id);
    case
}

async fn accept(world: &World, vars: &Vars, case_id: &str) -> pb::Case {
    world
        .cases()
        .accept_case(world.req(
            &principal("clerk", vars),
            pb::AcceptCaseRequest {
                request_id: request_id(),
                case_id: case_id.into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_or_else(|e| panic!("accept {case_id}: {e:?}"))
        .into_inner()
}

async fn complete(world: &World, vars: &Vars, case_id: &str, stage: i32) -> pb::Case {
    world
        .cases()
        .complete_stage(world.req(
            &principal("approver", vars),
            pb::CompleteStageRequest {
                request_id: request_id(),
                case_id: case_id.into(),
                stage,
                opinion: "符合条件".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_or_else(|e| panic!("complete stage {stage} of {case_id}: {e:?}"))
        .into_inner()
}

/// Charges the fee item f1 of a fee case (its standard is 20 000 fen) at `amount_fen`.
async fn charge(world: &World, vars: &Vars, case_id: &str, amount_fen: i64) {
    world
        .cases()
        .charge_fees(world.req(
            &principal("clerk", vars),
            pb::ChargeFeesRequest {
                request_id: request_id(),
                case_id: case_id.into(),
                fees: vec![pb::FeeCharge {
                    fee_id: "f1".into(),
                    amount_fen,
                }],
                ..Default::default()
            },
        ))
        .await
        .unwrap_or_else(|e| panic!("charge the fees of {case_id}: {e:?}"));
}

fn var(vars: &Vars, name: &str) -> String {
    vars.get(name)
        .and_then(|v| v.as_str())
        .unwrap_or_else(|| panic!("no {name}"))
        .to_string()
}

/// An immediate case of fgw, concluded at the window: its number and query code let its
/// applicant evaluate it.
async fn concluded_case(world: &World, vars: &mut Vars) {
    let case = submit(world, vars, IMMEDIATE_ITEM, "fgw").await;
    world
        .cases()
        .conclude_immediately(world.req(
            &principal("clerk", vars),
            pb::ConcludeImmediatelyRequest {
                request_id: request_id(),
                case_id: case.id.clone(),
                conclusion: Some(pb::Conclusion {
                    kind: pb::OutcomeKind::Approved as i32,
                    result_reference: "备案〔2026〕1号".into(),
                    ..Default::default()
                }),
                opinion: "准予".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_or_else(|e| panic!("conclude {}: {e:?}", case.id));
}

/// The enterprise registration bundle with its shared materials once and the first stage's
/// own materials; its lead department (工商局) is the fixture's own.
async fn bundle_submission(world: &World, vars: &mut Vars) -> pb::SubmitBundleRequest {
    let bundle = world
        .catalog()
        .get_bundle(catalog::GetBundleRequest {
            bundle_id: crate::ENTERPRISE_REGISTRATION.into(),
        })
        .await
        .unwrap()
        .into_inner();
    set(vars, "department", bundle.lead_department_id.clone());
    set(vars, "other_department", "fgw");
    let shared = |m: &catalog::Material| {
        !m.shared_material_id.is_empty()
            && bundle
                .shared_materials
                .iter()
                .any(|s| s.id == m.shared_material_id)
    };
    let mut item_materials = Vec::new();
    for item_id in bundle
        .stages
        .first()
        .map(|s| s.item_ids.clone())
        .unwrap_or_default()
    {
        let item = world.item(&item_id).await;
        let materials: Vec<pb::MaterialUpload> = item
            .materials
            .iter()
            .filter(|m| m.required && !shared(m))
            .map(upload)
            .collect();
        if !materials.is_empty() {
            item_materials.push(pb::ItemMaterials { item_id, materials });
        }
    }
    pb::SubmitBundleRequest {
        request_id: request_id(),
        bundle_id: bundle.id.clone(),
        applicant: Some(applicant_details()),
        shared_materials: crate::shared_uploads(&bundle),
        item_materials,
    }
}

fn ts(t: chrono::DateTime<Utc>) -> Option<onewindow_proto::prost_types::Timestamp> {
    Some(onewindow_proto::prost_types::Timestamp {
        seconds: t.timestamp(),
        nanos: 0,
    })
}

fn party(name: &str, code: &str) -> tr::Party {
    tr::Party {
        name: name.into(),
        credit_code: onewindow_trading::domain::credit_code(code),
        contact_name: "联系人".into(),
        contact_phone: "0352-5022101".into(),
        address: "大同市平城区".into(),
    }
}

/// The agency that runs the fixtures' tenders, and another one.
const AGENCY: &str = "91140200MA0A00001";
const OTHER_AGENCY: &str = "91140200MA0B00002";

/// The trading agents' agencies: the fixture's own runs its tenders.
fn agencies(vars: &mut Vars) {
    set(
        vars,
        "agency",
        onewindow_trading::domain::credit_code(AGENCY),
    );
    set(
        vars,
        "other_agency",
        onewindow_trading::domain::credit_code(OTHER_AGENCY),
    );
}

/// A procurement open tender of the city's third hospital, bidding from now for 25 days.
fn tender(world: &World) -> tr::Project {
    let now = world.clock.now();
    tr::Project {
        title: "医疗设备采购".into(),
        description: "采购设备一批，含三年保修".into(),
        category: tr::Category::GovernmentProcurement as i32,
        method: tr::Method::OpenTender as i32,
        region_code: crate::DATONG.into(),
        owner: Some(party("大同市第三人民医院", "12140200MB0000001")),
        agency: Some(party("山西省招标有限公司大同分公司", AGENCY)),
        lots: vec![tr::Lot {
            id: "1".into(),
            title: "医疗设备".into(),
            budget_fen: 600_000_000,
            ..Default::default()
        }],
        periods: Some(tr::Periods {
            bid_start: ts(now),
            bid_deadline: ts(now + chrono::Duration::days(25)),
            opening_at: ts(now + chrono::Duration::days(25) + chrono::Duration::hours(1)),
            ..Default::default()
        }),
        evaluation: Some(tr::EvaluationRule {
            method: tr::EvaluationMethod::LowestPrice as i32,
            expert_specialty: "医疗设备".into(),
            panel_size: 3,
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Enterprise `n` as a bidder.
fn enterprise(n: u32) -> tr::Party {
    party(
        &format!("山西第{n}医疗设备有限公司"),
        &format!("91140200MA0K{n:05}"),
    )
}

async fn bid(
    world: &World,
    who: &Principal,
    project_id: &str,
    n: u32,
    price_fen: i64,
) -> tr::BidReceipt {
    world
        .trading_client()
        .submit_bid(world.req(
            who,
            tr::SubmitBidRequest {
                request_id: request_id(),
                project_id: project_id.into(),
                lot_id: "1".into(),
                price_fen,
                documents: vec![tr::Document {
                    name: "投标文件.pdf".into(),
                    media_type: "application/pdf".into(),
                    content: format!("{project_id} 投标文件 {n}").into_bytes(),
                }],
                bidder: Some(enterprise(n)),
            },
        ))
        .await
        .unwrap_or_else(|e| panic!("bid {n}: {e:?}"))
        .into_inner()
}

/// The trading phases a fixture can stop at, in order.
const PHASES: [&str; 9] = [
    "draft_project",
    "project",
    "bid",
    "due_project",
    "opened_project",
    "drawn_project",
    "evaluated_project",
    "publicized_project",
    "objection",
];

/// A tender run by the fixture's own agent up to `phase`.
async fn trading(world: &World, vars: &mut Vars, phase: &str) {
    let reached =
        |p: &str| PHASES.iter().position(|x| *x == phase) >= PHASES.iter().position(|x| *x == p);
    agencies(vars);
    let agent = principal("trading_agent", vars);
    let client = world.trading_client();
    let start = world.clock.now();
    let created = client
        .clone()
        .create_project(world.req(
            &agent,
            tr::CreateProjectRequest {
                request_id: request_id(),
                project: Some(tender(world)),
            },
        ))
        .await
        .unwrap_or_else(|e| panic!("create a project: {e:?}"))
        .into_inner();
    let id = created.id.clone();
    set(vars, "project_id", id.clone());
    set(vars, "bidder_code", enterprise(1).credit_code);
    let agent_step = |what: &'static str| {
        let id = id.clone();
        let agent = agent.clone();
        let client = client.clone();
        async move {
            let r = request_id();
            let mut c = client;
            let result = match what {
                "announce" => c
                    .announce_project(world.req(
                        &agent,
                        tr::AnnounceProjectRequest {
                            request_id: r,
                            project_id: id,
                        },
                    ))
                    .await
                    .map(|_| ()),
                "open" => c
                    .open_bids(world.req(
                        &agent,
                        tr::OpenBidsRequest {
                            request_id: r,
                            project_id: id,
                        },
                    ))
                    .await
                    .map(|_| ()),
                "draw" => c
                    .draw_experts(world.req(
                        &agent,
                        tr::DrawExpertsRequest {
                            request_id: r,
                            project_id: id,
                        },
                    ))
                    .await
                    .map(|_| ()),
                "evaluate" => c
                    .evaluate_bids(world.req(
                        &agent,
                        tr::EvaluateBidsRequest {
                            request_id: r,
                            project_id: id,
                            sheets: vec![],
                        },
                    ))
                    .await
                    .map(|_| ()),
                _ => c
                    .publicize_award(world.req(
                        &agent,
                        tr::PublicizeAwardRequest {
                            request_id: r,
                            project_id: id,
                        },
                    ))
                    .await
                    .map(|_| ()),
            };
            result.unwrap_or_else(|e| panic!("{what}: {e:?}"));
        }
    };
    if !reached("project") {
        return;
    }
    agent_step("announce").await;
    if !reached("bid") {
        return;
    }
    let own = principal("applicant", vars);
    let receipt = bid(world, &own, &id, 1, 500_000_000).await;
    set(vars, "bid_id", receipt.bid_id.clone());
    if !reached("due_project") {
        return;
    }
    for n in 2..=3 {
        let other = super::matrix::person_of(&format!("enterprise-{n}"));
        bid(
            world,
            &other,
            &id,
            n,
            500_000_000 + i64::from(n) * 1_000_000,
        )
        .await;
    }
    world
        .hand
        .set(start + chrono::Duration::days(25) + chrono::Duration::hours(1));
    world.trading.tick().await.unwrap();
    if !reached("opened_project") {
        return;
    }
    agent_step("open").await;
    // The pool the panel is drawn from.
    for i in 1..=5 {
        let expert = tr::Expert {
            id: format!("e{i:03}"),
            name: format!("专家{i}"),
            specialty: "医疗设备".into(),
            organization: format!("山西医科大学第{i}附属医院"),
            organization_credit_code: onewindow_trading::domain::credit_code(&format!(
                "12140000MB{i:07}"
            )),
            conflict_credit_codes: Vec::new(),
            active: true,
        };
        client
            .clone()
            .put_expert(world.req(
                &agent,
                tr::PutExpertRequest {
                    request_id: format!("expert-{i}"),
                    expert: Some(expert),
                },
            ))
            .await
            .unwrap_or_else(|e| panic!("expert {i}: {e:?}"));
    }
    if !reached("drawn_project") {
        return;
    }
    agent_step("draw").await;
    if !reached("evaluated_project") {
        return;
    }
    agent_step("evaluate").await;
    if !reached("publicized_project") {
        return;
    }
    agent_step("publicize").await;
    if !reached("objection") {
        return;
    }
    let objection = client
        .clone()
        .file_objection(world.req(
            &super::matrix::person_of("enterprise-2"),
            tr::FileObjectionRequest {
                request_id: request_id(),
                project_id: id.clone(),
                text: "评标价格计算有误".into(),
                objector: Some(enterprise(2)),
            },
        ))
        .await
        .unwrap_or_else(|e| panic!("objection: {e:?}"))
        .into_inner();
    set(vars, "objection_id", objection.id);
}

/// A land-use listing (挂牌) run by the fixture's agency, announced the legal 20 days ahead
/// and now taking quotes; a quote at the reserve price is ready to send.
async fn auction_project(world: &World, vars: &mut Vars) {
    agencies(vars);
    let agent = principal("trading_agent", vars);
    let start = world.clock.now() + chrono::Duration::days(20);
    let reserve_fen = 4_600_000_000_i64;
    let listing = tr::Project {
        title: "平城区DTG-2026-21号宗地国有建设用地使用权挂牌出让".into(),
        description: "住宅用地，面积36,200平方米".into(),
        category: tr::Category::LandUse as i32,
        method: tr::Method::Listing as i32,
        region_code: crate::DATONG.into(),
        owner: Some(party("大同市土地储备中心", "12140200MB0000002")),
        agency: Some(party("山西省招标有限公司大同分公司", AGENCY)),
        lots: vec![tr::Lot {
            id: "1".into(),
            title: "DTG-2026-21号宗地".into(),
            budget_fen: reserve_fen,
            min_increment_fen: 50_000_000,
            failed: false,
        }],
        periods: Some(tr::Periods {
            bid_start: ts(start),
            bid_deadline: ts(start + chrono::Duration::days(10)),
            ..Default::default()
        }),
        ..Default::default()
    };
    let mut client = world.trading_client();
    let created = client
        .create_project(world.req(
            &agent,
            tr::CreateProjectRequest {
                request_id: request_id(),
                project: Some(listing),
            },
        ))
        .await
        .unwrap_or_else(|e| panic!("create a listing: {e:?}"))
        .into_inner();
    client
        .announce_project(world.req(
            &agent,
            tr::AnnounceProjectRequest {
                request_id: request_id(),
                project_id: created.id.clone(),
            },
        ))
        .await
        .unwrap_or_else(|e| panic!("announce the listing: {e:?}"));
    world.hand.set(start);
    world.trading.tick().await.unwrap();
    set(vars, "project_id", created.id);
    set(vars, "amount_fen", reserve_fen.to_string());
    set(
        vars,
        "bidder",
        super::call::typed_to_json("onewindow.trading.v1.Party", &enterprise(1)),
    );
}

/// A tender whose award publicity has ended without objection: its award is final.
async fn final_project(world: &World, vars: &mut Vars) {
    trading(world, vars, "publicized_project").await;
    world
        .hand
        .set(world.clock.now() + chrono::Duration::days(30));
    world.trading.tick().await.unwrap();
    let project = world
        .trading_client()
        .get_project(world.req(
            &principal("trading_agent", vars),
            tr::GetProjectRequest {
                project_id: var(vars, "project_id"),
            },
        ))
        .await
        .unwrap_or_else(|e| panic!("the final project: {e:?}"))
        .into_inner();
    let award = project.awards.first().expect("an award");
    set(vars, "award_id", award.id.clone());
    set(vars, "value_fen", award.value_fen.to_string());
    set(vars, "signed_on", crate::iso(world.clock.today()));
}

/// A case of fgw accepted on Monday 30 November and left alone for three weeks: the
/// scanner has issued its early warning and cards (the case is due on 14 December, its
/// review stage on 9 December). The clock stays on 21 December until the next fixture.
async fn warning(world: &World, vars: &mut Vars) {
    let case = submit(world, vars, STAGED_ITEM, "fgw").await;
    accept(world, vars, &case.id).await;
    world.sync_supervision("cases", &world.cases_db).await;
    world
        .hand
        .set(crate::nine_o_clock(crate::date(2026, 12, 21)));
    world
        .supervision
        .scan_now()
        .await
        .unwrap_or_else(|e| panic!("scan: {e:?}"));
    let warnings = world
        .supervision_client()
        .list_warnings(world.req(
            &principal("supervisor", vars),
            sup::ListWarningsRequest {
                case_id: case.id.clone(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_or_else(|e| panic!("list the warnings of {}: {e:?}", case.id))
        .into_inner()
        .warnings;
    let first = warnings
        .first()
        .unwrap_or_else(|| panic!("{} left alone got no warning", case.id));
    set(vars, "warning_id", first.id.clone());
}

/// A fee case of gaj charged 25 000 fen where the catalog's standard is 20 000: the cases
/// service records the deviation, supervision records the violation.
async fn violation(world: &World, vars: &mut Vars) {
    let case = submit(world, vars, FEE_ITEM, "gaj").await;
    accept(world, vars, &case.id).await;
    charge(world, vars, &case.id, 25_000).await;
    world.sync_supervision("cases", &world.cases_db).await;
    let violations = world
        .supervision_client()
        .list_violations(world.req(
            &principal("supervisor", vars),
            sup::ListViolationsRequest {
                subject_id: case.id.clone(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_or_else(|e| panic!("list the violations of {}: {e:?}", case.id))
        .into_inner()
        .violations;
    let found = violations
        .iter()
        .find(|v| v.rule_id == "fee_deviates_from_standard")
        .unwrap_or_else(|| panic!("no fee violation of {}: {violations:?}", case.id));
    set(vars, "violation_id", found.id.clone());
}

/// Makes the fixture `name`, setting its variables.
pub async fn make(world: &World, name: &str, vars: &mut Vars) {
    // Every fixture starts on the same Monday morning; trading fixtures move the clock on.
    world
        .hand
        .set(crate::nine_o_clock(crate::date(2026, 11, 30)));
    set(vars, "today", crate::iso(world.clock.today()));
    if PHASES.contains(&name) {
        trading(world, vars, name).await;
        return;
    }
    if name == "final_project" {
        final_project(world, vars).await;
        return;
    }
    if name == "auction_project" {
        auction_project(world, vars).await;
        return;
    }
    if super::catalog::make(world, name, vars).await {
        return;
    }
    match name {
        "bundle_submission" => {
            let body = bundle_submission(world, vars).await;
            set(
                vars,
                "submission",
                super::call::typed_to_json("onewindow.cases.v1.SubmitBundleRequest", &body),
            );
        }
        "submitted_bundle" => {
            let body = bundle_submission(world, vars).await;
            let submitted = world
                .cases()
                .submit_bundle(world.req(&principal("applicant", vars), body))
                .await
                .unwrap_or_else(|e| panic!("submit a bundle: {e:?}"))
                .into_inner();
            set(vars, "bundle_case_id", submitted.id);
        }
        "project_body" => {
            agencies(vars);
            set(
                vars,
                "project_body",
                super::call::typed_to_json("onewindow.trading.v1.Project", &tender(world)),
            );
        }
        "expert_body" => {
            let expert = tr::Expert {
                id: format!("x{}", uuid_like().replace('-', "")),
                name: "专家".into(),
                specialty: "医疗设备".into(),
                organization: "山西医科大学".into(),
                organization_credit_code: onewindow_trading::domain::credit_code(
                    "12140000MB0000099",
                ),
                conflict_credit_codes: Vec::new(),
                active: true,
            };
            set(
                vars,
                "expert_body",
                super::call::typed_to_json("onewindow.trading.v1.Expert", &expert),
            );
        }
        "none" => {}
        "item" => {
            set(vars, "item_id", STAGED_ITEM);
            set(vars, "department", "fgw");
        }
        "case_submission" => {
            set(vars, "department", "fgw");
            let body = submission(world, STAGED_ITEM).await;
            set(
                vars,
                "submission",
                super::call::typed_to_json("onewindow.cases.v1.SubmitCaseRequest", &body),
            );
        }
        "immediate_submission" => {
            set(vars, "department", "fgw");
            let body = submission(world, IMMEDIATE_ITEM).await;
            set(
                vars,
                "submission",
                super::call::typed_to_json("onewindow.cases.v1.SubmitCaseRequest", &body),
            );
        }
        "submitted_case" => {
            submit(world, vars, STAGED_ITEM, "fgw").await;
        }
        "submitted_immediate_case" => {
            submit(world, vars, IMMEDIATE_ITEM, "fgw").await;
        }
        "accepted_fee_case" => {
            let case = submit(world, vars, FEE_ITEM, "gaj").await;
            accept(world, vars, &case.id).await;
        }
        "charged_fee_case" => {
            let case = submit(world, vars, FEE_ITEM, "gaj").await;
            accept(world, vars, &case.id).await;
            charge(world, vars, &case.id, 20_000).await;
        }
        "supplement_requested_case" => {
            let case = submit(world, vars, STAGED_ITEM, "fgw").await;
            world
                .cases()
                .request_supplement(world.req(
                    &principal("clerk", vars),
                    pb::RequestSupplementRequest {
                        request_id: request_id(),
                        case_id: case.id.clone(),
                        items: vec![pb::SupplementItem {
                            material_id: "m1".into(),
                            problem: "缺少法定代表人签字".into(),
                        }],
                        ..Default::default()
                    },
                ))
                .await
                .unwrap();
            let item = world.item(STAGED_ITEM).await;
            let m1 = item.materials.iter().find(|m| m.id == "m1").unwrap();
            set(
                vars,
                "resubmission",
                json!([super::call::typed_to_json(
                    "onewindow.cases.v1.MaterialUpload",
                    &upload(m1)
                )]),
            );
        }
        "accepted_case" => {
            let case = submit(world, vars, STAGED_ITEM, "fgw").await;
            accept(world, vars, &case.id).await;
        }
        "suspended_case" => {
            let case = submit(world, vars, STAGED_ITEM, "fgw").await;
            accept(world, vars, &case.id).await;
            world
                .cases()
                .start_suspension(world.req(
                    &principal("approver", vars),
                    pb::StartSuspensionRequest {
                        request_id: request_id(),
                        case_id: case.id.clone(),
                        procedure: onewindow_proto::common::v1::SpecialProcedure::ExpertReview
                            as i32,
                        reason: "专家论证".into(),
                        declared_days: 5,
                        ..Default::default()
                    },
                ))
                .await
                .unwrap();
        }
        "concluding_case" => {
            let case = submit(world, vars, STAGED_ITEM, "fgw").await;
            accept(world, vars, &case.id).await;
            complete(
                world,
                vars,
                &case.id,
                onewindow_proto::common::v1::Stage::Review as i32,
            )
            .await;
            complete(
                world,
                vars,
                &case.id,
                onewindow_proto::common::v1::Stage::Decide as i32,
            )
            .await;
        }
        "department" => {
            let department = world
                .catalog()
                .get_department(catalog::GetDepartmentRequest {
                    department_id: "fgw".into(),
                })
                .await
                .unwrap()
                .into_inner();
            set(
                vars,
                "department_body",
                super::call::typed_to_json("onewindow.catalog.v1.Department", &department),
            );
        }
        "calendar_body" => {
            let year = world
                .catalog()
                .get_calendar_year(catalog::GetCalendarYearRequest {
                    region_code: crate::DATONG.into(),
                    year: 2026,
                })
                .await
                .unwrap_or_else(|e| panic!("calendar of 2026: {e:?}"))
                .into_inner();
            set(
                vars,
                "calendar_body",
                super::call::typed_to_json("onewindow.catalog.v1.CalendarYear", &year),
            );
        }
        "concluded_case" => {
            concluded_case(world, vars).await;
        }
        "rectification" | "replied_rectification" | "called_back_rectification" => {
            concluded_case(world, vars).await;
            let evaluation = world
                .supervision_client()
                .submit_evaluation(world.req(
                    &Principal::public(),
                    sup::SubmitEvaluationRequest {
                        request_id: request_id(),
                        case_number: var(vars, "case_number"),
                        query_code: var(vars, "query_code"),
                        rating: sup::Rating::VeryDissatisfied as i32,
                        comment: "等了很久".into(),
                        ..Default::default()
                    },
                ))
                .await
                .unwrap_or_else(|e| panic!("evaluate: {e:?}"))
                .into_inner();
            let id = evaluation.rectification_id.clone();
            set(vars, "rectification_id", id.clone());
            if name != "rectification" {
                world
                    .supervision_client()
                    .reply_rectification(world.req(
                        &principal("clerk", vars),
                        sup::ReplyRectificationRequest {
                            request_id: request_id(),
                            rectification_id: id.clone(),
                            measures: "已约谈窗口人员".into(),
                            ..Default::default()
                        },
                    ))
                    .await
                    .unwrap_or_else(|e| panic!("reply: {e:?}"));
            }
            if name == "called_back_rectification" {
                world
                    .supervision_client()
                    .record_call_back(world.req(
                        &principal("supervisor", vars),
                        sup::RecordCallBackRequest {
                            request_id: request_id(),
                            rectification_id: id,
                            reached: true,
                            note: "回访满意".into(),
                            ..Default::default()
                        },
                    ))
                    .await
                    .unwrap_or_else(|e| panic!("call back: {e:?}"));
            }
        }
        "warning" => {
            warning(world, vars).await;
        }
        "violation" => {
            violation(world, vars).await;
        }
        "complaint" | "accepted_complaint" | "investigated_complaint" | "concluded_complaint" => {
            set(vars, "department", "fgw");
            let filed = world
                .supervision_client()
                .file_complaint(world.req(
                    &Principal::public(),
                    sup::FileComplaintRequest {
                        request_id: request_id(),
                        kind: sup::ComplaintKind::Complaint as i32,
                        department_id: "fgw".into(),
                        region_code: crate::DATONG.into(),
                        content: "窗口人员态度生硬".into(),
                        anonymous: true,
                        ..Default::default()
                    },
                ))
                .await
                .unwrap_or_else(|e| panic!("file a complaint: {e:?}"))
                .into_inner();
            set(vars, "tracking_number", filed.tracking_number.clone());
            set(vars, "secret", filed.secret.clone());
            let supervisor = principal("supervisor", vars);
            let listed = world
                .supervision_client()
                .list_complaints(world.req(
                    &supervisor,
                    sup::ListComplaintsRequest {
                        page_size: 1000,
                        ..Default::default()
                    },
                ))
                .await
                .unwrap()
                .into_inner()
                .complaints;
            let id = listed
                .iter()
                .find(|c| c.tracking_number == filed.tracking_number)
                .expect("the filed complaint is listed")
                .id
                .clone();
            set(vars, "complaint_id", id.clone());
            let step = |note: &str| sup::ComplaintStepRequest {
                request_id: request_id(),
                complaint_id: id.clone(),
                note: note.into(),
                ..Default::default()
            };
            if name != "complaint" {
                world
                    .supervision_client()
                    .accept_complaint(world.req(&supervisor, step("受理")))
                    .await
                    .unwrap();
            }
            if name == "investigated_complaint" || name == "concluded_complaint" {
                world
                    .supervision_client()
                    .start_investigation(world.req(&supervisor, step("调查")))
                    .await
                    .unwrap();
            }
            if name == "concluded_complaint" {
                world
                    .supervision_client()
                    .conclude_complaint(world.req(
                        &supervisor,
                        sup::ConcludeComplaintRequest {
                            request_id: request_id(),
                            complaint_id: id.clone(),
                            substantiated: true,
                            findings: "属实".into(),
                            ..Default::default()
                        },
                    ))
                    .await
                    .unwrap();
            }
        }
        other => panic!("no fixture {other}"),
    }
}
