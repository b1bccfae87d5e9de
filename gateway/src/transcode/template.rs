//! google.api.http path templates: `/v1/{name=shelves/*}/books/{book.id}:verb`, parsed once
//! and matched against request paths, variables percent-decoded.

use percent_encoding::percent_decode_str;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    /// `*`: exactly one segment.
    Any,
    /// `**`: the rest of the path (last only).
    Rest,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    /// Field path in the request message, e.g. `["item", "id"]`.
    pub field_path: Vec<String>,
    start: usize,
    end: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathTemplate {
    segments: Vec<Segment>,
    verb: Option<String>,
    variables: Vec<Variable>,
    source: String,
}

impl PathTemplate {
    pub fn parse(source: &str) -> Result<Self, String> {
        let rest = source
            .strip_prefix('/')
            .ok_or_else(|| format!("template {source} does not start with /"))?;
        // The verb follows the last ':' outside braces after the last '/'.
        let mut depth = 0i32;
        let mut verb_at = None;
        for (i, c) in rest.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                '/' if depth == 0 => verb_at = None,
                ':' if depth == 0 => verb_at = Some(i),
                _ => {}
            }
        }
        if depth != 0 {
            return Err(format!("template {source} has unbalanced braces"));
        }
        let (path, verb) = match verb_at {
            Some(i) => (&rest[..i], Some(rest[i + 1..].to_string())),
            None => (rest, None),
        };
        let mut segments = Vec::new();
        let mut variables = Vec::new();
        for part in split_outside_braces(path) {
            if let Some(inner) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                let (field, pattern) = match inner.split_once('=') {
                    Some((f, p)) => (f, p),
                    None => (inner, "*"),
                };
                if field.is_empty() {
                    return Err(format!("template {source} has an unnamed variable"));
                }
                let start = segments.len();
                for p in pattern.split('/') {
                    segments.push(segment(p)?);
                }
                variables.push(Variable {
                    field_path: field.split('.').map(str::to_string).collect(),
                    start,
                    end: segments.len(),
                });
            } else {
                segments.push(segment(part)?);
            }
        }
        if segments
            .iter()
            .rev()
            .skip(1)
            .any(|s| matches!(s, Segment::Rest))
        {
            return Err(format!("template {source}: ** must be last"));
        }
        Ok(PathTemplate {
            segments,
            verb,
            variables,
            source: source.to_string(),
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn variables(&self) -> &[Variable] {
        &self.variables
    }

    pub fn has_verb(&self) -> bool {
        self.verb.is_some()
    }

    /// Literal segments: more is more specific.
    pub fn literal_count(&self) -> usize {
        self.segments
            .iter()
            .filter(|s| matches!(s, Segment::Literal(_)))
            .count()
    }

    /// The OpenAPI form: `/api/v1/items/{item.id}:publish`.
    pub fn openapi_path(&self) -> String {
        let mut out = String::new();
        let mut i = 0;
        while i < self.segments.len() {
            out.push('/');
            if let Some(v) = self.variables.iter().find(|v| v.start == i) {
                out.push('{');
                out.push_str(&v.field_path.join("."));
                out.push('}');
                i = v.end.max(i + 1);
                continue;
            }
            match &self.segments[i] {
                Segment::Literal(l) => out.push_str(l),
                Segment::Any => out.push('*'),
                Segment::Rest => out.push_str("**"),
            }
            i += 1;
        }
        if let Some(verb) = &self.verb {
            out.push(':');
            out.push_str(verb);
        }
        out
    }

    /// The variables bound by `path` (undecoded request path), or `None` if it does not match.
    pub fn matches(&self, path: &str) -> Option<Vec<(Vec<String>, String)>> {
        let rest = path.strip_prefix('/')?;
        let rest = match &self.verb {
            Some(verb) => rest.strip_suffix(verb.as_str())?.strip_suffix(':')?,
            None => rest,
        };
        let parts: Vec<&str> = rest.split('/').collect();
        let mut bound: Vec<(usize, usize)> = Vec::with_capacity(self.segments.len());
        let mut at = 0;
        for seg in &self.segments {
            match seg {
                Segment::Literal(l) => {
                    if parts.get(at) != Some(&l.as_str()) {
                        return None;
                    }
                    bound.push((at, at + 1));
                    at += 1;
                }
                Segment::Any => {
                    if parts.get(at).is_none_or(|p| p.is_empty()) {
                        return None;
                    }
                    bound.push((at, at + 1));
                    at += 1;
                }
                Segment::Rest => {
                    bound.push((at, parts.len()));
                    at = parts.len();
                }
            }
        }
        if at != parts.len() {
            return None;
        }
        let mut out = Vec::with_capacity(self.variables.len());
        for v in &self.variables {
            let from = bound.get(v.start)?.0;
            let to = bound.get(v.end.checked_sub(1)?)?.1;
            let single = v.end - v.start == 1 && !matches!(self.segments[v.start], Segment::Rest);
            let value = if single {
                decode(parts.get(from)?)?
            } else {
                // Multi-segment values keep their slashes; each segment is decoded alone
                // so that an encoded %2F stays inside its segment.
                let decoded: Option<Vec<String>> =
                    parts.get(from..to)?.iter().map(|p| decode(p)).collect();
                decoded?.join("/")
            };
            out.push((v.field_path.clone(), value));
        }
        Some(out)
    }
}

fn decode(s: &str) -> Option<String> {
    percent_decode_str(s)
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}

fn segment(s: &str) -> Result<Segment, String> {
    match s {
        "*" => Ok(Segment::Any),
        "**" => Ok(Segment::Rest),
        "" => Err("empty path segment".into()),
        l if l.contains(['{', '}']) => Err(format!("bad segment {l}")),
        l => Ok(Segment::Literal(l.to_string())),
    }
}

fn split_outside_braces(path: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in path.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            '/' if depth == 0 => {
                out.push(&path[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&path[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(t: &str, p: &str) -> Option<Vec<(String, String)>> {
        PathTemplate::parse(t)
            .unwrap()
            .matches(p)
            .map(|v| v.into_iter().map(|(f, s)| (f.join("."), s)).collect())
    }

    #[test]
    fn simple_and_nested_variables_bind_decoded_values() {
        assert_eq!(
            vars("/api/v1/items/{item_id}", "/api/v1/items/A%2FB"),
            Some(vec![("item_id".into(), "A/B".into())])
        );
        assert_eq!(
            vars(
                "/api/v1/items/{item.id}/versions/{item.version}",
                "/api/v1/items/X1/versions/3"
            ),
            Some(vec![
                ("item.id".into(), "X1".into()),
                ("item.version".into(), "3".into())
            ])
        );
    }

    #[test]
    fn custom_verbs_must_match_exactly() {
        let t = "/api/v1/items/{item_id}:cancel";
        assert_eq!(
            vars(t, "/api/v1/items/X:cancel"),
            Some(vec![("item_id".into(), "X".into())])
        );
        assert_eq!(vars(t, "/api/v1/items/X:publish"), None);
        assert_eq!(vars(t, "/api/v1/items/X"), None);
        assert_eq!(
            vars("/api/v1/catalog:export", "/api/v1/catalog:export"),
            Some(vec![])
        );
        assert_eq!(
            PathTemplate::parse(t).unwrap().openapi_path(),
            "/api/v1/items/{item_id}:cancel"
        );
    }

    #[test]
    fn variables_with_patterns_span_segments() {
        assert_eq!(
            vars("/v1/{name=shelves/*/books/*}", "/v1/shelves/s1/books/b2"),
            Some(vec![("name".into(), "shelves/s1/books/b2".into())])
        );
        assert_eq!(
            vars("/v1/files/{path=**}", "/v1/files/a/b/c"),
            Some(vec![("path".into(), "a/b/c".into())])
        );
        assert_eq!(vars("/v1/{name=shelves/*}", "/v1/books/x"), None);
    }

    #[test]
    fn segment_counts_must_agree() {
        assert_eq!(vars("/api/v1/items/{item_id}", "/api/v1/items"), None);
        assert_eq!(vars("/api/v1/items/{item_id}", "/api/v1/items/a/b"), None);
        assert_eq!(vars("/api/v1/items/{item_id}", "/api/v1/items/"), None);
    }
}
