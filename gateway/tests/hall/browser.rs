//! Headless Chromium through chromedriver: finding them (or saying why not), a fresh
//! profile per browser, and the few moves the scenarios make: go, fill, click, wait, read,
//! sign in and out, take a full-page screenshot.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use tokio::process::{Child, Command};

/// The password of every demo account.
pub const PASSWORD: &str = "onewindow";

pub struct Browser {
    pub client: Client,
    pub base: String,
    driver: Child,
    profile: tempfile::TempDir,
}

fn first_existing(env: &str, candidates: &[&str], on_path: &str) -> Option<PathBuf> {
    if let Ok(p) = std::env::var(env) {
        return Some(PathBuf::from(p)).filter(|p| p.exists());
    }
    candidates
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .or_else(|| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|d| d.join(on_path))
                    .find(|p| p.exists())
            })
        })
}

/// Chromium and chromedriver, or why the browser tests cannot run here.
fn tools() -> Result<(PathBuf, PathBuf), String> {
    // The real binary, not Debian's launcher script, so that chromedriver's flags reach it.
    let chromium = first_existing(
        "ONEWINDOW_CHROMIUM",
        &["/usr/lib/chromium/chromium", "/usr/bin/chromium"],
        "chromium",
    )
    .ok_or("no Chromium found (set ONEWINDOW_CHROMIUM)")?;
    let driver = first_existing(
        "ONEWINDOW_CHROMEDRIVER",
        &["/usr/bin/chromedriver"],
        "chromedriver",
    )
    .ok_or("no chromedriver found (set ONEWINDOW_CHROMEDRIVER)")?;
    Ok((chromium, driver))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Browser {
    /// A browser on `base`, or `None` (after saying why) when there is none to drive and
    /// none is required.
    pub async fn open(base: &str) -> Option<Browser> {
        let (chromium, driver_path) = match tools() {
            Ok(t) => t,
            Err(why) => {
                if std::env::var("ONEWINDOW_REQUIRE_BROWSER").as_deref() == Ok("1") {
                    panic!("ONEWINDOW_REQUIRE_BROWSER=1 but {why}");
                }
                eprintln!("skipping the browser test: {why}");
                return None;
            }
        };
        let port = free_port();
        let driver = Command::new(&driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", driver_path.display()));
        let url = format!("http://127.0.0.1:{port}");
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium.display().to_string(),
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1280,900",
                    "--lang=zh-CN",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }
        });
        let serde_json::Value::Object(caps) = caps else {
            unreachable!("capabilities are an object")
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&url)
            .await
            .expect("a chromedriver session");
        Some(Browser {
            client,
            base: base.to_string(),
            driver,
            profile,
        })
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill().await;
    }

    /// The browser processes of this browser's own profile: chromedriver started them, and
    /// killing chromedriver (as dropping it does) leaves them running.
    fn own_browser_pids(&self) -> Vec<u32> {
        let flag = format!("--user-data-dir={}", self.profile.path().display());
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        entries
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
            .filter(|pid| {
                std::fs::read(format!("/proc/{pid}/cmdline"))
                    .map(|c| c.split(|b| *b == 0).any(|arg| arg == flag.as_bytes()))
                    .unwrap_or(false)
            })
            .collect()
    }

    pub async fn go(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    }

    /// The first element matching `css`, waiting up to 10 s for it.
    pub async fn wait(&self, css: &str) -> Element {
        for _ in 0..200 {
            if let Ok(e) = self.client.find(Locator::Css(css)).await {
                return e;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let url = self.client.current_url().await.map(|u| u.to_string());
        let body = self.text("body").await;
        panic!("no {css} on {url:?}:\n{body}");
    }

    pub async fn all(&self, css: &str) -> Vec<Element> {
        self.client.find_all(Locator::Css(css)).await.unwrap()
    }

    pub async fn text(&self, css: &str) -> String {
        match self.client.find(Locator::Css(css)).await {
            Ok(e) => e.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    pub async fn fill(&self, css: &str, value: &str) {
        let e = self.wait(css).await;
        e.clear().await.ok();
        e.send_keys(value).await.unwrap();
    }

    /// Clicks a link or a submit button and waits for the page it leads to: a wait right
    /// after the click could otherwise find its element on the page being left.
    pub async fn click(&self, css: &str) {
        let e = self.wait(css).await;
        self.navigating(e).await;
    }

    /// Clicks an element that navigates (a link found some other way) and waits for the new
    /// page to load.
    pub async fn navigating(&self, e: Element) {
        self.client
            .execute("window.__leaving = true", vec![])
            .await
            .unwrap();
        e.click().await.unwrap();
        for _ in 0..200 {
            let loaded = self
                .client
                .execute(
                    "return window.__leaving !== true && document.readyState === 'complete'",
                    vec![],
                )
                .await;
            if matches!(loaded, Ok(serde_json::Value::Bool(true))) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the click did not lead to a new page");
    }

    /// Ticks a radio button or a checkbox (no navigation).
    pub async fn tick(&self, css: &str) {
        self.wait(css).await.click().await.unwrap();
    }

    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.unwrap();
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// Signs in on the sign-in page (wherever the browser is sent to it).
    pub async fn sign_in(&self, username: &str) {
        if !self.path().await.starts_with("/login") {
            self.go("/login").await;
        }
        self.fill("form.login input[name=username]", username).await;
        self.fill("form.login input[name=password]", PASSWORD).await;
        self.click("form.login button[type=submit]").await;
        self.wait("span.user").await;
    }

    pub async fn sign_out(&self) {
        self.click("form[action='/logout'] button").await;
        self.wait("a[href^='/login']").await;
    }

    /// A screenshot of the whole page as `target/screenshots/{name}.png`.
    pub async fn shot(&self, name: &str) {
        let height = self
            .client
            .execute("return document.documentElement.scrollHeight", vec![])
            .await
            .ok()
            .and_then(|v| v.as_u64())
            .unwrap_or(900)
            .clamp(600, 6000);
        let (w, h) = self.client.get_window_size().await.unwrap_or((1280, 900));
        self.client
            .set_window_size(w as u32, height as u32)
            .await
            .ok();
        // The top of the page, wherever the last action left it scrolled.
        self.client
            .execute("window.scrollTo(0, 0)", vec![])
            .await
            .ok();
        let png = self.client.screenshot().await.unwrap();
        self.client.set_window_size(w as u32, h as u32).await.ok();
        let dir = screenshots();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }
}

impl Drop for Browser {
    /// A scenario that panics never reaches `close`: its browser ends here, by process id.
    fn drop(&mut self) {
        for pid in self.own_browser_pids() {
            let _ = std::process::Command::new("kill")
                .arg(pid.to_string())
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// `target/screenshots/` of the workspace (or of `CARGO_TARGET_DIR`).
pub fn screenshots() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("screenshots")
}
