//! The gRPC edge of supervision: conversions between the contract and the domain, and the
//! handlers (decode, authorize, call the domain, encode).

mod complaints;
pub mod convert;
mod efficiency;
mod evaluations;
pub(crate) mod performance;
mod permission;
pub mod records;
mod service;

use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use onewindow_kit::auth::{principal, Principal, Role};
use onewindow_kit::codes::is_region_code;
use onewindow_kit::error::{Error, Violations};
use onewindow_kit::unit_of_work::{Begin, UnitOfWork};
use tonic::{Request, Response, Status};

use crate::app::Core;

pub use service::SupervisionRpc;

/// Any error of the service as a status, through the kit's one mapping.
pub(crate) fn status(e: impl Into<Error>) -> Status {
    e.into().into()
}

pub(crate) fn invalid(v: Violations) -> Status {
    Error::InvalidArgument(v).into()
}

pub(crate) const DEFAULT_PAGE_SIZE: i64 = 20;
pub(crate) const MAX_PAGE_SIZE: i64 = 100;

/// A page of a list: how many rows and from which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Page {
    pub limit: i64,
    pub offset: i64,
}

impl Page {
    pub fn parse(page_size: i32, page_token: &str, v: &mut Violations) -> Page {
        let limit = match i64::from(page_size) {
            0 => DEFAULT_PAGE_SIZE,
            n if n < 0 => {
                v.add("page_size", "must not be negative");
                DEFAULT_PAGE_SIZE
            }
            n => n.min(MAX_PAGE_SIZE),
        };
        let offset = if page_token.is_empty() {
            0
        } else {
            let parsed = URL_SAFE_NO_PAD
                .decode(page_token)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|s| s.strip_prefix("o:").and_then(|n| n.parse::<i64>().ok()))
                .filter(|n| *n >= 0);
            match parsed {
                Some(n) => n,
                None => {
                    v.add("page_token", "is not a token this service gave");
                    0
                }
            }
        };
        Page { limit, offset }
    }

    /// The token of the page after this one, empty on the last page.
    pub fn next_token(&self, returned: usize, total: i64) -> String {
        let next = self.offset + returned as i64;
        if returned == 0 || next >= total {
            String::new()
        } else {
            URL_SAFE_NO_PAD.encode(format!("o:{next}"))
        }
    }
}

/// A region asked for in `region_code`: none (empty) or six digits (GB/T 2260).
pub(crate) fn region_code(asked: &str) -> Result<(), Error> {
    if asked.is_empty() || is_region_code(asked) {
        Ok(())
    } else {
        Err(Error::invalid(
            "region_code",
            "must be a region code of 6 digits",
        ))
    }
}

/// What a caller may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reader {
    /// Supervisors (and machines): everything.
    All,
    /// Staff of a department in a region: their own department's things in their own
    /// region only.
    Department(String, String),
}

impl Reader {
    pub fn of(p: &Principal) -> Result<Reader, Error> {
        if p.has(Role::Supervisor) || p.has(Role::Service) {
            return Ok(Reader::All);
        }
        if p.has(Role::Clerk) || p.has(Role::Approver) {
            let named = |x: &Option<String>| x.as_ref().filter(|x| !x.is_empty()).cloned();
            // Both or nothing: an empty region would narrow a list's SQL by nothing.
            if let (Some(d), Some(region)) = (named(&p.department), named(&p.region)) {
                return Ok(Reader::Department(d, region));
            }
        }
        p.require_any(&[Role::Supervisor, Role::Clerk, Role::Approver])?;
        Err(Error::PermissionDenied(
            "staff without a department and a region may not read this".into(),
        ))
    }

    /// The department a list is narrowed to: what was asked, or the reader's own.
    pub fn department(&self, asked: &str) -> Result<String, Error> {
        match self {
            Reader::All => Ok(asked.to_string()),
            Reader::Department(own, _) if asked.is_empty() || asked == own => Ok(own.clone()),
            Reader::Department(own, _) => Err(Error::PermissionDenied(format!(
                "staff of {own} see only their own department"
            ))),
        }
    }

    /// The region a list is narrowed to: what was asked, or the reader's own. A malformed
    /// code is refused as such before it is compared with the reader's region.
    pub fn region(&self, asked: &str) -> Result<String, Error> {
        region_code(asked)?;
        match self {
            Reader::All => Ok(asked.to_string()),
            Reader::Department(_, own) if asked.is_empty() || asked == own => Ok(own.clone()),
            Reader::Department(_, own) => Err(Error::PermissionDenied(format!(
                "staff of {own} see only their own region"
            ))),
        }
    }

    /// Whether the reader may see something of `department` in `region`.
    pub fn may_see_in(&self, department: &str, region: &str) -> bool {
        match self {
            Reader::All => true,
            Reader::Department(own, own_region) => own == department && own_region == region,
        }
    }
}

/// The handlers' shared state.
#[derive(Clone)]
pub(crate) struct Ctx {
    pub core: Arc<Core>,
}

impl Ctx {
    /// Authorizes a write for `roles` and begins its unit of work.
    pub async fn begin<T: prost::Message + Default, R: prost::Message>(
        &self,
        method: &str,
        request: &Request<R>,
        request_id: &str,
        roles: &[Role],
    ) -> Result<(Principal, Begin<T>), Status> {
        let who = principal(request);
        if !roles.contains(&Role::Public) {
            who.require_any(roles).map_err(status)?;
        }
        let begun = UnitOfWork::begin(
            &self.core.db,
            &self.core.clock,
            method,
            &who,
            request_id,
            request.get_ref(),
        )
        .await
        .map_err(status)?;
        Ok((who, begun))
    }

    pub async fn finish<T: prost::Message>(
        &self,
        uow: UnitOfWork,
        response: T,
    ) -> Result<Response<T>, Status> {
        uow.commit(&response).await.map_err(status)?;
        Ok(Response::new(response))
    }

    pub fn today(&self) -> chrono::NaiveDate {
        self.core.clock.today()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_round_trip_and_garbage_is_named() {
        let mut v = Violations::new();
        let p = Page::parse(5, "", &mut v);
        let token = p.next_token(5, 12);
        let next = Page::parse(5, &token, &mut v);
        assert_eq!(next.offset, 5);
        assert!(v.is_empty());
        assert_eq!(next.next_token(5, 10), "");
        Page::parse(-1, "garbage!", &mut v);
        let fields: Vec<&str> = v.as_slice().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["page_size", "page_token"]);
    }

    #[test]
    fn staff_read_only_their_own_department() {
        let clerk = Principal {
            subject: "c".into(),
            name: String::new(),
            roles: vec![Role::Clerk],
            department: Some("gsj".into()),
            region: Some("140200".into()),
        };
        let r = Reader::of(&clerk).unwrap();
        assert_eq!(r.department("").unwrap(), "gsj");
        assert!(r.department("swj").is_err());
        assert_eq!(r.region("").unwrap(), "140200");
        assert!(matches!(
            r.region("140212"),
            Err(Error::PermissionDenied(_))
        ));
        for malformed in ["1402", "14020a", &"长".repeat(20_000)] {
            assert!(
                matches!(
                    Reader::All.region(malformed),
                    Err(Error::InvalidArgument(_))
                ),
                "{malformed}"
            );
            assert!(matches!(
                r.region(malformed),
                Err(Error::InvalidArgument(_))
            ));
        }
        assert!(r.may_see_in("gsj", "140200"));
        assert!(!r.may_see_in("gsj", "140212"));
        let regionless = Principal {
            region: None,
            ..clerk.clone()
        };
        assert!(matches!(
            Reader::of(&regionless),
            Err(Error::PermissionDenied(_))
        ));
        assert!(matches!(
            Reader::of(&Principal::public()),
            Err(Error::Unauthenticated(_))
        ));
    }
}
