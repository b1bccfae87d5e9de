//! Log lines captured in memory, for tests that check what a deployment's logs would hold.

use std::io::Write;
use std::sync::{Arc, Mutex};

/// A log writer that keeps every byte; clones share the buffer.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }

    /// The entries of `secrets` that occur in the captured text.
    pub fn leaks<'a>(&self, secrets: &'a [String]) -> Vec<&'a str> {
        let text = self.text();
        secrets
            .iter()
            .filter(|s| !s.is_empty() && text.contains(s.as_str()))
            .map(String::as_str)
            .collect()
    }
}
