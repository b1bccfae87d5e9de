//! Configuration in layers: defaults that run, then a TOML file, then `ONEWINDOW_*`
//! environment variables (`ONEWINDOW_CATALOG__DATABASE_URL` sets `catalog.database_url`).

use std::fmt;
use std::path::Path;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Loads settings of type `T`: its `Default`, then `file` if given, then the environment.
pub fn load<T>(file: Option<&Path>) -> Result<T, ConfigError>
where
    T: Default + Serialize + DeserializeOwned,
{
    let mut figment = Figment::from(Serialized::defaults(T::default()));
    if let Some(path) = file {
        if !path.exists() {
            return Err(ConfigError(format!(
                "configuration file {} does not exist",
                path.display()
            )));
        }
        figment = figment.merge(Toml::file(path));
    }
    figment = figment.merge(Env::prefixed("ONEWINDOW_").split("__"));
    figment.extract().map_err(|e| ConfigError(e.to_string()))
}

#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(pub String);

/// A value that must never be printed: database URLs with passwords, keys.
#[derive(Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    pub fn new(value: T) -> Self {
        Secret(value)
    }

    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl<T> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Log output: `human` for a terminal, `json` for deployments.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Human,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct TelemetrySettings {
    pub log_format: LogFormat,
    /// An `EnvFilter` directive, e.g. `info,onewindow_catalog=debug`.
    pub log_filter: String,
    /// OTLP/gRPC collector endpoint, e.g. `http://otel-collector:4317`; traces are exported
    /// only when set.
    pub otlp_endpoint: Option<String>,
    pub service_name: String,
}

impl Default for TelemetrySettings {
    fn default() -> Self {
        Self {
            log_format: LogFormat::Human,
            log_filter: "info".into(),
            otlp_endpoint: None,
            service_name: "onewindow".into(),
        }
    }
}

/// How a service verifies tokens, and (in standalone mode) issues them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct AuthSettings {
    pub issuer: String,
    pub audience: String,
    /// PEM files of Ed25519 public keys whose tokens are accepted.
    pub public_key_files: Vec<String>,
    /// PEM file of the Ed25519 private key the built-in issuer signs with.
    pub private_key_file: Option<String>,
    /// Tokens of a deployment's OpenID Connect provider, verified against its JWKS, accepted
    /// besides the built-in issuer's.
    pub oidc: Option<crate::oidc::OidcSettings>,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            issuer: "onewindow".into(),
            audience: "onewindow".into(),
            public_key_files: Vec::new(),
            private_key_file: None,
            oidc: None,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct DatabaseSettings {
    /// `sqlite://path/file.db` or `postgres://user:pass@host/db`.
    pub url: Secret<String>,
    /// Connections of the (read) pool; SQLite always has one writer besides.
    pub max_connections: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, Serialize, Deserialize)]
    #[serde(default)]
    struct Sample {
        telemetry: TelemetrySettings,
        db: DatabaseSettings,
    }

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("postgres://u:hunter2@db/x".to_string());
        assert!(!format!("{s:?}").contains("hunter2"));
        assert!(!format!("{s}").contains("hunter2"));
        let settings = DatabaseSettings {
            url: s,
            max_connections: None,
        };
        assert!(!format!("{settings:?}").contains("hunter2"));
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's own test harness returns its error type
    fn file_then_environment_override_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "c.toml",
                "[telemetry]\nlog_filter = \"debug\"\n[db]\nurl = \"sqlite://a.db\"\n",
            )?;
            jail.set_env("ONEWINDOW_DB__URL", "postgres://x/y");
            let s: Sample = load(Some(Path::new("c.toml"))).map_err(|e| e.0)?;
            assert_eq!(s.telemetry.log_filter, "debug");
            assert_eq!(s.db.url.expose(), "postgres://x/y");
            assert_eq!(s.telemetry.service_name, "onewindow");
            Ok(())
        });
    }

    #[test]
    fn missing_file_is_an_error_not_a_silent_default() {
        assert!(load::<Sample>(Some(Path::new("/nonexistent/onewindow.toml"))).is_err());
    }
}
