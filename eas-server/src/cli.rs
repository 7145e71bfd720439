//! The command line: the server commands (`demo`, `serve`, `import`), which [`run`] hands
//! back to `main` to run, and the administration commands, which [`run`] carries out on the
//! account directory through [`crate::accounts`] and answers with the text to print.
//!
//! Exit codes: 0 success, 1 an operational error (the message goes to stderr), 2 a usage
//! error (reported by clap).

use std::io::BufRead;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::accounts::{
    self, Directory, DirectoryConfig, DirectoryError, HashCost, Setting, Switch,
};
use crate::config::{Config, ConfigError, DATABASE_FILE};

/// Where the configuration is read from when neither `--config` nor `--data-dir` is given.
pub const DEFAULT_CONFIG_PATH: &str = "/etc/eas-server/config.toml";

/// `eas-server`: an all-in-one Exchange ActiveSync server.
#[derive(Debug, Clone, PartialEq, Eq, Parser)]
#[command(name = "eas-server", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Run a self-contained demonstration server with sample accounts.
    Demo {
        /// Keep the demo's data here (default: `eas-demo-data` in the current directory, reused by later runs).
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Run the server.
    Serve {
        /// The configuration file.
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
    },
    /// Import mail into an account's mailbox.
    Import {
        /// The configuration file.
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
        /// The account to import into.
        #[arg(long, value_name = "LOGIN")]
        account: String,
        /// Where the mail comes from.
        #[command(flatten)]
        source: ImportSource,
        /// The folder to import into (default: the Inbox).
        #[arg(long, value_name = "NAME")]
        folder: Option<String>,
    },
    /// Manage accounts.
    Account {
        /// Where the database is.
        #[command(flatten)]
        database: DatabaseArgs,
        /// The account command.
        #[command(subcommand)]
        action: AccountCommand,
    },
    /// Manage domains.
    Domain {
        /// Where the database is.
        #[command(flatten)]
        database: DatabaseArgs,
        /// The domain command.
        #[command(subcommand)]
        action: DomainCommand,
    },
    /// Manage account classes.
    Class {
        /// Where the database is.
        #[command(flatten)]
        database: DatabaseArgs,
        /// The class command.
        #[command(subcommand)]
        action: ClassCommand,
    },
    /// Manage devices: list, show, wipe, block, allow, resync, and access rules.
    Device {
        /// Where the database is.
        #[command(flatten)]
        database: DatabaseArgs,
        /// The device command.
        #[command(subcommand)]
        action: DeviceCommand,
    },
    /// Watch a running server: requests, parked Pings and Syncs, the outbound queue.
    Top {
        /// The server's operations listener (`[metrics] listen`).
        #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:9464")]
        metrics: String,
        /// Print one snapshot and exit.
        #[arg(long)]
        once: bool,
        /// Seconds between refreshes.
        #[arg(long, value_name = "SECS", default_value_t = 2)]
        interval: u64,
    },
    /// Show ActiveSync seat usage, or change the seat cap.
    Usage {
        /// Where the database is.
        #[command(flatten)]
        database: DatabaseArgs,
        /// Cap the number of accounts that may use ActiveSync.
        #[arg(long, value_name = "N", conflicts_with = "unlimited")]
        cap: Option<u32>,
        /// Remove the seat cap.
        #[arg(long)]
        unlimited: bool,
    },
}

/// The mail to import: a Maildir or an mbox file.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
#[group(required = true, multiple = false)]
pub struct ImportSource {
    /// A Maildir directory (with `cur/` and `new/`).
    #[arg(long, value_name = "DIR")]
    pub maildir: Option<PathBuf>,
    /// An mbox file.
    #[arg(long, value_name = "FILE")]
    pub mbox: Option<PathBuf>,
}

/// How an administration command finds the database.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct DatabaseArgs {
    /// The configuration file naming the data directory.
    #[arg(long, value_name = "FILE", global = true, default_value = DEFAULT_CONFIG_PATH)]
    pub config: PathBuf,
    /// The data directory itself (wins over --config, which is then not read).
    #[arg(long, value_name = "DIR", global = true)]
    pub data_dir: Option<PathBuf>,
}

/// A new password: given on the command line, read from standard input, or neither.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
#[group(multiple = false)]
pub struct PasswordArgs {
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
    /// The password (visible to other local users in the process list; prefer
    /// --password-stdin).
    #[arg(long, value_name = "PW")]
    pub password: Option<String>,
}

/// `device` subcommands.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum DeviceCommand {
    /// List devices (of one account, or all), most recently seen first.
    List {
        /// Only this account's devices.
        login: Option<String>,
    },
    /// Everything known of one device.
    Show {
        /// The account.
        login: String,
        /// The device id.
        device: String,
    },
    /// Wipe the device at its next connection (it confirms through Provision).
    Wipe {
        /// The account.
        login: String,
        /// The device id.
        device: String,
        /// Remove only this account's data from the device (protocol 16.1 devices).
        #[arg(long)]
        account_only: bool,
    },
    /// Refuse the device every command.
    Block {
        /// The account.
        login: String,
        /// The device id.
        device: String,
    },
    /// Let the device sync whatever the rules say (ends a quarantine).
    Allow {
        /// The account.
        login: String,
        /// The device id.
        device: String,
    },
    /// Cap the protocol version an account (or one of its devices) may use; `none` lifts it.
    MaxVersion {
        /// The account.
        login: String,
        /// The highest version (2.5, 12.0, 12.1, 14.0, 14.1, 16.0, 16.1) or `none`.
        #[arg(value_name = "VERSION")]
        highest: String,
        /// Only this device of the account.
        #[arg(long, value_name = "ID")]
        device: Option<String>,
    },
    /// Forget the device's sync state: it provisions and syncs again from scratch.
    Resync {
        /// The account.
        login: String,
        /// The device id.
        device: String,
    },
    /// Access rules by device type, model, OS or user agent.
    Rule {
        /// The rule command.
        #[command(subcommand)]
        action: RuleCommand,
    },
}

/// `device rule` subcommands.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum RuleCommand {
    /// Add a rule; the first matching rule decides for devices not explicitly allowed or
    /// blocked.
    Add {
        /// What to do with matching devices.
        action: RuleAction,
        /// What to match, and the (case-insensitive) text it must contain.
        #[command(flatten)]
        matcher: RuleMatch,
    },
    /// List the rules in the order they apply.
    List,
    /// Remove a rule by its number.
    Remove {
        /// The rule's number (from `device rule list`).
        id: i64,
    },
}

/// A rule's action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RuleAction {
    /// Let matching devices sync.
    Allow,
    /// Refuse matching devices.
    Block,
    /// Hold matching devices until an administrator allows each.
    Quarantine,
}

/// What a rule matches.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
#[group(required = true, multiple = false)]
pub struct RuleMatch {
    /// The device type (`iPhone`, `Android`, ...).
    #[arg(long = "type", value_name = "TEXT")]
    pub device_type: Option<String>,
    /// The model (from DeviceInformation).
    #[arg(long, value_name = "TEXT")]
    pub model: Option<String>,
    /// The operating system (from DeviceInformation).
    #[arg(long, value_name = "TEXT")]
    pub os: Option<String>,
    /// The user agent (from DeviceInformation).
    #[arg(long, value_name = "TEXT")]
    pub agent: Option<String>,
}

/// `account` subcommands.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum AccountCommand {
    /// Add an account; without a password option a random password is generated and shown
    /// once.
    Add {
        /// The address, `local@domain`.
        login: String,
        /// The display name (default: the local part).
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// An account class of the account's domain.
        #[arg(long, value_name = "CLASS")]
        class: Option<String>,
        /// The password.
        #[command(flatten)]
        password: PasswordArgs,
    },
    /// Change an account's password.
    Passwd {
        /// The account.
        login: String,
        /// The new password (one of the two options is required).
        #[command(flatten)]
        password: RequiredPasswordArgs,
    },
    /// Enable ActiveSync for an account explicitly (takes a seat).
    Enable {
        /// The account.
        login: String,
    },
    /// Disable ActiveSync for an account explicitly (frees its seat).
    Disable {
        /// The account.
        login: String,
    },
    /// Set one switch of an account.
    Set {
        /// The account.
        login: String,
        /// The switch.
        switch: SwitchArg,
        /// The setting.
        setting: SettingArg,
    },
    /// Put an account in a class, or without CLASS take it out of its class.
    Class {
        /// The account.
        login: String,
        /// A class of the account's domain.
        class: Option<String>,
    },
    /// Show an account with its explicit and effective switches.
    Show {
        /// The account.
        login: String,
    },
    /// List accounts.
    List {
        /// Only the accounts of this domain.
        #[arg(long, value_name = "D")]
        domain: Option<String>,
    },
    /// Set the account's contact picture (a JPEG of at most 100 KiB, shown in GAL searches
    /// and ResolveRecipients), or without FILE remove it.
    Picture {
        /// The account.
        login: String,
        /// The picture file.
        file: Option<PathBuf>,
    },
    /// Set the account's S/MIME certificate (PEM or DER, returned by ResolveRecipients), or
    /// without FILE remove it.
    Certificate {
        /// The account.
        login: String,
        /// The certificate file.
        file: Option<PathBuf>,
    },
}

/// A new password that must be given one way or the other.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
#[group(required = true, multiple = false)]
pub struct RequiredPasswordArgs {
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
    /// The password (visible to other local users in the process list; prefer
    /// --password-stdin).
    #[arg(long, value_name = "PW")]
    pub password: Option<String>,
}

/// `domain` subcommands.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum DomainCommand {
    /// Add a domain.
    Add {
        /// The domain name.
        name: String,
    },
    /// Remove a domain without accounts.
    Remove {
        /// The domain name.
        name: String,
    },
    /// Show a domain's switches.
    Show {
        /// The domain name.
        name: String,
    },
    /// Enable ActiveSync for the domain.
    Enable {
        /// The domain name.
        name: String,
    },
    /// Disable ActiveSync for the domain.
    Disable {
        /// The domain name.
        name: String,
    },
    /// List domains.
    List,
    /// Set one switch of a domain.
    Set {
        /// The domain name.
        name: String,
        /// The switch.
        switch: SwitchArg,
        /// The setting.
        setting: SettingArg,
    },
    /// Show or change the domain's device policy (stored over the configured one).
    Policy {
        /// The policy command.
        #[command(subcommand)]
        action: DomainPolicyCommand,
    },
}

/// `domain policy` subcommands.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum DomainPolicyCommand {
    /// The domain's effective policy and which settings are stored overrides.
    Show {
        /// The domain name.
        name: String,
    },
    /// Change settings: `--min-password-length 6 --require-password true
    /// --max-failed-attempts 8 --require-encryption true --max-attachment-size 1048576 ...`
    /// (the `[policy]` names of the configuration, with dashes); the value `default`
    /// goes back to the configured value.
    Set {
        /// The domain name.
        name: String,
        /// `--setting VALUE` pairs.
        #[arg(
            trailing_var_arg = true,
            allow_hyphen_values = true,
            num_args = 1..,
            value_name = "--SETTING VALUE"
        )]
        settings: Vec<String>,
    },
}

/// `class` subcommands.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum ClassCommand {
    /// Add a class to a domain.
    Add {
        /// The domain.
        domain: String,
        /// The class name.
        name: String,
    },
    /// Remove a class (its accounts keep their own settings, without a class).
    Remove {
        /// The domain.
        domain: String,
        /// The class name.
        name: String,
    },
    /// List classes.
    List {
        /// Only the classes of this domain.
        #[arg(long, value_name = "D")]
        domain: Option<String>,
    },
    /// Set one switch of a class.
    Set {
        /// The domain.
        domain: String,
        /// The class name.
        name: String,
        /// The switch.
        switch: SwitchArg,
        /// The setting.
        setting: SettingArg,
    },
}

/// A switch as named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SwitchArg {
    /// ActiveSync as a whole.
    Activesync,
    /// Email.
    Email,
    /// Contacts.
    Contacts,
    /// Calendar, tasks and notes.
    Pim,
}

impl From<SwitchArg> for Switch {
    fn from(s: SwitchArg) -> Switch {
        match s {
            SwitchArg::Activesync => Switch::ActiveSync,
            SwitchArg::Email => Switch::Email,
            SwitchArg::Contacts => Switch::Contacts,
            SwitchArg::Pim => Switch::Pim,
        }
    }
}

/// A setting as named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SettingArg {
    /// Take the value from the level above.
    Inherit,
    /// Explicitly enabled.
    Enabled,
    /// Explicitly disabled.
    Disabled,
}

impl From<SettingArg> for Setting {
    fn from(s: SettingArg) -> Setting {
        match s {
            SettingArg::Inherit => Setting::Inherit,
            SettingArg::Enabled => Setting::Enabled,
            SettingArg::Disabled => Setting::Disabled,
        }
    }
}

/// A server command for `main` to run, with its configuration loaded.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerRun {
    /// `demo`.
    Demo {
        /// The data directory asked for, if any.
        data_dir: Option<PathBuf>,
    },
    /// `serve`.
    Serve {
        /// The loaded and validated configuration.
        config: Box<Config>,
    },
    /// `import`.
    Import {
        /// The loaded and validated configuration.
        config: Box<Config>,
        /// The account to import into.
        account: String,
        /// Where the mail comes from.
        source: MailSource,
        /// The folder to import into; `None` is the Inbox.
        folder: Option<String>,
    },
}

/// Where imported mail comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailSource {
    /// A Maildir directory.
    Maildir(PathBuf),
    /// An mbox file.
    Mbox(PathBuf),
}

/// What [`run`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// An administration command succeeded; print this text to stdout and exit 0.
    Output(String),
    /// A server command, for `main` to run.
    RunServer(ServerRun),
    /// `top` without `--once`: refresh a view of the server at `metrics` every `interval`.
    Top {
        /// The operations listener.
        metrics: String,
        /// Between refreshes.
        interval: std::time::Duration,
    },
}

/// An operational error of a command (exit status 1).
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The configuration could not be used.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The account directory refused or failed.
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    /// The data directory could not be created.
    #[error("cannot create data directory {}: {source}", path.display())]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The password could not be read or is unusable.
    #[error("password: {0}")]
    Password(String),
    /// The store could not be opened.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// A device command failed.
    #[error(transparent)]
    Device(#[from] crate::device_access::DeviceAdminError),
    /// A domain policy change was refused.
    #[error(transparent)]
    Policy(#[from] crate::domain_policy::DomainPolicyError),
    /// The running server could not be reached.
    #[error("{0}")]
    Unreachable(String),
    /// An input file (picture, certificate) could not be read or is unusable.
    #[error("{}: {reason}", path.display())]
    InputFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

/// Runs a parsed command line, reading `--password-stdin` from standard input and hashing
/// passwords at production cost.
///
/// # Errors
/// [`CliError`]: print it and exit with status 1.
pub fn run(cli: Cli) -> Result<Outcome, CliError> {
    run_with(cli, &mut std::io::stdin().lock(), HashCost::PRODUCTION)
}

/// As [`run`], with the input `--password-stdin` reads and the password hashing cost given
/// (tests use a cheap cost).
///
/// # Errors
/// [`CliError`].
pub fn run_with(
    cli: Cli,
    stdin: &mut dyn BufRead,
    hash_cost: HashCost,
) -> Result<Outcome, CliError> {
    let output = match cli.command {
        Command::Demo { data_dir } => return Ok(Outcome::RunServer(ServerRun::Demo { data_dir })),
        Command::Serve { config } => {
            let config = Box::new(Config::load(&config)?);
            return Ok(Outcome::RunServer(ServerRun::Serve { config }));
        }
        Command::Import {
            config,
            account,
            source,
            folder,
        } => {
            let config = Box::new(Config::load(&config)?);
            let source = match (source.maildir, source.mbox) {
                (Some(dir), _) => MailSource::Maildir(dir),
                (None, Some(file)) => MailSource::Mbox(file),
                // clap's required group makes this unreachable; answer it as a usage slip.
                (None, None) => {
                    return Err(CliError::Config(ConfigError::Invalid(
                        "import needs --maildir or --mbox".to_owned(),
                    )));
                }
            };
            return Ok(Outcome::RunServer(ServerRun::Import {
                config,
                account,
                source,
                folder,
            }));
        }
        Command::Account { database, action } => {
            let mut dir = open_directory(&database, hash_cost)?;
            account_command(&mut dir, action, stdin)?
        }
        Command::Domain {
            mut database,
            mut action,
        } => {
            if let DomainCommand::Policy {
                action: DomainPolicyCommand::Set { settings, .. },
            } = &mut action
            {
                hoist_database_args(&mut database, settings)?;
            }
            let mut dir = open_directory(&database, hash_cost)?;
            domain_command(&mut dir, &database, action)?
        }
        Command::Class { database, action } => {
            let mut dir = open_directory(&database, hash_cost)?;
            class_command(&mut dir, action)?
        }
        Command::Top {
            metrics,
            once,
            interval,
        } => {
            if !once {
                return Ok(Outcome::Top {
                    metrics,
                    interval: std::time::Duration::from_secs(interval.max(1)),
                });
            }
            let status =
                crate::metrics_http::fetch_status(&metrics).map_err(CliError::Unreachable)?;
            crate::metrics::render_top(&status, None)
        }
        Command::Device { database, action } => {
            let dir = open_directory(&database, hash_cost)?;
            let store = crate::store::Store::open(data_dir_of(&database)?.join(DATABASE_FILE))?;
            device_command(&dir, store.connection(), action)?
        }
        Command::Usage {
            database,
            cap,
            unlimited,
        } => {
            let mut dir = open_directory(&database, hash_cost)?;
            let report = if unlimited {
                accounts::usage_set_cap(&mut dir, None)?
            } else if let Some(cap) = cap {
                accounts::usage_set_cap(&mut dir, Some(cap))?
            } else {
                accounts::usage(&dir)?
            };
            report.to_string()
        }
    };
    Ok(Outcome::Output(with_newline(output)))
}

fn with_newline(mut s: String) -> String {
    if !s.is_empty() && !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

/// The data directory `--data-dir` names, else the configuration's.
fn data_dir_of(database: &DatabaseArgs) -> Result<PathBuf, CliError> {
    Ok(match &database.data_dir {
        Some(dir) => dir.clone(),
        None => Config::load(&database.config)?.data_dir,
    })
}

fn device_command(
    dir: &Directory,
    conn: &rusqlite::Connection,
    action: DeviceCommand,
) -> Result<String, CliError> {
    use crate::device_access as d;
    let account_of = |login: &str| -> Result<(i64, String), CliError> {
        let account = dir.account_by_login(login)?;
        Ok((account.id.0, account.address()))
    };
    let rules = || d::rules(conn).map_err(|e| CliError::Device(e.into()));
    Ok(match action {
        DeviceCommand::List { login } => {
            let filter = login.as_deref().map(account_of).transpose()?;
            let records = d::list(conn, filter.as_ref().map(|(id, _)| *id))
                .map_err(|e| CliError::Device(e.into()))?;
            let mut named = Vec::new();
            for r in records {
                let login = match dir.account(crate::accounts::AccountId(r.account)) {
                    Ok(a) => a.address(),
                    Err(_) => format!("account {}", r.account),
                };
                named.push((login, r));
            }
            d::format_list(&named, &rules()?)
        }
        DeviceCommand::Show { login, device } => {
            let (id, address) = account_of(&login)?;
            d::format_one(&address, &d::show(conn, id, &device)?, &rules()?)
        }
        DeviceCommand::Wipe {
            login,
            device,
            account_only,
        } => {
            let (id, address) = account_of(&login)?;
            let r = d::request_wipe(conn, id, &device, account_only, chrono::Utc::now())?;
            format!(
                "{} wipe of {} ({address}) requested; it happens at the device's next connection",
                if account_only { "account-only" } else { "full" },
                r.device_id
            )
        }
        DeviceCommand::Block { login, device } => {
            let (id, address) = account_of(&login)?;
            d::set_access(conn, id, &device, "block")?;
            format!("{device} ({address}) blocked")
        }
        DeviceCommand::Allow { login, device } => {
            let (id, address) = account_of(&login)?;
            d::set_access(conn, id, &device, "allow")?;
            format!("{device} ({address}) allowed")
        }
        DeviceCommand::MaxVersion {
            login,
            highest,
            device,
        } => {
            let (id, address) = account_of(&login)?;
            let parsed = match highest.trim() {
                "none" => None,
                v => Some(eas_codec::ProtocolVersion::parse(v).ok_or_else(|| {
                    CliError::Device(d::DeviceAdminError::Invalid(format!(
                        "{v:?} is not a protocol version (2.5, 12.0, 12.1, 14.0, 14.1, 16.0, 16.1)"
                    )))
                })?),
            };
            d::set_ceiling(conn, id, device.as_deref(), parsed)?;
            let whom = match &device {
                Some(dev) => format!("{dev} ({address})"),
                None => address,
            };
            match parsed {
                Some(v) => format!("{whom} may use protocol versions up to {v}"),
                None => format!("{whom} may use every protocol version"),
            }
        }
        DeviceCommand::Resync { login, device } => {
            let (id, address) = account_of(&login)?;
            d::resync(conn, id, &device)?;
            format!("{device} ({address}) will provision and sync again from scratch")
        }
        DeviceCommand::Rule { action } => match action {
            RuleCommand::Add { action, matcher } => {
                let (field, pattern) = match (
                    matcher.device_type,
                    matcher.model,
                    matcher.os,
                    matcher.agent,
                ) {
                    (Some(p), _, _, _) => ("type", p),
                    (_, Some(p), _, _) => ("model", p),
                    (_, _, Some(p), _) => ("os", p),
                    (_, _, _, Some(p)) => ("agent", p),
                    _ => {
                        return Err(CliError::Device(d::DeviceAdminError::Invalid(
                            "a rule needs --type, --model, --os or --agent".into(),
                        )));
                    }
                };
                let action = match action {
                    RuleAction::Allow => "allow",
                    RuleAction::Block => "block",
                    RuleAction::Quarantine => "quarantine",
                };
                let id = d::add_rule(conn, action, field, &pattern)?;
                format!("rule {id}: {action} devices whose {field} contains {pattern:?}")
            }
            RuleCommand::List => {
                let rules = rules()?;
                if rules.is_empty() {
                    "no rules: every device may sync".to_string()
                } else {
                    rules
                        .iter()
                        .map(|r| {
                            format!(
                                "{}: {} {} contains {:?}",
                                r.id, r.action, r.field, r.pattern
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                }
            }
            RuleCommand::Remove { id } => {
                if d::remove_rule(conn, id).map_err(|e| CliError::Device(e.into()))? {
                    format!("rule {id} removed")
                } else {
                    return Err(CliError::Device(d::DeviceAdminError::Invalid(format!(
                        "no rule {id}"
                    ))));
                }
            }
        },
    })
}

/// Opens the directory in the database named by `--data-dir`, else by the configuration.
fn open_directory(database: &DatabaseArgs, hash_cost: HashCost) -> Result<Directory, CliError> {
    let (data_dir, mut directory_config) = match &database.data_dir {
        Some(dir) => (dir.clone(), DirectoryConfig::default()),
        None => {
            let config = Config::load(&database.config)?;
            let directory_config = config.directory_config();
            (config.data_dir, directory_config)
        }
    };
    directory_config.hash_cost = hash_cost;
    // The first administration command usually precedes the first `serve`.
    std::fs::create_dir_all(&data_dir).map_err(|source| CliError::DataDir {
        path: data_dir.clone(),
        source,
    })?;
    Ok(Directory::open(
        data_dir.join(DATABASE_FILE),
        directory_config,
    )?)
}

fn account_command(
    dir: &mut Directory,
    action: AccountCommand,
    stdin: &mut dyn BufRead,
) -> Result<String, CliError> {
    Ok(match action {
        AccountCommand::Add {
            login,
            name,
            class,
            password,
        } => {
            let (password, generated) = match (password.password, password.password_stdin) {
                (Some(pw), _) => (checked(pw)?, false),
                (None, true) => (read_password(stdin)?, false),
                (None, false) => (generate_password()?, true),
            };
            let display_name = name.unwrap_or_else(|| local_part(&login).to_owned());
            let view = accounts::account_add(
                dir,
                &login,
                &display_name,
                class.as_deref(),
                Some(&password),
            )?;
            if generated {
                format!("{view}\ngenerated password (shown only once): {password}")
            } else {
                view.to_string()
            }
        }
        AccountCommand::Passwd { login, password } => {
            let password = match password.password {
                Some(pw) => checked(pw)?,
                None => read_password(stdin)?,
            };
            accounts::account_passwd(dir, &login, &password)?.to_string()
        }
        AccountCommand::Enable { login } => accounts::account_enable(dir, &login)?.to_string(),
        AccountCommand::Disable { login } => accounts::account_disable(dir, &login)?.to_string(),
        AccountCommand::Set {
            login,
            switch,
            setting,
        } => accounts::account_set(dir, &login, switch.into(), setting.into())?.to_string(),
        AccountCommand::Class { login, class } => {
            accounts::account_set_class(dir, &login, class.as_deref())?.to_string()
        }
        AccountCommand::Show { login } => accounts::account_show(dir, &login)?.to_string(),
        AccountCommand::List { domain } => {
            accounts::account_list(dir, domain.as_deref())?.to_string()
        }
        AccountCommand::Picture { login, file } => {
            let id = dir.account_by_login(&login)?.id;
            let bytes = file.as_deref().map(read_input).transpose()?;
            dir.set_picture(id, bytes.as_deref())?;
            match bytes {
                Some(b) => format!("{login}: picture set ({} bytes)", b.len()),
                None => format!("{login}: picture removed"),
            }
        }
        AccountCommand::Certificate { login, file } => {
            let id = dir.account_by_login(&login)?.id;
            let der = match file.as_deref() {
                None => None,
                Some(path) => Some(certificate_der(path, &read_input(path)?)?),
            };
            dir.set_certificate(id, der.as_deref())?;
            match der {
                Some(d) => format!("{login}: certificate set ({} bytes DER)", d.len()),
                None => format!("{login}: certificate removed"),
            }
        }
    })
}

fn read_input(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|e| CliError::InputFile {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

/// The DER of a certificate file: the first PEM `CERTIFICATE` block, or the bytes as they
/// are when they parse as DER.
fn certificate_der(path: &Path, bytes: &[u8]) -> Result<Vec<u8>, CliError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let bad = |reason: &str| CliError::InputFile {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    let der = if bytes.starts_with(b"-----") || bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        CertificateDer::from_pem_slice(bytes)
            .map_err(|_| bad("no PEM CERTIFICATE block"))?
            .to_vec()
    } else {
        bytes.to_vec()
    };
    // Parsed as a certificate here so that ResolveRecipients never hands out garbage.
    webpki::EndEntityCert::try_from(&CertificateDer::from(der.as_slice()))
        .map_err(|_| bad("not an X.509 certificate"))?;
    Ok(der)
}

/// `domain policy set` takes every argument after the domain as a setting, which would
/// swallow the global `--config` / `--data-dir`: take those back out.
fn hoist_database_args(
    database: &mut DatabaseArgs,
    settings: &mut Vec<String>,
) -> Result<(), CliError> {
    let mut rest = Vec::with_capacity(settings.len());
    let mut it = std::mem::take(settings).into_iter();
    while let Some(arg) = it.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
            None => (arg.clone(), None),
        };
        if name != "--config" && name != "--data-dir" {
            rest.push(arg);
            continue;
        }
        let value = match inline.or_else(|| it.next()) {
            Some(v) => PathBuf::from(v),
            None => {
                return Err(CliError::Policy(
                    crate::domain_policy::DomainPolicyError::Invalid(format!(
                        "{name} needs a value"
                    )),
                ));
            }
        };
        if name == "--config" {
            database.config = value;
        } else {
            database.data_dir = Some(value);
        }
    }
    *settings = rest;
    Ok(())
}

fn domain_policy_command(
    dir: &Directory,
    database: &DatabaseArgs,
    conn: &rusqlite::Connection,
    action: DomainPolicyCommand,
) -> Result<String, CliError> {
    use crate::domain_policy as dp;
    let name = match &action {
        DomainPolicyCommand::Show { name } | DomainPolicyCommand::Set { name, .. } => name,
    };
    let domain = dir.domain(name)?.name;
    // The configured policy is the base; with --data-dir and no configuration file, the
    // built-in defaults (what the server uses without a [policy] section).
    let (base, source) = if database.data_dir.is_none() || database.config.exists() {
        let config = Config::load(&database.config)?;
        (
            config.policy_for(&domain).clone(),
            database.config.display().to_string(),
        )
    } else {
        (
            crate::provision::Policy::default(),
            "built-in defaults".to_owned(),
        )
    };
    let (policy, overrides) = match action {
        DomainPolicyCommand::Show { .. } => (
            dp::effective(conn, &base, &domain).map_err(|e| CliError::Policy(e.into()))?,
            dp::overrides(conn, &domain)?,
        ),
        DomainPolicyCommand::Set { settings, .. } => {
            let (changes, reset) = dp::parse_settings(&settings)?;
            let policy = dp::change(conn, &base, &domain, &changes, &reset)?;
            (policy, dp::overrides(conn, &domain)?)
        }
    };
    let mut out = format!("device policy of {domain} (base: {source})\n");
    let table = toml::Table::try_from(&policy)
        .map_err(|e| CliError::Policy(dp::DomainPolicyError::Invalid(e.to_string())))?;
    for (k, v) in &table {
        let mark = if overrides.contains_key(k) {
            "  (set here)"
        } else {
            ""
        };
        out.push_str(&format!("  {}: {v}{mark}\n", k.replace('_', "-")));
    }
    Ok(out)
}

fn domain_command(
    dir: &mut Directory,
    database: &DatabaseArgs,
    action: DomainCommand,
) -> Result<String, CliError> {
    Ok(match action {
        DomainCommand::Add { name } => accounts::domain_add(dir, &name)?.to_string(),
        DomainCommand::Remove { name } => accounts::domain_remove(dir, &name)?.to_string(),
        DomainCommand::Show { name } => accounts::domain_show(dir, &name)?.to_string(),
        DomainCommand::Enable { name } => accounts::domain_enable(dir, &name)?.to_string(),
        DomainCommand::Disable { name } => accounts::domain_disable(dir, &name)?.to_string(),
        DomainCommand::List => accounts::domain_list(dir)?.to_string(),
        DomainCommand::Policy { action } => {
            let store = crate::store::Store::open(data_dir_of(database)?.join(DATABASE_FILE))?;
            domain_policy_command(dir, database, store.connection(), action)?
        }
        DomainCommand::Set {
            name,
            switch,
            setting,
        } => accounts::domain_set(dir, &name, switch.into(), setting.into())?.to_string(),
    })
}

fn class_command(dir: &mut Directory, action: ClassCommand) -> Result<String, CliError> {
    Ok(match action {
        ClassCommand::Add { domain, name } => accounts::class_add(dir, &domain, &name)?.to_string(),
        ClassCommand::Remove { domain, name } => {
            accounts::class_remove(dir, &domain, &name)?.to_string()
        }
        ClassCommand::List { domain } => accounts::class_list(dir, domain.as_deref())?.to_string(),
        ClassCommand::Set {
            domain,
            name,
            switch,
            setting,
        } => accounts::class_set(dir, &domain, &name, switch.into(), setting.into())?.to_string(),
    })
}

/// The local part of `local@domain` (the whole login when it has no `@`).
fn local_part(login: &str) -> &str {
    login.rsplit_once('@').map_or(login, |(local, _)| local)
}

fn checked(password: String) -> Result<String, CliError> {
    if password.is_empty() {
        return Err(CliError::Password("the password is empty".to_owned()));
    }
    Ok(password)
}

/// Reads one line; the line end is not part of the password.
fn read_password(stdin: &mut dyn BufRead) -> Result<String, CliError> {
    let mut line = String::new();
    stdin
        .read_line(&mut line)
        .map_err(|e| CliError::Password(format!("cannot read standard input: {e}")))?;
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    checked(password.to_owned())
}

/// 128 random bits from the system RNG (through argon2's salt generator, already a
/// dependency), as 22 URL-safe base64 characters.
fn generate_password() -> Result<String, CliError> {
    let bytes = argon2::password_hash::try_generate_salt()
        .map_err(|e| CliError::Password(format!("no randomness available: {e}")))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}
