//! How supervision learns that an evaluation comes from the applicant: the case number and
//! the query code given at submission, checked by the cases service. The binary implements
//! this with the cases gRPC client; tests use a fake.

use onewindow_kit::error::{Error, Violations};

/// A case the cases service confirmed for a number and query code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCase {
    pub case_id: String,
    pub case_number: String,
    pub item_id: String,
    pub department_id: String,
    pub region_code: String,
}

/// Checks a case number and query code. A wrong pair is `Error::NotFound` (or any error the
/// implementation chooses); supervision refuses the evaluation either way.
#[tonic::async_trait]
pub trait CaseVerifier: Send + Sync + 'static {
    async fn verify(&self, case_number: &str, query_code: &str) -> Result<VerifiedCase, Error>;
}

/// The cases service's answer in supervision's terms. Its lookup names its fields as the
/// evaluation does (`case_number`, `query_code`), so a bad one is passed on under its name.
fn from_status(s: tonic::Status) -> Error {
    match s.code() {
        tonic::Code::NotFound => Error::not_found("case", "with that number and query code"),
        tonic::Code::InvalidArgument => {
            let mut v = Violations::of_status(&s);
            if v.is_empty() {
                v.add("case_number", s.message().to_string());
            }
            Error::InvalidArgument(v)
        }
        _ => Error::Unavailable(format!("the cases service did not answer: {}", s.message())),
    }
}

fn verified(c: onewindow_proto::cases::v1::PublicCase) -> VerifiedCase {
    VerifiedCase {
        case_id: c.case_id,
        case_number: c.case_number,
        item_id: c.item_id,
        department_id: c.department_id,
        region_code: c.region_code,
    }
}

fn lookup(case_number: &str, query_code: &str) -> onewindow_proto::cases::v1::LookupCaseRequest {
    onewindow_proto::cases::v1::LookupCaseRequest {
        case_number: case_number.to_string(),
        query_code: query_code.to_string(),
    }
}

/// Verifies through the cases service's public lookup, calling an implementation of its
/// contract in the same process (the standalone binary runs every service in one).
pub struct InProcessCases<S>(pub S);

#[tonic::async_trait]
impl<S> CaseVerifier for InProcessCases<S>
where
    S: onewindow_proto::cases::v1::case_service_server::CaseService,
{
    async fn verify(&self, case_number: &str, query_code: &str) -> Result<VerifiedCase, Error> {
        let reply = self
            .0
            .lookup_case(tonic::Request::new(lookup(case_number, query_code)))
            .await
            .map_err(from_status)?;
        Ok(verified(reply.into_inner()))
    }
}

/// Verifies through the cases service's public lookup over gRPC (a deployment).
pub struct RemoteCases(
    pub  onewindow_proto::cases::v1::case_service_client::CaseServiceClient<
        tonic::transport::Channel,
    >,
);

#[tonic::async_trait]
impl CaseVerifier for RemoteCases {
    async fn verify(&self, case_number: &str, query_code: &str) -> Result<VerifiedCase, Error> {
        let mut client = self.0.clone();
        let mut request = tonic::Request::new(lookup(case_number, query_code));
        request.set_timeout(std::time::Duration::from_secs(5));
        let reply = client.lookup_case(request).await.map_err(from_status)?;
        Ok(verified(reply.into_inner()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(e: Error) -> Vec<String> {
        match e {
            Error::InvalidArgument(v) => v.as_slice().iter().map(|f| f.field.clone()).collect(),
            other => panic!("expected invalid argument, got {other:?}"),
        }
    }

    #[test]
    fn a_bad_field_of_the_lookup_is_passed_on_under_its_name() {
        let status: tonic::Status =
            Error::invalid("query_code", "a query code is 8 characters").into();
        assert_eq!(fields(from_status(status)), ["query_code"]);
        let bare = tonic::Status::invalid_argument("bad number");
        assert_eq!(fields(from_status(bare)), ["case_number"]);
    }
}
