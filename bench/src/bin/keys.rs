//! `keys`: what the services run as separate processes share: an issuer key pair (the
//! private half for the gateway and for signing tokens, the public half for the services),
//! the `service` token the services present to each other, the key that seals bids; and
//! signed tokens of any role.
//!
//! ```sh
//! keys generate --dir /tmp/hall     # issuer-key.pem issuer-public.pem service-token master.key
//! keys token --key /tmp/hall/issuer-key.pem --role clerk --department 1402000001
//! ```

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Parser, Subcommand};
use onewindow_kit::auth::{Principal, Role, TokenIssuer};

#[derive(Parser)]
struct Args {
    /// The `iss` claim of the tokens.
    #[arg(long, global = true, default_value = "onewindow")]
    issuer: String,
    /// The `aud` claim of the tokens.
    #[arg(long, global = true, default_value = "onewindow")]
    audience: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Writes issuer-key.pem, issuer-public.pem, service-token and master.key into `dir`.
    Generate {
        #[arg(long)]
        dir: PathBuf,
        /// How long the service token stays valid.
        #[arg(long, default_value_t = 12)]
        ttl_hours: i64,
    },
    /// Prints a token signed with the private key in `key`.
    Token {
        #[arg(long)]
        key: PathBuf,
        /// applicant, clerk, approver, catalog_admin, trading_agent, supervisor, service.
        #[arg(long)]
        role: Role,
        #[arg(long)]
        department: Option<String>,
        #[arg(long, default_value = "140200")]
        region: String,
        #[arg(long, default_value = "bench-user")]
        subject: String,
        #[arg(long, default_value_t = 12)]
        ttl_hours: i64,
    },
}

fn principal(subject: String, role: Role, department: Option<String>, region: String) -> Principal {
    Principal {
        subject,
        name: String::new(),
        roles: vec![role],
        department,
        region: Some(region),
    }
}

fn write(dir: &Path, name: &str, text: &str) -> anyhow::Result<()> {
    let path = dir.join(name);
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let now = chrono::Utc::now().timestamp();
    match args.command {
        Command::Generate { dir, ttl_hours } => {
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            let (issuer, private_pem) = TokenIssuer::generate(&args.issuer, &args.audience)?;
            write(&dir, "issuer-key.pem", &private_pem)?;
            write(&dir, "issuer-public.pem", issuer.public_key_pem())?;
            let service = principal("bench-service".into(), Role::Service, None, "140200".into());
            write(
                &dir,
                "service-token",
                &issuer.issue(&service, now, ttl_hours * 3600)?,
            )?;
            let master: [u8; 32] = rand::random();
            let hex: String = master.iter().map(|b| format!("{b:02x}")).collect();
            write(&dir, "master.key", &hex)?;
        }
        Command::Token {
            key,
            role,
            department,
            region,
            subject,
            ttl_hours,
        } => {
            let pem = std::fs::read_to_string(&key)
                .with_context(|| format!("cannot read {}", key.display()))?;
            let issuer = TokenIssuer::from_private_pem(&pem, &args.issuer, &args.audience)?;
            let who = principal(subject, role, department, region);
            println!("{}", issuer.issue(&who, now, ttl_hours * 3600)?);
        }
    }
    Ok(())
}
