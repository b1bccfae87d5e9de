//! What every form shares: the hidden CSRF token and request id, the submitted fields as
//! a list (a field may repeat), and the notice a page shows after an action succeeded.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use maud::{html, Markup};
use rand::RngCore;

use super::Ctx;

/// A fresh idempotency key, rendered into each form: sending the same form twice (a double
/// click, a reload after a lost answer) repeats one request, which the services answer once.
pub fn request_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("web-{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// The hidden fields every form carries.
pub fn hidden(ctx: &Ctx) -> Markup {
    html! {
        input type="hidden" name="csrf" value=(ctx.csrf);
        input type="hidden" name="request_id" value=(request_id());
    }
}

/// The fields of a urlencoded form, in order; repeated names are kept.
#[derive(Debug, Default)]
pub struct Fields(Vec<(String, String)>);

impl Fields {
    pub fn parse(body: &[u8]) -> Fields {
        Fields(
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    pub fn from_pairs(pairs: Vec<(String, String)>) -> Fields {
        Fields(pairs)
    }

    /// The first value of `name`, trimmed; empty when absent.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .unwrap_or("")
    }

    /// Every value of `name`, trimmed.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .collect()
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, v)| k == name && !v.is_empty())
    }

    /// A number field; 0 when absent or not a number (the services refuse a 0 where it matters).
    pub fn int<T: std::str::FromStr + Default>(&self, name: &str) -> T {
        self.get(name).parse().unwrap_or_default()
    }

    pub fn csrf(&self) -> &str {
        self.get("csrf")
    }

    pub fn request_id(&self) -> String {
        match self.get("request_id") {
            "" => request_id(),
            id => id.to_string(),
        }
    }
}

impl<S: Send + Sync> FromRequest<S> for Fields {
    type Rejection = StatusCode;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let body = Bytes::from_request(req, state)
            .await
            .map_err(|_| StatusCode::PAYLOAD_TOO_LARGE)?;
        Ok(Fields::parse(&body))
    }
}

/// `?done=...` after a successful action: the words of the notice, when the action is known.
pub fn done_notice(ctx: &Ctx, done: Option<&str>) -> Markup {
    let Some(done) = done else {
        return html! {};
    };
    let words = match done {
        "accept" => ctx.tr("已受理，办理时限开始计算。", "Accepted: the clock runs."),
        "refuse" => ctx.tr("已作出不予受理决定。", "Intake refused."),
        "supplement" => ctx.tr(
            "补正通知已发出（一次性告知）。",
            "The supplement notice was sent.",
        ),
        "complete" => ctx.tr("本环节已办理完毕。", "The stage is complete."),
        "suspend" => ctx.tr("已中止计时。", "The clock is suspended."),
        "resume" => ctx.tr("已恢复计时。", "The clock runs again."),
        "extend" => ctx.tr("已批准延期。", "The extension is approved."),
        "conclude" | "immediate" => ctx.tr("已办结。", "Concluded."),
        "saved" => ctx.tr("已保存。", "Saved."),
        "announce" => ctx.tr("交易公告已发布。", "The announcement is published."),
        "open" => ctx.tr(
            "已开标，开标记录已公布。",
            "The bids are open; the record is published.",
        ),
        "draw" => ctx.tr("评标委员会已抽取。", "The panel is drawn."),
        "evaluate" => ctx.tr("评标结果已记录。", "The evaluation is recorded."),
        "publicize" => ctx.tr("中标结果已公示。", "The award is under publicity."),
        "answer" => ctx.tr("质疑已答复。", "The objection is answered."),
        "contract" => ctx.tr("合同已登记。", "The contract is recorded."),
        "cancel" => ctx.tr("项目已终止。", "The project is cancelled."),
        _ => ctx.tr("操作已完成。", "Done."),
    };
    html! { p.done role="status" { (words) } }
}

/// The `done` parameter of a page's query.
pub fn done_param(query: Option<&str>) -> Option<String> {
    form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == "done")
        .map(|(_, v)| v.into_owned())
        .filter(|v| v.len() <= 32 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_fields_are_all_kept_in_order() {
        let f = Fields::parse(b"material=m1&problem_m1=%E7%BC%BA&material=m3&csrf=x");
        assert_eq!(f.all("material"), ["m1", "m3"]);
        assert_eq!(f.get("problem_m1"), "缺");
        assert_eq!(f.get("absent"), "");
        assert_eq!(f.int::<i64>("material"), 0);
    }

    #[test]
    fn request_ids_differ_each_time() {
        assert_ne!(request_id(), request_id());
        assert!(request_id().starts_with("web-"));
    }

    #[test]
    fn only_plain_done_words_are_taken() {
        assert_eq!(done_param(Some("done=accept")), Some("accept".into()));
        assert_eq!(done_param(Some("done=%3Cscript%3E")), None);
        assert_eq!(done_param(None), None);
    }
}
