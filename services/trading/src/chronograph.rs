//! The chronograph: like ProZorro's, it moves projects whose period has ended (bidding
//! starts, an auction closes, an award becomes final). Each move is a transaction that
//! locks the project's row, decides again from what it reads, and writes only if the
//! project is still at the revision it read; so with several replicas the first one moves
//! the project and the others find nothing left to do.

use onewindow_kit::error::Error;

use crate::app::Trading;
use crate::domain::{decide, Command};
use crate::rpc::effects::{persist, CHRONOGRAPH};
use crate::store;

/// Projects handled in one pass; the rest wait for the next.
const BATCH: i64 = 100;

pub(crate) async fn tick(trading: &Trading) -> Result<usize, Error> {
    let now = trading.clock().now();
    let mut moved = 0;
    for id in store::due_projects(trading.db(), now, BATCH).await? {
        match advance(trading, &id).await {
            Ok(true) => moved += 1,
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(project_id = %id, error = %e, "chronograph could not move a project")
            }
        }
    }
    Ok(moved)
}

/// Moves one project if it is still due; false when there was nothing (left) to do.
async fn advance(trading: &Trading, id: &str) -> Result<bool, Error> {
    let db = trading.db();
    let now = trading.clock().now();
    let mut tx = db.begin().await?;
    let Some(before) = store::lock_project(&mut tx, db.backend(), id).await? else {
        return Ok(false);
    };
    let decision = decide(&before, Command::Tick, now)?;
    if !decision.changed(&before) {
        return Ok(false);
    }
    persist(
        &mut tx,
        db.backend(),
        &before,
        &decision,
        CHRONOGRAPH,
        None,
        now,
    )
    .await?;
    db.commit(tx).await?;
    tracing::info!(
        project_id = %id,
        from = %before.state,
        to = %decision.project.state,
        "project moved on by the clock"
    );
    Ok(true)
}
