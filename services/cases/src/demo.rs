//! Demo cases for the standalone binary: a few weeks of a hall's work in every state, some
//! late, with running bundles. They are made through the service's own handlers with a
//! clock set back to each day, so every event, deadline and audit entry is real.

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use onewindow_kit::auth::{Principal, Role};
use onewindow_kit::clock::Clock;
use onewindow_kit::error::Error;
use onewindow_proto::cases::v1 as pb;
use onewindow_proto::cases::v1::case_service_server::CaseService;
use onewindow_proto::common::v1 as common;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tonic::Request;

use crate::app::Cases;
use crate::domain::applicant::{credit_code_check_char, resident_id_check_char};
use crate::domain::{HandlerRole, ItemClass, ItemTerms, SpecialProcedure, Stage};
use crate::rpc::CaseRpc;
use crate::store;

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "郭", "马",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明",
];
const COMPANIES: &[&str] = &[
    "大同市云冈文化旅游有限公司",
    "大同市平城建筑工程有限公司",
    "山西御河煤业有限公司",
    "大同市新荣农产品贸易有限公司",
];

fn principal(role: Role, subject: &str, department: Option<&str>) -> Principal {
    Principal {
        subject: subject.to_string(),
        name: String::new(),
        roles: vec![role],
        department: department.map(str::to_string),
        region: Some("140200".into()),
    }
}

fn request<T>(who: &Principal, body: T) -> Request<T> {
    let mut r = Request::new(body);
    r.extensions_mut().insert(who.clone());
    r
}

fn person(rng: &mut StdRng, n: u32) -> pb::Applicant {
    let name = format!(
        "{}{}",
        SURNAMES[rng.gen_range(0..SURNAMES.len())],
        GIVEN[rng.gen_range(0..GIVEN.len())]
    );
    let birth = NaiveDate::from_ymd_opt(
        rng.gen_range(1960..2004),
        rng.gen_range(1..=12),
        rng.gen_range(1..=28),
    )
    .unwrap_or_default();
    let first17 = format!("140213{}{:03}", birth.format("%Y%m%d"), n % 1000);
    let check = resident_id_check_char(&first17).unwrap_or('X');
    pb::Applicant {
        kind: pb::ApplicantKind::Person as i32,
        name,
        id_type: pb::IdType::ResidentIdCard as i32,
        id_number: format!("{first17}{check}"),
        phone: format!("139{:08}", rng.gen_range(0..100_000_000u32)),
    }
}

fn enterprise(n: u32) -> pb::Applicant {
    // 9: registered by market regulation, 1: company, Datong, an organization code.
    let first17 = format!("91140200MA0{:06}", 100_000 + n);
    let check = credit_code_check_char(&first17).unwrap_or('0');
    pb::Applicant {
        kind: pb::ApplicantKind::Enterprise as i32,
        name: COMPANIES[n as usize % COMPANIES.len()].into(),
        id_type: pb::IdType::UnifiedSocialCreditCode as i32,
        id_number: format!("{first17}{check}"),
        phone: "0352-5021234".into(),
    }
}

fn uploads(terms: &ItemTerms) -> Vec<pb::MaterialUpload> {
    terms
        .materials
        .iter()
        .filter(|m| m.required && m.stage == Stage::Accept)
        .map(|m| pb::MaterialUpload {
            material_id: m.id.clone(),
            file_name: format!("{}.pdf", m.name),
            content_type: "application/pdf".into(),
            content: format!("%PDF-1.4\n% 示例材料：{}\n", m.name).into_bytes(),
        })
        .collect()
}

/// The working days from `from` going forward, weekends skipped (holidays are rare enough
/// in a demo's few weeks not to matter for when staff act).
fn working_days_after(from: NaiveDate, n: i64) -> NaiveDate {
    let mut d = from;
    let mut left = n;
    while left > 0 {
        d += Duration::days(1);
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    d
}

/// How far a demo case gets.
#[derive(Clone, Copy)]
enum Plot {
    AwaitingIntake,
    Supplement,
    Refused,
    /// Accepted, then this many stages completed, then left alone.
    Stalled(usize),
    Suspended,
    Approved,
    Denied,
    /// Accepted, then withdrawn by the applicant while its first stage is under way.
    Withdrawn,
}

impl Cases {
    /// Creates the demo cases when there are none yet. Needs the catalog's items followed.
    pub async fn load_demo_if_empty(&self) -> Result<Option<String>, Error> {
        if !store::is_empty(&self.db).await? {
            return Ok(None);
        }
        let today = self.clock.today();
        let items: Vec<ItemTerms> = store::all_item_terms(&self.db)
            .await?
            .into_iter()
            .filter(|t| t.in_force_on(today) && t.item_class != ItemClass::Immediate)
            .collect();
        if items.is_empty() {
            return Err(Error::Unavailable("no catalog items followed yet".into()));
        }
        let mut rng = StdRng::seed_from_u64(20130628);
        let plots = [
            Plot::AwaitingIntake,
            Plot::Stalled(0),
            Plot::Approved,
            Plot::Stalled(1),
            Plot::Supplement,
            Plot::Approved,
            Plot::Suspended,
            Plot::Denied,
            Plot::Stalled(2),
            Plot::Refused,
            Plot::Approved,
            Plot::Stalled(1),
            Plot::Withdrawn,
        ];
        let mut made = 0u32;
        let start = today - Duration::days(35);
        for n in 0..48u32 {
            let terms = &items[(n as usize * 7) % items.len()];
            let day = working_days_after(start, i64::from(n / 2));
            if day > today {
                break;
            }
            let plot = plots[n as usize % plots.len()];
            let applicant = if n % 5 == 4 {
                enterprise(n)
            } else {
                person(&mut rng, n)
            };
            self.play(terms, applicant, day, today, plot, n).await?;
            made += 1;
        }
        let mut bundles = 0u32;
        for (k, bundle_id) in [
            "enterprise-registration",
            "housing-transaction",
            "construction-project",
        ]
        .iter()
        .enumerate()
        {
            let day = working_days_after(today - Duration::days(14), 3 * k as i64);
            if self.play_bundle(bundle_id, day, today, k as u32).await? {
                bundles += 1;
            }
        }
        Ok(Some(format!("{made} demo cases, {bundles} bundle cases")))
    }

    /// A bundle submitted online on `day`, whose first stage's departments then act.
    async fn play_bundle(
        &self,
        bundle_id: &str,
        mut day: NaiveDate,
        today: NaiveDate,
        n: u32,
    ) -> Result<bool, Error> {
        let mut tx = self.db.begin().await?;
        let terms = store::bundle_terms(&mut tx, bundle_id).await?;
        let first_items: Vec<ItemTerms> = match &terms {
            Some(t) => {
                let mut items = Vec::new();
                for id in t
                    .stages
                    .first()
                    .map(|s| s.item_ids.clone())
                    .unwrap_or_default()
                {
                    if let Some(v) = store::item_versions(&mut tx, &id)
                        .await?
                        .into_iter()
                        .rev()
                        .find(|v| v.in_force_on(day))
                    {
                        items.push(v);
                    }
                }
                items
            }
            None => Vec::new(),
        };
        drop(tx);
        if terms.is_none() || first_items.is_empty() {
            return Ok(false);
        }
        let (clock, hand) = Clock::manual(at(day, 9));
        let rpc = CaseRpc::new(Cases {
            db: self.db.clone(),
            clock,
            warning_days: self.warning_days,
        });
        let mut rng = StdRng::seed_from_u64(u64::from(n) + 7);
        let citizen = principal(Role::Applicant, &format!("demo-bundle-citizen-{n}"), None);
        let mut shared = Vec::new();
        let mut own = Vec::new();
        for item in &first_items {
            let mut files = Vec::new();
            for m in item
                .materials
                .iter()
                .filter(|m| m.required && m.stage == Stage::Accept)
            {
                let upload = |name: &str| {
                    (
                        format!("{name}.pdf"),
                        format!("%PDF-1.4\n% 示例材料：{name}\n").into_bytes(),
                    )
                };
                match &m.shared_material_id {
                    Some(sid) => {
                        if !shared
                            .iter()
                            .any(|s: &pb::SharedMaterialUpload| s.shared_material_id == *sid)
                        {
                            let (file_name, content) = upload(&m.name);
                            shared.push(pb::SharedMaterialUpload {
                                shared_material_id: sid.clone(),
                                file_name,
                                content_type: "application/pdf".into(),
                                content,
                            });
                        }
                    }
                    None => {
                        let (file_name, content) = upload(&m.name);
                        files.push(pb::MaterialUpload {
                            material_id: m.id.clone(),
                            file_name,
                            content_type: "application/pdf".into(),
                            content,
                        });
                    }
                }
            }
            if !files.is_empty() {
                own.push(pb::ItemMaterials {
                    item_id: item.item_id.clone(),
                    materials: files,
                });
            }
        }
        let bundle = rpc
            .submit_bundle(request(
                &citizen,
                pb::SubmitBundleRequest {
                    request_id: format!("demo-bundle-{n}"),
                    bundle_id: bundle_id.to_string(),
                    applicant: Some(person(&mut rng, 900 + n)),
                    shared_materials: shared,
                    item_materials: own,
                },
            ))
            .await
            .map_err(status_error)?
            .into_inner();
        // Each department of the first stage takes its child in on the next working day.
        day = working_days_after(day, 1);
        if day > today {
            return Ok(true);
        }
        hand.set(at(day, 10));
        for stage in &bundle.stages {
            for child in &stage.children {
                let dept = child.department_id.as_str();
                let clerk = principal(Role::Clerk, &format!("demo-clerk-{dept}"), Some(dept));
                let immediate = first_items
                    .iter()
                    .any(|t| t.item_id == child.item_id && t.item_class == ItemClass::Immediate);
                if immediate {
                    rpc.conclude_immediately(request(
                        &clerk,
                        pb::ConcludeImmediatelyRequest {
                            request_id: format!("demo-bundle-{n}-now-{}", child.case_id),
                            case_id: child.case_id.clone(),
                            revision: 0,
                            conclusion: Some(pb::Conclusion {
                                kind: pb::OutcomeKind::Approved as i32,
                                result_reference: format!("同即〔{}〕{:04}号", day.year(), n + 1),
                                ..Default::default()
                            }),
                            opinion: "当场办结".into(),
                        },
                    ))
                    .await
                    .map_err(status_error)?;
                } else {
                    rpc.accept_case(request(
                        &clerk,
                        pb::AcceptCaseRequest {
                            request_id: format!("demo-bundle-{n}-accept-{}", child.case_id),
                            case_id: child.case_id.clone(),
                            revision: 0,
                            note: "一窗受理".into(),
                        },
                    ))
                    .await
                    .map_err(status_error)?;
                }
            }
        }
        Ok(true)
    }

    /// One case's story, each act on its own working day (never after today).
    async fn play(
        &self,
        terms: &ItemTerms,
        applicant: pb::Applicant,
        mut day: NaiveDate,
        today: NaiveDate,
        plot: Plot,
        n: u32,
    ) -> Result<(), Error> {
        let (clock, hand) = Clock::manual(at(day, 9));
        let rpc = CaseRpc::new(Cases {
            db: self.db.clone(),
            clock,
            warning_days: self.warning_days,
        });
        let dept = terms.department_id.as_str();
        let citizen = principal(Role::Applicant, &format!("demo-citizen-{n}"), None);
        let clerk = principal(Role::Clerk, &format!("demo-clerk-{dept}"), Some(dept));
        let approver = principal(Role::Approver, &format!("demo-approver-{dept}"), Some(dept));
        let mut case = rpc
            .submit_case(request(
                &citizen,
                pb::SubmitCaseRequest {
                    request_id: format!("demo-submit-{n}"),
                    item_id: terms.item_id.clone(),
                    applicant: Some(applicant),
                    materials: uploads(terms),
                },
            ))
            .await
            .map_err(status_error)?
            .into_inner();
        let mut next_day = |hand: &onewindow_kit::clock::ManualClock| -> bool {
            day = working_days_after(day, 1);
            hand.set(at(day, 10));
            day <= today
        };
        if matches!(plot, Plot::AwaitingIntake) || !next_day(&hand) {
            return Ok(());
        }
        match plot {
            Plot::Supplement => {
                let first = terms
                    .materials
                    .first()
                    .map(|m| m.id.clone())
                    .unwrap_or_default();
                rpc.request_supplement(request(
                    &clerk,
                    pb::RequestSupplementRequest {
                        request_id: format!("demo-supp-{n}"),
                        case_id: case.id.clone(),
                        revision: case.revision,
                        items: vec![pb::SupplementItem {
                            material_id: first,
                            problem: "复印件不清晰，请提供清晰复印件".into(),
                        }],
                    },
                ))
                .await
                .map_err(status_error)?;
                return Ok(());
            }
            Plot::Refused => {
                rpc.refuse_intake(request(
                    &clerk,
                    pb::RefuseIntakeRequest {
                        request_id: format!("demo-refuse-{n}"),
                        case_id: case.id.clone(),
                        revision: case.revision,
                        reason: "申请事项不属于本部门职权范围".into(),
                        legal_basis: "《中华人民共和国行政许可法》第三十二条第一款第（二）项"
                            .into(),
                    },
                ))
                .await
                .map_err(status_error)?;
                return Ok(());
            }
            _ => {}
        }
        case = rpc
            .accept_case(request(
                &clerk,
                pb::AcceptCaseRequest {
                    request_id: format!("demo-accept-{n}"),
                    case_id: case.id.clone(),
                    revision: case.revision,
                    note: "材料齐全，予以受理".into(),
                },
            ))
            .await
            .map_err(status_error)?
            .into_inner();
        let stages: Vec<(Stage, HandlerRole)> = terms
            .steps
            .iter()
            .filter(|s| s.stage != Stage::Accept)
            .map(|s| (s.stage, s.handler_role))
            .collect();
        let stop_after = match plot {
            Plot::Stalled(k) => k,
            Plot::Suspended | Plot::Withdrawn => 0,
            _ => stages.len(),
        };
        if matches!(plot, Plot::Withdrawn) {
            if next_day(&hand) {
                rpc.withdraw_case(request(
                    &citizen,
                    pb::WithdrawCaseRequest {
                        request_id: format!("demo-withdraw-{n}"),
                        case_id: case.id.clone(),
                        revision: case.revision,
                        reason: "申请人主动撤回申请".into(),
                    },
                ))
                .await
                .map_err(status_error)?;
            }
            return Ok(());
        }
        if matches!(plot, Plot::Suspended) {
            if let Some(procedure) = terms.allowed_special_procedures.first() {
                if next_day(&hand) {
                    rpc.start_suspension(request(
                        &approver,
                        pb::StartSuspensionRequest {
                            request_id: format!("demo-suspend-{n}"),
                            case_id: case.id.clone(),
                            revision: case.revision,
                            procedure: special_procedure(*procedure) as i32,
                            reason: "组织专家论证".into(),
                            declared_days: 5,
                        },
                    ))
                    .await
                    .map_err(status_error)?;
                }
                return Ok(());
            }
        }
        for (k, (stage, role)) in stages.iter().enumerate() {
            if k >= stop_after || !next_day(&hand) {
                return Ok(());
            }
            let who = if *role == HandlerRole::Approver {
                &approver
            } else {
                &clerk
            };
            if *stage == Stage::Conclude {
                let conclusion = if matches!(plot, Plot::Denied) {
                    pb::Conclusion {
                        kind: pb::OutcomeKind::Denied as i32,
                        reason: "经现场核查，申请人不符合法定条件".into(),
                        legal_basis: "《中华人民共和国行政许可法》第三十八条第二款".into(),
                        ..Default::default()
                    }
                } else {
                    pb::Conclusion {
                        kind: pb::OutcomeKind::Approved as i32,
                        result_reference: format!("同审〔{}〕{:04}号", day.year(), n + 1),
                        ..Default::default()
                    }
                };
                rpc.conclude_case(request(
                    who,
                    pb::ConcludeCaseRequest {
                        request_id: format!("demo-conclude-{n}"),
                        case_id: case.id.clone(),
                        revision: case.revision,
                        conclusion: Some(conclusion),
                        opinion: "经审查，作出决定".into(),
                    },
                ))
                .await
                .map_err(status_error)?;
                return Ok(());
            }
            case = rpc
                .complete_stage(request(
                    who,
                    pb::CompleteStageRequest {
                        request_id: format!("demo-stage-{n}-{k}"),
                        case_id: case.id.clone(),
                        revision: case.revision,
                        stage: common_stage(*stage) as i32,
                        opinion: "审核通过".into(),
                    },
                ))
                .await
                .map_err(status_error)?
                .into_inner();
        }
        Ok(())
    }
}

fn at(day: NaiveDate, hour: u32) -> chrono::DateTime<Utc> {
    // Beijing office hours, as UTC.
    let local = day.and_hms_opt(hour, 0, 0).unwrap_or_default();
    Utc.from_utc_datetime(&(local - Duration::hours(8)))
}

fn common_stage(s: Stage) -> common::Stage {
    match s {
        Stage::Accept => common::Stage::Accept,
        Stage::Review => common::Stage::Review,
        Stage::Decide => common::Stage::Decide,
        Stage::Conclude => common::Stage::Conclude,
    }
}

fn special_procedure(p: SpecialProcedure) -> common::SpecialProcedure {
    match p {
        SpecialProcedure::ExpertReview => common::SpecialProcedure::ExpertReview,
        SpecialProcedure::Hearing => common::SpecialProcedure::Hearing,
        SpecialProcedure::Inspection => common::SpecialProcedure::Inspection,
        SpecialProcedure::Testing => common::SpecialProcedure::Testing,
        SpecialProcedure::PublicNotice => common::SpecialProcedure::PublicNotice,
        SpecialProcedure::WaitingForApplicant => common::SpecialProcedure::WaitingForApplicant,
    }
}

fn status_error(s: tonic::Status) -> Error {
    Error::internal(anyhow::anyhow!("demo case: {}: {}", s.code(), s.message()))
}
