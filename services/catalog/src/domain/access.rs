//! Who sees the catalog's work in progress. A draft (of an item version or of a bundle) is
//! not information the public may rely on: until it is published it does not exist for
//! them, exactly like an item that was never published. Published versions stay public,
//! whether in force, scheduled, superseded or cancelled (full disclosure).

use super::bundle::{Bundle, BundleStatus};
use super::version::{ItemVersion, VersionStatus};

/// Whether a reader sees drafts. The edge decides from the caller's roles; the default is
/// the public's view, so a read that forgets to decide reveals nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DraftAccess {
    /// Published versions and bundles only.
    #[default]
    Hidden,
    /// Drafts too: those who manage the catalog, and the services that run on it.
    Shown,
}

impl DraftAccess {
    pub fn shows(self, version: &ItemVersion) -> bool {
        self == DraftAccess::Shown || version.status == VersionStatus::Published
    }

    pub fn shows_bundle(self, bundle: &Bundle) -> bool {
        self == DraftAccess::Shown || bundle.status == BundleStatus::Published
    }

    /// The versions of an item this reader sees, oldest first as given; empty when the
    /// item, for this reader, does not exist.
    pub fn versions(self, versions: &[ItemVersion]) -> Vec<&ItemVersion> {
        versions.iter().filter(|v| self.shows(v)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::{date, licence_content, licence_id, published};

    #[test]
    fn the_public_sees_published_versions_but_no_draft() {
        let versions = vec![
            published(&licence_id(), 1, licence_content(), date(2025, 1, 1), None),
            ItemVersion::draft(licence_id(), 2, licence_content()),
        ];
        let public: Vec<u32> = DraftAccess::Hidden
            .versions(&versions)
            .iter()
            .map(|v| v.version)
            .collect();
        assert_eq!(public, [1]);
        let staff: Vec<u32> = DraftAccess::Shown
            .versions(&versions)
            .iter()
            .map(|v| v.version)
            .collect();
        assert_eq!(staff, [1, 2]);
    }

    #[test]
    fn an_item_with_only_a_draft_does_not_exist_for_the_public() {
        let versions = vec![ItemVersion::draft(licence_id(), 1, licence_content())];
        assert!(DraftAccess::Hidden.versions(&versions).is_empty());
        assert_eq!(DraftAccess::Shown.versions(&versions).len(), 1);
    }

    #[test]
    fn cancelled_and_superseded_versions_stay_public() {
        let old = published(
            &licence_id(),
            1,
            licence_content(),
            date(2020, 1, 1),
            Some(date(2025, 1, 1)),
        );
        let mut last = published(&licence_id(), 2, licence_content(), date(2025, 1, 1), None);
        last.valid_until = Some(date(2026, 1, 1));
        last.cancelled = true;
        assert!(DraftAccess::Hidden.shows(&old));
        assert!(DraftAccess::Hidden.shows(&last));
    }
}
