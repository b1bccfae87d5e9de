//! Efficiency monitoring's reads: warnings, card counts and case records.

use onewindow_kit::auth::principal;
use onewindow_kit::error::{Error, Violations};
use onewindow_proto::supervision::v1 as pb;
use tonic::{Request, Response, Status};

use super::convert::{
    case_record_to_proto, count, date, format_date, level_from_proto, warning_to_proto,
};
use super::{invalid, status, Ctx, Page, Reader};
use crate::store;
use crate::store::warnings::{CountKey, WarningFilter};

pub(super) async fn list_warnings(
    ctx: &Ctx,
    request: Request<pb::ListWarningsRequest>,
) -> Result<Response<pb::ListWarningsResponse>, Status> {
    let reader = Reader::of(&principal(&request)).map_err(status)?;
    let req = request.into_inner();
    let mut v = Violations::new();
    let page = Page::parse(req.page_size, &req.page_token, &mut v);
    let level = match req.level {
        0 => None,
        l => {
            let parsed = level_from_proto(l);
            v.check(parsed.is_none(), "level", "is not a warning level");
            parsed
        }
    };
    let stage_only = match pb::WarningScope::try_from(req.scope) {
        Ok(pb::WarningScope::Unspecified) => None,
        Ok(pb::WarningScope::Case) => Some(false),
        Ok(pb::WarningScope::Stage) => Some(true),
        Err(_) => {
            v.add("scope", "is not a warning scope");
            None
        }
    };
    let open = match pb::WarningStatus::try_from(req.status) {
        Ok(pb::WarningStatus::Unspecified) => None,
        Ok(pb::WarningStatus::Open) => Some(true),
        Ok(pb::WarningStatus::Closed) => Some(false),
        Err(_) => {
            v.add("status", "is not a warning status");
            None
        }
    };
    if !v.is_empty() {
        return Err(invalid(v));
    }
    let filter = WarningFilter {
        department_id: reader.department(&req.department_id).map_err(status)?,
        region_code: reader.region(&req.region_code).map_err(status)?,
        case_id: req.case_id,
        level,
        stage_only,
        open,
    };
    let (warnings, total) = store::warnings::list(&ctx.core.db, &filter, page.limit, page.offset)
        .await
        .map_err(status)?;
    Ok(Response::new(pb::ListWarningsResponse {
        next_page_token: page.next_token(warnings.len(), total),
        warnings: warnings.iter().map(warning_to_proto).collect(),
        total_size: count(total),
    }))
}

pub(super) async fn get_warning(
    ctx: &Ctx,
    request: Request<pb::GetWarningRequest>,
) -> Result<Response<pb::Warning>, Status> {
    let reader = Reader::of(&principal(&request)).map_err(status)?;
    let id = request.into_inner().warning_id;
    let w = store::warnings::get(&ctx.core.db, &id)
        .await
        .map_err(status)?
        .filter(|w| reader.may_see_in(&w.department_id, &w.region_code))
        .ok_or_else(|| status(Error::not_found("warning", &id)))?;
    Ok(Response::new(warning_to_proto(&w)))
}

pub(super) async fn get_card_counts(
    ctx: &Ctx,
    request: Request<pb::GetCardCountsRequest>,
) -> Result<Response<pb::GetCardCountsResponse>, Status> {
    let reader = Reader::of(&principal(&request)).map_err(status)?;
    let req = request.into_inner();
    let mut v = Violations::new();
    let from = date(&req.from, "from", &mut v);
    let to = date(&req.to, "to", &mut v);
    let key = match pb::CardGrouping::try_from(req.group_by) {
        Ok(pb::CardGrouping::Unspecified | pb::CardGrouping::Department) => CountKey::Department,
        Ok(pb::CardGrouping::Office) => CountKey::Office,
        Ok(pb::CardGrouping::Staff) => CountKey::Staff,
        Err(_) => {
            v.add("group_by", "is not a grouping");
            CountKey::Department
        }
    };
    if let (Some(f), Some(t)) = (from, to) {
        v.check(t < f, "to", "must not be before from");
    }
    let (Some(from), Some(to), true) = (from, to, v.is_empty()) else {
        return Err(invalid(v));
    };
    let department = reader.department(&req.department_id).map_err(status)?;
    let region = reader.region(&req.region_code).map_err(status)?;
    let rows = store::warnings::counts(&ctx.core.db, key, from, to, &region, &department)
        .await
        .map_err(status)?;
    Ok(Response::new(pb::GetCardCountsResponse {
        period: Some(pb::Period {
            from: format_date(from),
            to: format_date(to),
        }),
        group_by: match key {
            CountKey::Department => pb::CardGrouping::Department,
            CountKey::Office => pb::CardGrouping::Office,
            CountKey::Staff => pb::CardGrouping::Staff,
        }
        .into(),
        counts: rows
            .into_iter()
            .map(|(key, department_id, [early, yellow, red])| pb::CardCount {
                key,
                department_id,
                early_warnings: count(early),
                yellow_cards: count(yellow),
                red_cards: count(red),
            })
            .collect(),
    }))
}

pub(super) async fn get_case_record(
    ctx: &Ctx,
    request: Request<pb::GetCaseRecordRequest>,
) -> Result<Response<pb::CaseRecord>, Status> {
    let reader = Reader::of(&principal(&request)).map_err(status)?;
    let id = request.into_inner().case_id;
    let record = store::cases::get_case(&ctx.core.db, &id)
        .await
        .map_err(status)?
        .filter(|r| reader.may_see_in(&r.case.department_id, &r.case.region_code))
        .ok_or_else(|| status(Error::not_found("case record", &id)))?;
    Ok(Response::new(case_record_to_proto(&record)))
}
