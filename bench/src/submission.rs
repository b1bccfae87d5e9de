//! Case submissions as the benchmarks send them: the first item with a promised time limit,
//! and a request carrying every required material, unique by its request id.

use onewindow_proto::cases::v1 as cases;
use onewindow_proto::cases::v1::case_service_client::CaseServiceClient;
use onewindow_proto::catalog::v1 as catalog;
use onewindow_proto::catalog::v1::catalog_service_client::CatalogServiceClient;
use tonic::transport::Channel;

/// The first item with a promised time limit, whose required materials a submission carries.
pub async fn promised_item(channel: &Channel) -> anyhow::Result<catalog::Item> {
    let items = CatalogServiceClient::new(channel.clone())
        .list_items(catalog::ListItemsRequest {
            page_size: 200,
            ..Default::default()
        })
        .await?
        .into_inner()
        .items;
    items
        .into_iter()
        .find(|i| i.item_class == catalog::ItemClass::Promised as i32)
        .ok_or_else(|| anyhow::anyhow!("no promised item"))
}

/// Submission `n` of a run: unique by its request id, with every required material.
pub fn submission(item: &catalog::Item, run_id: &str, n: u64) -> cases::SubmitCaseRequest {
    cases::SubmitCaseRequest {
        request_id: format!("bench-{run_id}-{n}"),
        item_id: item.id.clone(),
        applicant: Some(cases::Applicant {
            kind: cases::ApplicantKind::Person as i32,
            name: "测试".into(),
            id_type: cases::IdType::ResidentIdCard as i32,
            id_number: "11010519491231002X".into(),
            phone: "13900000000".into(),
        }),
        materials: item
            .materials
            .iter()
            .filter(|m| m.required)
            .map(|m| cases::MaterialUpload {
                material_id: m.id.clone(),
                file_name: "a.pdf".into(),
                content_type: "application/pdf".into(),
                content: b"%PDF-1.4".to_vec(),
            })
            .collect(),
    }
}

/// A request with a bearer token, when there is one.
pub fn with_token<T>(body: T, token: &Option<String>) -> anyhow::Result<tonic::Request<T>> {
    let mut r = tonic::Request::new(body);
    if let Some(t) = token {
        r.metadata_mut()
            .insert("authorization", format!("Bearer {t}").parse()?);
    }
    Ok(r)
}

/// One cases client per connection.
pub fn case_clients(channels: &[Channel]) -> Vec<CaseServiceClient<Channel>> {
    channels
        .iter()
        .cloned()
        .map(|ch| CaseServiceClient::new(ch).max_decoding_message_size(64 << 20))
        .collect()
}
