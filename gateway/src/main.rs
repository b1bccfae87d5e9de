//! `onewindow-gateway`: the web gateway in a process of its own, in front of the services
//! running apart. It alone holds the issuer's private key; the services hold only the
//! public key. Configuration: a TOML file (`--config`), then `ONEWINDOW_*` environment
//! variables (`ONEWINDOW_GATEWAY__LISTEN_ADDR`, `ONEWINDOW_AUTH__PRIVATE_KEY_FILE`).

#![forbid(unsafe_code)]

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use onewindow_gateway::{Gateway, GatewaySettings};
use onewindow_kit::auth::{Principal, Role, TokenIssuer, TokenVerifier};
use onewindow_kit::config::{AuthSettings, TelemetrySettings};
use onewindow_kit::metrics::MetricsSettings;
use serde::{Deserialize, Serialize};

#[derive(Parser)]
#[command(name = "onewindow-gateway", version, about = "OneWindow's web gateway")]
struct Cli {
    /// TOML configuration file (ONEWINDOW_* environment variables override it).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve HTTP (the default).
    Serve,
    /// Print a token signed with the issuer's key, e.g. the `service` token that cases and
    /// supervision present to their peers (kept in a secret, renewed before it expires).
    Token {
        #[arg(long)]
        role: Role,
        #[arg(long)]
        subject: String,
        #[arg(long)]
        department: Option<String>,
        #[arg(long, default_value = "140200")]
        region: String,
        #[arg(long, default_value_t = 90)]
        ttl_days: i64,
    },
    /// Read a password from standard input and print its argon2id hash, for the
    /// `password_hash` of an account in `gateway.auth.users_file`.
    HashPassword,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
struct Settings {
    /// Listen address, upstream services per package, sign-in, limits.
    gateway: GatewaySettings,
    telemetry: TelemetrySettings,
    /// `private_key_file` makes this gateway the identity provider; `public_key_files` are
    /// further keys whose tokens are accepted (a key being rotated out).
    auth: AuthSettings,
    /// Prometheus metrics on a listener of their own (`GET /metrics` on `listen`); unset:
    /// none (see also `gateway.serve_metrics`).
    metrics: MetricsSettings,
}

impl Default for Settings {
    fn default() -> Self {
        let mut gateway = GatewaySettings::default();
        // Next to the services run apart on one machine, each on its default port.
        gateway.upstreams.default = "http://127.0.0.1:50052".into();
        for (package, port) in [
            ("onewindow.catalog.v1", 50051),
            ("onewindow.cases.v1", 50052),
            ("onewindow.trading.v1", 50053),
            ("onewindow.supervision.v1", 50054),
        ] {
            gateway
                .upstreams
                .packages
                .insert(package.into(), format!("http://127.0.0.1:{port}"));
        }
        Settings {
            gateway,
            telemetry: TelemetrySettings {
                service_name: "onewindow-gateway".into(),
                ..TelemetrySettings::default()
            },
            auth: AuthSettings::default(),
            metrics: MetricsSettings::default(),
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings: Settings = onewindow_kit::config::load(cli.config.as_deref())?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let telemetry = onewindow_kit::telemetry::init(&settings.telemetry)?;
            let result = serve(settings).await;
            if let Err(e) = &result {
                tracing::error!(error = format!("{e:#}"), "gateway stopped");
            }
            telemetry.shutdown();
            result
        }
        Command::Token {
            role,
            subject,
            department,
            region,
            ttl_days,
        } => {
            let Some(issuer) = issuer(&settings.auth)? else {
                anyhow::bail!("auth.private_key_file is required to sign tokens");
            };
            let principal = Principal {
                subject,
                name: String::new(),
                roles: vec![role],
                department,
                region: Some(region),
            };
            let now = chrono::Utc::now().timestamp();
            println!("{}", issuer.issue(&principal, now, ttl_days * 24 * 3600)?);
            Ok(())
        }
        Command::HashPassword => {
            let mut password = String::new();
            std::io::stdin()
                .read_line(&mut password)
                .context("cannot read the password from standard input")?;
            let password = password.trim_end_matches(['\r', '\n']);
            if password.is_empty() {
                anyhow::bail!("the password is empty");
            }
            println!("{}", onewindow_gateway::hash_password(password)?);
            Ok(())
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let issuer = issuer(&settings.auth)?;
    let mut pems: Vec<String> = issuer
        .iter()
        .map(|i| i.public_key_pem().to_string())
        .collect();
    for file in &settings.auth.public_key_files {
        pems.push(std::fs::read_to_string(file).with_context(|| format!("cannot read {file}"))?);
    }
    if issuer.is_some() && settings.gateway.auth.users_file.is_none() {
        tracing::warn!(
            "no auth.users_file: the demo accounts and their published password sign in"
        );
    }
    if pems.is_empty() && settings.gateway.auth.oidc.is_none() {
        anyhow::bail!(
            "nobody could sign in: set auth.private_key_file, auth.public_key_files or \
             gateway.auth.oidc"
        );
    }
    let verifier = TokenVerifier::new(&pems, &settings.auth.issuer, &settings.auth.audience)?;
    let gateway = Gateway::build(settings.gateway, issuer, verifier)
        .await?
        .bind_configured()
        .await?;
    let _metrics = onewindow_kit::metrics::serve(&settings.metrics).await?;
    gateway
        .run_until(onewindow_kit::serve::shutdown_signal())
        .await?;
    Ok(())
}

/// The built-in identity provider's signing key, when this gateway is one.
fn issuer(auth: &AuthSettings) -> anyhow::Result<Option<TokenIssuer>> {
    let Some(path) = auth.private_key_file.as_deref().filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let pem = std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?;
    Ok(Some(TokenIssuer::from_private_pem(
        &pem,
        &auth.issuer,
        &auth.audience,
    )?))
}
