//! A bundle's submission with its shared files, the read filters and the public lookup.

use onewindow_proto::cases::v1 as pb;
use onewindow_proto::common::v1 as common;

use super::cases::applicant_to_proto;
use super::tests::{bundle_terms, ids, paths, upload};
use super::*;
use crate::domain::fixtures::*;
use crate::domain::intake::MAX_MATERIALS;
use crate::domain::{submit, BundleState, CaseNumber, CaseState, Channel, Stage, Submission};

fn shared(id: &str, content: &[u8]) -> pb::SharedMaterialUpload {
    pb::SharedMaterialUpload {
        shared_material_id: id.into(),
        file_name: "营业执照.pdf".into(),
        content_type: "application/pdf".into(),
        content: content.to_vec(),
    }
}

fn bundle_request() -> pb::SubmitBundleRequest {
    pb::SubmitBundleRequest {
        request_id: "r1".into(),
        bundle_id: "enterprise-registration".into(),
        applicant: Some(applicant_to_proto(&enterprise(), CaseView::Owner)),
        shared_materials: vec![shared("s-license", b"%PDF-licence")],
        item_materials: vec![pb::ItemMaterials {
            item_id: promised_terms().item_id,
            materials: vec![upload("m1", b"%PDF-form")],
        }],
    }
}

#[test]
fn a_shared_file_goes_to_every_material_that_takes_it_and_is_stored_once() {
    let app = bundle_submission_from_proto(bundle_request(), ids()).unwrap();
    assert_eq!(app.bundle_id, "enterprise-registration");
    assert_eq!(app.applicant, enterprise());
    assert_eq!(app.shared_material_ids(), ["s-license"]);
    let terms = promised_terms();
    let materials = app.materials_for(&terms);
    let ids: Vec<(&str, &str)> = materials
        .iter()
        .map(|m| (m.material_id.as_str(), m.id.as_str()))
        .collect();
    // m1 is the item's own file; m2 takes the shared licence (资料互认).
    assert_eq!(ids, [("m1", "file-2"), ("m2", "file-1")]);
    assert_eq!(
        materials[1].shared_material_id.as_deref(),
        Some("s-license")
    );
    assert_eq!(materials[1].sha256, app.shared_files[0].sha256);
    assert_eq!(materials[1].size_bytes, 12);
    let contents: Vec<(&str, &[u8])> = app.contents().collect();
    assert_eq!(
        contents,
        [
            ("file-1", b"%PDF-licence".as_slice()),
            ("file-2", b"%PDF-form".as_slice())
        ]
    );
    // A child case is submitted with them as they are.
    let submission = Submission {
        id: "child-1".into(),
        case_number: CaseNumber::new(REGION, 2026, 201).unwrap(),
        terms,
        applicant: app.applicant.clone(),
        channel: Channel::Online,
        applicant_subject: Some(APPLICANT.into()),
        materials,
        bundle_case_id: Some("bundle-1".into()),
    };
    let (case, _) = submit(submission, &applicant(), monday(), instant(monday())).unwrap();
    assert_eq!(case.material_ids(), ["m1", "m2"]);
}

#[test]
fn an_items_own_file_wins_over_the_shared_one() {
    let mut req = bundle_request();
    req.item_materials[0]
        .materials
        .push(upload("m2", b"%PDF-own"));
    let app = bundle_submission_from_proto(req, ids()).unwrap();
    let materials = app.materials_for(&promised_terms());
    assert_eq!(materials.len(), 2);
    assert_eq!(materials[1].material_id, "m2");
    assert_eq!(materials[1].shared_material_id, None);
    // An item without files of its own gets only the shared ones.
    let other = crate::domain::ItemTerms {
        item_id: "item-b".into(),
        ..promised_terms()
    };
    let materials = app.materials_for(&other);
    assert_eq!(materials.len(), 1);
    assert_eq!(materials[0].material_id, "m2");
}

#[test]
fn a_bundle_submission_reports_every_bad_field() {
    let mut req = bundle_request();
    req.bundle_id = String::new();
    req.shared_materials
        .push(shared("s-license", b"%PDF-again"));
    req.shared_materials.push(shared("", b"%PDF-x"));
    req.item_materials.push(req.item_materials[0].clone());
    req.item_materials[1].materials[0].material_id = String::new();
    let v = bundle_submission_from_proto(req, ids()).unwrap_err();
    assert_eq!(
        paths(&v),
        [
            "bundle_id",
            "shared_materials[1].shared_material_id",
            "shared_materials[2].shared_material_id",
            "item_materials[1].item_id",
            "item_materials[1].materials[0].material_id",
        ]
    );
}

#[test]
fn a_bundle_submission_names_its_own_paths_for_files_and_lists() {
    let long = "长".repeat(20_000);
    let mut req = bundle_request();
    req.shared_materials[0].file_name = long.clone();
    req.shared_materials[0].shared_material_id = long.clone();
    req.item_materials[0].materials[0].content_type = long.clone();
    req.item_materials[0].materials[0].material_id = long;
    let v = bundle_submission_from_proto(req, ids()).unwrap_err();
    assert_eq!(
        paths(&v),
        [
            "shared_materials[0].file_name",
            "item_materials[0].materials[0].content_type",
            "shared_materials[0].shared_material_id",
            "item_materials[0].materials[0].material_id",
        ]
    );

    let mut req = bundle_request();
    req.shared_materials = vec![req.shared_materials[0].clone(); MAX_MATERIALS + 1];
    req.item_materials = vec![req.item_materials[0].clone(); MAX_BUNDLE_ITEMS + 1];
    let v = bundle_submission_from_proto(req, ids()).unwrap_err();
    assert_eq!(paths(&v)[..2], ["shared_materials", "item_materials"]);
}

#[test]
fn files_for_an_item_outside_the_first_stage_are_refused_against_the_bundle() {
    let app = bundle_submission_from_proto(bundle_request(), ids()).unwrap();
    let v = app.check_against(&bundle_terms());
    assert_eq!(paths(&v), ["item_materials[0].item_id"]);
    let mut terms = bundle_terms();
    terms.stages[0].item_ids.push(promised_terms().item_id);
    assert!(app.check_against(&terms).is_empty());
}

// ---------------------------------------------------------------- filters

#[test]
fn page_sizes_follow_the_contract() {
    let size = |n: i32| {
        case_filter_from_proto(&pb::ListCasesRequest {
            page_size: n,
            ..pb::ListCasesRequest::default()
        })
        .map(|f| f.page.size)
    };
    assert_eq!(size(0), Ok(DEFAULT_PAGE_SIZE));
    assert_eq!(size(7), Ok(7));
    assert_eq!(size(500), Ok(MAX_PAGE_SIZE));
    assert_eq!(paths(&size(-1).unwrap_err()), ["page_size"]);
}

#[test]
fn a_case_filter_keeps_what_was_asked_and_nothing_else() {
    let f = case_filter_from_proto(&pb::ListCasesRequest {
        department_id: DEPT.into(),
        state: pb::CaseState::InProgress.into(),
        applicant_id_number: "140202199001011234".into(),
        page_token: "t2".into(),
        ..pb::ListCasesRequest::default()
    })
    .unwrap();
    assert_eq!(f.department_id.as_deref(), Some(DEPT));
    assert_eq!(f.state, Some(CaseState::InProgress));
    assert_eq!(f.applicant_id_number.as_deref(), Some("140202199001011234"));
    assert_eq!(f.page.token.as_deref(), Some("t2"));
    assert_eq!(
        (f.region_code, f.item_id, f.bundle_case_id),
        (None, None, None)
    );
    let unknown = case_filter_from_proto(&pb::ListCasesRequest {
        state: 42,
        ..pb::ListCasesRequest::default()
    });
    assert_eq!(paths(&unknown.unwrap_err()), ["state"]);
}

#[test]
fn inbox_and_bundle_filters_treat_unspecified_as_no_filter() {
    let f = inbox_filter_from_proto(&pb::GetInboxRequest::default()).unwrap();
    assert_eq!(f.stage, None);
    assert_eq!(f.page.size, DEFAULT_PAGE_SIZE);
    let f = inbox_filter_from_proto(&pb::GetInboxRequest {
        stage: common::Stage::Decide.into(),
        ..pb::GetInboxRequest::default()
    })
    .unwrap();
    assert_eq!(f.stage, Some(Stage::Decide));
    let f = bundle_case_filter_from_proto(&pb::ListBundleCasesRequest {
        state: pb::BundleCaseState::Stopped.into(),
        late_only: true,
        ..pb::ListBundleCasesRequest::default()
    })
    .unwrap();
    assert_eq!(f.state, Some(BundleState::Stopped));
    assert!(f.late_only);
    assert_eq!(f.bundle_id, None);
}

#[test]
fn a_lookup_reads_the_number_and_forgives_the_codes_case() {
    let (number, code) = lookup_from_proto(&pb::LookupCaseRequest {
        case_number: "140200-2026-000123".into(),
        query_code: " ab3k9mzq ".into(),
    })
    .unwrap();
    assert_eq!(number, CaseNumber::new(REGION, 2026, 123).unwrap());
    assert_eq!(code.as_str(), "AB3K9MZQ");
    let v = lookup_from_proto(&pb::LookupCaseRequest {
        case_number: "140200-26-123".into(),
        query_code: "0000".into(),
    })
    .unwrap_err();
    assert_eq!(paths(&v), ["case_number", "query_code"]);
}
