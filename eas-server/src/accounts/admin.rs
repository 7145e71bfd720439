//! The administration functions the command line calls: each returns a printable struct.
use std::fmt;

use super::{
    Account, AccountClass, Directory, DirectoryError, Domain, Effective, Setting, Switch, Switches,
    Target, Usage,
};

/// An action that succeeded, with a sentence saying what was done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Done(pub String);

impl fmt::Display for Done {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn fmt_switches(f: &mut fmt::Formatter<'_>, s: &Switches) -> fmt::Result {
    write!(
        f,
        "activesync={} email={} contacts={} pim={}",
        s.activesync, s.email, s.contacts, s.pim
    )
}

/// An account with its explicit and effective switches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountView {
    /// The account.
    pub account: Account,
    /// Its effective switches.
    pub effective: Effective,
}

impl fmt::Display for AccountView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = &self.account;
        let e = &self.effective;
        let on = |b: bool| if b { "on" } else { "off" };
        writeln!(f, "account:    {} ({})", a.address(), a.display_name)?;
        writeln!(f, "class:      {}", a.class.as_deref().unwrap_or("-"))?;
        writeln!(
            f,
            "password:   {}",
            if a.password_hash.is_some() {
                "set"
            } else {
                "none"
            }
        )?;
        write!(f, "explicit:   ")?;
        fmt_switches(f, &a.switches)?;
        writeln!(f)?;
        writeln!(
            f,
            "effective:  activesync={} (from {}) email={} contacts={} pim={}",
            on(e.activesync.enabled),
            e.activesync.source,
            on(e.allows(super::Feature::Email)),
            on(e.allows(super::Feature::Contacts)),
            on(e.allows(super::Feature::Pim)),
        )?;
        write!(
            f,
            "seat:       {}",
            if a.holds_seat {
                "held".to_owned()
            } else if let Some(at) = a.pool_disabled_at {
                format!("none (disabled by the seat pool at {at})")
            } else {
                "none".to_owned()
            }
        )
    }
}

/// A list of accounts, one line each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountList(pub Vec<AccountView>);

impl fmt::Display for AccountList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for v in &self.0 {
            writeln!(
                f,
                "{:<40} activesync={:<3} seat={}",
                v.account.address(),
                if v.effective.activesync.enabled {
                    "on"
                } else {
                    "off"
                },
                if v.account.holds_seat { "yes" } else { "no" }
            )?;
        }
        Ok(())
    }
}

/// A domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainView(pub Domain);

impl fmt::Display for DomainView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:<30} ", self.0.name)?;
        fmt_switches(f, &self.0.switches)
    }
}

/// A list of domains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainList(pub Vec<DomainView>);

impl fmt::Display for DomainList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        Ok(())
    }
}

/// An account class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassView(pub AccountClass);

impl fmt::Display for ClassView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{:<20} ", self.0.domain, self.0.name)?;
        fmt_switches(f, &self.0.switches)
    }
}

/// A list of classes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassList(pub Vec<ClassView>);

impl fmt::Display for ClassList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in &self.0 {
            writeln!(f, "{c}")?;
        }
        Ok(())
    }
}

/// Seat usage, printed like `sxlicense -u`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageReport(pub Usage);

impl fmt::Display for UsageReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let u = &self.0;
        writeln!(f, "ActiveSync seat usage")?;
        match (u.cap, u.free) {
            (Some(cap), Some(free)) => {
                writeln!(f, "Cap:  {cap}")?;
                writeln!(f, "Used: {}", u.used)?;
                writeln!(f, "Free: {free}")?;
            }
            _ => {
                writeln!(f, "Cap:  unlimited")?;
                writeln!(f, "Used: {}", u.used)?;
            }
        }
        for d in &u.domains {
            writeln!(
                f,
                "  {:<30} accounts={} seats={} disabled-by-pool={}",
                d.domain, d.accounts, d.seats, d.pool_disabled
            )?;
        }
        Ok(())
    }
}

fn view(dir: &Directory, account: Account) -> Result<AccountView, DirectoryError> {
    let effective = dir.effective(account.id)?;
    Ok(AccountView { account, effective })
}

/// `account add <address> <display name> [--class C] [--password P]`.
///
/// # Errors
/// As [`Directory::add_account`].
pub fn account_add(
    dir: &mut Directory,
    address: &str,
    display_name: &str,
    class: Option<&str>,
    password: Option<&str>,
) -> Result<AccountView, DirectoryError> {
    let a = dir.add_account(address, display_name, class, password)?;
    view(dir, a)
}

/// `account passwd <login> <password>`.
///
/// # Errors
/// As [`Directory::set_password`].
pub fn account_passwd(
    dir: &mut Directory,
    login: &str,
    password: &str,
) -> Result<Done, DirectoryError> {
    let a = dir.account_by_login(login)?;
    dir.set_password(a.id, Some(password))?;
    Ok(Done(format!("password of {} changed", a.address())))
}

/// `account enable <login>`: ActiveSync explicitly enabled (needs a free seat).
///
/// # Errors
/// As [`Directory::set_switch`].
pub fn account_enable(dir: &mut Directory, login: &str) -> Result<AccountView, DirectoryError> {
    account_set(dir, login, Switch::ActiveSync, Setting::Enabled)
}

/// `account disable <login>`: ActiveSync explicitly disabled (its seat is freed).
///
/// # Errors
/// As [`Directory::set_switch`].
pub fn account_disable(dir: &mut Directory, login: &str) -> Result<AccountView, DirectoryError> {
    account_set(dir, login, Switch::ActiveSync, Setting::Disabled)
}

/// `account set <login> <switch> <inherit|enabled|disabled>`.
///
/// # Errors
/// As [`Directory::set_switch`].
pub fn account_set(
    dir: &mut Directory,
    login: &str,
    switch: Switch,
    setting: Setting,
) -> Result<AccountView, DirectoryError> {
    let a = dir.account_by_login(login)?;
    dir.set_switch(Target::Account(a.id), switch, setting)?;
    let a = dir.account(a.id)?;
    view(dir, a)
}

/// `account class <login> [class]`.
///
/// # Errors
/// As [`Directory::set_class`].
pub fn account_set_class(
    dir: &mut Directory,
    login: &str,
    class: Option<&str>,
) -> Result<AccountView, DirectoryError> {
    let a = dir.account_by_login(login)?;
    dir.set_class(a.id, class)?;
    let a = dir.account(a.id)?;
    view(dir, a)
}

/// `account show <login>`.
///
/// # Errors
/// [`DirectoryError::NotFound`], database errors.
pub fn account_show(dir: &Directory, login: &str) -> Result<AccountView, DirectoryError> {
    let a = dir.account_by_login(login)?;
    view(dir, a)
}

/// `account list [domain]`.
///
/// # Errors
/// Database errors.
pub fn account_list(dir: &Directory, domain: Option<&str>) -> Result<AccountList, DirectoryError> {
    let views = dir
        .accounts(domain)?
        .into_iter()
        .map(|a| view(dir, a))
        .collect::<Result<_, _>>()?;
    Ok(AccountList(views))
}

/// `domain add <name>`.
///
/// # Errors
/// As [`Directory::add_domain`].
pub fn domain_add(dir: &mut Directory, name: &str) -> Result<DomainView, DirectoryError> {
    dir.add_domain(name).map(DomainView)
}

/// `domain remove <name>`.
///
/// # Errors
/// As [`Directory::remove_domain`].
pub fn domain_remove(dir: &mut Directory, name: &str) -> Result<Done, DirectoryError> {
    dir.remove_domain(name)?;
    Ok(Done(format!("domain {name} removed")))
}

/// `domain show <name>`.
///
/// # Errors
/// As [`Directory::domain`].
pub fn domain_show(dir: &Directory, name: &str) -> Result<DomainView, DirectoryError> {
    dir.domain(name).map(DomainView)
}

/// `domain list`.
///
/// # Errors
/// Database errors.
pub fn domain_list(dir: &Directory) -> Result<DomainList, DirectoryError> {
    Ok(DomainList(
        dir.domains()?.into_iter().map(DomainView).collect(),
    ))
}

/// `domain set <name> <switch> <setting>`.
///
/// # Errors
/// As [`Directory::set_switch`].
pub fn domain_set(
    dir: &mut Directory,
    name: &str,
    switch: Switch,
    setting: Setting,
) -> Result<DomainView, DirectoryError> {
    dir.set_switch(Target::Domain(name), switch, setting)?;
    domain_show(dir, name)
}

/// `domain enable <name>`: ActiveSync enabled for the domain (accounts inheriting it take
/// seats on first connection, first come).
///
/// # Errors
/// As [`Directory::set_switch`].
pub fn domain_enable(dir: &mut Directory, name: &str) -> Result<DomainView, DirectoryError> {
    domain_set(dir, name, Switch::ActiveSync, Setting::Enabled)
}

/// `domain disable <name>`: ActiveSync disabled for the domain (inheriting accounts free
/// their seats).
///
/// # Errors
/// As [`Directory::set_switch`].
pub fn domain_disable(dir: &mut Directory, name: &str) -> Result<DomainView, DirectoryError> {
    domain_set(dir, name, Switch::ActiveSync, Setting::Disabled)
}

/// `class add <domain> <name>`.
///
/// # Errors
/// As [`Directory::add_class`].
pub fn class_add(
    dir: &mut Directory,
    domain: &str,
    name: &str,
) -> Result<ClassView, DirectoryError> {
    dir.add_class(domain, name).map(ClassView)
}

/// `class remove <domain> <name>`.
///
/// # Errors
/// As [`Directory::remove_class`].
pub fn class_remove(dir: &mut Directory, domain: &str, name: &str) -> Result<Done, DirectoryError> {
    dir.remove_class(domain, name)?;
    Ok(Done(format!("class {domain}/{name} removed")))
}

/// `class list [domain]`.
///
/// # Errors
/// Database errors.
pub fn class_list(dir: &Directory, domain: Option<&str>) -> Result<ClassList, DirectoryError> {
    Ok(ClassList(
        dir.classes(domain)?.into_iter().map(ClassView).collect(),
    ))
}

/// `class set <domain> <name> <switch> <setting>`.
///
/// # Errors
/// As [`Directory::set_switch`].
pub fn class_set(
    dir: &mut Directory,
    domain: &str,
    name: &str,
    switch: Switch,
    setting: Setting,
) -> Result<ClassView, DirectoryError> {
    dir.set_switch(Target::Class { domain, name }, switch, setting)?;
    dir.class(domain, name).map(ClassView)
}

/// `usage`.
///
/// # Errors
/// Database errors.
pub fn usage(dir: &Directory) -> Result<UsageReport, DirectoryError> {
    dir.usage().map(UsageReport)
}

/// `usage cap <n|unlimited>`.
///
/// # Errors
/// Database errors.
pub fn usage_set_cap(dir: &mut Directory, cap: Option<u32>) -> Result<UsageReport, DirectoryError> {
    dir.set_seat_cap(cap)?;
    usage(dir)
}
