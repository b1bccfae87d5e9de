//! How large the files that requests carry may be, stated once for everyone on their path.
//! The cases and trading domains refuse a file or a request over these with an
//! INVALID_ARGUMENT naming the field; their gRPC servers decode a message as large as the
//! largest such request plus room for its other fields, so that a file over its limit meets
//! that refusal rather than a transport error; the gateway derives its upload body limit
//! and its clients' message limits from them.
//!
//! Memory is what bounds these: the gateway holds a JSON upload, its decoded files and the
//! encoded message at once (about four times the files), the service a few copies more.

/// One mebibyte.
pub const MIB: usize = 1024 * 1024;

/// The files one request may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileLimits {
    /// One file.
    pub per_file: usize,
    /// Every file of one request together.
    pub per_request: usize,
}

impl FileLimits {
    /// The largest gRPC message of a request with these files: the files and room for
    /// everything else in it.
    pub const fn message_bytes(self) -> usize {
        self.per_request + MESSAGE_ROOM
    }
}

/// Room in a message for what is not file content: the applicant, file names, media types,
/// ids. The domains bound each of those (a file name to 255 characters, at most 40 files in
/// a form) far below it.
pub const MESSAGE_ROOM: usize = MIB;

/// A case's materials (申请材料), in a submission, a resubmission or a bundle's submission.
/// They are mostly scans of certificates, licences and signed forms: a colour page at
/// 300 dpi is about 0.5 to 1 MiB in a PDF, so 20 MiB holds a scan of 20 to 40 pages, and
/// 40 MiB two such files or an item's usual handful of materials. Larger files are split.
pub const CASE_MATERIALS: FileLimits = FileLimits {
    per_file: 20 * MIB,
    per_request: 40 * MIB,
};

/// A bid's documents: sealed inside the bid, so they are kept small.
pub const BID_DOCUMENTS: FileLimits = FileLimits {
    per_file: 2 * MIB,
    per_request: 3 * MIB,
};

/// Longest media type of a file (RFC 6838 allows 127 characters on each side of the slash).
pub const MAX_MEDIA_TYPE_CHARS: usize = 255;

/// Whether `s` is a media type a download can hand back as its Content-Type header:
/// `type/subtype` with an optional `; parameter`, in the token characters of RFC 6838.
pub fn is_media_type(s: &str) -> bool {
    let essence = s.split(';').next().unwrap_or_default().trim();
    let token = |t: &str| {
        !t.is_empty()
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    s.len() <= MAX_MEDIA_TYPE_CHARS
        && !s.bytes().any(|b| b.is_ascii_control())
        && s.is_ascii()
        && essence
            .split_once('/')
            .is_some_and(|(kind, sub)| token(kind) && token(sub))
}

/// The kinds of file a service center takes as application materials, by media type, with
/// how each begins: scans and photographs, PDF and OFD (GB/T 33190) documents, word-processor
/// files. A file is taken as one of these only when its first bytes say so too, so that a
/// web page or a script cannot come in, nor be handed back, as a "PDF".
pub const MATERIAL_TYPES: [(&str, &[&[u8]]); 8] = [
    ("application/pdf", &[b"%PDF-"]),
    ("image/jpeg", &[b"\xFF\xD8\xFF"]),
    ("image/png", &[b"\x89PNG\r\n\x1A\n"]),
    ("image/tiff", &[b"II*\0", b"MM\0*"]),
    ("application/ofd", &[b"PK\x03\x04"]),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        &[b"PK\x03\x04"],
    ),
    ("application/msword", &[b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"]),
    ("application/zip", &[b"PK\x03\x04"]),
];

/// Why a file cannot be an application material, or `None` when it can: its declared type
/// must be one of [`MATERIAL_TYPES`] (parameters aside, in any case) and its content must
/// begin as that type does.
pub fn material_type_problem(content_type: &str, content: &[u8]) -> Option<String> {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let Some((_, starts)) = MATERIAL_TYPES.iter().find(|(t, _)| *t == essence) else {
        let accepted: Vec<&str> = MATERIAL_TYPES.iter().map(|(t, _)| *t).collect();
        return Some(format!("must be one of {}", accepted.join(", ")));
    };
    if starts.iter().any(|start| content.starts_with(start)) {
        None
    } else {
        Some(format!("the content is not {essence}"))
    }
}

/// The largest message, of any service, that carries files: what the gateway may have to
/// send upstream, and more than any one file it may have to bring back down.
pub const LARGEST_FILE_MESSAGE: usize = max(
    CASE_MATERIALS.message_bytes(),
    BID_DOCUMENTS.message_bytes(),
);

const fn max(a: usize, b: usize) -> usize {
    if a > b {
        a
    } else {
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_request_fits_its_message_and_the_largest_message_covers_every_file() {
        for limits in [CASE_MATERIALS, BID_DOCUMENTS] {
            assert!(limits.per_file <= limits.per_request, "{limits:?}");
            assert!(limits.message_bytes() >= limits.per_request + MESSAGE_ROOM);
            assert!(LARGEST_FILE_MESSAGE >= limits.message_bytes());
            assert!(LARGEST_FILE_MESSAGE > limits.per_file);
        }
    }

    #[test]
    fn a_material_is_taken_when_its_type_is_accepted_and_its_content_agrees() {
        assert_eq!(
            material_type_problem("application/pdf", b"%PDF-1.7\n"),
            None
        );
        assert_eq!(
            material_type_problem("Image/PNG", b"\x89PNG\r\n\x1A\n...."),
            None
        );
        assert_eq!(
            material_type_problem("application/pdf; name=a", b"%PDF-1.4"),
            None
        );
        let html = material_type_problem("application/pdf", b"<html><script>");
        assert_eq!(html.as_deref(), Some("the content is not application/pdf"));
        let page = material_type_problem("text/html", b"<html>").unwrap();
        assert!(page.starts_with("must be one of application/pdf"), "{page}");
    }
}
