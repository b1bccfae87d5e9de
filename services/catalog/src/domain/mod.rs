//! The catalog's rules, free of transport and storage: codes, items and their versions,
//! adjustment batches, bundles, and the catalog in force with its statistics and export.

pub mod access;
pub mod batch;
pub mod bundle;
pub mod codes;
pub mod department;
pub mod error;
pub mod export;
pub mod item;
pub mod snapshot;
pub mod stats;
pub mod version;

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod version_props;

pub use access::DraftAccess;
pub use batch::{
    plan_apply, ActionCount, Adjustment, AdjustmentAction, AdjustmentBatch, AdjustmentEntry,
    BatchPlan,
};
pub use bundle::{Bundle, BundleStage, BundleStatus, DepartmentOf, SharedMaterial};
pub use codes::{BasicCode, CodeError, CreditCode, DepartmentId, ItemId, RegionCode};
pub use department::{Department, Directory, Office, Region, RegionLevel};
pub use error::CatalogError;
pub use export::{catalog_csv, yuan, CSV_HEADERS};
pub use item::{
    Fee, HandlerRole, ItemClass, ItemContent, ItemLevel, ItemType, LegalBasis, Material,
    MaterialForm, OnlineDepth, ServiceMode, SpecialProcedure, Stage, Step, WindowAuthorization,
};
pub use snapshot::{CatalogView, ListQuery, Page, StatusFilter, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
pub use stats::{CatalogStatistics, DepartmentAuthorization};
pub use version::{
    current_draft, is_cancelled, latest_published, next_version_number, plan_cancel,
    plan_create_draft, plan_publish, plan_update_draft, version_in_force, ItemVersion, Moment,
    VersionChange, VersionPlan, VersionStatus,
};
