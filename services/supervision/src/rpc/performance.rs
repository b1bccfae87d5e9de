//! Performance monitoring and warning education: figures, ranking and series, bulletins,
//! and the big screen's live feed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use onewindow_kit::auth::{principal, Role};
use onewindow_kit::error::{Error, Violations};
use onewindow_kit::outbox::pack;
use onewindow_kit::unit_of_work::Begin;
use onewindow_proto::supervision::v1 as pb;
use tokio::sync::watch;
use tokio::task::AbortHandle;
use tonic::{Request, Response, Status};

use super::convert::{count, date, format_date, timestamp};
use super::records::{bulletin_kind_from_proto, bulletin_to_proto, figures};
use super::service::Streamed;
use super::{invalid, region_code, status, Ctx, Page, Reader};
use crate::app::Core;
use crate::domain::bulletin::{Bulletin, BulletinKind, Draft};
use crate::domain::performance::{rank, Counts};
use crate::effects::{new_id, BULLETIN_PUBLISHED};
use crate::store;
use crate::store::stats::Grouping;
use onewindow_kit::error::to_json;

/// The longest period a report covers, in days: ten years.
const MAX_PERIOD_DAYS: i64 = 3660;

fn period(
    from: &str,
    to: &str,
    v: &mut Violations,
) -> Option<(chrono::NaiveDate, chrono::NaiveDate)> {
    let from = date(from, "from", v);
    let to = date(to, "to", v);
    let (from, to) = (from?, to?);
    if to < from {
        v.add("to", "must not be before from");
        return None;
    }
    if (to - from).num_days() > MAX_PERIOD_DAYS {
        v.add(
            "to",
            format!("the period may span at most {MAX_PERIOD_DAYS} days"),
        );
        return None;
    }
    Some((from, to))
}

pub(super) async fn get_performance(
    ctx: &Ctx,
    request: Request<pb::GetPerformanceRequest>,
) -> Result<Response<pb::PerformanceReport>, Status> {
    let reader = Reader::of(&principal(&request)).map_err(status)?;
    let req = request.into_inner();
    let mut v = Violations::new();
    let span = period(&req.from, &req.to, &mut v);
    let grouping = match pb::PerformanceGrouping::try_from(req.group_by) {
        Ok(pb::PerformanceGrouping::Region) => Grouping::Region,
        Ok(_) => Grouping::Department,
        Err(_) => {
            v.add("group_by", "is not a grouping");
            Grouping::Department
        }
    };
    let (Some((from, to)), true) = (span, v.is_empty()) else {
        return Err(invalid(v));
    };
    if grouping == Grouping::Region && reader != Reader::All {
        return Err(status(Error::PermissionDenied(
            "only supervisors compare regions".into(),
        )));
    }
    let db = &ctx.core.db;
    // Staff rank among the departments of their own region.
    let region = reader.region(&req.region_code).map_err(status)?;
    let rows = store::stats::grouped(db, grouping, from, to, &region, "")
        .await
        .map_err(status)?;
    let weights = ctx.core.settings.weights;
    let mut ranked = rank(rows, &weights);
    // Staff see where their own department stands, not the others' figures.
    ranked.retain(|r| grouping == Grouping::Region || reader.may_see_in(&r.key, &r.region_code));
    let total = match reader {
        Reader::All => store::stats::total(db, from, to, &region)
            .await
            .map_err(status)?,
        Reader::Department(..) => ranked.first().map(|r| r.counts).unwrap_or_default(),
    };
    Ok(Response::new(pb::PerformanceReport {
        period: Some(pb::Period {
            from: format_date(from),
            to: format_date(to),
        }),
        weights: Some(pb::Weights {
            on_time: weights.on_time,
            speed: weights.speed,
            satisfaction: weights.satisfaction,
            discipline: weights.discipline,
        }),
        group_by: match grouping {
            Grouping::Region => pb::PerformanceGrouping::Region,
            _ => pb::PerformanceGrouping::Department,
        }
        .into(),
        rows: ranked
            .iter()
            .map(|r| pb::PerformanceRow {
                rank: i32::try_from(r.rank).unwrap_or(i32::MAX),
                key: r.key.clone(),
                region_code: r.region_code.clone(),
                figures: Some(figures(&r.counts)),
                score: r.score,
            })
            .collect(),
        total: Some(figures(&total)),
    }))
}

pub(super) async fn get_performance_series(
    ctx: &Ctx,
    request: Request<pb::GetPerformanceSeriesRequest>,
) -> Result<Response<pb::PerformanceSeries>, Status> {
    let reader = Reader::of(&principal(&request)).map_err(status)?;
    let req = request.into_inner();
    let mut v = Violations::new();
    let span = period(&req.from, &req.to, &mut v);
    let grouping = match pb::Granularity::try_from(req.granularity) {
        Ok(pb::Granularity::Month) => Grouping::Month,
        Ok(_) => Grouping::Day,
        Err(_) => {
            v.add("granularity", "is not day or month");
            Grouping::Day
        }
    };
    let (Some((from, to)), true) = (span, v.is_empty()) else {
        return Err(invalid(v));
    };
    let department = reader.department(&req.department_id).map_err(status)?;
    let region = reader.region(&req.region_code).map_err(status)?;
    let rows = store::stats::grouped(&ctx.core.db, grouping, from, to, &region, &department)
        .await
        .map_err(status)?;
    Ok(Response::new(pb::PerformanceSeries {
        granularity: match grouping {
            Grouping::Month => pb::Granularity::Month,
            _ => pb::Granularity::Day,
        }
        .into(),
        points: rows
            .iter()
            .map(|(period, _, c)| pb::SeriesPoint {
                period: period.clone(),
                figures: Some(figures(c)),
            })
            .collect(),
    }))
}

pub(super) async fn publish_bulletin(
    ctx: &Ctx,
    request: Request<pb::PublishBulletinRequest>,
) -> Result<Response<pb::Bulletin>, Status> {
    let req = request.get_ref();
    let draft = Draft {
        kind: bulletin_kind_from_proto(req.kind),
        title: req.title.trim().to_string(),
        body: req.body.trim().to_string(),
        warning_id: req.warning_id.trim().to_string(),
        violation_id: req.violation_id.trim().to_string(),
        department_id: req.department_id.trim().to_string(),
        region_code: req.region_code.trim().to_string(),
    };
    let kind = draft.validate().map_err(status)?;
    let (who, begun) = ctx
        .begin::<pb::Bulletin, _>(
            "PublishBulletin",
            &request,
            &req.request_id,
            &[Role::Supervisor],
        )
        .await?;
    let mut uow = match begun {
        Begin::Replay(r) => return Ok(Response::new(r)),
        Begin::New(u) => u,
    };
    // A notice of a card or a violation concerns whom the card or violation concerns.
    let (department_id, region_code) = match kind {
        BulletinKind::Card => {
            let w = store::warnings::get_in(uow.tx(), &draft.warning_id)
                .await
                .map_err(status)?
                .ok_or_else(|| status(Error::not_found("warning", &draft.warning_id)))?;
            (w.department_id, w.region_code)
        }
        BulletinKind::Violation => {
            let x = store::violations::load(uow.tx(), &draft.violation_id)
                .await
                .map_err(status)?
                .ok_or_else(|| status(Error::not_found("violation", &draft.violation_id)))?;
            (x.department_id, x.region_code)
        }
        BulletinKind::Notice => (draft.department_id.clone(), draft.region_code.clone()),
    };
    let b = Bulletin {
        id: new_id(),
        kind,
        title: draft.title,
        body: draft.body,
        department_id,
        region_code,
        warning_id: draft.warning_id,
        violation_id: draft.violation_id,
        published_at: uow.now(),
        published_by: who.subject.clone(),
    };
    store::complaints::insert_bulletin(uow.tx(), &b)
        .await
        .map_err(status)?;
    let out = bulletin_to_proto(&b);
    uow.event(
        BULLETIN_PUBLISHED,
        "bulletin",
        &b.id,
        pack(
            "onewindow.supervision.v1.BulletinPublished",
            &pb::BulletinPublished {
                bulletin: Some(out.clone()),
            },
        ),
    )
    .await
    .map_err(status)?;
    uow.audit("bulletin", &b.id, "publish", to_json(&b).map_err(status)?)
        .await
        .map_err(status)?;
    ctx.finish(uow, out).await
}

pub(super) async fn list_bulletins(
    ctx: &Ctx,
    request: Request<pb::ListBulletinsRequest>,
) -> Result<Response<pb::ListBulletinsResponse>, Status> {
    let req = request.into_inner();
    let mut v = Violations::new();
    let page = Page::parse(req.page_size, &req.page_token, &mut v);
    let kind = match req.kind {
        0 => None,
        k => {
            let parsed = bulletin_kind_from_proto(k);
            v.check(parsed.is_none(), "kind", "is not a bulletin kind");
            parsed
        }
    };
    if !v.is_empty() {
        return Err(invalid(v));
    }
    let (items, total) = store::complaints::list_bulletins(
        &ctx.core.db,
        &req.department_id,
        kind,
        page.limit,
        page.offset,
    )
    .await
    .map_err(status)?;
    Ok(Response::new(pb::ListBulletinsResponse {
        next_page_token: page.next_token(items.len(), total),
        bulletins: items.iter().map(bulletin_to_proto).collect(),
        total_size: count(total),
    }))
}

/// Today's figures and what stands open now.
pub(crate) async fn dashboard(core: &Core, region: &str) -> Result<pb::Dashboard, Error> {
    let db = &core.db;
    let today = core.clock.today();
    let counts: Counts = store::stats::total(db, today, today, region).await?;
    let (levels, most) = store::warnings::open_counts(db, region).await?;
    Ok(pb::Dashboard {
        as_of: Some(timestamp(core.clock.now())),
        date: format_date(today),
        region_code: region.to_string(),
        today: Some(figures(&counts)),
        open_cases: count(store::cases::open_cases(db, region).await?),
        open_early_warnings: count(levels[0]),
        open_yellow_cards: count(levels[1]),
        open_red_cards: count(levels[2]),
        open_violations: count(store::violations::open_count(db, region).await?),
        open_complaints: count(store::complaints::open_count(db, region).await?),
        most_cards: most
            .into_iter()
            .map(|(department_id, yellow, red)| pb::DepartmentCards {
                department_id,
                open_yellow_cards: count(yellow),
                open_red_cards: count(red),
            })
            .collect(),
    })
}

/// A burst of commits (a consumer catching up) is shown once, after this pause.
const SETTLE: Duration = Duration::from_millis(200);

/// What a feed last computed: the dashboard, or the error that ended the feed.
type Latest = Option<Result<Arc<pb::Dashboard>, Status>>;

/// One region's dashboard, computed by one task for every screen watching it: after each
/// burst of commits, and at each heartbeat. The task ends with the last screen.
struct Feed {
    latest: watch::Receiver<Latest>,
    task: AbortHandle,
}

impl Drop for Feed {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The feeds being watched, by region ("" for the whole city).
#[derive(Default)]
pub(crate) struct DashboardFeeds {
    feeds: Mutex<HashMap<String, Weak<Feed>>>,
}

impl DashboardFeeds {
    /// The feeds some screen still watches.
    pub(crate) fn running(&self) -> usize {
        self.feeds()
            .values()
            .filter(|f| f.strong_count() > 0)
            .count()
    }

    fn feeds(&self) -> MutexGuard<'_, HashMap<String, Weak<Feed>>> {
        match self.feeds.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// The region's feed, started if no screen watches it yet.
    fn join(&self, core: &Arc<Core>, region: &str) -> Arc<Feed> {
        let mut feeds = self.feeds();
        if let Some(feed) = feeds.get(region).and_then(Weak::upgrade) {
            return feed;
        }
        feeds.retain(|_, f| f.strong_count() > 0);
        let (send, latest) = watch::channel(None);
        let task = tokio::spawn(feed(core.clone(), region.to_string(), send)).abort_handle();
        let feed = Arc::new(Feed { latest, task });
        feeds.insert(region.to_string(), Arc::downgrade(&feed));
        feed
    }
}

/// The dashboard without its time, to tell whether anything shown changed.
fn shown(d: &pb::Dashboard) -> pb::Dashboard {
    pb::Dashboard {
        as_of: None,
        ..d.clone()
    }
}

async fn feed(core: Arc<Core>, region: String, send: watch::Sender<Latest>) {
    let heartbeat = Duration::from_secs(core.settings.dashboard_heartbeat_secs);
    let mut commits = core.db.commits();
    let mut last: Option<pb::Dashboard> = None;
    let mut sent = Instant::now();
    loop {
        commits.borrow_and_update();
        match dashboard(&core, &region).await {
            Ok(current) => {
                // The first computation is the screens' own first message; the feed sends
                // what changed after it, and the heartbeat.
                let changed = last.as_ref().is_some_and(|l| shown(l) != shown(&current));
                if changed || sent.elapsed() >= heartbeat {
                    sent = Instant::now();
                    send.send_replace(Some(Ok(Arc::new(current.clone()))));
                }
                last = Some(current);
            }
            Err(e) => {
                send.send_replace(Some(Err(Status::from(e))));
                return;
            }
        }
        tokio::select! {
            changed = commits.changed() => {
                if changed.is_err() {
                    tokio::time::sleep(heartbeat).await;
                }
                tokio::time::sleep(SETTLE).await;
            }
            _ = tokio::time::sleep(heartbeat) => {}
        }
    }
}

pub(super) async fn watch_dashboard(
    ctx: &Ctx,
    request: Request<pb::WatchDashboardRequest>,
) -> Result<Response<Streamed<pb::Dashboard>>, Status> {
    let region = request.into_inner().region_code;
    region_code(&region).map_err(status)?;
    let core = ctx.core.clone();
    let heartbeat = Duration::from_secs(core.settings.dashboard_heartbeat_secs);
    let feed = core.dashboards.join(&core, &region);
    let mut latest = feed.latest.clone();
    latest.borrow_and_update();
    let stream = async_stream::try_stream! {
        // Holding the feed keeps it running while this screen watches.
        let _feed = feed;
        // The dashboard as of now, whatever the feed last computed.
        let first = dashboard(&core, &region).await.map_err(Status::from)?;
        let mut sent = Instant::now();
        let mut last = shown(&first);
        yield first;
        while latest.changed().await.is_ok() {
            let next = latest.borrow_and_update().clone();
            match next {
                Some(Ok(d)) if shown(&d) != last || sent.elapsed() >= heartbeat => {
                    sent = Instant::now();
                    last = shown(&d);
                    yield (*d).clone();
                }
                Some(Err(e)) => Err(e)?,
                _ => {}
            }
        }
    };
    Ok(Response::new(Box::pin(stream)))
}
