//! Requests that carry files: a submission, a resubmission and a bundle's submission. Each
//! file becomes the domain's [`NewMaterial`] and its bytes, which only the store keeps.
//!
//! The service gives every file its id (`new_id`): it owns the id generator, so these
//! conversions stay deterministic under test. The SHA-256 is computed here, from the bytes
//! themselves, so that no caller can record a digest of something else.

use std::collections::BTreeSet;

use onewindow_kit::error::Violations;
use onewindow_kit::uploads;
use onewindow_proto::cases::v1 as pb;
use sha2::{Digest, Sha256};

use super::{applicant_from_proto, case_target, finish, non_empty, required_text, CaseCommand};
use crate::domain::intake::{check_file, check_file_sizes, MAX_MATERIALS, MAX_MATERIAL_ID_CHARS};
use crate::domain::{Applicant, BundleTerms, Command, ItemTerms, NewMaterial};

/// A file as uploaded: what the case records of it, and its content for the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaterialFile {
    pub material: NewMaterial,
    pub content: Vec<u8>,
}

/// A file's content, under the id its material records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileContent {
    pub file_id: String,
    pub content: Vec<u8>,
}

/// Splits files into what the domain takes and what the store keeps.
pub fn split_files(files: Vec<MaterialFile>) -> (Vec<NewMaterial>, Vec<FileContent>) {
    files
        .into_iter()
        .map(|f| {
            let content = FileContent {
                file_id: f.material.id.clone(),
                content: f.content,
            };
            (f.material, content)
        })
        .unzip()
}

/// The content's SHA-256 in lowercase hex, as `NewMaterial` records it.
pub fn sha256_hex(content: &[u8]) -> String {
    hex::encode(Sha256::digest(content))
}

/// The length of a file: a `usize` always fits in a `u64` on the platforms served.
fn byte_len(content: &[u8]) -> u64 {
    u64::try_from(content.len()).unwrap_or(u64::MAX)
}

/// A file's type against the kinds of material taken and against its content. A type that
/// is not even a media type is reported once, by `check_file`.
fn type_check(v: &mut Violations, field: &str, content_type: &str, content: &[u8]) {
    if !uploads::is_media_type(content_type) {
        return;
    }
    if let Some(problem) = uploads::material_type_problem(content_type, content) {
        v.add(field, problem);
    }
}

/// One upload. Its material, name and type are checked against the item by `submit` and
/// `decide`, which know the item; what is checked here is only that it names a material.
fn material_file(
    m: pb::MaterialUpload,
    at: &str,
    v: &mut Violations,
    new_id: &mut impl FnMut() -> String,
) -> Option<MaterialFile> {
    let field = format!("{at}.material_id");
    v.check_chars(&m.material_id, MAX_MATERIAL_ID_CHARS, field.as_str());
    type_check(
        v,
        &format!("{at}.content_type"),
        &m.content_type,
        &m.content,
    );
    let material_id = required_text(&m.material_id, &field, v)?;
    Some(MaterialFile {
        material: NewMaterial {
            id: new_id(),
            material_id,
            name: m.file_name,
            content_type: m.content_type,
            size_bytes: byte_len(&m.content),
            sha256: sha256_hex(&m.content),
            shared_material_id: None,
        },
        content: m.content,
    })
}

fn material_files(
    uploads: Vec<pb::MaterialUpload>,
    prefix: &str,
    v: &mut Violations,
    new_id: &mut impl FnMut() -> String,
) -> Option<Vec<MaterialFile>> {
    v.check_items(uploads.len(), MAX_MATERIALS, prefix);
    let files: Vec<Option<MaterialFile>> = uploads
        .into_iter()
        .enumerate()
        .map(|(i, m)| material_file(m, &format!("{prefix}[{i}]"), v, new_id))
        .collect();
    files.into_iter().collect()
}

/// A new application as the request gives it. The service adds what it decides itself
/// (the case's id and number, the item version in force, the channel, the account) to
/// make the domain's `Submission`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseApplication {
    pub item_id: String,
    pub applicant: Applicant,
    pub files: Vec<MaterialFile>,
}

/// The request is taken by value so that the files' bytes move rather than copy.
pub fn submission_from_proto(
    req: pb::SubmitCaseRequest,
    mut new_id: impl FnMut() -> String,
) -> Result<CaseApplication, Violations> {
    let mut v = Violations::new();
    let item_id = required_text(&req.item_id, "item_id", &mut v);
    let applicant = applicant_from_proto(req.applicant.as_ref(), "applicant", &mut v);
    let files = material_files(req.materials, "materials", &mut v, &mut new_id);
    let application = (|| {
        Some(CaseApplication {
            item_id: item_id?,
            applicant: applicant?,
            files: files?,
        })
    })();
    finish(v, application)
}

/// A resubmission: the command (with the files' records) and the files' contents.
pub fn resubmission_from_proto(
    req: pb::ResubmitCaseRequest,
    mut new_id: impl FnMut() -> String,
) -> Result<(CaseCommand, Vec<FileContent>), Violations> {
    let mut v = Violations::new();
    let (case_id, expected_revision) = case_target(&req.case_id, req.revision, &mut v);
    let files = material_files(req.materials, "materials", &mut v, &mut new_id);
    let out = case_id.zip(files).map(|(case_id, files)| {
        let (materials, contents) = split_files(files);
        let command = CaseCommand {
            case_id,
            expected_revision,
            command: Command::Resubmit { materials },
        };
        (command, contents)
    });
    finish(v, out)
}

/// A file submitted once for a whole bundle (资料互认).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedFile {
    /// The stored file's id: stored once, recorded by every child that takes it.
    pub id: String,
    pub shared_material_id: String,
    pub name: String,
    pub content_type: String,
    pub size_bytes: u64,
    pub sha256: String,
    pub content: Vec<u8>,
}

/// One first-stage item's own files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemFiles {
    pub item_id: String,
    pub files: Vec<MaterialFile>,
}

/// The most items a bundle's submission may give files for: the items of its first stage,
/// which the catalog limits to 50.
pub const MAX_BUNDLE_ITEMS: usize = 50;

/// A bundle's submission as the request gives it. The service fetches the bundle, submits
/// one child case per item of its first stage (each with [`BundleApplication::materials_for`])
/// and starts the bundle case with them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleApplication {
    pub bundle_id: String,
    pub applicant: Applicant,
    pub shared_files: Vec<SharedFile>,
    pub item_files: Vec<ItemFiles>,
}

pub fn bundle_submission_from_proto(
    req: pb::SubmitBundleRequest,
    mut new_id: impl FnMut() -> String,
) -> Result<BundleApplication, Violations> {
    let mut v = Violations::new();
    v.check_items(
        req.shared_materials.len(),
        MAX_MATERIALS,
        "shared_materials",
    );
    v.check_items(req.item_materials.len(), MAX_BUNDLE_ITEMS, "item_materials");
    let bundle_id = required_text(&req.bundle_id, "bundle_id", &mut v);
    let applicant = applicant_from_proto(req.applicant.as_ref(), "applicant", &mut v);
    // The children see their files under their own paths (`materials[0]`), a shared one
    // under each material that takes it: what a file must be is checked here, where the
    // request's paths are known.
    for (i, s) in req.shared_materials.iter().enumerate() {
        let at = |f: &str| format!("shared_materials[{i}].{f}");
        check_file(&mut v, &at, &s.file_name, &s.content_type);
    }
    for (i, im) in req.item_materials.iter().enumerate() {
        for (j, m) in im.materials.iter().enumerate() {
            let at = |f: &str| format!("item_materials[{i}].materials[{j}].{f}");
            check_file(&mut v, &at, &m.file_name, &m.content_type);
        }
    }
    // The children see their own files only: the bundle's are limited here, as one request.
    let mut sizes: Vec<(String, u64)> = req
        .shared_materials
        .iter()
        .enumerate()
        .map(|(i, s)| {
            (
                format!("shared_materials[{i}].content"),
                byte_len(&s.content),
            )
        })
        .collect();
    for (i, im) in req.item_materials.iter().enumerate() {
        sizes.extend(im.materials.iter().enumerate().map(|(j, m)| {
            (
                format!("item_materials[{i}].materials[{j}].content"),
                byte_len(&m.content),
            )
        }));
    }
    check_file_sizes(&mut v, &sizes, "item_materials");
    let mut seen = BTreeSet::new();
    let shared: Vec<Option<SharedFile>> = req
        .shared_materials
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let field = format!("shared_materials[{i}].shared_material_id");
            v.check_chars(&s.shared_material_id, MAX_MATERIAL_ID_CHARS, field.as_str());
            let at = format!("shared_materials[{i}].content_type");
            type_check(&mut v, &at, &s.content_type, &s.content);
            let id = required_text(&s.shared_material_id, &field, &mut v)?;
            if !seen.insert(id.clone()) {
                v.add(field, format!("{id} is given twice"));
                return None;
            }
            Some(SharedFile {
                id: new_id(),
                shared_material_id: id,
                name: s.file_name,
                content_type: s.content_type,
                size_bytes: byte_len(&s.content),
                sha256: sha256_hex(&s.content),
                content: s.content,
            })
        })
        .collect();
    let mut items_seen = BTreeSet::new();
    let mut items = Vec::new();
    for (i, im) in req.item_materials.into_iter().enumerate() {
        let field = format!("item_materials[{i}].item_id");
        let item_id = required_text(&im.item_id, &field, &mut v);
        if let Some(id) = &item_id {
            if !items_seen.insert(id.clone()) {
                v.add(field, format!("{id} is given twice"));
            }
        }
        let files = material_files(
            im.materials,
            &format!("item_materials[{i}].materials"),
            &mut v,
            &mut new_id,
        );
        items.push(
            item_id
                .zip(files)
                .map(|(item_id, files)| ItemFiles { item_id, files }),
        );
    }
    let application = (|| {
        Some(BundleApplication {
            bundle_id: bundle_id?,
            applicant: applicant?,
            shared_files: shared.into_iter().collect::<Option<Vec<_>>>()?,
            item_files: items.into_iter().collect::<Option<Vec<_>>>()?,
        })
    })();
    finish(v, application)
}

impl BundleApplication {
    /// What only the bundle's terms can tell: every item given files of its own is an item
    /// of the first stage (later stages get theirs through ResubmitCase when they start).
    pub fn check_against(&self, terms: &BundleTerms) -> Violations {
        let mut v = Violations::new();
        let first: &[String] = terms.stages.first().map_or(&[], |s| s.item_ids.as_slice());
        for (i, item) in self.item_files.iter().enumerate() {
            v.check(
                !first.contains(&item.item_id),
                format!("item_materials[{i}].item_id"),
                format!(
                    "{} is not an item of the first stage of bundle {}",
                    item.item_id, terms.bundle_id
                ),
            );
        }
        v
    }

    /// The materials of one child case: the item's own files, and each shared file under
    /// every material of the item that takes it. An item's own file for a material wins
    /// over a shared one, so a material is never given twice.
    pub fn materials_for(&self, terms: &ItemTerms) -> Vec<NewMaterial> {
        let own: Vec<NewMaterial> = self
            .item_files
            .iter()
            .filter(|f| f.item_id == terms.item_id)
            .flat_map(|f| f.files.iter().map(|m| m.material.clone()))
            .collect();
        let shared = terms.materials.iter().filter_map(|m| {
            let wanted = m.shared_material_id.as_deref()?;
            if own.iter().any(|o| o.material_id == m.id) {
                return None;
            }
            let file = self
                .shared_files
                .iter()
                .find(|s| s.shared_material_id == wanted)?;
            Some(NewMaterial {
                id: file.id.clone(),
                material_id: m.id.clone(),
                name: file.name.clone(),
                content_type: file.content_type.clone(),
                size_bytes: file.size_bytes,
                sha256: file.sha256.clone(),
                shared_material_id: non_empty(&file.shared_material_id),
            })
        });
        let shared: Vec<NewMaterial> = shared.collect();
        let mut materials = own;
        materials.extend(shared);
        materials
    }

    /// Every file's id and content, once each (a shared file is stored once for all the
    /// children that take it), borrowed: files may be large.
    pub fn contents(&self) -> impl Iterator<Item = (&str, &[u8])> {
        let shared = self
            .shared_files
            .iter()
            .map(|s| (s.id.as_str(), s.content.as_slice()));
        let own = self.item_files.iter().flat_map(|f| {
            f.files
                .iter()
                .map(|m| (m.material.id.as_str(), m.content.as_slice()))
        });
        shared.chain(own)
    }

    /// The shared materials submitted, by shared material id (for the bundle's event).
    pub fn shared_material_ids(&self) -> Vec<String> {
        self.shared_files
            .iter()
            .map(|s| s.shared_material_id.clone())
            .collect()
    }
}
