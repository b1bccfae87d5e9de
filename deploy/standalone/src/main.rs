//! `onewindow`: the whole service center in one process, for a laptop or a small hall.

#![forbid(unsafe_code)]

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use onewindow::{Settings, Standalone};
use onewindow_kit::auth::{Principal, Role};

#[derive(Parser)]
#[command(
    name = "onewindow",
    version,
    about = "OneWindow: the one-stop administrative service center"
)]
struct Cli {
    /// TOML configuration file (then ONEWINDOW_* environment variables override it).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Where the SQLite databases and keys live (default ./onewindow-data).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run every service (the default).
    Serve,
    /// Create or upgrade the databases, then exit.
    Migrate,
    /// Load the demo data into empty databases, then exit.
    Seed,
    /// Write the catalog in force to standard output.
    ExportCatalog {
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
    },
    /// Print a signed access token for calling the services directly (e.g. with grpcurl).
    Token {
        #[arg(long, value_enum)]
        role: CliRole,
        #[arg(long)]
        department: Option<String>,
        #[arg(long, default_value = "140200")]
        region: String,
        #[arg(long, default_value = "cli-user")]
        subject: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Json,
    Csv,
}

#[derive(Clone, Copy, ValueEnum)]
enum CliRole {
    Applicant,
    Clerk,
    Approver,
    CatalogAdmin,
    TradingAgent,
    Supervisor,
    Service,
}

impl From<CliRole> for Role {
    fn from(r: CliRole) -> Role {
        match r {
            CliRole::Applicant => Role::Applicant,
            CliRole::Clerk => Role::Clerk,
            CliRole::Approver => Role::Approver,
            CliRole::CatalogAdmin => Role::CatalogAdmin,
            CliRole::TradingAgent => Role::TradingAgent,
            CliRole::Supervisor => Role::Supervisor,
            CliRole::Service => Role::Service,
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let mut settings: Settings = onewindow_kit::config::load(cli.config.as_deref())?;
    if let Some(dir) = cli.data_dir {
        settings.data_dir = dir.display().to_string();
    }
    let telemetry = onewindow_kit::telemetry::init(&settings.telemetry)?;
    let result = run(cli.command.unwrap_or(Command::Serve), settings).await;
    telemetry.shutdown();
    result
}

async fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve => {
            let app = Standalone::build(settings).await?;
            println!("OneWindow is running.");
            println!("  open http://{}/ in a browser", app.http_addr());
            println!(
                "  REST API: http://{}/api/v1 (OpenAPI at /api/v1/openapi.json)",
                app.http_addr()
            );
            println!("  gRPC (reflection enabled): {}", app.grpc_addr());
            println!(
                "  demo logins (password {}):",
                onewindow_gateway::DEMO_PASSWORD
            );
            for user in onewindow_gateway::demo_users() {
                let roles: Vec<&str> = user.roles.iter().map(|r| r.as_str()).collect();
                let department = user.department.as_deref().unwrap_or("-");
                println!(
                    "    {:<18} {:<14} {:<10} {}",
                    user.username,
                    roles.join(","),
                    department,
                    user.name
                );
            }
            println!("  stop with Ctrl-C");
            app.run_until(onewindow_kit::serve::shutdown_signal())
                .await?;
        }
        Command::Migrate => {
            Standalone::open_databases(&settings).await?;
            println!("databases are up to date in {}", settings.data_dir);
        }
        Command::Seed => {
            let loaded = Standalone::seed(&settings).await?;
            println!("{loaded}");
        }
        Command::ExportCatalog { format } => {
            let text = Standalone::export_catalog(&settings, matches!(format, Format::Csv)).await?;
            print!("{text}");
        }
        Command::Token {
            role,
            department,
            region,
            subject,
        } => {
            let issuer = Standalone::issuer(&settings)?;
            let principal = Principal {
                subject,
                name: String::new(),
                roles: vec![role.into()],
                department,
                region: Some(region),
            };
            let token = issuer.issue(&principal, chrono::Utc::now().timestamp(), 12 * 3600)?;
            println!("{token}");
        }
    }
    Ok(())
}
