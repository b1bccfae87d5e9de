//! Shared test data: Datong's divisions, a few departments and valid items built from the
//! facts of the source report.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use super::codes::{BasicCode, CreditCode, DepartmentId, ItemId, RegionCode};
use super::department::{Department, Directory, Office, Region, RegionLevel};
use super::item::{
    Fee, HandlerRole, ItemClass, ItemContent, ItemLevel, ItemType, LegalBasis, Material,
    MaterialForm, OnlineDepth, ServiceMode, Stage, Step, WindowAuthorization,
};
use super::snapshot::CatalogView;
use super::version::{ItemVersion, Moment, VersionStatus};

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn instant(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 2, 0, 0).unwrap()
}

/// 2026-03-02, a Monday.
pub fn moment() -> Moment {
    Moment::new(instant(2026, 3, 2), date(2026, 3, 2))
}

pub fn region(code: &str) -> RegionCode {
    RegionCode::parse(code).unwrap()
}

pub fn dept(id: &str) -> DepartmentId {
    DepartmentId::parse(id).unwrap()
}

pub fn datong() -> Region {
    Region {
        code: region("140200"),
        name: "大同市".into(),
        parent: Some(region("140000")),
        level: RegionLevel::City,
    }
}

fn department(id: &str, name: &str, credit17: &str, window: &str) -> Department {
    Department {
        id: dept(id),
        name: name.into(),
        region_code: region("140200"),
        credit_code: CreditCode::with_check_char(credit17).unwrap(),
        phone: "0352-1234567".into(),
        address: "大同市行政服务中心".into(),
        offices: vec![Office {
            id: format!("{id}-office"),
            name: format!("{name}行政审批服务办公室"),
            window: window.into(),
            location: "一楼大厅".into(),
            phone: "0352-7654321".into(),
        }],
    }
}

pub fn market_department() -> Department {
    department("scjgj", "大同市市场监督管理局", "11140200MB0000001", "A01")
}

pub fn housing_department() -> Department {
    department("fcj", "大同市房产管理局", "11140200MB0000002", "B03")
}

pub fn tax_department() -> Department {
    department("dsj", "大同市地方税务局", "11140200MB0000003", "B04")
}

pub fn directory() -> Directory {
    Directory::new(
        [market_department(), housing_department(), tax_department()],
        [
            Region {
                code: region("140000"),
                name: "山西省".into(),
                parent: None,
                level: RegionLevel::Province,
            },
            datong(),
            Region {
                code: region("140221"),
                name: "阳高县".into(),
                parent: Some(region("140200")),
                level: RegionLevel::County,
            },
        ],
    )
}

/// The implementation code of `basic` held by `department`.
pub fn item_id_of(department: &Department, basic: &str) -> ItemId {
    ItemId::new(&department.credit_code, &BasicCode::parse(basic).unwrap())
}

pub fn licence_id() -> ItemId {
    item_id_of(&market_department(), "010172001000")
}

fn step(stage: Stage, role: HandlerRole, days: u32) -> Step {
    Step {
        stage,
        handler_role: role,
        limit_days: days,
        description: String::new(),
    }
}

/// A promised licence: 20 statutory days promised in 10, steps taking 8 after acceptance.
pub fn licence_content() -> ItemContent {
    ItemContent {
        basic_code: BasicCode::parse("010172001000").unwrap(),
        name: "食品经营许可".into(),
        item_type: ItemType::License,
        legal_basis: vec![LegalBasis {
            law: "中华人民共和国食品安全法".into(),
            article: "第三十五条".into(),
        }],
        department_id: dept("scjgj"),
        region_code: region("140200"),
        level: ItemLevel::City,
        service_mode: ServiceMode::Hall,
        window_authorization: WindowAuthorization::Full,
        item_class: ItemClass::Promised,
        statutory_limit_days: 20,
        promised_limit_days: 10,
        steps: vec![
            step(Stage::Accept, HandlerRole::Clerk, 0),
            step(Stage::Review, HandlerRole::Approver, 4),
            step(Stage::Decide, HandlerRole::Approver, 3),
            step(Stage::Conclude, HandlerRole::Clerk, 1),
        ],
        allowed_special_procedures: vec![],
        max_extension_days: 10,
        conditions: vec!["有与经营食品品种相适应的经营场所".into()],
        materials: vec![
            Material {
                id: "application".into(),
                name: "食品经营许可申请书".into(),
                required: true,
                form: MaterialForm::Original,
                copies: 1,
                stage: Stage::Accept,
                shared_material_id: None,
                description: String::new(),
            },
            Material {
                id: "licence".into(),
                name: "营业执照".into(),
                required: true,
                form: MaterialForm::Copy,
                copies: 1,
                stage: Stage::Accept,
                shared_material_id: Some("business-licence".into()),
                description: String::new(),
            },
        ],
        free_of_charge: true,
        fees: vec![],
        office_id: Some("scjgj-office".into()),
        place: "大同市行政服务中心一楼A01窗口".into(),
        hours: "工作日 9:00-12:00, 14:30-17:30".into(),
        phone: "0352-7654321".into(),
        online_depth: OnlineDepth::PreReview,
        keywords: vec!["餐饮".into(), "食品".into()],
    }
}

/// An immediate item done at the window: accept and conclude on the spot.
pub fn immediate_content() -> ItemContent {
    ItemContent {
        basic_code: BasicCode::parse("070100001000").unwrap(),
        name: "个体工商户名称预先核准".into(),
        item_type: ItemType::Confirmation,
        item_class: ItemClass::Immediate,
        statutory_limit_days: 5,
        promised_limit_days: 0,
        steps: vec![
            step(Stage::Accept, HandlerRole::Clerk, 0),
            step(Stage::Conclude, HandlerRole::Clerk, 0),
        ],
        keywords: vec![],
        ..licence_content()
    }
}

pub fn published(
    id: &ItemId,
    version: u32,
    content: ItemContent,
    from: NaiveDate,
    until: Option<NaiveDate>,
) -> ItemVersion {
    ItemVersion {
        status: VersionStatus::Published,
        valid_from: Some(from),
        valid_until: until,
        published_at: Some(instant(2025, 1, 1)),
        ..ItemVersion::draft(id.clone(), version, content)
    }
}

/// The housing registry's transfer registration: promised, charged, in a sub-center, and
/// its window only receives.
pub fn housing_registry() -> (ItemId, ItemContent) {
    let department = housing_department();
    let content = ItemContent {
        basic_code: BasicCode::parse("070201001000").unwrap(),
        name: "房屋所有权转移登记".into(),
        item_type: ItemType::Confirmation,
        department_id: department.id.clone(),
        service_mode: ServiceMode::SubCenter,
        window_authorization: WindowAuthorization::AcceptOnly,
        item_class: ItemClass::Complex,
        statutory_limit_days: 30,
        promised_limit_days: 10,
        free_of_charge: false,
        fees: vec![Fee {
            id: "registration".into(),
            name: "住房登记费".into(),
            amount_fen: 8000,
            basis: "发改价格〔2016〕2559号".into(),
        }],
        office_id: Some("fcj-office".into()),
        place: "房产交易分中心, B03窗口".into(),
        keywords: vec!["二手房".into(), "过户".into()],
        ..licence_content()
    };
    (item_id_of(&department, "070201001000"), content)
}

/// The deed tax, levied on the spot by the local tax bureau, monitored remotely.
pub fn deed_tax() -> (ItemId, ItemContent) {
    let department = tax_department();
    let content = ItemContent {
        basic_code: BasicCode::parse("040101001000").unwrap(),
        name: "契税征收".into(),
        item_type: ItemType::Levy,
        department_id: department.id.clone(),
        service_mode: ServiceMode::RemoteMonitored,
        office_id: Some("dsj-office".into()),
        keywords: vec!["Deed Tax".into()],
        ..immediate_content()
    };
    (item_id_of(&department, "040101001000"), content)
}

/// The catalog on 2026-03-02: three items in force (one per department), a draft of the
/// licence, an item cancelled at the new year and an item that starts in May.
pub fn sample_view() -> CatalogView {
    let (housing_id, housing) = housing_registry();
    let (tax_id, tax) = deed_tax();
    let old_id = item_id_of(&market_department(), "010172009000");
    let mut old = published(
        &old_id,
        1,
        ItemContent {
            basic_code: BasicCode::parse("010172009000").unwrap(),
            name: "旧食品流通许可".into(),
            ..licence_content()
        },
        date(2020, 1, 1),
        Some(date(2026, 1, 1)),
    );
    old.cancelled = true;
    old.cancel_reason = Some("同政发〔2025〕9号".into());
    let future_id = item_id_of(&market_department(), "010172010000");
    let future = published(
        &future_id,
        1,
        ItemContent {
            basic_code: BasicCode::parse("010172010000").unwrap(),
            name: "小餐饮登记".into(),
            ..licence_content()
        },
        date(2026, 5, 1),
        None,
    );
    let mut draft = ItemVersion::draft(licence_id(), 2, licence_content());
    draft.content.name = "食品经营许可（修订）".into();
    CatalogView::build(
        date(2026, 3, 2),
        vec![
            published(&licence_id(), 1, licence_content(), date(2025, 1, 1), None),
            draft,
            published(&housing_id, 1, housing, date(2025, 1, 1), None),
            published(&tax_id, 1, tax, date(2025, 6, 1), None),
            old,
            future,
        ],
        directory(),
        vec![],
    )
}
