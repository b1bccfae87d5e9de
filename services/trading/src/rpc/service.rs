//! The TradingService: each method hands over to its handler.

use onewindow_proto::common::v1 as common;
use onewindow_proto::google::api::HttpBody;
use onewindow_proto::trading::v1 as pb;
use onewindow_proto::trading::v1::trading_service_server::TradingService;
use tonic::{Request, Response, Status};

use super::quotes::QuoteStream;
use super::reads::EventStream;
use super::TradingRpc;

type Answer<T> = Result<Response<T>, Status>;

#[tonic::async_trait]
impl TradingService for TradingRpc {
    async fn create_project(&self, r: Request<pb::CreateProjectRequest>) -> Answer<pb::Project> {
        self.create_project_command(r).await
    }

    async fn amend_project(&self, r: Request<pb::AmendProjectRequest>) -> Answer<pb::Project> {
        self.amend_project_command(r).await
    }

    async fn announce_project(
        &self,
        r: Request<pb::AnnounceProjectRequest>,
    ) -> Answer<pb::Project> {
        self.announce_project_command(r).await
    }

    async fn cancel_project(&self, r: Request<pb::CancelProjectRequest>) -> Answer<pb::Project> {
        self.cancel_project_command(r).await
    }

    async fn get_project(&self, r: Request<pb::GetProjectRequest>) -> Answer<pb::Project> {
        self.get_project_read(r).await
    }

    async fn list_projects(
        &self,
        r: Request<pb::ListProjectsRequest>,
    ) -> Answer<pb::ListProjectsResponse> {
        self.list_projects_read(r).await
    }

    async fn submit_bid(&self, r: Request<pb::SubmitBidRequest>) -> Answer<pb::BidReceipt> {
        self.submit_bid_command(r).await
    }

    async fn withdraw_bid(&self, r: Request<pb::WithdrawBidRequest>) -> Answer<pb::Bid> {
        self.withdraw_bid_command(r).await
    }

    async fn list_my_bids(
        &self,
        r: Request<pb::ListMyBidsRequest>,
    ) -> Answer<pb::ListMyBidsResponse> {
        self.list_my_bids_read(r).await
    }

    async fn open_bids(&self, r: Request<pb::OpenBidsRequest>) -> Answer<pb::OpeningRecord> {
        self.open_bids_command(r).await
    }

    async fn get_opening_record(
        &self,
        r: Request<pb::GetOpeningRecordRequest>,
    ) -> Answer<pb::OpeningRecord> {
        self.get_opening_record_read(r).await
    }

    async fn get_bid_document(&self, r: Request<pb::GetBidDocumentRequest>) -> Answer<HttpBody> {
        self.get_bid_document_read(r).await
    }

    async fn put_expert(&self, r: Request<pb::PutExpertRequest>) -> Answer<pb::Expert> {
        self.put_expert_command(r).await
    }

    async fn list_experts(
        &self,
        r: Request<pb::ListExpertsRequest>,
    ) -> Answer<pb::ListExpertsResponse> {
        self.list_experts_read(r).await
    }

    async fn draw_experts(&self, r: Request<pb::DrawExpertsRequest>) -> Answer<pb::ExpertPanel> {
        self.draw_experts_command(r).await
    }

    async fn evaluate_bids(&self, r: Request<pb::EvaluateBidsRequest>) -> Answer<pb::Evaluation> {
        self.evaluate_bids_command(r).await
    }

    async fn publicize_award(&self, r: Request<pb::PublicizeAwardRequest>) -> Answer<pb::Project> {
        self.publicize_award_command(r).await
    }

    async fn file_objection(&self, r: Request<pb::FileObjectionRequest>) -> Answer<pb::Objection> {
        self.file_objection_command(r).await
    }

    async fn answer_objection(
        &self,
        r: Request<pb::AnswerObjectionRequest>,
    ) -> Answer<pb::Objection> {
        self.answer_objection_command(r).await
    }

    async fn record_contract(&self, r: Request<pb::RecordContractRequest>) -> Answer<pb::Contract> {
        self.record_contract_command(r).await
    }

    async fn submit_quote(&self, r: Request<pb::SubmitQuoteRequest>) -> Answer<pb::Quote> {
        self.submit_quote_command(r).await
    }

    async fn list_quotes(
        &self,
        r: Request<pb::ListQuotesRequest>,
    ) -> Answer<pb::ListQuotesResponse> {
        self.list_quotes_read(r).await
    }

    type WatchQuotesStream = QuoteStream;

    async fn watch_quotes(&self, r: Request<pb::WatchQuotesRequest>) -> Answer<QuoteStream> {
        self.watch_quotes_read(r).await
    }

    async fn export_ocds(&self, r: Request<pb::ExportOcdsRequest>) -> Answer<HttpBody> {
        self.export_ocds_read(r).await
    }

    type WatchStream = EventStream;

    async fn watch(&self, r: Request<common::WatchRequest>) -> Answer<EventStream> {
        self.watch_read(r).await
    }

    async fn get_audit_trail(
        &self,
        r: Request<common::GetAuditTrailRequest>,
    ) -> Answer<common::AuditTrail> {
        self.get_audit_trail_read(r).await
    }

    async fn verify_audit_trail(
        &self,
        r: Request<common::VerifyAuditTrailRequest>,
    ) -> Answer<common::AuditVerification> {
        self.verify_audit_trail_read(r).await
    }

    async fn verify_audit(
        &self,
        r: Request<common::VerifyAuditRequest>,
    ) -> Answer<common::VerifyAuditResponse> {
        self.verify_audit_read(r).await
    }
}
