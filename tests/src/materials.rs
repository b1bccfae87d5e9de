//! Files an applicant hands in: one per material, with content that names the material so
//! that a file found on a case tells where it came from. A bundle's shared materials
//! (资料互认) are handed in once, with content that names the shared material.

use onewindow_proto::cases::v1 as pb;
use onewindow_proto::catalog::v1 as catalog;
use sha2::{Digest, Sha256};

use crate::Center;

/// The file for one of an item's materials.
pub fn upload(material: &catalog::Material) -> pb::MaterialUpload {
    pb::MaterialUpload {
        material_id: material.id.clone(),
        file_name: format!("{}.pdf", material.name),
        content_type: "application/pdf".into(),
        content: format!("%PDF-1.4 {} {}", material.id, material.name).into_bytes(),
    }
}

/// The required materials of `item` that `case` does not hold.
pub fn missing_required<'i>(
    item: &'i catalog::Item,
    case: &pb::Case,
) -> Vec<&'i catalog::Material> {
    item.materials
        .iter()
        .filter(|m| m.required && !case.materials.iter().any(|c| c.material_id == m.id))
        .collect()
}

/// A file for every required material of `item` that `case` does not hold.
pub fn uploads_for_missing(item: &catalog::Item, case: &pb::Case) -> Vec<pb::MaterialUpload> {
    missing_required(item, case)
        .into_iter()
        .map(upload)
        .collect()
}

/// The content of the file handed in once for a shared material.
pub fn shared_content(shared_material_id: &str) -> Vec<u8> {
    format!("%PDF-1.4 shared {shared_material_id}").into_bytes()
}

/// SHA-256 in lowercase hex, as the service records a file's digest.
pub fn sha256_hex(content: &[u8]) -> String {
    hex::encode(Sha256::digest(content))
}

/// One file for each of the bundle's shared materials.
pub fn shared_uploads(bundle: &catalog::Bundle) -> Vec<pb::SharedMaterialUpload> {
    bundle
        .shared_materials
        .iter()
        .map(|s| pb::SharedMaterialUpload {
            shared_material_id: s.id.clone(),
            file_name: format!("{}.pdf", s.name),
            content_type: "application/pdf".into(),
            content: shared_content(&s.id),
        })
        .collect()
}

/// For each item of the bundle's first stage, a file for every required material that the
/// bundle's shared materials do not provide.
pub async fn first_stage_materials(
    center: &Center,
    bundle: &catalog::Bundle,
) -> Vec<pb::ItemMaterials> {
    let shared = |m: &catalog::Material| {
        bundle
            .shared_materials
            .iter()
            .any(|s| !m.shared_material_id.is_empty() && s.id == m.shared_material_id)
    };
    let mut out = Vec::new();
    let first = bundle.stages.first().map(|s| s.item_ids.clone());
    for item_id in first.unwrap_or_default() {
        let item = center.item(&item_id).await;
        let materials: Vec<pb::MaterialUpload> = item
            .materials
            .iter()
            .filter(|m| m.required && !shared(m))
            .map(upload)
            .collect();
        if !materials.is_empty() {
            out.push(pb::ItemMaterials { item_id, materials });
        }
    }
    out
}
