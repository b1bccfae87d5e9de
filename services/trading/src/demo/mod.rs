//! Demo projects modelled on Datong's public resource trading center (大同市公共资源交易中心):
//! all four kinds, in states from draft to contract. The demo is played through the service
//! itself on a clock of its own, step by step in time order from weeks ago up to now, so
//! that every bid is really sealed, every opening really decrypted, and the events and audit
//! trails read as a real history.

mod data;
mod timeline;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use onewindow_kit::auth::{Principal, Role};
use onewindow_kit::clock::Clock;
use onewindow_kit::error::Error;
use onewindow_proto::trading::v1 as pb;
use onewindow_proto::trading::v1::trading_service_server::TradingService;
use tonic::Request;

use crate::app::Trading;
use crate::rpc::TradingRpc;
use crate::store;

/// One thing done in the demo's history.
#[derive(Debug, Clone)]
pub(crate) enum Action {
    Expert(pb::Expert),
    Create(&'static str, Box<pb::Project>),
    Announce(&'static str),
    Bid {
        project: &'static str,
        lot: &'static str,
        bidder: pb::Party,
        price_fen: i64,
    },
    Open(&'static str),
    Draw(&'static str),
    Evaluate(&'static str),
    Publicize(&'static str),
    Object(&'static str, pb::Party, &'static str),
    Answer(&'static str, &'static str, &'static str),
    Contract(&'static str, &'static str),
    Quote(&'static str, pb::Party, i64),
    Cancel(&'static str, &'static str),
}

struct Player {
    trading: Trading,
    rpc: TradingRpc,
    ids: HashMap<&'static str, String>,
    /// The credit code of each project's agency, whose agent runs it.
    agencies: HashMap<&'static str, String>,
    n: u32,
}

fn as_principal(subject: &str, role: Role) -> Principal {
    Principal {
        subject: subject.into(),
        name: String::new(),
        roles: vec![role],
        department: None,
        region: Some("140200".into()),
    }
}

/// An agent of `agency` (a credit code): its department is the agency it works for.
fn agent_of(agency: &str) -> Principal {
    Principal {
        department: Some(agency.into()),
        ..as_principal("demo:agent", Role::TradingAgent)
    }
}

fn failed(step: &str) -> impl Fn(tonic::Status) -> Error + '_ {
    move |s| Error::internal(anyhow::anyhow!("demo step {step} failed: {}", s.message()))
}

impl Player {
    fn request<T>(&self, who: Principal, body: T) -> Request<T> {
        let mut r = Request::new(body);
        r.extensions_mut().insert(who);
        r
    }

    /// A request of an agent of the agency that runs the project `key`.
    fn agent<T>(&self, key: &str, body: T) -> Result<Request<T>, Error> {
        let agency = self
            .agencies
            .get(key)
            .ok_or_else(|| Error::internal(anyhow::anyhow!("demo project {key} is unknown")))?;
        Ok(self.request(agent_of(agency), body))
    }

    fn enterprise<T>(&self, party: &pb::Party, body: T) -> Request<T> {
        let subject = format!("demo:enterprise:{}", party.credit_code);
        self.request(as_principal(&subject, Role::Applicant), body)
    }

    fn next_id(&mut self) -> String {
        self.n += 1;
        format!("demo-{:03}", self.n)
    }

    fn id(&self, key: &str) -> Result<String, Error> {
        self.ids
            .get(key)
            .cloned()
            .ok_or_else(|| Error::internal(anyhow::anyhow!("demo project {key} is unknown")))
    }

    async fn play(&mut self, action: Action) -> Result<(), Error> {
        let rpc = self.rpc.clone();
        let request_id = self.next_id();
        match action {
            Action::Expert(expert) => {
                // The pool is the center's; the demo agency keeps it.
                let who = agent_of(&data::agency().credit_code);
                let r = self.request(
                    who,
                    pb::PutExpertRequest {
                        request_id,
                        expert: Some(expert),
                    },
                );
                rpc.put_expert(r).await.map_err(failed("expert"))?;
            }
            Action::Create(key, project) => {
                let agency = project.agency.clone().unwrap_or_default().credit_code;
                self.agencies.insert(key, agency);
                let r = self.agent(
                    key,
                    pb::CreateProjectRequest {
                        request_id,
                        project: Some(*project),
                    },
                )?;
                let created = rpc
                    .create_project(r)
                    .await
                    .map_err(failed(key))?
                    .into_inner();
                self.ids.insert(key, created.id);
            }
            Action::Announce(key) => {
                let project_id = self.id(key)?;
                let r = self.agent(
                    key,
                    pb::AnnounceProjectRequest {
                        request_id,
                        project_id,
                    },
                )?;
                rpc.announce_project(r).await.map_err(failed(key))?;
            }
            Action::Bid {
                project,
                lot,
                bidder,
                price_fen,
            } => {
                let project_id = self.id(project)?;
                let body = data::bid(request_id, project_id, lot, &bidder, price_fen);
                let r = self.enterprise(&bidder, body);
                rpc.submit_bid(r).await.map_err(failed(project))?;
            }
            Action::Open(key) => {
                let project_id = self.id(key)?;
                let r = self.agent(
                    key,
                    pb::OpenBidsRequest {
                        request_id,
                        project_id,
                    },
                )?;
                rpc.open_bids(r).await.map_err(failed(key))?;
            }
            Action::Draw(key) => {
                let project_id = self.id(key)?;
                let r = self.agent(
                    key,
                    pb::DrawExpertsRequest {
                        request_id,
                        project_id,
                    },
                )?;
                rpc.draw_experts(r).await.map_err(failed(key))?;
            }
            Action::Evaluate(key) => {
                let project_id = self.id(key)?;
                let project = store::get_project(self.trading.db(), &project_id)
                    .await?
                    .ok_or_else(|| Error::not_found("project", &project_id))?;
                let sheets = data::score_sheets(&project);
                let r = self.agent(
                    key,
                    pb::EvaluateBidsRequest {
                        request_id,
                        project_id,
                        sheets,
                    },
                )?;
                rpc.evaluate_bids(r).await.map_err(failed(key))?;
            }
            Action::Publicize(key) => {
                let project_id = self.id(key)?;
                let r = self.agent(
                    key,
                    pb::PublicizeAwardRequest {
                        request_id,
                        project_id,
                    },
                )?;
                rpc.publicize_award(r).await.map_err(failed(key))?;
            }
            Action::Object(key, objector, text) => {
                let project_id = self.id(key)?;
                let body = pb::FileObjectionRequest {
                    request_id,
                    project_id,
                    text: text.into(),
                    objector: Some(objector.clone()),
                };
                let r = self.enterprise(&objector, body);
                rpc.file_objection(r).await.map_err(failed(key))?;
            }
            Action::Answer(key, objection, answer) => {
                let project_id = self.id(key)?;
                let body = pb::AnswerObjectionRequest {
                    request_id,
                    project_id,
                    objection_id: objection.into(),
                    answer: answer.into(),
                    upheld: false,
                };
                let r = self.agent(key, body)?;
                rpc.answer_objection(r).await.map_err(failed(key))?;
            }
            Action::Contract(key, title) => {
                let project_id = self.id(key)?;
                let project = store::get_project(self.trading.db(), &project_id)
                    .await?
                    .ok_or_else(|| Error::not_found("project", &project_id))?;
                let now = self.trading.clock().now();
                for award in project.awards.iter().filter(|a| a.final_at.is_some()) {
                    let body = pb::RecordContractRequest {
                        request_id: format!("{request_id}-{}", award.id),
                        project_id: project_id.clone(),
                        award_id: award.id.clone(),
                        title: format!("{title}（第{}标段）", award.lot_id),
                        value_fen: award.value_fen,
                        signed_on: onewindow_kit::clock::local_date(now).to_string(),
                    };
                    let r = self.agent(key, body)?;
                    rpc.record_contract(r).await.map_err(failed(key))?;
                }
            }
            Action::Quote(key, bidder, amount_fen) => {
                let project_id = self.id(key)?;
                let body = pb::SubmitQuoteRequest {
                    request_id,
                    project_id,
                    amount_fen,
                    bidder: Some(bidder.clone()),
                };
                let r = self.enterprise(&bidder, body);
                rpc.submit_quote(r).await.map_err(failed(key))?;
            }
            Action::Cancel(key, reason) => {
                let project_id = self.id(key)?;
                let body = pb::CancelProjectRequest {
                    request_id,
                    project_id,
                    reason: reason.into(),
                };
                let r = self.agent(key, body)?;
                rpc.cancel_project(r).await.map_err(failed(key))?;
            }
        }
        Ok(())
    }
}

pub(crate) async fn load_if_empty(trading: &Trading) -> Result<Option<String>, Error> {
    let _history = trading.hold_chronograph().await;
    if !store::is_empty(trading.db()).await? {
        return Ok(None);
    }
    let now = trading.clock().now();
    let mut steps: Vec<(DateTime<Utc>, Action)> = timeline::history(trading.clock().today());
    // Stable: steps at one instant keep the order they were written in.
    steps.sort_by_key(|(at, _)| *at);
    let (clock, hand) = Clock::manual(steps.first().map(|(at, _)| *at).unwrap_or(now));
    let past = trading.with_clock(clock);
    let mut player = Player {
        rpc: TradingRpc::new(past.clone()),
        trading: past.clone(),
        ids: HashMap::new(),
        agencies: HashMap::new(),
        n: 0,
    };
    let mut projects = 0;
    for (at, action) in steps.into_iter().filter(|(at, _)| *at <= now) {
        hand.set(at);
        // What the chronograph would have done by then.
        past.tick().await?;
        if matches!(action, Action::Create(..)) {
            projects += 1;
        }
        player.play(action).await?;
    }
    hand.set(now);
    past.tick().await?;
    Ok(Some(format!(
        "{projects} trading projects of all four kinds, with sealed bids, quotes and an expert pool"
    )))
}
