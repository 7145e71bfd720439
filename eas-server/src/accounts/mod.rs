//! The account directory: domains, account classes, accounts, the ActiveSync switches with
//! their inheritance, the capped ActiveSync seat pool, password hashing and login throttling.
//!
//! # Inheritance rule
//!
//! Each account has four switches — ActiveSync, Email, Contacts and PIM (calendar, tasks,
//! notes) — and so have its class and its domain. Every switch is a tri-state [`Setting`].
//! A switch is resolved **independently** of the others by taking the first setting that is
//! not [`Setting::Inherit`] in the order *account → account class → domain*; if all three
//! inherit, the server default applies: ActiveSync is **disabled** by default, Email,
//! Contacts and PIM are **enabled** by default (so enabling ActiveSync grants everything
//! unless a level restricts it).
//!
//! A sub-option is *effective* only when ActiveSync itself resolves to enabled: when
//! ActiveSync is disabled, Email, Contacts and PIM are all effectively disabled whatever
//! their own resolved value (which [`Effective`] still reports, for display).
//!
//! # Seat pool
//!
//! The number of accounts that may use ActiveSync is capped ([`Directory::set_seat_cap`]).
//! Seats are taken first come, first served by [`Directory::admit`], called on every
//! ActiveSync connection; an account whose ActiveSync is disabled at some level never takes
//! one, and one that loses its entitlement (disabled by the admin, at its class or domain, or
//! removed) gives its seat back. See [`Directory::admit`] for the exact behaviour.
mod admin;
mod directory;
mod password;
mod throttle;

pub use admin::{
    AccountList, AccountView, ClassList, ClassView, DomainList, DomainView, Done, UsageReport,
    account_add, account_disable, account_enable, account_list, account_passwd, account_set,
    account_set_class, account_show, class_add, class_list, class_remove, class_set, domain_add,
    domain_disable, domain_enable, domain_list, domain_remove, domain_set, domain_show, usage,
    usage_set_cap,
};
pub use directory::{
    Account, AccountClass, AccountId, Admission, AuthError, ClassId, Directory, DirectoryConfig,
    DirectoryError, Domain, DomainId, DomainUsage, MAX_PICTURE_BYTES, Refusal, SCHEMA_VERSION,
    Target, Usage,
};
pub use password::HashCost;
pub use throttle::ThrottlePolicy;

/// A tri-state switch as stored at one level (domain, class or account).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Setting {
    /// Take the value from the next level up (account → class → domain → server default).
    #[default]
    Inherit,
    /// Explicitly enabled at this level.
    Enabled,
    /// Explicitly disabled at this level.
    Disabled,
}

impl Setting {
    pub(crate) fn to_db(self) -> i64 {
        match self {
            Setting::Inherit => 0,
            Setting::Enabled => 1,
            Setting::Disabled => 2,
        }
    }

    pub(crate) fn from_db(v: i64) -> Setting {
        match v {
            1 => Setting::Enabled,
            2 => Setting::Disabled,
            _ => Setting::Inherit,
        }
    }

    /// The setting's name as printed and parsed: `inherit`, `enabled`, `disabled`.
    pub fn as_str(self) -> &'static str {
        match self {
            Setting::Inherit => "inherit",
            Setting::Enabled => "enabled",
            Setting::Disabled => "disabled",
        }
    }
}

impl std::fmt::Display for Setting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Setting {
    type Err = DirectoryError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "inherit" => Ok(Setting::Inherit),
            "enabled" | "enable" | "on" | "yes" => Ok(Setting::Enabled),
            "disabled" | "disable" | "off" | "no" => Ok(Setting::Disabled),
            _ => Err(DirectoryError::Invalid {
                what: "setting",
                value: s.to_owned(),
            }),
        }
    }
}

/// An ActiveSync functionality an account may be allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Feature {
    /// Email synchronisation and push.
    Email,
    /// The contacts address book.
    Contacts,
    /// Calendar, tasks and notes.
    Pim,
}

/// One of the four switches held at every level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Switch {
    /// ActiveSync as a whole.
    ActiveSync,
    /// The Email sub-option.
    Email,
    /// The Contacts sub-option.
    Contacts,
    /// The PIM sub-option (calendar, tasks, notes).
    Pim,
}

impl Switch {
    pub(crate) fn column(self) -> &'static str {
        match self {
            Switch::ActiveSync => "activesync",
            Switch::Email => "email",
            Switch::Contacts => "contacts",
            Switch::Pim => "pim",
        }
    }
}

impl From<Feature> for Switch {
    fn from(f: Feature) -> Switch {
        match f {
            Feature::Email => Switch::Email,
            Feature::Contacts => Switch::Contacts,
            Feature::Pim => Switch::Pim,
        }
    }
}

impl std::str::FromStr for Switch {
    type Err = DirectoryError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "activesync" => Ok(Switch::ActiveSync),
            "email" => Ok(Switch::Email),
            "contacts" => Ok(Switch::Contacts),
            "pim" => Ok(Switch::Pim),
            _ => Err(DirectoryError::Invalid {
                what: "switch",
                value: s.to_owned(),
            }),
        }
    }
}

/// The four switches as stored at one level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Switches {
    /// ActiveSync as a whole.
    pub activesync: Setting,
    /// The Email sub-option.
    pub email: Setting,
    /// The Contacts sub-option.
    pub contacts: Setting,
    /// The PIM sub-option.
    pub pim: Setting,
}

impl Switches {
    /// The setting of one switch.
    pub fn get(&self, switch: Switch) -> Setting {
        match switch {
            Switch::ActiveSync => self.activesync,
            Switch::Email => self.email,
            Switch::Contacts => self.contacts,
            Switch::Pim => self.pim,
        }
    }

    /// Changes the setting of one switch.
    pub fn set(&mut self, switch: Switch, setting: Setting) {
        match switch {
            Switch::ActiveSync => self.activesync = setting,
            Switch::Email => self.email = setting,
            Switch::Contacts => self.contacts = setting,
            Switch::Pim => self.pim = setting,
        }
    }
}

/// The level a resolved value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// Set explicitly on the account.
    Account,
    /// Set on the account's class.
    Class,
    /// Set on the account's domain.
    Domain,
    /// Nothing set anywhere: the server default.
    Default,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Source::Account => "account",
            Source::Class => "class",
            Source::Domain => "domain",
            Source::Default => "default",
        })
    }
}

/// A resolved switch: its value and where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolved {
    /// Whether the switch is on.
    pub enabled: bool,
    /// The level that decided.
    pub source: Source,
}

/// The effective switches of an account (see the module documentation for the rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Effective {
    /// ActiveSync as a whole.
    pub activesync: Resolved,
    /// The Email sub-option as resolved on its own (see [`Effective::allows`]).
    pub email: Resolved,
    /// The Contacts sub-option as resolved on its own.
    pub contacts: Resolved,
    /// The PIM sub-option as resolved on its own.
    pub pim: Resolved,
}

impl Effective {
    /// Whether the feature is usable: ActiveSync enabled *and* the sub-option enabled.
    pub fn allows(&self, feature: Feature) -> bool {
        let sub = match feature {
            Feature::Email => self.email,
            Feature::Contacts => self.contacts,
            Feature::Pim => self.pim,
        };
        self.activesync.enabled && sub.enabled
    }
}

/// The server default of a switch when every level inherits: ActiveSync off, the
/// sub-options on.
pub fn default_of(switch: Switch) -> bool {
    !matches!(switch, Switch::ActiveSync)
}

/// Resolves one switch: account, then class, then domain, then the server default.
pub fn resolve_switch(
    domain: &Switches,
    class: Option<&Switches>,
    account: &Switches,
    switch: Switch,
) -> Resolved {
    let levels = [
        (Some(account), Source::Account),
        (class, Source::Class),
        (Some(domain), Source::Domain),
    ];
    for (level, source) in levels {
        match level.map(|s| s.get(switch)) {
            Some(Setting::Enabled) => {
                return Resolved {
                    enabled: true,
                    source,
                };
            }
            Some(Setting::Disabled) => {
                return Resolved {
                    enabled: false,
                    source,
                };
            }
            _ => {}
        }
    }
    Resolved {
        enabled: default_of(switch),
        source: Source::Default,
    }
}

/// Resolves all four switches of an account.
pub fn resolve(domain: &Switches, class: Option<&Switches>, account: &Switches) -> Effective {
    Effective {
        activesync: resolve_switch(domain, class, account, Switch::ActiveSync),
        email: resolve_switch(domain, class, account, Switch::Email),
        contacts: resolve_switch(domain, class, account, Switch::Contacts),
        pim: resolve_switch(domain, class, account, Switch::Pim),
    }
}
