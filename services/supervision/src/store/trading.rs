//! Supervision's record of traded projects still in progress, one row per project.

use onewindow_kit::db::Tx;
use onewindow_kit::error::Error;

use super::{from_json, to_json};
use crate::follow::trading_record::ProjectRecord;

pub(crate) async fn load_project(
    tx: &mut Tx,
    project_id: &str,
) -> Result<Option<ProjectRecord>, Error> {
    let row = sqlx::query("SELECT body FROM sup_trading_project WHERE project_id = $1")
        .bind(project_id)
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref().map(from_json).transpose()
}

pub(crate) async fn save_project(tx: &mut Tx, r: &ProjectRecord) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO sup_trading_project (project_id, body) VALUES ($1, $2) \
         ON CONFLICT (project_id) DO UPDATE SET body = excluded.body",
    )
    .bind(&r.project_id)
    .bind(to_json(r)?)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Drops the record of a project that ended: nothing it holds can raise a flag any more,
/// and the bidders' contacts are kept no longer than the flags need them.
pub(crate) async fn forget_project(tx: &mut Tx, project_id: &str) -> Result<(), Error> {
    sqlx::query("DELETE FROM sup_trading_project WHERE project_id = $1")
        .bind(project_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Takes an award out of its owner's history (see `cases::record_award`).
pub(crate) async fn forget_award(tx: &mut Tx, award_key: &str) -> Result<(), Error> {
    sqlx::query("DELETE FROM sup_trading_award WHERE project_id = $1")
        .bind(award_key)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
