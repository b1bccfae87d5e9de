use super::*;
use crate::domain::fixtures::{date, directory, licence_content, licence_id, moment, published};

fn draft(version: u32) -> ItemVersion {
    ItemVersion::draft(licence_id(), version, licence_content())
}

/// Version 1 in force since 2025-01-01, open-ended; version 2 a draft.
fn one_published_one_draft() -> Vec<ItemVersion> {
    vec![
        published(&licence_id(), 1, licence_content(), date(2025, 1, 1), None),
        draft(2),
    ]
}

fn publish(
    versions: &[ItemVersion],
    version: u32,
    from: NaiveDate,
    until: Option<NaiveDate>,
) -> Result<VersionPlan, CatalogError> {
    plan_publish(
        &licence_id(),
        versions,
        version,
        from,
        until,
        &directory(),
        moment(),
    )
}

fn invalid_field(e: CatalogError) -> String {
    match e {
        CatalogError::Invalid(v) => v.as_slice()[0].field.clone(),
        other => panic!("expected invalid argument, got {other:?}"),
    }
}

#[test]
fn in_force_includes_valid_from_and_excludes_valid_until() {
    let v = published(
        &licence_id(),
        1,
        licence_content(),
        date(2026, 1, 1),
        Some(date(2026, 7, 1)),
    );
    assert!(!v.in_force_on(date(2025, 12, 31)));
    assert!(v.in_force_on(date(2026, 1, 1)));
    assert!(v.in_force_on(date(2026, 6, 30)));
    assert!(!v.in_force_on(date(2026, 7, 1)));
}

#[test]
fn open_ended_version_stays_in_force() {
    let v = published(&licence_id(), 1, licence_content(), date(2026, 1, 1), None);
    assert!(v.is_open_ended());
    assert!(v.in_force_on(date(2099, 1, 1)));
}

#[test]
fn a_draft_is_never_in_force() {
    let mut d = draft(1);
    d.valid_from = Some(date(2020, 1, 1));
    assert!(!d.in_force_on(date(2026, 1, 1)));
    assert!(!d.is_open_ended());
}

#[test]
fn next_version_number_follows_the_highest() {
    assert_eq!(next_version_number(&[]), 1);
    let mut versions = one_published_one_draft();
    assert_eq!(next_version_number(&versions), 3);
    versions.remove(0);
    assert_eq!(next_version_number(&versions), 3);
}

#[test]
fn first_draft_of_a_new_item_is_version_one() {
    let d = plan_create_draft(&licence_id(), &[], licence_content(), &directory()).unwrap();
    assert_eq!(d.version, 1);
    assert_eq!(d.status, VersionStatus::Draft);
    assert_eq!(d.revision, 1);
}

#[test]
fn second_draft_is_a_failed_precondition() {
    let err = plan_create_draft(
        &licence_id(),
        &one_published_one_draft(),
        licence_content(),
        &directory(),
    )
    .unwrap_err();
    match err {
        CatalogError::IllegalTransition { state, command, .. } => {
            assert_eq!(state, "in draft as version 2");
            assert_eq!(command, "create draft");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn invalid_content_does_not_make_a_draft() {
    let mut c = licence_content();
    c.promised_limit_days = 99;
    let err = plan_create_draft(&licence_id(), &[], c, &directory()).unwrap_err();
    assert_eq!(invalid_field(err), "item.promised_limit_days");
}

#[test]
fn draft_update_with_current_revision_moves_the_revision_on() {
    let current = draft(2);
    let mut c = licence_content();
    c.name = "食品经营许可（新办）".into();
    let updated = plan_update_draft(&current, 1, c.clone(), &directory()).unwrap();
    assert_eq!(updated.revision, 2);
    assert_eq!(updated.content, c);
    assert_eq!(updated.version, 2);
}

#[test]
fn stale_draft_update_is_aborted() {
    let current = draft(2);
    let err = plan_update_draft(&current, 0, licence_content(), &directory()).unwrap_err();
    assert_eq!(
        err,
        CatalogError::Stale {
            kind: "item version",
            id: current.label(),
            expected: 0,
            actual: 1
        }
    );
}

#[test]
fn published_version_cannot_be_updated() {
    let v = &one_published_one_draft()[0];
    let err = plan_update_draft(v, v.revision, licence_content(), &directory()).unwrap_err();
    assert!(err
        .to_string()
        .contains("is published: update draft is not allowed"));
}

#[test]
fn publishing_ends_the_version_in_force() {
    let mut versions = one_published_one_draft();
    let plan = publish(&versions, 2, date(2026, 4, 1), None).unwrap();
    assert_eq!(
        plan.changes[0],
        VersionChange::End {
            item_id: licence_id(),
            version: 1,
            valid_until: date(2026, 4, 1)
        }
    );
    plan.apply(&mut versions);
    assert!(versions[0].in_force_on(date(2026, 3, 31)));
    assert!(!versions[0].in_force_on(date(2026, 4, 1)));
    assert!(versions[1].in_force_on(date(2026, 4, 1)));
    assert_eq!(versions[1].status, VersionStatus::Published);
    assert_eq!(versions[1].published_at, Some(moment().now));
    assert_eq!(versions[1].revision, 2);
    assert_eq!(
        version_in_force(&versions, date(2026, 3, 2)).map(|v| v.version),
        Some(1)
    );
}

#[test]
fn publishing_the_first_version_ends_nothing() {
    let plan = publish(&[draft(1)], 1, date(2026, 3, 2), None).unwrap();
    assert_eq!(plan.changes.len(), 1);
    assert!(matches!(
        plan.changes[0],
        VersionChange::Publish { version: 1, .. }
    ));
}

#[test]
fn publishing_shortens_a_version_with_a_later_end() {
    let versions = vec![
        published(
            &licence_id(),
            1,
            licence_content(),
            date(2025, 1, 1),
            Some(date(2027, 1, 1)),
        ),
        draft(2),
    ];
    let plan = publish(&versions, 2, date(2026, 6, 1), None).unwrap();
    assert!(matches!(
        plan.changes[0],
        VersionChange::End { version: 1, valid_until, .. } if valid_until == date(2026, 6, 1)
    ));
}

#[test]
fn publishing_after_a_version_that_already_ended_leaves_it() {
    let versions = vec![
        published(
            &licence_id(),
            1,
            licence_content(),
            date(2025, 1, 1),
            Some(date(2025, 6, 1)),
        ),
        draft(2),
    ];
    let plan = publish(&versions, 2, date(2026, 6, 1), None).unwrap();
    assert_eq!(plan.changes.len(), 1);
}

#[test]
fn overlapping_validity_is_rejected() {
    let versions = vec![
        published(
            &licence_id(),
            1,
            licence_content(),
            date(2025, 1, 1),
            Some(date(2026, 5, 1)),
        ),
        published(&licence_id(), 2, licence_content(), date(2026, 5, 1), None),
        draft(3),
    ];
    let err = publish(&versions, 3, date(2026, 4, 1), None).unwrap_err();
    assert_eq!(invalid_field(err.clone()), "valid_from");
    assert!(err.to_string().contains("overlaps version 2"), "{err}");
    // Starting the same day as a published version overlaps it too.
    let err = publish(&versions, 3, date(2026, 5, 1), None).unwrap_err();
    assert_eq!(invalid_field(err), "valid_from");
    assert!(publish(&versions, 3, date(2026, 5, 2), None).is_ok());
}

#[test]
fn valid_until_must_follow_valid_from() {
    let versions = one_published_one_draft();
    let err = publish(&versions, 2, date(2026, 4, 1), Some(date(2026, 4, 1))).unwrap_err();
    assert_eq!(invalid_field(err), "valid_until");
    assert!(publish(&versions, 2, date(2026, 4, 1), Some(date(2026, 4, 2))).is_ok());
}

#[test]
fn publishing_in_the_past_is_rejected() {
    let err = publish(&one_published_one_draft(), 2, date(2026, 3, 1), None).unwrap_err();
    assert_eq!(invalid_field(err), "valid_from");
}

#[test]
fn only_a_draft_publishes() {
    let versions = one_published_one_draft();
    let err = publish(&versions, 1, date(2026, 4, 1), None).unwrap_err();
    match err {
        CatalogError::IllegalTransition { state, command, .. } => {
            assert_eq!((state.as_str(), command), ("published", "publish"));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn publishing_a_missing_version_is_not_found() {
    let err = publish(&one_published_one_draft(), 7, date(2026, 4, 1), None).unwrap_err();
    assert!(matches!(
        err,
        CatalogError::NotFound {
            kind: "item version",
            ..
        }
    ));
}

#[test]
fn publishing_revalidates_the_draft_against_the_directory() {
    let versions = one_published_one_draft();
    let empty = Directory::default();
    let err = plan_publish(
        &licence_id(),
        &versions,
        2,
        date(2026, 4, 1),
        None,
        &empty,
        moment(),
    )
    .unwrap_err();
    assert_eq!(invalid_field(err), "item.department_id");
}

fn cancel(versions: &[ItemVersion], on: NaiveDate) -> Result<VersionPlan, CatalogError> {
    plan_cancel(
        &licence_id(),
        versions,
        on,
        "同政发〔2013〕60号取消",
        moment(),
    )
}

#[test]
fn cancelling_ends_the_version_in_force_and_marks_it() {
    let mut versions = vec![published(
        &licence_id(),
        1,
        licence_content(),
        date(2025, 1, 1),
        None,
    )];
    let plan = cancel(&versions, date(2026, 7, 1)).unwrap();
    plan.apply(&mut versions);
    let v = &versions[0];
    assert_eq!(v.valid_until, Some(date(2026, 7, 1)));
    assert!(v.cancelled);
    assert_eq!(v.cancel_reason.as_deref(), Some("同政发〔2013〕60号取消"));
    assert!(v.in_force_on(date(2026, 6, 30)));
    assert!(!v.in_force_on(date(2026, 7, 1)));
    assert!(is_cancelled(&versions));
}

#[test]
fn cancelling_twice_is_a_failed_precondition() {
    let mut versions = one_published_one_draft();
    cancel(&versions, date(2026, 7, 1))
        .unwrap()
        .apply(&mut versions);
    let err = cancel(&versions, date(2026, 8, 1)).unwrap_err();
    assert_eq!(
        err,
        CatalogError::illegal("item", licence_id(), "cancelled", "cancel")
    );
}

#[test]
fn cancelling_an_item_not_in_force_then_is_a_failed_precondition() {
    let versions = vec![published(
        &licence_id(),
        1,
        licence_content(),
        date(2025, 1, 1),
        Some(date(2026, 5, 1)),
    )];
    let err = cancel(&versions, date(2026, 6, 1)).unwrap_err();
    assert!(
        matches!(err, CatalogError::IllegalTransition { ref state, .. } if state == "not in force on 2026-06-01")
    );
}

#[test]
fn cancelling_a_never_published_item_is_a_failed_precondition() {
    let err = cancel(&[draft(1)], date(2026, 6, 1)).unwrap_err();
    assert!(
        matches!(err, CatalogError::IllegalTransition { ref state, .. } if state == "never published")
    );
}

#[test]
fn cancelling_an_unknown_item_is_not_found() {
    assert!(matches!(
        cancel(&[], date(2026, 6, 1)),
        Err(CatalogError::NotFound { kind: "item", .. })
    ));
}

#[test]
fn cancelling_before_a_scheduled_version_starts_is_rejected() {
    let versions = vec![
        published(
            &licence_id(),
            1,
            licence_content(),
            date(2025, 1, 1),
            Some(date(2026, 9, 1)),
        ),
        published(&licence_id(), 2, licence_content(), date(2026, 9, 1), None),
    ];
    let err = cancel(&versions, date(2026, 7, 1)).unwrap_err();
    assert_eq!(invalid_field(err), "effective_date");
    // From after the scheduled start, the scheduled version is the one that ends.
    let plan = cancel(&versions, date(2026, 10, 1)).unwrap();
    assert!(matches!(
        plan.changes[0],
        VersionChange::Cancel { version: 2, .. }
    ));
}

#[test]
fn cancelling_needs_a_reason_and_a_date_not_in_the_past() {
    let versions = one_published_one_draft();
    let err = plan_cancel(&licence_id(), &versions, date(2026, 7, 1), " ", moment()).unwrap_err();
    assert_eq!(invalid_field(err), "reason");
    let endless = "因".repeat(crate::domain::item::MAX_TEXT_CHARS + 1);
    let err = plan_cancel(
        &licence_id(),
        &versions,
        date(2026, 7, 1),
        &endless,
        moment(),
    )
    .unwrap_err();
    assert_eq!(invalid_field(err), "reason");
    let err = cancel(&versions, date(2026, 3, 1)).unwrap_err();
    assert_eq!(invalid_field(err), "effective_date");
}

#[test]
fn a_cancelled_item_takes_no_new_draft_or_publication() {
    let mut versions = one_published_one_draft();
    cancel(&versions, date(2026, 7, 1))
        .unwrap()
        .apply(&mut versions);
    let err = publish(&versions, 2, date(2026, 8, 1), None).unwrap_err();
    assert!(err.to_string().contains("is cancelled: publish"), "{err}");
    versions.remove(1);
    let err =
        plan_create_draft(&licence_id(), &versions, licence_content(), &directory()).unwrap_err();
    assert!(
        err.to_string().contains("is cancelled: create draft"),
        "{err}"
    );
}

#[test]
fn moment_in_china_is_eight_hours_ahead_of_utc() {
    use chrono::TimeZone;
    let late_evening_utc = Utc.with_ymd_and_hms(2026, 3, 1, 17, 0, 0).unwrap();
    assert_eq!(Moment::in_china(late_evening_utc).today, date(2026, 3, 2));
    let morning_utc = Utc.with_ymd_and_hms(2026, 3, 1, 15, 59, 0).unwrap();
    assert_eq!(Moment::in_china(morning_utc).today, date(2026, 3, 1));
}
