//! Following the catalog's stream: item versions, cancellations, bundles and calendar years
//! are kept in the cases database, so a submission never calls the catalog. Each event is
//! applied exactly once, with the consumer's offset, in one transaction.

use onewindow_kit::consumer::{BoxFuture, Handler};
use onewindow_kit::db::Tx;
use onewindow_kit::error::Error;
use onewindow_kit::outbox::unpack;
use onewindow_proto::catalog::v1 as catalog;
use onewindow_proto::common::v1::Event;

use crate::rpc::convert::{
    bundle_terms_from_catalog, calendar_year_from_catalog, item_terms_from_catalog,
};
use crate::store;

/// The consumer name under which the offset in the catalog's stream is kept.
pub const CATALOG_STREAM: &str = "cases<-catalog";

pub struct CatalogFollower;

fn payload(event: &Event) -> Result<&prost_types::Any, Error> {
    event
        .payload
        .as_ref()
        .ok_or_else(|| Error::internal(anyhow::anyhow!("event {} has no payload", event.seq)))
}

fn bad(event: &Event, what: impl std::fmt::Display) -> Error {
    Error::internal(anyhow::anyhow!(
        "catalog event {} ({}): {what}",
        event.seq,
        event.kind
    ))
}

impl Handler for CatalogFollower {
    fn apply<'a>(&'a self, tx: &'a mut Tx, event: &'a Event) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let any = payload(event)?;
            match event.kind.as_str() {
                "catalog.item.published" => {
                    let msg: catalog::ItemPublished =
                        unpack("onewindow.catalog.v1.ItemPublished", any)
                            .ok_or_else(|| bad(event, "undecodable payload"))?;
                    let item = msg.item.ok_or_else(|| bad(event, "no item"))?;
                    let terms = item_terms_from_catalog(&item).map_err(|v| bad(event, v))?;
                    store::save_item_terms(tx, &terms).await
                }
                "catalog.item.cancelled" => {
                    let msg: catalog::ItemCancelled =
                        unpack("onewindow.catalog.v1.ItemCancelled", any)
                            .ok_or_else(|| bad(event, "undecodable payload"))?;
                    let effective =
                        chrono::NaiveDate::parse_from_str(&msg.effective_date, "%Y-%m-%d")
                            .map_err(|e| bad(event, e))?;
                    let versions = store::item_versions(tx, &msg.item_id).await?;
                    let Some(mut terms) = versions
                        .into_iter()
                        .find(|t| i64::from(t.version) == i64::from(msg.version))
                    else {
                        // A version this service never saw in force needs no cancelling here.
                        return Ok(());
                    };
                    terms.valid_until = Some(effective);
                    terms.cancelled = true;
                    store::save_item_terms(tx, &terms).await
                }
                "catalog.bundle.published" => {
                    let msg: catalog::BundlePublished =
                        unpack("onewindow.catalog.v1.BundlePublished", any)
                            .ok_or_else(|| bad(event, "undecodable payload"))?;
                    let bundle = msg.bundle.ok_or_else(|| bad(event, "no bundle"))?;
                    let terms = bundle_terms_from_catalog(&bundle).map_err(|v| bad(event, v))?;
                    store::save_bundle_terms(tx, &terms).await
                }
                "catalog.calendar.changed" => {
                    let msg: catalog::CalendarChanged =
                        unpack("onewindow.catalog.v1.CalendarChanged", any)
                            .ok_or_else(|| bad(event, "undecodable payload"))?;
                    let year = msg.calendar.ok_or_else(|| bad(event, "no calendar"))?;
                    let schedule = calendar_year_from_catalog(&year).map_err(|v| bad(event, v))?;
                    store::save_calendar_year(tx, &msg.region_code, &schedule).await
                }
                // Departments and other facts are not needed to handle cases.
                _ => Ok(()),
            }
        })
    }
}
