//! Browser sign-in with the built-in identity provider: the session cookie, CSRF on every
//! form, the session used for reads of the API, sign-out.

use crate::TestGateway;

/// The cookies a response sets, as `name=value` pairs.
fn set_cookies(r: &reqwest::Response) -> Vec<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

fn cookie_pair(set_cookies: &[String], name: &str) -> Option<String> {
    set_cookies
        .iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(|c| c.split(';').next().unwrap().to_string())
}

fn csrf_field(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    html[at..].split('"').next().unwrap().to_string()
}

struct Browser<'a> {
    t: &'a TestGateway,
    cookies: Vec<String>,
}

impl Browser<'_> {
    fn cookie_header(&self) -> String {
        self.cookies.join("; ")
    }

    fn remember(&mut self, r: &reqwest::Response) {
        for c in set_cookies(r) {
            let pair = c.split(';').next().unwrap().to_string();
            let name = pair.split('=').next().unwrap().to_string();
            self.cookies.retain(|k| !k.starts_with(&format!("{name}=")));
            if !pair.ends_with('=') {
                self.cookies.push(pair);
            }
        }
    }

    async fn get(&mut self, path: &str) -> (reqwest::StatusCode, String) {
        let r = self
            .t
            .http
            .get(self.t.url(path))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.remember(&r);
        (r.status(), r.text().await.unwrap())
    }

    async fn post_form(&mut self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let r = self
            .t
            .http
            .post(self.t.url(path))
            .header("cookie", self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.remember(&r);
        r
    }
}

#[tokio::test]
async fn sign_in_needs_the_csrf_token_and_sets_an_httponly_lax_session_cookie() {
    let t = TestGateway::start().await;
    let mut b = Browser {
        t: &t,
        cookies: Vec::new(),
    };
    let (status, html) = b.get("/login?next=/items").await;
    assert_eq!(status, 200);
    assert!(html.contains("clerk-gsj"), "demo accounts are listed");
    assert!(b.cookies.iter().any(|c| c.starts_with("ow_csrf=")));
    let csrf = csrf_field(&html);

    let r = b
        .post_form(
            "/login",
            &[
                ("username", "clerk-gsj"),
                ("password", "onewindow"),
                ("next", "/items"),
            ],
        )
        .await;
    assert_eq!(r.status(), 403, "a form without the token is refused");
    let r = b
        .post_form(
            "/login",
            &[
                ("username", "clerk-gsj"),
                ("password", "onewindow"),
                ("next", "/items"),
                ("csrf", "forged"),
            ],
        )
        .await;
    assert_eq!(r.status(), 403, "a forged token is refused");

    let r = b
        .post_form(
            "/login",
            &[
                ("username", "clerk-gsj"),
                ("password", "wrong"),
                ("next", "/items"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(r.status(), 401);

    let r = b
        .post_form(
            "/login",
            &[
                ("username", "clerk-gsj"),
                ("password", "onewindow"),
                ("next", "/items"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/items");
    let session = set_cookies(&r)
        .into_iter()
        .find(|c| c.starts_with("ow_session="))
        .expect("session cookie");
    assert!(session.contains("HttpOnly"), "{session}");
    assert!(session.contains("SameSite=Lax"), "{session}");

    let (status, html) = b.get("/").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("李敏（工商局窗口）"),
        "the page knows who is signed in"
    );

    // The session reads the API; a change through it needs the CSRF header.
    let r = t
        .http
        .get(t.url("/api/v1/regions"))
        .header("cookie", b.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let cancel = serde_json::json!({"requestId": "s1", "effectiveDate": "2026-12-31"});
    let path = format!("/api/v1/items/{}:cancel", crate::INVESTMENT_ITEM);
    let r = t
        .http
        .post(t.url(&path))
        .header("cookie", b.cookie_header())
        .json(&cancel)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let csrf_after_login = csrf_field(&html);
    let r = t
        .http
        .post(t.url(&path))
        .header("cookie", b.cookie_header())
        .header("x-csrf-token", &csrf_after_login)
        .json(&cancel)
        .send()
        .await
        .unwrap();
    // Past the gateway, the catalog itself refuses a clerk: the token reached it.
    assert_eq!(r.status(), 403);
    let p: serde_json::Value = r.json().await.unwrap();
    assert_eq!(p["code"], "PERMISSION_DENIED");

    // Sign-out is a form too.
    let r = b.post_form("/logout", &[("csrf", "forged")]).await;
    assert_eq!(r.status(), 403);
    let r = b.post_form("/logout", &[("csrf", &csrf_after_login)]).await;
    assert_eq!(r.status(), 303);
    let cleared = cookie_pair(&set_cookies(&r), "ow_session").unwrap();
    assert_eq!(cleared, "ow_session=");
    let (_, html) = b.get("/").await;
    assert!(!html.contains("李敏（工商局窗口）"));
}

#[tokio::test]
async fn a_login_token_from_before_sign_in_does_not_serve_after_it() {
    let t = TestGateway::start().await;
    let mut b = Browser {
        t: &t,
        cookies: Vec::new(),
    };
    let (_, html) = b.get("/login").await;
    let anonymous_csrf = csrf_field(&html);
    let r = b
        .post_form(
            "/login",
            &[
                ("username", "supervisor"),
                ("password", "onewindow"),
                ("csrf", &anonymous_csrf),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    // Without a page to return to, a supervisor starts at the console.
    assert_eq!(r.headers()["location"], "/supervision");
    // The token is bound to who is signed in: the anonymous one no longer works.
    let r = b.post_form("/logout", &[("csrf", &anonymous_csrf)]).await;
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn sign_in_returns_only_to_pages_of_this_site() {
    let t = TestGateway::start().await;
    let mut b = Browser {
        t: &t,
        cookies: Vec::new(),
    };
    let (_, html) = b.get("/login").await;
    let csrf = csrf_field(&html);
    let r = b
        .post_form(
            "/login",
            &[
                ("username", "zhangsan"),
                ("password", "onewindow"),
                ("csrf", &csrf),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    // Not the other site: the applicant's own start page here.
    assert_eq!(r.headers()["location"], "/cases");
}
