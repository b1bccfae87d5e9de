//! From the contracts to the domain: catalog records and a submission with its files.

use onewindow_proto::cases::v1 as pb;
use onewindow_proto::catalog::v1 as catalog;
use onewindow_proto::common::v1 as common;

use super::cases::applicant_to_proto;
use super::*;
use crate::domain::fixtures::*;
// The fixtures' `date` builds a day; the conversions' `date` parses one.
use crate::domain::fixtures::date;
use crate::domain::{
    submit, BundleStageTerms, BundleTerms, CaseNumber, Channel, ItemTerms, NewMaterial, Submission,
};

pub(super) fn paths(v: &Violations) -> Vec<&str> {
    v.as_slice().iter().map(|f| f.field.as_str()).collect()
}

/// The catalog's record of an item version, as its GetItem returns it.
fn catalog_item(t: &ItemTerms) -> catalog::Item {
    catalog::Item {
        id: t.item_id.clone(),
        version: i32::try_from(t.version).unwrap(),
        status: catalog::VersionStatus::Published.into(),
        name: t.name.clone(),
        department_id: t.department_id.clone(),
        region_code: t.region_code.clone(),
        window_authorization: catalog::WindowAuthorization::from(t.window_authorization).into(),
        item_class: catalog::ItemClass::from(t.item_class).into(),
        statutory_limit_days: i32::try_from(t.statutory_limit_days).unwrap(),
        promised_limit_days: i32::try_from(t.promised_limit_days).unwrap(),
        steps: t
            .steps
            .iter()
            .map(|s| catalog::Step {
                stage: common::Stage::from(s.stage).into(),
                handler_role: common::HandlerRole::from(s.handler_role).into(),
                limit_days: i32::try_from(s.limit_days).unwrap(),
                description: "按规定办理".into(),
            })
            .collect(),
        allowed_special_procedures: t
            .allowed_special_procedures
            .iter()
            .map(|p| common::SpecialProcedure::from(*p).into())
            .collect(),
        max_extension_days: i32::try_from(t.max_extension_days).unwrap(),
        materials: t
            .materials
            .iter()
            .map(|m| catalog::Material {
                id: m.id.clone(),
                name: m.name.clone(),
                required: m.required,
                form: catalog::MaterialForm::Original.into(),
                copies: 1,
                stage: common::Stage::from(m.stage).into(),
                shared_material_id: m.shared_material_id.clone().unwrap_or_default(),
                description: String::new(),
            })
            .collect(),
        free_of_charge: t.free_of_charge,
        fees: t
            .fees
            .iter()
            .map(|f| catalog::Fee {
                id: f.id.clone(),
                name: f.name.clone(),
                amount_fen: f.amount_fen,
                basis: "国家发展改革委规定".into(),
            })
            .collect(),
        valid_from: format_date(t.valid_from),
        valid_until: format_optional_date(t.valid_until),
        cancelled: t.cancelled,
        department_name: "大同市市场监督管理局".into(),
        ..catalog::Item::default()
    }
}

#[test]
fn item_terms_round_trip_through_the_catalog_record() {
    let mut t = promised_terms();
    t.valid_until = Some(date(2026, 7, 1));
    t.cancelled = true;
    assert_eq!(item_terms_from_catalog(&catalog_item(&t)), Ok(t));
    let t = immediate_terms();
    assert_eq!(item_terms_from_catalog(&catalog_item(&t)), Ok(t));
}

#[test]
fn every_missing_field_of_an_item_is_its_own_violation() {
    let mut item = catalog_item(&promised_terms());
    item.id = String::new();
    item.version = 0;
    item.status = 0;
    item.department_id = " ".into();
    item.region_code = String::new();
    item.item_class = 0;
    item.statutory_limit_days = -1;
    item.steps[1].stage = 0;
    item.steps[2].handler_role = 0;
    item.allowed_special_procedures = vec![0];
    item.materials[0].id = String::new();
    item.materials[1].stage = 0;
    item.fees[0].amount_fen = -5;
    item.window_authorization = 0;
    item.valid_from = String::new();
    item.valid_until = "2026-7-1".into();
    let v = item_terms_from_catalog(&item).unwrap_err();
    assert_eq!(
        paths(&v),
        [
            "item.id",
            "item.version",
            "item.status",
            "item.department_id",
            "item.region_code",
            "item.item_class",
            "item.statutory_limit_days",
            "item.steps[1].stage",
            "item.steps[2].handler_role",
            "item.allowed_special_procedures[0]",
            "item.materials[0].id",
            "item.materials[1].stage",
            "item.fees[0].amount_fen",
            "item.window_authorization",
            "item.valid_from",
            "item.valid_until",
        ]
    );
    assert_eq!(v.as_slice()[2].description, "must be specified");
}

#[test]
fn a_draft_or_an_unknown_class_cannot_be_pinned() {
    let mut item = catalog_item(&promised_terms());
    item.status = catalog::VersionStatus::Draft.into();
    item.item_class = 99;
    let v = item_terms_from_catalog(&item).unwrap_err();
    assert_eq!(paths(&v), ["item.status", "item.item_class"]);
    assert!(v.as_slice()[0].description.contains("published"));
    assert_eq!(v.as_slice()[1].description, "unknown value 99");
}

fn catalog_bundle() -> catalog::Bundle {
    catalog::Bundle {
        id: "enterprise-registration".into(),
        name: "工商企业注册一条龙".into(),
        lead_department_id: DEPT.into(),
        region_code: REGION.into(),
        stages: vec![
            catalog::BundleStage {
                name: "并联审批".into(),
                item_ids: vec!["item-a".into(), "item-b".into()],
            },
            catalog::BundleStage {
                name: "税务登记".into(),
                item_ids: vec!["item-c".into()],
            },
        ],
        promised_limit_days: 5,
        status: catalog::BundleStatus::Published.into(),
        department_ids: vec![DEPT.into(), "gaj".into(), "swj".into()],
        ..catalog::Bundle::default()
    }
}

pub(super) fn bundle_terms() -> BundleTerms {
    BundleTerms {
        bundle_id: "enterprise-registration".into(),
        name: "工商企业注册一条龙".into(),
        lead_department_id: DEPT.into(),
        region_code: REGION.into(),
        promised_limit_days: 5,
        stages: vec![
            BundleStageTerms {
                name: "并联审批".into(),
                item_ids: vec!["item-a".into(), "item-b".into()],
            },
            BundleStageTerms {
                name: "税务登记".into(),
                item_ids: vec!["item-c".into()],
            },
        ],
    }
}

#[test]
fn bundle_terms_come_whole_from_the_catalog_bundle() {
    assert_eq!(
        bundle_terms_from_catalog(&catalog_bundle()),
        Ok(bundle_terms())
    );
}

#[test]
fn every_missing_field_of_a_bundle_is_its_own_violation() {
    let mut b = catalog_bundle();
    b.id = String::new();
    b.lead_department_id = String::new();
    b.region_code = String::new();
    b.promised_limit_days = -1;
    b.stages[0].item_ids.clear();
    b.stages[1].item_ids[0] = String::new();
    let v = bundle_terms_from_catalog(&b).unwrap_err();
    assert_eq!(
        paths(&v),
        [
            "bundle.id",
            "bundle.lead_department_id",
            "bundle.region_code",
            "bundle.promised_limit_days",
            "bundle.stages[0].item_ids",
            "bundle.stages[1].item_ids[0]",
        ]
    );
    b.stages.clear();
    let v = bundle_terms_from_catalog(&b).unwrap_err();
    assert!(paths(&v).contains(&"bundle.stages"));
}

fn special_day(date: &str, kind: catalog::DayKind, name: &str) -> catalog::SpecialDay {
    catalog::SpecialDay {
        date: date.into(),
        kind: kind.into(),
        name: name.into(),
    }
}

fn national_day_2026() -> catalog::CalendarYear {
    catalog::CalendarYear {
        region_code: REGION.into(),
        year: 2026,
        published: true,
        source: "国办发明电〔2025〕7号".into(),
        days: vec![
            special_day("2026-10-01", catalog::DayKind::Holiday, "国庆节"),
            special_day("2026-10-10", catalog::DayKind::MakeupWorkday, "国庆节"),
        ],
    }
}

#[test]
fn a_calendar_year_becomes_the_kits_schedule() {
    let s = calendar_year_from_catalog(&national_day_2026()).unwrap();
    assert_eq!((s.year, s.published), (2026, true));
    assert_eq!(s.holidays.get(&date(2026, 10, 1)).unwrap(), "国庆节");
    assert!(s.makeup_workdays.contains_key(&date(2026, 10, 10)));
    assert_eq!(s.source, "国办发明电〔2025〕7号");
}

#[test]
fn bad_calendar_days_are_reported_by_index_and_bad_schedules_as_a_whole() {
    let mut c = national_day_2026();
    c.days.push(special_day(
        "2026-10-2",
        catalog::DayKind::Holiday,
        "国庆节",
    ));
    c.days.push(special_day(
        "2026-10-03",
        catalog::DayKind::Unspecified,
        "x",
    ));
    c.days.push(catalog::SpecialDay {
        kind: 9,
        ..special_day("2026-10-04", catalog::DayKind::Holiday, "x")
    });
    let v = calendar_year_from_catalog(&c).unwrap_err();
    assert_eq!(
        paths(&v),
        [
            "calendar.days[2].date",
            "calendar.days[3].kind",
            "calendar.days[4].kind"
        ]
    );
    // Monday 12 October is a working day anyway: a make-up entry for it is refused.
    let mut c = national_day_2026();
    c.days.push(special_day(
        "2026-10-12",
        catalog::DayKind::MakeupWorkday,
        "国庆节",
    ));
    let v = calendar_year_from_catalog(&c).unwrap_err();
    assert_eq!(paths(&v), ["calendar"]);
}

// ---------------------------------------------------------------- requests

pub(super) fn upload(material_id: &str, content: &[u8]) -> pb::MaterialUpload {
    pb::MaterialUpload {
        material_id: material_id.into(),
        file_name: format!("{material_id}.pdf"),
        content_type: "application/pdf".into(),
        content: content.to_vec(),
    }
}

/// File ids in order: `file-1`, `file-2`, ...
pub(super) fn ids() -> impl FnMut() -> String {
    let mut n = 0;
    move || {
        n += 1;
        format!("file-{n}")
    }
}

/// The SHA-256 of `%PDF-abc`.
pub(super) const SHA256_ABC: &str =
    "1e8a7587529cc956d46dea481f38c623395a879a1179c277f476a9cdb88a540d";

#[test]
fn a_submission_gives_each_file_an_id_its_size_and_its_sha256_and_the_domain_takes_it() {
    let req = pb::SubmitCaseRequest {
        request_id: "r1".into(),
        item_id: promised_terms().item_id,
        applicant: Some(applicant_to_proto(&person(), CaseView::Staff)),
        materials: vec![upload("m1", b"%PDF-abc"), upload("m2", b"%PDF-licence")],
    };
    let app = submission_from_proto(req, ids()).unwrap();
    assert_eq!(app.item_id, promised_terms().item_id);
    assert_eq!(app.applicant, person());
    assert_eq!(
        app.files[0].material,
        NewMaterial {
            id: "file-1".into(),
            material_id: "m1".into(),
            name: "m1.pdf".into(),
            content_type: "application/pdf".into(),
            size_bytes: 8,
            sha256: SHA256_ABC.into(),
            shared_material_id: None,
        }
    );
    assert_eq!(app.files[0].content, b"%PDF-abc");
    let (materials, contents) = split_files(app.files);
    assert_eq!(contents[1].file_id, "file-2");
    assert_eq!(contents[1].content, b"%PDF-licence");
    let submission = Submission {
        id: "case-1".into(),
        case_number: CaseNumber::new(REGION, 2026, 123).unwrap(),
        terms: promised_terms(),
        applicant: app.applicant,
        channel: Channel::Online,
        applicant_subject: Some(APPLICANT.into()),
        materials,
        bundle_case_id: None,
    };
    let (case, _) = submit(submission, &applicant(), monday(), instant(monday())).unwrap();
    assert_eq!(case.material_ids(), ["m1", "m2"]);
    assert_eq!(case.materials[0].sha256, SHA256_ABC);
}

#[test]
fn every_missing_field_of_a_submission_is_its_own_violation() {
    let req = pb::SubmitCaseRequest {
        request_id: "r1".into(),
        item_id: String::new(),
        applicant: Some(pb::Applicant {
            name: "张三".into(),
            ..pb::Applicant::default()
        }),
        materials: vec![upload("m1", b"%PDF-abc"), upload(" ", b"%PDF-abc")],
    };
    let v = submission_from_proto(req.clone(), ids()).unwrap_err();
    assert_eq!(
        paths(&v),
        [
            "item_id",
            "applicant.kind",
            "applicant.id_type",
            "materials[1].material_id"
        ]
    );
    let v = submission_from_proto(
        pb::SubmitCaseRequest {
            applicant: None,
            ..req
        },
        ids(),
    )
    .unwrap_err();
    assert!(paths(&v).contains(&"applicant"));
}

#[test]
fn a_file_is_taken_only_as_a_kind_of_material_its_content_agrees_with() {
    let mut page = upload("m1", b"<html><script>alert(1)</script>");
    page.content_type = "application/pdf".into();
    let mut html = upload("m2", b"<html></html>");
    html.content_type = "text/html".into();
    let req = pb::SubmitCaseRequest {
        request_id: "r1".into(),
        item_id: promised_terms().item_id,
        applicant: Some(applicant_to_proto(&person(), CaseView::Staff)),
        materials: vec![page, html, upload("m3", b"%PDF-1.7")],
    };
    let v = submission_from_proto(req, ids()).unwrap_err();
    assert_eq!(
        paths(&v),
        ["materials[0].content_type", "materials[1].content_type"]
    );
    let text = v.to_string();
    assert!(
        text.contains("the content is not application/pdf"),
        "{text}"
    );
    assert!(text.contains("must be one of application/pdf"), "{text}");
}
