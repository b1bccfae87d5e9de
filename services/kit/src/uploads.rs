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
}
