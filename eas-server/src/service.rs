//! The command layer: what happens between an authenticated HTTP request and its response.
//!
//! For each request: credentials are checked (with a short-lived cache, so a phone's Basic
//! auth on every request costs one Argon2 verification per cache period, not per request),
//! the `User` parameter must name the authenticated account, the account must be admitted by
//! the seat pool, the device must be provisioned, and then the command runs.
//!
//! **One transaction per command.** A command that reads or changes the mailbox runs on the
//! blocking pool inside one SQLite transaction: the device's state is loaded, the sans-IO
//! engine runs against the account's [`Mailbox`], the new state is saved, and the
//! transaction commits — only then is the response encoded and sent. A crash at any point
//! loses at most a response the device will ask for again (and the engine replays).
//!
//! **Push.** Ping and Sync-with-Wait park as async waits on the [`Hub`]; after every commit
//! the changed folders are announced there, which wakes the parked requests of every device
//! of that account that watches one of them.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::Response;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use eas_codec::codec::{DecodeOptions, Element, decode, encode};
use eas_codec::command::Command;
use eas_codec::command::estimate::GetItemEstimateRequest;
use eas_codec::command::folder::{
    FolderCreateRequest, FolderDeleteRequest, FolderSyncRequest, FolderUpdateRequest,
};
use eas_codec::command::move_items::MoveItemsRequest;
use eas_codec::command::ping::{PingRequest, PingResponse, PingStatus};
use eas_codec::command::settings::{
    Account as SettingsAccount, Accounts, DeviceInformationStatus, DevicePasswordStatus,
    DeviceProperty, EmailAddresses, OofResponse, SettingsRequest, SettingsResponse, SettingsStatus,
    UserInformationGet, UserInformationResponse,
};
use eas_codec::command::sync::SyncRequest;
use eas_codec::{CodecError, ProtocolVersion};
use eas_sync_engine::push::{PingOutcome, PingWake};
use eas_sync_engine::{CollectionId, Context, DeviceId, DeviceState, Engine, Limits, SyncOutcome};
use rusqlite::{Connection, TransactionBehavior};

use crate::accounts::{Admission, AuthError, Directory, Feature};
use crate::http::{Credentials, EasRequest, HttpFailure, ShutdownToken, wbxml_response};
use crate::hub::{Hub, Wake};
use crate::item_operations::{self, AttachmentData, FetchLimits};
use crate::lookup;
use crate::mailin::Message;
use crate::meetings;
use crate::provision::{Policy, PolicyCheck, ProvisionInput};
use crate::status_response::status_only;
use crate::store::devices;
use crate::store::mailbox::{Mailbox, Visibility, ensure_mailbox, read_content_range};
use eas_codec::command::compose::{
    ComposeMailStatus, SendMailRequest, SendMailResponse, SmartForwardRequest,
    SmartForwardResponse, SmartReplyRequest, SmartReplyResponse,
};
use eas_codec::command::item_operations::ItemOperationsRequest;
use eas_codec::command::meeting_response::{MeetingResponseRequest, MeetingResponseResponse};
use eas_codec::command::provision::{ProvisionRequest, ProvisionResponse, ProvisionStatus};
use eas_codec::status::CommonStatus;
use eas_model::compose::{LegacyQuery, Outgoing, SendContext, SmartKind, SmartRequest, SourceRef};
use eas_model::mail::BodyOptions;
use eas_model::mail::outline::{PartDecoder, StoredPart};
use eas_sync_engine::backend::FolderClass;

/// What the command layer is configured with.
#[derive(Debug, Clone)]
pub struct ServiceSettings {
    /// The engine's bounds.
    pub limits: Limits,
    /// The device policy of every domain without its own.
    pub policy: Policy,
    /// Per-domain policies.
    pub domain_policy: BTreeMap<String, Policy>,
    /// The longest a parked Ping or Sync is held, whatever the device asked.
    pub max_parked: Duration,
    /// The time zone for dates that carry none (birthdays, all-day tasks).
    pub zone: Tz,
    /// How long a verified password is remembered for the same login.
    pub auth_cache_ttl: Duration,
    /// Most store transactions running or queued at once; beyond it a request is answered
    /// 503 with `Retry-After` instead of queueing without bound (overload).
    pub max_pending_transactions: usize,
    /// The smarthost and retry schedule of outbound mail.
    pub relay: crate::mailout::RelayConfig,
    /// The domain of Message-IDs the server generates.
    pub mail_domain: String,
    /// The ActiveSync URL Autodiscover gives phones.
    pub public_url: String,
    /// The roots ValidateCert trusts.
    pub smime_roots: Arc<Vec<rustls::pki_types::CertificateDer<'static>>>,
}

impl Default for ServiceSettings {
    fn default() -> Self {
        ServiceSettings {
            limits: Limits::default(),
            policy: Policy::default(),
            domain_policy: BTreeMap::new(),
            max_parked: Duration::from_secs(3600),
            zone: Tz::UTC,
            auth_cache_ttl: Duration::from_secs(300),
            max_pending_transactions: 1024,
            relay: crate::mailout::RelayConfig::default(),
            mail_domain: "localhost".to_owned(),
            public_url: "https://localhost:8443/Microsoft-Server-ActiveSync".to_owned(),
            smime_roots: Arc::new(Vec::new()),
        }
    }
}

impl ServiceSettings {
    /// The policy of a domain.
    pub fn policy_for(&self, domain: &str) -> &Policy {
        self.domain_policy.get(domain).unwrap_or(&self.policy)
    }
}

/// The authenticated, admitted caller of a request.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The account's row id.
    pub account: i64,
    /// `local@domain`.
    pub address: String,
    /// The domain.
    pub domain: String,
    /// The display name.
    pub display_name: String,
    /// Which folder classes the account's switches let it see.
    pub visible: Visibility,
    /// What the store knows of the requesting device, read in the same hand-off to the
    /// blocking pool as the admission (see [`Service::check_policy`]).
    pub(crate) device: Arc<DeviceFacts>,
}

/// What the directory says of an admitted account.
struct Admitted {
    address: String,
    domain: String,
    display_name: String,
    visible: Visibility,
}

/// The device-side facts every command is checked against before it runs.
#[derive(Debug)]
pub(crate) struct DeviceFacts {
    provisioning: crate::provision::DeviceProvisioning,
    access: crate::device_access::Access,
    ceiling: Option<ProtocolVersion>,
    policy: Policy,
}

impl DeviceFacts {
    /// Records the request on the device's record and reads what the checks need.
    fn read(
        conn: &Connection,
        account: i64,
        req: &EasRequest,
        base: &Policy,
        domain: &str,
    ) -> Result<DeviceFacts, rusqlite::Error> {
        let record = crate::device_access::touch(
            conn,
            account,
            &req.device_id,
            &req.device_type,
            &format!("{:?}", req.command),
            &req.protocol_version.to_string(),
            Utc::now(),
        )?;
        let rules = crate::device_access::rules(conn)?;
        let access = crate::device_access::access(&record, &rules);
        let provisioning = devices::load_provisioning(conn, account, &req.device_id)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        let ceiling = crate::device_access::ceiling(conn, account, Some(&req.device_id))?;
        let policy = crate::domain_policy::effective(conn, base, domain)?;
        Ok(DeviceFacts {
            provisioning,
            access,
            ceiling,
            policy,
        })
    }
}

struct CachedLogin {
    digest: [u8; 32],
    account: i64,
    until: Instant,
}

struct Inner {
    directory: Mutex<Directory>,
    db: Mutex<Connection>,
    hub: Arc<Hub>,
    engine: Engine,
    settings: ServiceSettings,
    logins: Mutex<HashMap<String, CachedLogin>>,
    salt: [u8; 16],
    pending: Arc<tokio::sync::Semaphore>,
    /// Wakes the outbound relay when something is queued.
    outbound: tokio::sync::Notify,
    /// What operations watch.
    metrics: Arc<crate::metrics::Metrics>,
}

/// The ActiveSync command handler over the directory and the store.
#[derive(Clone)]
pub struct Service {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service").finish_non_exhaustive()
    }
}

/// Why a command could not run; becomes an HTTP status.
fn internal(what: impl std::fmt::Display) -> HttpFailure {
    tracing::error!(error = %what, "internal error");
    HttpFailure::Internal
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A decoded request body, or the answer for a malformed one.
fn decode_body<T: Element + Default>(
    body: &[u8],
    version: ProtocolVersion,
    empty_allowed: bool,
) -> Result<T, HttpFailure> {
    if body.is_empty() {
        return if empty_allowed {
            Ok(T::default())
        } else {
            Err(HttpFailure::BadRequest(
                crate::http::RequestError::MalformedBody("the command needs a body".into()),
            ))
        };
    }
    let mut opts = DecodeOptions::new(version);
    // Devices send elements of other versions (MS-ASCMD's own examples do); reading them is
    // kinder than failing the request, and the response is written for the device's version.
    opts.strict_versions = false;
    decode::<T>(body, opts).map_err(|e: CodecError| {
        tracing::debug!(error = %e, "malformed request body");
        HttpFailure::BadRequest(crate::http::RequestError::MalformedBody(e.to_string()))
    })
}

fn respond<T: Element>(value: &T, version: ProtocolVersion) -> Result<Response<Body>, HttpFailure> {
    encode(value, version).map(wbxml_response).map_err(internal)
}

impl Service {
    /// A service over an open directory and store connection (both on the same database
    /// file or not), announcing changes on `hub`.
    pub fn new(
        directory: Directory,
        store: Connection,
        hub: Arc<Hub>,
        settings: ServiceSettings,
    ) -> Service {
        let mut salt = [0u8; 16];
        // The salt only keeps cached password digests from being comparable across
        // processes; a failed RNG leaves it zero, which is still correct.
        let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut salt);
        Service {
            inner: Arc::new(Inner {
                directory: Mutex::new(directory),
                db: Mutex::new(store),
                hub,
                engine: Engine {
                    limits: settings.limits,
                },
                logins: Mutex::new(HashMap::new()),
                salt,
                pending: Arc::new(tokio::sync::Semaphore::new(
                    settings.max_pending_transactions.max(1),
                )),
                settings,
                outbound: tokio::sync::Notify::new(),
                metrics: Arc::new(crate::metrics::Metrics::default()),
            }),
        }
    }

    /// The operations registry (counters, gauges, parked requests).
    pub fn metrics(&self) -> &Arc<crate::metrics::Metrics> {
        &self.inner.metrics
    }

    /// The outbound relay's settings.
    pub fn relay_config(&self) -> &crate::mailout::RelayConfig {
        &self.inner.settings.relay
    }

    /// Wake the outbound relay (something was queued).
    pub fn wake_outbound(&self) {
        self.inner.outbound.notify_one();
    }

    /// Resolves when [`Service::wake_outbound`] is called.
    pub async fn outbound_notified(&self) {
        self.inner.outbound.notified().await;
    }

    /// The notification hub.
    pub fn hub(&self) -> &Arc<Hub> {
        &self.inner.hub
    }

    /// A place among the pending store transactions, or 503 when the server is overloaded.
    fn admit_transaction(&self) -> Result<tokio::sync::OwnedSemaphorePermit, HttpFailure> {
        self.inner.pending.clone().try_acquire_owned().map_err(|_| {
            tracing::warn!("overloaded: too many store transactions pending");
            HttpFailure::ServiceUnavailable {
                retry_after_secs: 5,
            }
        })
    }

    /// Run `f` on the store connection on the blocking pool.
    pub async fn with_store<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> R + Send + 'static,
    ) -> Result<R, HttpFailure> {
        let permit = self.admit_transaction()?;
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let mut conn = lock(&inner.db);
            f(&mut conn)
        })
        .await
        .map_err(internal)
    }

    /// Run `f` on the directory on the blocking pool.
    pub async fn with_directory<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Directory) -> R + Send + 'static,
    ) -> Result<R, HttpFailure> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let mut dir = lock(&inner.directory);
            f(&mut dir)
        })
        .await
        .map_err(internal)
    }

    fn digest(&self, password: &str) -> [u8; 32] {
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        ctx.update(&self.inner.salt);
        ctx.update(password.as_bytes());
        let mut out = [0u8; 32];
        out.copy_from_slice(ctx.finish().as_ref());
        out
    }

    /// Run one command in one transaction: load the device's state, run `f` against the
    /// account's mailbox, save the state, commit, then announce the changes.
    async fn transact<R: Send + 'static>(
        &self,
        principal: &Principal,
        device: &str,
        version: ProtocolVersion,
        f: impl FnOnce(&Engine, &Context<'_>, &mut DeviceState, &mut Mailbox<'_>) -> R + Send + 'static,
    ) -> Result<R, HttpFailure> {
        let permit = self.admit_transaction()?;
        let inner = self.inner.clone();
        let p = principal.clone();
        let device = DeviceId(device.to_string());
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let now = Utc::now();
            let mut conn = lock(&inner.db);
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(internal)?;
            ensure_mailbox(&tx, p.account).map_err(internal)?;
            let mut state = devices::load_state(&tx, p.account, &device).map_err(internal)?;
            let ctx = Context {
                device: &device,
                version,
                now,
            };
            let mut mailbox = Mailbox::new(
                &tx,
                p.account,
                &p.address,
                p.visible,
                inner.settings.zone,
                now,
                version,
            );
            let value = f(&inner.engine, &ctx, &mut state, &mut mailbox);
            let touched: BTreeSet<CollectionId> = mailbox.touched().clone();
            let hierarchy = mailbox.hierarchy_touched();
            drop(mailbox);
            devices::save_state(&tx, p.account, &device, &state).map_err(internal)?;
            tx.commit().map_err(internal)?;
            inner.hub.notify(p.account, touched.iter(), hierarchy);
            Ok::<_, HttpFailure>(value)
        })
        .await
        .map_err(internal)?
    }

    /// Read-only access to the device's state and the mailbox, in one read transaction.
    async fn read<R: Send + 'static>(
        &self,
        principal: &Principal,
        device: &str,
        version: ProtocolVersion,
        f: impl FnOnce(&Engine, &Context<'_>, &DeviceState, &Mailbox<'_>) -> R + Send + 'static,
    ) -> Result<R, HttpFailure> {
        let permit = self.admit_transaction()?;
        let inner = self.inner.clone();
        let p = principal.clone();
        let device = DeviceId(device.to_string());
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let now = Utc::now();
            let mut conn = lock(&inner.db);
            let tx = conn.transaction().map_err(internal)?;
            let state = devices::load_state(&tx, p.account, &device).map_err(internal)?;
            let ctx = Context {
                device: &device,
                version,
                now,
            };
            let mailbox = Mailbox::new(
                &tx,
                p.account,
                &p.address,
                p.visible,
                inner.settings.zone,
                now,
                version,
            );
            Ok(f(&inner.engine, &ctx, &state, &mailbox))
        })
        .await
        .map_err(internal)?
    }

    async fn login(&self, credentials: &Credentials, peer: IpAddr) -> Result<i64, HttpFailure> {
        let key = credentials.user.trim().to_lowercase();
        let digest = self.digest(&credentials.password);
        {
            let cache = lock(&self.inner.logins);
            if let Some(c) = cache.get(&key)
                && c.digest == digest
                && c.until > Instant::now()
            {
                return Ok(c.account);
            }
        }
        let login = credentials.user.clone();
        let password = credentials.password.clone();
        let result = self
            .with_directory(move |dir| dir.authenticate(&login, &password, peer, Utc::now()))
            .await?;
        match result {
            Ok(id) => {
                let mut cache = lock(&self.inner.logins);
                // Bounded: a flood of distinct logins cannot grow the cache without limit.
                if cache.len() >= 100_000 {
                    let now = Instant::now();
                    cache.retain(|_, c| c.until > now);
                    if cache.len() >= 100_000 {
                        cache.clear();
                    }
                }
                cache.insert(
                    key,
                    CachedLogin {
                        digest,
                        account: id.0,
                        until: Instant::now() + self.inner.settings.auth_cache_ttl,
                    },
                );
                Ok(id.0)
            }
            Err(AuthError::InvalidCredentials) => Err(HttpFailure::Unauthorized),
            Err(AuthError::Throttled { until }) => {
                let secs = (until - Utc::now()).num_seconds().clamp(1, 3600);
                Err(HttpFailure::ServiceUnavailable {
                    retry_after_secs: u32::try_from(secs).unwrap_or(60),
                })
            }
            Err(AuthError::Directory(e)) => Err(internal(e)),
        }
    }

    /// Forget cached logins (after a password change or account removal in this process).
    pub fn forget_logins(&self) {
        lock(&self.inner.logins).clear();
    }

    /// Admits the account (directory) and reads the requesting device's facts (store) in
    /// one hand-off to the blocking pool: each hand-off is two thread switches, which were
    /// a quarter of the server's CPU under no-change Syncs.
    async fn admit(&self, account: i64, request: &EasRequest) -> Result<Principal, HttpFailure> {
        let permit = self.admit_transaction()?;
        let inner = self.inner.clone();
        let req = request.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let admitted = {
                let mut dir = lock(&inner.directory);
                Self::admit_in(&mut dir, account, &req.user)?
            };
            let base = inner.settings.policy_for(&admitted.domain);
            let conn = lock(&inner.db);
            let device = DeviceFacts::read(&conn, account, &req, base, &admitted.domain)
                .map_err(internal)?;
            Ok(Principal {
                account,
                address: admitted.address,
                domain: admitted.domain,
                display_name: admitted.display_name,
                visible: admitted.visible,
                device: Arc::new(device),
            })
        })
        .await
        .map_err(internal)?
    }

    fn admit_in(
        dir: &mut Directory,
        account: i64,
        user_param: &str,
    ) -> Result<Admitted, HttpFailure> {
        let id = crate::accounts::AccountId(account);
        let a = dir.account(id).map_err(internal)?;
        // The `User` parameter must name the authenticated account: no request ever
        // reaches another account's data.
        let named = user_param.trim();
        let same = if named.contains('@') || named.contains('\\') {
            dir.find_account(named).map_err(internal)? == Some(id)
        } else {
            named.to_lowercase() == a.local
        };
        if !same {
            tracing::warn!(account = %a.address(), user = %named, "User parameter names another account");
            return Err(HttpFailure::Forbidden);
        }
        match dir.admit(id, Utc::now()).map_err(internal)? {
            Admission::Admitted => {}
            Admission::Refused(why) => {
                tracing::warn!(account = %a.address(), reason = %why, "ActiveSync refused");
                return Err(HttpFailure::Forbidden);
            }
        }
        let eff = dir.effective(id).map_err(internal)?;
        Ok(Admitted {
            address: a.address(),
            domain: a.domain.clone(),
            display_name: a.display_name.clone(),
            visible: Visibility {
                email: eff.allows(Feature::Email),
                contacts: eff.allows(Feature::Contacts),
                pim: eff.allows(Feature::Pim),
            },
        })
    }

    /// Deliver a message held in memory to a local account's folder of `folder_type`
    /// (2 = Inbox), announcing it; see [`Service::deliver_message`].
    pub async fn deliver(
        &self,
        account: i64,
        address: String,
        raw: Bytes,
        initial: crate::store::mailbox::InitialMailState,
        folder_type: u8,
    ) -> Result<(CollectionId, eas_sync_engine::ItemId), String> {
        self.deliver_message(
            account,
            address,
            Message::from_bytes(raw),
            initial,
            folder_type,
        )
        .await
    }

    /// Deliver a message to a local account's folder of `folder_type` (LMTP, import),
    /// announcing it. The message streams into the store: a spooled message is never read
    /// into memory whole.
    pub async fn deliver_message(
        &self,
        account: i64,
        address: String,
        message: Message,
        initial: crate::store::mailbox::InitialMailState,
        folder_type: u8,
    ) -> Result<(CollectionId, eas_sync_engine::ItemId), String> {
        self.deliver_message_and(account, address, message, initial, folder_type, |_| Ok(()))
            .await
    }

    /// [`Service::deliver_message`], running `and` in the delivery's transaction: what must
    /// happen exactly when the message is stored (the outbound queue forgets a recipient
    /// in the same commit, so a crash cannot deliver it twice).
    pub async fn deliver_message_and(
        &self,
        account: i64,
        address: String,
        message: Message,
        initial: crate::store::mailbox::InitialMailState,
        folder_type: u8,
        and: impl FnOnce(&rusqlite::Connection) -> Result<(), rusqlite::Error> + Send + 'static,
    ) -> Result<(CollectionId, eas_sync_engine::ItemId), String> {
        let inner = self.inner.clone();
        let relay_configured = self.relay_config().is_configured();
        tokio::task::spawn_blocking(move || {
            let now = Utc::now();
            let mut conn = lock(&inner.db);
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(|e| e.to_string())?;
            ensure_mailbox(&tx, account).map_err(|e| e.to_string())?;
            let mut mailbox = Mailbox::new(
                &tx,
                account,
                &address,
                Visibility::ALL,
                inner.settings.zone,
                now,
                ProtocolVersion::V16_1,
            );
            let folder = mailbox
                .folder_of_type(folder_type)
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("no folder of type {folder_type}"))?;
            let mut reader = message.reader();
            let stored = mailbox
                .add_mail_from(&folder, &mut reader, message.len(), initial)
                .map_err(|e| e.to_string())?;
            // A meeting in the message updates the calendar in the same transaction; a
            // meeting that cannot be applied leaves the mail delivered as it is.
            match meetings::in_savepoint(&mut mailbox, |mb| {
                meetings::on_delivery(mb, &stored.folder, &stored.item)
            }) {
                Ok(meetings::CalendarEffect::None) => {}
                Ok(effect) => tracing::info!(account, ?effect, "meeting applied on delivery"),
                Err(e) => tracing::warn!(account, error = %e, "meeting in a delivered message"),
            }
            // Out of office: one automatic reply per sender, queued with the delivery.
            let replied = match out_of_office(&mailbox, &stored, relay_configured) {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(account, error = %e, "out-of-office reply skipped");
                    false
                }
            };
            let touched = mailbox.touched().clone();
            drop(mailbox);
            and(&tx).map_err(|e| e.to_string())?;
            tx.commit().map_err(|e| e.to_string())?;
            inner.hub.notify(account, touched.iter(), false);
            if replied {
                inner.outbound.notify_one();
            }
            Ok((stored.folder, stored.item))
        })
        .await
        .map_err(|e| e.to_string())?
    }

    async fn ping(
        &self,
        p: Principal,
        req: EasRequest,
        body: Bytes,
        shutdown: ShutdownToken,
    ) -> Result<Response<Body>, HttpFailure> {
        let version = req.protocol_version;
        let ping: PingRequest = decode_body(&body, version, true)?;
        let outcome = self
            .transact(
                &p,
                &req.device_id,
                version,
                move |engine, ctx, state, mb| engine.ping(ctx, state, mb, &ping),
            )
            .await?;
        let plan = match outcome {
            PingOutcome::Respond(r) => return respond(&r, version),
            PingOutcome::Wait(plan) => plan,
        };
        let mut waiter = self.inner.hub.waiter(p.account, plan.collections.clone());
        let deadline = park_deadline(plan.until, self.inner.settings.max_parked);
        let _parked = self.inner.metrics.park(&p.address, &req.device_id, "Ping");
        loop {
            // Checked after subscribing, so a change committed just before is not missed.
            let plan2 = plan.clone();
            let wake = self
                .read(
                    &p,
                    &req.device_id,
                    version,
                    move |engine, ctx, state, mb| engine.ping_result(ctx, state, mb, &plan2, &[]),
                )
                .await?;
            match wake {
                PingWake::Respond(r) => return respond(&r, version),
                PingWake::Superseded => return Ok(wbxml_response(Vec::new())),
                PingWake::KeepWaiting => {}
            }
            tokio::select! {
                w = waiter.next() => {
                    if w == Wake::Closed {
                        return respond(&expired(), version);
                    }
                }
                _ = tokio::time::sleep_until(deadline.into()) => {
                    return respond(&expired(), version);
                }
                _ = shutdown.triggered() => {
                    // The device pings again once the server is back.
                    return respond(&expired(), version);
                }
            }
        }
    }

    async fn sync(
        &self,
        p: Principal,
        req: EasRequest,
        body: Bytes,
        shutdown: ShutdownToken,
    ) -> Result<Response<Body>, HttpFailure> {
        let version = req.protocol_version;
        let sync: SyncRequest = decode_body(&body, version, true)?;
        let request_no = self.inner.hub.begin_request(p.account, &req.device_id);
        let outcome = self
            .transact(
                &p,
                &req.device_id,
                version,
                move |engine, ctx, state, mb| engine.sync(ctx, state, mb, &sync),
            )
            .await?;
        let (collections, until) = match outcome {
            SyncOutcome::Respond(r) => return respond(&r, version),
            SyncOutcome::Empty => return Ok(wbxml_response(Vec::new())),
            SyncOutcome::Wait { collections, until } => (collections, until),
        };
        let mut waiter = self.inner.hub.waiter(p.account, collections);
        let deadline = park_deadline(until, self.inner.settings.max_parked);
        let _parked = self.inner.metrics.park(&p.address, &req.device_id, "Sync");
        let mut first = true;
        loop {
            if !first {
                tokio::select! {
                    w = waiter.next() => {
                        if w == Wake::Closed {
                            return Ok(wbxml_response(Vec::new()));
                        }
                    }
                    _ = tokio::time::sleep_until(deadline.into()) => {}
                    _ = shutdown.triggered() => return Ok(wbxml_response(Vec::new())),
                }
            }
            first = false;
            if !self
                .inner
                .hub
                .is_current(p.account, &req.device_id, request_no)
            {
                // The device gave up on this request and sent another.
                return Ok(wbxml_response(Vec::new()));
            }
            let expired = Instant::now() >= deadline;
            let until_now = if expired { Utc::now() } else { until };
            let outcome = self
                .transact(
                    &p,
                    &req.device_id,
                    version,
                    move |engine, ctx, state, mb| engine.sync_after_wait(ctx, state, mb, until_now),
                )
                .await?;
            match outcome {
                SyncOutcome::Respond(r) => return respond(&r, version),
                SyncOutcome::Empty => return Ok(wbxml_response(Vec::new())),
                SyncOutcome::Wait { .. } if expired => return Ok(wbxml_response(Vec::new())),
                SyncOutcome::Wait { .. } => {}
            }
        }
    }
}

fn expired() -> PingResponse {
    PingResponse {
        status: PingStatus::HeartbeatExpired,
        heartbeat_interval: None,
        max_folders: None,
        folders: None,
    }
}

/// When a parked request must be answered: the engine's deadline, capped by the connection
/// lifetime.
fn park_deadline(until: DateTime<Utc>, cap: Duration) -> Instant {
    let left = (until - Utc::now()).to_std().unwrap_or(Duration::ZERO);
    Instant::now() + left.min(cap)
}

impl Service {
    /// A command the engine answers in one transaction: decode, run, save, commit, encode.
    async fn engine_command<Q, R>(
        &self,
        p: &Principal,
        req: &EasRequest,
        body: &[u8],
        run: impl FnOnce(&Engine, &Context<'_>, &mut DeviceState, &mut Mailbox<'_>, &Q) -> R
        + Send
        + 'static,
    ) -> Result<Response<Body>, HttpFailure>
    where
        Q: Element + Default + Send + 'static,
        R: Element + Send + 'static,
    {
        let version = req.protocol_version;
        let request: Q = decode_body(body, version, false)?;
        let response = self
            .transact(p, &req.device_id, version, move |e, ctx, s, mb| {
                run(e, ctx, s, mb, &request)
            })
            .await?;
        respond(&response, version)
    }
}

impl crate::http::CommandHandler for Service {
    type Principal = Principal;

    async fn authenticate(
        &self,
        credentials: &Credentials,
        request: &EasRequest,
        peer: IpAddr,
    ) -> Result<Principal, HttpFailure> {
        let account = match self.login(credentials, peer).await {
            Ok(a) => a,
            Err(e) => {
                if e == HttpFailure::Unauthorized {
                    self.inner.metrics.auth_failure();
                    tracing::warn!(login = %credentials.user, %peer, device = %request.device_id,
                        command = request.command.name(), "login failed");
                }
                return Err(e);
            }
        };
        self.admit(account, request).await
    }

    async fn allowed_versions(
        &self,
        credentials: &Credentials,
        device: Option<&str>,
        peer: IpAddr,
    ) -> Option<Vec<ProtocolVersion>> {
        let account = self.login(credentials, peer).await.ok()?;
        let device = device.map(str::to_string);
        let max = self
            .with_store(move |conn| crate::device_access::ceiling(conn, account, device.as_deref()))
            .await
            .ok()?
            .ok()??;
        Some(
            ProtocolVersion::ALL
                .into_iter()
                .filter(|v| *v <= max)
                .collect(),
        )
    }

    async fn autodiscover(
        &self,
        credentials: Option<Credentials>,
        peer: IpAddr,
        body: Bytes,
    ) -> Result<Response<Body>, HttpFailure> {
        use eas_codec::command::autodiscover::{
            Action, ActionError, AutodiscoverErrorCode, AutodiscoverResponse, AutodiscoverStatus,
            MOBILESYNC_RESPONSE_NS, MobileSyncResponse, Server, User, parse_request, to_xml,
        };
        // Autodiscover answers with the account's settings: it needs the password too.
        let credentials = credentials.ok_or(HttpFailure::Unauthorized)?;
        let account = self.login(&credentials, peer).await?;
        let text = String::from_utf8_lossy(&body);
        let answer = match parse_request(&text) {
            Err(e) => {
                let wrong_schema = text.contains("AcceptableResponseSchema")
                    && !text.contains(MOBILESYNC_RESPONSE_NS);
                tracing::info!(error = %e, "Autodiscover request refused");
                if wrong_schema {
                    AutodiscoverResponse::error(
                        AutodiscoverErrorCode::ProviderNotFound,
                        "Only the mobilesync response schema is served.",
                    )
                } else {
                    AutodiscoverResponse::error(
                        AutodiscoverErrorCode::InvalidRequest,
                        "Invalid request.",
                    )
                }
            }
            Ok(request) => {
                let wanted = request.email_address.trim().to_string();
                let found = self
                    .with_directory(move |dir| {
                        let acc = dir.account(crate::accounts::AccountId(account))?;
                        Ok::<_, crate::accounts::DirectoryError>((acc.address(), acc.display_name))
                    })
                    .await?
                    .map_err(internal)?;
                let (address, display_name) = found;
                if wanted.eq_ignore_ascii_case(&address) {
                    let url = self.inner.settings.public_url.clone();
                    AutodiscoverResponse::MobileSync(MobileSyncResponse {
                        culture: Some("en:us".into()),
                        user: Some(User {
                            display_name: Some(display_name).filter(|n| !n.is_empty()),
                            email_address: address,
                        }),
                        action: Some(Action {
                            settings: Some(vec![Server {
                                server_type: Some("MobileSync".into()),
                                url: Some(url.clone()),
                                name: Some(url),
                                server_data: None,
                            }]),
                            ..Action::default()
                        }),
                    })
                } else {
                    // Another user's address (or none we know): never say which exist.
                    AutodiscoverResponse::MobileSync(MobileSyncResponse {
                        culture: Some("en:us".into()),
                        user: Some(User {
                            display_name: None,
                            email_address: wanted,
                        }),
                        action: Some(Action {
                            error: Some(ActionError {
                                status: Some(AutodiscoverStatus::ProtocolError),
                                message: Some(
                                    "The e-mail address is not the authenticated account's.".into(),
                                ),
                                debug_data: None,
                                error_code: Some(500),
                            }),
                            ..Action::default()
                        }),
                    })
                }
            }
        };
        let mut resp = Response::new(Body::from(to_xml(&answer)));
        resp.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("text/xml; charset=utf-8"),
        );
        Ok(resp)
    }

    async fn handle(
        &self,
        p: Principal,
        req: EasRequest,
        body: Bytes,
        shutdown: ShutdownToken,
    ) -> Result<Response<Body>, HttpFailure> {
        let started = std::time::Instant::now();
        let command = req.command.name();
        let account = p.address.clone();
        let device = req.device_id.clone();
        let device_type = req.device_type.clone();
        let version = req.protocol_version;
        let result = self.dispatch(p, req, body, shutdown).await;
        let status = match &result {
            Ok(r) => r.status().as_u16(),
            Err(f) => f.status().as_u16(),
        };
        let took = started.elapsed();
        self.inner.metrics.request(command, status, took);
        // One line per request, naming who, which device and what (the support checklist).
        tracing::info!(%account, %device, %device_type, command, %version, status,
            ms = u64::try_from(took.as_millis()).unwrap_or(u64::MAX), "request");
        result
    }
}

impl Service {
    async fn dispatch(
        &self,
        p: Principal,
        req: EasRequest,
        body: Bytes,
        shutdown: ShutdownToken,
    ) -> Result<Response<Body>, HttpFailure> {
        let version = req.protocol_version;
        if let Some(answer) = self.check_policy(&p, &req).await? {
            return Ok(answer);
        }
        match req.command {
            Command::Provision => self.provision(p, req, body).await,
            Command::FolderSync => {
                self.engine_command(&p, &req, &body, |e, ctx, s, mb, r: &FolderSyncRequest| {
                    e.folder_sync(ctx, s, mb, r)
                })
                .await
            }
            Command::FolderCreate => {
                self.engine_command(&p, &req, &body, |e, ctx, s, mb, r: &FolderCreateRequest| {
                    e.folder_create(ctx, s, mb, r)
                })
                .await
            }
            Command::FolderUpdate => {
                self.engine_command(&p, &req, &body, |e, ctx, s, mb, r: &FolderUpdateRequest| {
                    e.folder_update(ctx, s, mb, r)
                })
                .await
            }
            Command::FolderDelete => {
                self.engine_command(&p, &req, &body, |e, ctx, s, mb, r: &FolderDeleteRequest| {
                    e.folder_delete(ctx, s, mb, r)
                })
                .await
            }
            Command::MoveItems => {
                self.engine_command(&p, &req, &body, |e, ctx, s, mb, r: &MoveItemsRequest| {
                    e.move_items(ctx, s, mb, r)
                })
                .await
            }
            Command::GetItemEstimate => {
                let r: GetItemEstimateRequest = decode_body(&body, version, false)?;
                let resp = self
                    .read(&p, &req.device_id, version, move |e, ctx, s, mb| {
                        e.get_item_estimate(ctx, s, mb, &r)
                    })
                    .await?;
                respond(&resp, version)
            }
            Command::Sync => self.sync(p, req, body, shutdown).await,
            Command::Ping => self.ping(p, req, body, shutdown).await,
            Command::ItemOperations => self.item_operations(p, req, body).await,
            Command::GetAttachment => self.get_attachment(p, req).await,
            Command::MeetingResponse => self.meeting_response(p, req, body).await,
            Command::Search => self.search(p, req, body).await,
            Command::Find => self.find(p, req, body).await,
            Command::ValidateCert => {
                use eas_codec::command::validate_cert::{
                    CertificateResult, ValidateCertRequest, ValidateCertResponse,
                    ValidateCertStatus,
                };
                let request: ValidateCertRequest = decode_body(&body, version, false)?;
                let certs: Vec<String> = request
                    .certificates
                    .certificate
                    .iter()
                    .map(|c| c.to_string())
                    .collect();
                let response = if certs.is_empty() {
                    ValidateCertResponse {
                        status: ValidateCertStatus::ProtocolError,
                        certificate: Vec::new(),
                    }
                } else {
                    let chain: Vec<String> = request
                        .certificate_chain
                        .iter()
                        .flat_map(|l| l.certificate.iter().map(|c| c.to_string()))
                        .collect();
                    let now = u64::try_from(Utc::now().timestamp()).unwrap_or(0);
                    let statuses = crate::certs::validate(
                        &certs,
                        &chain,
                        &self.inner.settings.smime_roots,
                        request.check_crl.unwrap_or(false),
                        now,
                    );
                    ValidateCertResponse {
                        status: ValidateCertStatus::Success,
                        certificate: statuses
                            .into_iter()
                            .map(|status| CertificateResult { status })
                            .collect(),
                    }
                };
                respond(&response, version)
            }
            Command::ResolveRecipients => self.resolve_recipients(p, req, body).await,
            Command::SendMail => self.compose(p, req, body, None).await,
            Command::SmartReply => self.compose(p, req, body, Some(SmartKind::Reply)).await,
            Command::SmartForward => self.compose(p, req, body, Some(SmartKind::Forward)).await,
            Command::Settings => {
                let request: SettingsRequest = decode_body(&body, version, false)?;
                let principal = p.clone();
                let info = req.clone();
                let response = self
                    .transact(&p, &req.device_id, version, move |_, _, _, mb| {
                        settings(&principal, &info, &request, mb)
                    })
                    .await?;
                respond(&response, version)
            }
            // The commands of the next stage (sending, meetings, search, settings) are not
            // served yet: 501 tells a client so without pretending.
            _ => Err(HttpFailure::NotImplemented),
        }
    }
}

impl Service {
    /// The device policy of `domain`: the configured one with the administrator's stored
    /// overrides (see [`crate::domain_policy`]).
    async fn domain_policy(&self, domain: &str) -> Result<Policy, HttpFailure> {
        let base = self.inner.settings.policy_for(domain).clone();
        let domain = domain.to_owned();
        self.with_store(move |conn| crate::domain_policy::effective(conn, &base, &domain))
            .await?
            .map_err(internal)
    }

    /// The answer for a device that must provision first, or `None` to proceed.
    async fn check_policy(
        &self,
        p: &Principal,
        req: &EasRequest,
    ) -> Result<Option<Response<Body>>, HttpFailure> {
        // Read with the admission, in the same hand-off to the blocking pool.
        let facts = &p.device;
        let (state, access, ceiling, policy) = (
            &facts.provisioning,
            facts.access,
            facts.ceiling,
            &facts.policy,
        );
        if let Some(max) = ceiling
            && req.protocol_version > max
        {
            tracing::info!(account = %p.address, device = %req.device_id,
                version = %req.protocol_version, max = %max, "protocol version above the ceiling");
            return Err(HttpFailure::VersionNotAllowed {
                allowed: ProtocolVersion::ALL
                    .into_iter()
                    .filter(|v| *v <= max)
                    .collect(),
            });
        }
        let refuse = |status: u32, before_14: HttpFailure| {
            if req.protocol_version >= ProtocolVersion::V14_0
                && let Some(body) = status_only(req.command, status, req.protocol_version)
            {
                return Ok(Some(wbxml_response(body)));
            }
            Err(before_14)
        };
        let exempt = matches!(req.command, Command::Provision | Command::Settings);
        match access {
            crate::device_access::Access::Blocked => {
                tracing::info!(account = %p.address, device = %req.device_id, "blocked device refused");
                return refuse(
                    CommonStatus::DeviceIsBlockedForThisUser.code(),
                    HttpFailure::Forbidden,
                );
            }
            crate::device_access::Access::Quarantined if !exempt => {
                tracing::info!(account = %p.address, device = %req.device_id, "quarantined device refused");
                return refuse(
                    CommonStatus::DeviceIsBlockedForThisUser.code(),
                    HttpFailure::Forbidden,
                );
            }
            crate::device_access::Access::Wipe { .. } if req.command != Command::Provision => {
                return refuse(
                    CommonStatus::RemoteWipeRequested.code(),
                    HttpFailure::NeedsProvisioning,
                );
            }
            _ => {}
        }
        if req.command == Command::Provision {
            return Ok(None);
        }
        match crate::provision::check(
            req.command,
            req.protocol_version,
            req.policy_key,
            state,
            policy,
        ) {
            PolicyCheck::Allowed => Ok(None),
            PolicyCheck::Http449 => Err(HttpFailure::NeedsProvisioning),
            PolicyCheck::CommandStatus(status) => {
                match status_only(req.command, status, req.protocol_version) {
                    Some(body) => Ok(Some(wbxml_response(body))),
                    None => Err(HttpFailure::NeedsProvisioning),
                }
            }
        }
    }

    async fn provision(
        &self,
        p: Principal,
        req: EasRequest,
        body: Bytes,
    ) -> Result<Response<Body>, HttpFailure> {
        let version = req.protocol_version;
        let request: ProvisionRequest = decode_body(&body, version, false)?;
        let base = self.inner.settings.policy_for(&p.domain).clone();
        let domain = p.domain.clone();
        let account = p.account;
        let device = req.device_id.clone();
        let device_type = req.device_type.clone();
        let response = self
            .with_store(move |conn| -> Result<ProvisionResponse, HttpFailure> {
                let tx = conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(internal)?;
                let policy =
                    crate::domain_policy::effective(&tx, &base, &domain).map_err(internal)?;
                let mut state =
                    devices::load_provisioning(&tx, account, &device).map_err(internal)?;
                let now = Utc::now();
                if let Some(info) = &request.device_information {
                    crate::device_access::store_information(
                        &tx,
                        account,
                        &device,
                        &info.set.properties,
                    )
                    .map_err(internal)?;
                }
                let record = crate::device_access::show(&tx, account, &device).ok();
                let wipe =
                    record
                        .as_ref()
                        .and_then(|r| match crate::device_access::access(r, &[]) {
                            crate::device_access::Access::Wipe { account_only } => {
                                Some(account_only)
                            }
                            _ => None,
                        });
                let confirmed =
                    request.remote_wipe.is_some() || request.account_only_remote_wipe.is_some();
                let response = match wipe {
                    Some(_) if confirmed => {
                        crate::device_access::confirm_wipe(&tx, account, &device, now)
                            .map_err(internal)?;
                        tracing::warn!(account, device, "remote wipe confirmed by the device");
                        ProvisionResponse {
                            status: ProvisionStatus::Success,
                            ..ProvisionResponse::default()
                        }
                    }
                    // An account-only wipe exists from 16.1; an older device is refused until
                    // the administrator chooses a full wipe or allows it.
                    Some(true) if version < ProtocolVersion::V16_1 => {
                        return Err(HttpFailure::Forbidden);
                    }
                    Some(account_only) => {
                        tracing::warn!(account, device, account_only, "remote wipe sent");
                        ProvisionResponse {
                            status: ProvisionStatus::Success,
                            remote_wipe: (!account_only).then_some(eas_codec::codec::Empty),
                            account_only_remote_wipe: account_only
                                .then_some(eas_codec::codec::Empty),
                            ..ProvisionResponse::default()
                        }
                    }
                    None => {
                        let input = ProvisionInput {
                            version,
                            policy: &policy,
                            fresh_key: fresh_policy_key(),
                        };
                        crate::provision::provision(&request, &input, &mut state)
                    }
                };
                devices::save_provisioning(&tx, account, &device, &device_type, &state, Utc::now())
                    .map_err(internal)?;
                tx.commit().map_err(internal)?;
                Ok(response)
            })
            .await??;
        respond(&response, version)
    }
}

/// Settings (MS-ASCMD 2.2.1.18), the part every phone sends while setting up an account:
/// DeviceInformation is acknowledged (and logged, naming model, OS and user agent, for the
/// administrator), UserInformation answers the account's address (and, 14.1+, the account
/// with its display name; the primary account carries no AccountId), Oof gets or sets the
/// account's out-of-office settings (`crate::oof`), and DevicePassword keeps the device's
/// recovery password.
fn settings(
    p: &Principal,
    req: &EasRequest,
    request: &SettingsRequest,
    mb: &Mailbox<'_>,
) -> SettingsResponse {
    let mut response = SettingsResponse {
        status: SettingsStatus::Success,
        ..SettingsResponse::default()
    };
    if let Some(info) = &request.device_information {
        if let Err(e) = crate::device_access::store_information(
            mb.connection(),
            p.account,
            &req.device_id,
            &info.set.properties,
        ) {
            tracing::warn!(error = %e, "device information not stored");
        }
        let mut model = None;
        let mut os = None;
        let mut agent = None;
        for property in &info.set.properties {
            match property {
                DeviceProperty::Model(m) => model = Some(m.as_str()),
                DeviceProperty::Os(o) => os = Some(o.as_str()),
                DeviceProperty::UserAgent(u) => agent = Some(u.as_str()),
                _ => {}
            }
        }
        tracing::info!(account = %p.address, device = %req.device_id,
            device_type = %req.device_type, model = model.unwrap_or("-"),
            os = os.unwrap_or("-"), user_agent = agent.unwrap_or("-"), "device information");
        response.device_information = Some(DeviceInformationStatus {
            status: Some(SettingsStatus::Success),
            set: None,
        });
    }
    if request.user_information.is_some() {
        let addresses = EmailAddresses {
            smtp_address: vec![p.address.as_str().into()],
            primary_smtp_address: (req.protocol_version >= ProtocolVersion::V14_1)
                .then(|| p.address.as_str().into()),
        };
        let accounts = (req.protocol_version >= ProtocolVersion::V14_1).then(|| Accounts {
            account: vec![SettingsAccount {
                account_id: None,
                account_name: Some(p.address.as_str().into()),
                user_display_name: Some(p.display_name.as_str().into()),
                send_disabled: None,
                email_addresses: Some(addresses.clone()),
            }],
        });
        response.user_information = Some(UserInformationResponse {
            status: Some(SettingsStatus::Success),
            get: Some(UserInformationGet {
                email_addresses: Some(addresses),
                accounts,
            }),
        });
    }
    if let Some(oof) = &request.oof {
        let conn = mb.connection();
        let (status, get) = match (&oof.get, &oof.set) {
            (Some(get), None) => match crate::oof::load(conn, p.account) {
                Ok(o) => (
                    SettingsStatus::Success,
                    Some(crate::oof::to_wire(&o, &get.body_type)),
                ),
                Err(e) => {
                    tracing::warn!(error = %e, "OOF settings unreadable");
                    (SettingsStatus::ServerUnavailable, None)
                }
            },
            (None, Some(set)) => match crate::oof::set(conn, p.account, set) {
                Ok(Ok(())) => (SettingsStatus::Success, None),
                Ok(Err(status)) => (status, None),
                Err(e) => {
                    tracing::warn!(error = %e, "OOF settings not saved");
                    (SettingsStatus::ServerUnavailable, None)
                }
            },
            // Neither or both: the request is malformed.
            _ => (SettingsStatus::ProtocolError, None),
        };
        response.oof = Some(OofResponse {
            status: Some(status),
            get,
        });
    }
    if let Some(dp) = &request.device_password {
        let status = match crate::oof::set_device_password(
            mb.connection(),
            p.account,
            &req.device_id,
            &dp.set.password,
            mb.now(),
        ) {
            Ok(()) => SettingsStatus::Success,
            Err(e) => {
                tracing::warn!(error = %e, "device password not saved");
                SettingsStatus::ServerUnavailable
            }
        };
        response.device_password = Some(DevicePasswordStatus {
            status: Some(status),
            set: None,
        });
    }
    response
}

/// A random, nonzero policy key.
fn fresh_policy_key() -> u32 {
    let rng = ring::rand::SystemRandom::new();
    loop {
        let mut b = [0u8; 4];
        if ring::rand::SecureRandom::fill(&rng, &mut b).is_err() {
            // No system randomness: fall back to the clock, still nonzero and changing.
            let t = Utc::now().timestamp_subsec_nanos() | 1;
            return t;
        }
        let k = u32::from_le_bytes(b);
        if k != 0 {
            return k;
        }
    }
}

impl Service {
    async fn item_operations(
        &self,
        p: Principal,
        req: EasRequest,
        body: Bytes,
    ) -> Result<Response<Body>, HttpFailure> {
        let version = req.protocol_version;
        let request: ItemOperationsRequest = decode_body(&body, version, false)?;
        let policy = self.domain_policy(&p.domain).await?;
        let multipart = req.accept_multipart;
        let outcome = self
            .transact(&p, &req.device_id, version, move |_, _, _, mb| {
                item_operations::item_operations(
                    &request,
                    mb,
                    version,
                    multipart,
                    &policy,
                    &FetchLimits::default(),
                )
            })
            .await?;
        let (bytes, content_type) =
            item_operations::encode_outcome(&outcome, version).map_err(internal)?;
        let mut resp = wbxml_response(bytes);
        if let Ok(v) = axum::http::HeaderValue::from_str(content_type) {
            resp.headers_mut()
                .insert(axum::http::header::CONTENT_TYPE, v);
        }
        Ok(resp)
    }

    /// A response body that reads a stored attachment from the store chunk by chunk and
    /// decodes it on the way, so sending a large attachment holds a chunk, not the file.
    /// Each chunk is its own short read, so no lock is held while the client is slow. If
    /// the item is deleted meanwhile, the body ends in an error and the client retries.
    fn stream_stored(&self, row: i64, part: StoredPart) -> Body {
        const CHUNK: u64 = 256 * 1024;
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(2);
        let service = self.clone();
        tokio::spawn(async move {
            let Some(mut decoder) = PartDecoder::new(&part) else {
                let _ = tx
                    .send(Err(std::io::Error::other("part cannot be streamed")))
                    .await;
                return;
            };
            let mut at = part.start;
            while at < part.end {
                let end = (at + CHUNK).min(part.end);
                let read = service
                    .with_store(move |conn| read_content_range(conn, row, at, end))
                    .await;
                let encoded = match read {
                    Ok(Ok(bytes)) => bytes,
                    Ok(Err(e)) => {
                        tracing::warn!(row, error = %e, "attachment stream stopped");
                        let _ = tx.send(Err(std::io::Error::other(e.to_string()))).await;
                        return;
                    }
                    Err(e) => {
                        tracing::warn!(row, error = ?e, "attachment stream stopped");
                        let _ = tx.send(Err(std::io::Error::other("store busy"))).await;
                        return;
                    }
                };
                let mut out = Vec::with_capacity(encoded.len());
                decoder.push(&encoded, &mut out);
                if !out.is_empty() && tx.send(Ok(Bytes::from(out))).await.is_err() {
                    // The client went away.
                    return;
                }
                at = end;
            }
            let mut out = Vec::new();
            decoder.finish(&mut out);
            if !out.is_empty() {
                let _ = tx.send(Ok(Bytes::from(out))).await;
            }
        });
        Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        }))
    }

    /// The people of `p`'s global address list: the accounts of its domain, plus the local
    /// accounts the given addresses name (in other domains of this server).
    async fn gal_people(
        &self,
        p: &Principal,
        addresses: Vec<String>,
    ) -> Result<Vec<lookup::Person>, HttpFailure> {
        let domain = p.domain.clone();
        self.with_directory(move |dir| -> Result<Vec<lookup::Person>, String> {
            let person = |a: crate::accounts::Account| lookup::Person {
                display_name: if a.display_name.trim().is_empty() {
                    a.address()
                } else {
                    a.display_name.clone()
                },
                address: a.address(),
                account: Some(a.id.0),
                picture: None,
            };
            let mut people: Vec<lookup::Person> = dir
                .accounts(Some(&domain))
                .map_err(|e| e.to_string())?
                .into_iter()
                .map(person)
                .collect();
            for address in addresses.iter().filter(|a| a.contains('@')) {
                if let Some(id) = dir.find_account(address).map_err(|e| e.to_string())?
                    && !people.iter().any(|p| p.account == Some(id.0))
                {
                    people.push(person(dir.account(id).map_err(|e| e.to_string())?));
                }
            }
            Ok(people)
        })
        .await?
        .map_err(internal)
    }

    async fn search(
        &self,
        p: Principal,
        req: EasRequest,
        body: Bytes,
    ) -> Result<Response<Body>, HttpFailure> {
        use eas_codec::command::search::{
            GalPicture, ResultProperties, SearchQuery, SearchRequest, SearchResponse, SearchResult,
            SearchResultStore, SearchResults, SearchStatus,
        };
        let version = req.protocol_version;
        let request: SearchRequest = decode_body(&body, version, false)?;
        let store = request.store;
        let answer = |status: SearchStatus,
                      results: Vec<SearchResult>,
                      range: Option<String>,
                      total: Option<u32>| {
            SearchResponse {
                status: SearchStatus::Success,
                response: Some(SearchResults {
                    store: SearchResultStore {
                        status,
                        results,
                        range: range.map(Into::into),
                        total,
                    },
                }),
            }
        };
        let options = store.options.clone().unwrap_or_default();
        let name = store.name.to_ascii_lowercase();
        let response = match name.as_str() {
            "gal" => {
                let SearchQuery::Text(text) = &store.query else {
                    return respond(
                        &answer(SearchStatus::InvalidRequest, vec![], None, None),
                        version,
                    );
                };
                let Some((first, last)) = lookup::parse_range(options.range.as_deref(), (0, 49))
                else {
                    return respond(
                        &answer(SearchStatus::InvalidRequest, vec![], None, None),
                        version,
                    );
                };
                let mut found: Vec<lookup::Person> = self
                    .gal_people(&p, Vec::new())
                    .await?
                    .into_iter()
                    .filter(|person| lookup::matches(person, text))
                    .collect();
                found.sort_by(|a, b| {
                    a.display_name
                        .to_lowercase()
                        .cmp(&b.display_name.to_lowercase())
                        .then(a.address.cmp(&b.address))
                });
                let total = found.len();
                let shown: Vec<&lookup::Person> =
                    found.iter().skip(first).take(last - first + 1).collect();
                // Pictures only for the page shown, read when asked for.
                let pictures = match &options.picture {
                    None => None,
                    Some(limits) => {
                        let limits = lookup::PictureLimits {
                            max_size: limits.max_size,
                            max_pictures: limits.max_pictures,
                        };
                        let ids: Vec<Option<i64>> = shown.iter().map(|p| p.account).collect();
                        let stored = self
                            .with_directory(move |dir| lookup::stored_pictures(dir, &ids))
                            .await?
                            .map_err(|e| internal(e.to_string()))?;
                        Some(lookup::picture_answers(stored, limits))
                    }
                };
                let mut pictures = pictures.map(Vec::into_iter);
                let page: Vec<SearchResult> = shown
                    .iter()
                    .map(|person| {
                        let mut props = lookup::gal_properties(person);
                        if let Some((status, data)) = pictures.as_mut().and_then(Iterator::next) {
                            props.picture = Some(GalPicture {
                                status,
                                data: data.map(|d| {
                                    eas_codec::codec::Binary::Text(base64::Engine::encode(
                                        &base64::engine::general_purpose::STANDARD,
                                        d,
                                    ))
                                }),
                            });
                        }
                        SearchResult {
                            properties: Some(ResultProperties::Gal(props)),
                            ..SearchResult::default()
                        }
                    })
                    .collect();
                let range =
                    (!page.is_empty()).then(|| format!("{first}-{}", first + page.len() - 1));
                answer(
                    SearchStatus::Success,
                    page,
                    range,
                    Some(u32::try_from(total).unwrap_or(u32::MAX)),
                )
            }
            "mailbox" => {
                if !p.visible.email {
                    return respond(
                        &answer(SearchStatus::AccessDenied, vec![], None, None),
                        version,
                    );
                }
                let Some(query) = lookup::mail_query(&store.query) else {
                    return respond(
                        &answer(SearchStatus::TooComplex, vec![], None, None),
                        version,
                    );
                };
                let Some((first, last)) = lookup::parse_range(options.range.as_deref(), (0, 99))
                else {
                    return respond(
                        &answer(SearchStatus::InvalidRequest, vec![], None, None),
                        version,
                    );
                };
                let body_options = match BodyOptions::from_search(&options) {
                    Ok(b) => b,
                    Err(_) => {
                        return respond(
                            &answer(SearchStatus::InvalidRequest, vec![], None, None),
                            version,
                        );
                    }
                };
                let deep = options.deep_traversal.is_some();
                let result = self
                    .read(&p, &req.device_id, version, move |_, _, _, mb| {
                        if query.other_class {
                            return Ok((Vec::new(), 0usize));
                        }
                        let matches = lookup::search_mail(mb, &query, deep)?;
                        let total = matches.len();
                        let mut page = Vec::new();
                        for (folder, item) in matches.into_iter().skip(first).take(last - first + 1)
                        {
                            let row = mb.load_item_with(
                                &folder,
                                &item,
                                crate::store::mailbox::Content::View,
                            )?;
                            let data =
                                mb.render_row(FolderClass::Email, &row, version, &body_options)?;
                            page.push(SearchResult {
                                class: Some("Email".into()),
                                long_id: Some(format!("{}:{}", folder.0, item.0).into()),
                                collection_id: Some(folder.0.as_str().into()),
                                properties: Some(ResultProperties::Mailbox(data)),
                            });
                        }
                        Ok::<_, eas_sync_engine::BackendError>((page, total))
                    })
                    .await?;
                match result {
                    Ok((page, total)) => {
                        let range = (!page.is_empty())
                            .then(|| format!("{first}-{}", first + page.len() - 1));
                        answer(
                            SearchStatus::Success,
                            page,
                            range,
                            Some(u32::try_from(total).unwrap_or(u32::MAX)),
                        )
                    }
                    Err(eas_sync_engine::BackendError::NoFolder(_)) => {
                        answer(SearchStatus::FolderSyncRequired, vec![], None, None)
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "mailbox search failed");
                        answer(SearchStatus::ServerError, vec![], None, None)
                    }
                }
            }
            // Document libraries (SharePoint, UNC shares) are not served.
            "documentlibrary" => answer(SearchStatus::AccessDenied, vec![], None, None),
            _ => answer(SearchStatus::InvalidRequest, vec![], None, None),
        };
        respond(&response, version)
    }

    /// Find (16.1): the GAL or the mailbox, results as lists of display fields. A range
    /// must start at 0 (status 4).
    async fn find(
        &self,
        p: Principal,
        req: EasRequest,
        body: Bytes,
    ) -> Result<Response<Body>, HttpFailure> {
        use eas_codec::command::find::{
            FindProperties, FindRequest, FindResponse, FindResult, FindResults, FindStatus,
            SearchCriterion,
        };
        let version = req.protocol_version;
        let request: FindRequest = decode_body(&body, version, false)?;
        let answer = |store: &str, status, result: Vec<FindResult>, total: Option<usize>| {
            let range = (!result.is_empty()).then(|| format!("0-{}", result.len() - 1).into());
            FindResponse {
                status: FindStatus::Success,
                response: Some(FindResults {
                    store: store.into(),
                    status,
                    result,
                    range,
                    total: total.map(|t| u32::try_from(t).unwrap_or(u32::MAX)),
                }),
            }
        };
        let Some(criterion) = request.execute_search.criterion.first().cloned() else {
            return respond(
                &FindResponse {
                    status: FindStatus::InvalidRequest,
                    response: None,
                },
                version,
            );
        };
        let range_of = |range: Option<&str>| lookup::parse_range(range, (0, 99));
        let response = match criterion {
            SearchCriterion::Gal(g) => {
                let options = g.options.clone().unwrap_or_default();
                match range_of(options.range.as_deref()) {
                    None => answer("GAL", FindStatus::InvalidRequest, vec![], None),
                    Some((first, _)) if first != 0 => {
                        answer("GAL", FindStatus::RangeMustStartAtZero, vec![], None)
                    }
                    Some((_, last)) => {
                        let mut found: Vec<lookup::Person> = self
                            .gal_people(&p, Vec::new())
                            .await?
                            .into_iter()
                            .filter(|person| lookup::matches(person, &g.query))
                            .collect();
                        found.sort_by_key(|a| a.display_name.to_lowercase());
                        let total = found.len();
                        found.truncate(last + 1);
                        let mut pictures = match &options.picture {
                            None => None,
                            Some(limits) => {
                                let limits = lookup::PictureLimits {
                                    max_size: limits.max_size,
                                    max_pictures: limits.max_pictures,
                                };
                                let ids: Vec<Option<i64>> =
                                    found.iter().map(|p| p.account).collect();
                                let stored = self
                                    .with_directory(move |dir| lookup::stored_pictures(dir, &ids))
                                    .await?
                                    .map_err(|e| internal(e.to_string()))?;
                                Some(lookup::picture_answers(stored, limits).into_iter())
                            }
                        };
                        let result = found
                            .iter()
                            .map(|person| {
                                let g = lookup::gal_properties(person);
                                let picture = pictures.as_mut().and_then(Iterator::next).map(
                                    |(status, data)| eas_codec::command::search::GalPicture {
                                        status,
                                        data: data.map(|d| {
                                            eas_codec::codec::Binary::Text(base64::Engine::encode(
                                                &base64::engine::general_purpose::STANDARD,
                                                d,
                                            ))
                                        }),
                                    },
                                );
                                FindResult {
                                    properties: FindProperties {
                                        display_name: g.display_name,
                                        email_address: g.email_address,
                                        alias: g.alias,
                                        first_name: g.first_name,
                                        last_name: g.last_name,
                                        picture,
                                        ..FindProperties::default()
                                    },
                                    ..FindResult::default()
                                }
                            })
                            .collect();
                        answer("GAL", FindStatus::Success, result, Some(total))
                    }
                }
            }
            SearchCriterion::Mailbox(m) => {
                let options = m.options.clone().unwrap_or_default();
                if !p.visible.email {
                    return Err(HttpFailure::Forbidden);
                }
                match range_of(options.range.as_deref()) {
                    None => answer("Mailbox", FindStatus::InvalidRequest, vec![], None),
                    Some((first, _)) if first != 0 => {
                        answer("Mailbox", FindStatus::RangeMustStartAtZero, vec![], None)
                    }
                    Some((_, last)) => {
                        let query = lookup::MailQuery {
                            words: m
                                .query
                                .free_text
                                .as_deref()
                                .unwrap_or("")
                                .split_whitespace()
                                .map(str::to_lowercase)
                                .collect(),
                            folder: m
                                .query
                                .collection_id
                                .as_deref()
                                .map(|c| CollectionId(c.to_string())),
                            other_class: m
                                .query
                                .class
                                .as_deref()
                                .is_some_and(|c| !c.eq_ignore_ascii_case("Email")),
                            ..lookup::MailQuery::default()
                        };
                        let deep = options.deep_traversal.is_some();
                        let found = self
                            .read(&p, &req.device_id, version, move |_, _, _, mb| {
                                if query.other_class {
                                    return Ok((Vec::new(), 0));
                                }
                                let matches = lookup::search_mail(mb, &query, deep)?;
                                let total = matches.len();
                                let mut out = Vec::new();
                                for (folder, item) in matches.into_iter().take(last + 1) {
                                    let properties = lookup::find_properties(mb, &folder, &item)?;
                                    out.push(FindResult {
                                        class: Some("Email".into()),
                                        server_id: Some(item.0.as_str().into()),
                                        collection_id: Some(folder.0.as_str().into()),
                                        properties,
                                    });
                                }
                                Ok::<_, eas_sync_engine::BackendError>((out, total))
                            })
                            .await?;
                        match found {
                            Ok((result, total)) => {
                                answer("Mailbox", FindStatus::Success, result, Some(total))
                            }
                            Err(eas_sync_engine::BackendError::NoFolder(_)) => {
                                answer("Mailbox", FindStatus::FolderSyncRequired, vec![], None)
                            }
                            Err(e) => {
                                tracing::warn!(error = %e, "Find failed");
                                answer("Mailbox", FindStatus::InvalidRequest, vec![], None)
                            }
                        }
                    }
                }
            }
        };
        respond(&response, version)
    }

    async fn resolve_recipients(
        &self,
        p: Principal,
        req: EasRequest,
        body: Bytes,
    ) -> Result<Response<Body>, HttpFailure> {
        use eas_codec::command::resolve::{
            AvailabilityStatus, ResolveRecipientsRequest, ResolveRecipientsResponse,
            ResolveRecipientsStatus,
        };
        let version = req.protocol_version;
        let request: ResolveRecipientsRequest = decode_body(&body, version, false)?;
        let refused = |status| ResolveRecipientsResponse {
            status,
            response: Vec::new(),
        };
        if request.to.is_empty() || request.to.len() > 100 {
            return respond(&refused(ResolveRecipientsStatus::ProtocolError), version);
        }
        let options = request.options.clone().unwrap_or_default();
        let window = match &options.availability {
            None => None,
            Some(a) => match lookup::availability_window(&a.start_time, &a.end_time) {
                Some(w) => Some(w),
                None => return respond(&refused(ResolveRecipientsStatus::ProtocolError), version),
            },
        };
        let max = usize::try_from(options.max_ambiguous_recipients.unwrap_or(19))
            .unwrap_or(19)
            .min(100);
        let certificates = matches!(options.certificate_retrieval, Some(2 | 3));
        let tos: Vec<String> = request.to.iter().map(|t| t.to_string()).collect();
        let mut people = self.gal_people(&p, tos.clone()).await?;
        let accounts: std::collections::HashMap<String, i64> = people
            .iter()
            .filter_map(|p| Some((p.address.to_lowercase(), p.account?)))
            .collect();
        let zone = self.inner.settings.zone;
        let want_contact_pictures = options.picture.is_some();
        let result = self
            .read(&p, &req.device_id, version, move |_, _, _, mb| {
                people.extend(lookup::contacts(mb)?);
                let conn = mb.connection();
                let now = mb.now();
                let free_busy = |person: &lookup::Person| {
                    let window = window?;
                    Some(match person.account {
                        Some(account) => {
                            let theirs = Mailbox::new(
                                conn,
                                account,
                                &person.address,
                                Visibility::ALL,
                                zone,
                                now,
                                version,
                            );
                            lookup::availability(&theirs, window)
                        }
                        // A contact outside this server: no calendar to read.
                        None => eas_codec::command::resolve::Availability {
                            status: AvailabilityStatus::Failure,
                            merged_free_busy: None,
                        },
                    })
                };
                let mut responses = Vec::new();
                for to in &tos {
                    responses.push(lookup::resolve_one(to, &people, max, &free_busy));
                }
                // The photos of the contacts listed, by address (at most one per recipient).
                let mut contact_pictures = std::collections::HashMap::new();
                if want_contact_pictures {
                    for r in responses.iter().flat_map(|r| &r.recipient) {
                        let address = r.email_address.to_lowercase();
                        if let Some(photo) = people
                            .iter()
                            .filter(|p| p.account.is_none() && p.address.to_lowercase() == address)
                            .find_map(|p| p.picture.clone())
                        {
                            contact_pictures.insert(address, photo);
                        }
                    }
                }
                Ok::<_, eas_sync_engine::BackendError>((responses, contact_pictures))
            })
            .await?;
        let result = match result {
            Ok((responses, _)) if !certificates && options.picture.is_none() => Ok(responses),
            Ok((mut responses, contact_pictures)) => {
                // Certificates and pictures of the recipients listed, in order: accounts'
                // from the directory, contacts' photos from their cards.
                let ids: Vec<Option<i64>> = responses
                    .iter()
                    .flat_map(|r| &r.recipient)
                    .map(|r| {
                        if r.recipient_type == 1 {
                            accounts
                                .get(r.email_address.to_lowercase().as_str())
                                .copied()
                        } else {
                            None
                        }
                    })
                    .collect();
                let want_pictures = options.picture.is_some();
                let (certs, pictures) = self
                    .with_directory(move |dir| {
                        let certs = if certificates {
                            lookup::stored_certificates(dir, &ids)?
                        } else {
                            Vec::new()
                        };
                        let pictures = if want_pictures {
                            lookup::stored_pictures(dir, &ids)?
                        } else {
                            Vec::new()
                        };
                        Ok::<_, crate::accounts::DirectoryError>((certs, pictures))
                    })
                    .await?
                    .map_err(|e| internal(e.to_string()))?;
                let limits = options
                    .picture
                    .as_ref()
                    .map(|p| lookup::PictureLimits {
                        max_size: p.max_size,
                        max_pictures: p.max_pictures,
                    })
                    .unwrap_or_default();
                let pictures = if want_pictures {
                    responses
                        .iter()
                        .flat_map(|r| &r.recipient)
                        .zip(pictures)
                        .map(|(r, stored)| {
                            stored.or_else(|| {
                                (r.recipient_type == 2)
                                    .then(|| {
                                        contact_pictures
                                            .get(r.email_address.to_lowercase().as_str())
                                            .cloned()
                                    })
                                    .flatten()
                            })
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                let mut pictures = lookup::picture_answers(pictures, limits).into_iter();
                let mut certs = certs.into_iter();
                let mut budget = options.max_certificates;
                for recipient in responses.iter_mut().flat_map(|r| r.recipient.iter_mut()) {
                    if certificates {
                        recipient.certificates = Some(lookup::certificates_answer(
                            certs.next().flatten(),
                            &mut budget,
                        ));
                    }
                    if let Some((status, data)) = pictures.next() {
                        recipient.picture = Some(eas_codec::command::resolve::Picture {
                            status,
                            data: data.map(|d| {
                                base64::Engine::encode(
                                    &base64::engine::general_purpose::STANDARD,
                                    d,
                                )
                                .into()
                            }),
                        });
                    }
                }
                Ok(responses)
            }
            Err(e) => Err(e),
        };
        let response = match result {
            Ok(response) => ResolveRecipientsResponse {
                status: ResolveRecipientsStatus::Success,
                response,
            },
            Err(e) => {
                tracing::warn!(error = %e, "ResolveRecipients failed");
                refused(ResolveRecipientsStatus::ServerError)
            }
        };
        respond(&response, version)
    }

    /// SendMail (`smart` = `None`), SmartReply and SmartForward, in the 14.0+ ComposeMail
    /// form and the 12.x raw-MIME form. The message is queued in the transaction that
    /// answers the device (see [`crate::mailout`]), with the Sent Items copy and the
    /// original's LastVerbExecuted; the relay delivers it.
    async fn compose(
        &self,
        p: Principal,
        req: EasRequest,
        body: Bytes,
        smart: Option<SmartKind>,
    ) -> Result<Response<Body>, HttpFailure> {
        if !p.visible.email {
            return Err(HttpFailure::Forbidden);
        }
        let version = req.protocol_version;
        match self.submit(&p, &req, body, smart).await {
            Ok(()) => Ok(wbxml_response(Vec::new())),
            Err(SubmitError::Http(f)) => Err(f),
            Err(SubmitError::Status(status, why)) => {
                tracing::info!(command = ?req.command, status = status.code(), why, "message not sent");
                if version < ProtocolVersion::V14_0 {
                    // 12.x has no ComposeMail status: failure is an HTTP error.
                    return Err(match status {
                        ComposeMailStatus::InvalidMime
                        | ComposeMailStatus::MessageHasNoRecipient
                        | ComposeMailStatus::MessageRecipientUnresolved
                        | ComposeMailStatus::InvalidCombinationOfIds => {
                            HttpFailure::BadRequest(crate::http::RequestError::MalformedBody(why))
                        }
                        ComposeMailStatus::AccessDenied => HttpFailure::Forbidden,
                        _ => HttpFailure::Internal,
                    });
                }
                match smart {
                    None => respond(
                        &SendMailResponse {
                            status: Some(status),
                        },
                        version,
                    ),
                    Some(SmartKind::Reply) => respond(
                        &SmartReplyResponse {
                            status: Some(status),
                        },
                        version,
                    ),
                    Some(SmartKind::Forward) => respond(
                        &SmartForwardResponse {
                            status: Some(status),
                        },
                        version,
                    ),
                }
            }
        }
    }

    async fn submit(
        &self,
        p: &Principal,
        req: &EasRequest,
        body: Bytes,
        smart: Option<SmartKind>,
    ) -> Result<(), SubmitError> {
        use ComposeMailStatus as S;
        let version = req.protocol_version;
        let modern = version >= ProtocolVersion::V14_0;
        let bad_wbxml = |e: HttpFailure| match e {
            HttpFailure::BadRequest(r) => SubmitError::Status(S::InvalidWbxml, r.to_string()),
            other => SubmitError::Http(other),
        };
        // The request in one owned form: (client id, MIME, save, source, replace MIME).
        let (client_id, mime, save, source, replace_mime): ComposeInput = if modern {
            match smart {
                None => {
                    let r: SendMailRequest =
                        decode_body(&body, version, false).map_err(bad_wbxml)?;
                    (
                        Some(r.client_id.to_string()),
                        r.mime.0,
                        r.save_in_sent_items.is_some(),
                        None,
                        false,
                    )
                }
                Some(kind) => {
                    let owned =
                        |client_id: &str, s: Result<SmartRequest<'_>, eas_model::ModelError>| {
                            let s = s.map_err(|e| {
                                SubmitError::Status(S::InvalidCombinationOfIds, e.to_string())
                            })?;
                            Ok::<_, SubmitError>((
                                Some(client_id.to_string()),
                                s.mime.to_vec(),
                                s.save_in_sent_items,
                                Some(s.source),
                                s.options.replace_mime,
                            ))
                        };
                    if kind == SmartKind::Reply {
                        let r: SmartReplyRequest =
                            decode_body(&body, version, false).map_err(bad_wbxml)?;
                        owned(&r.client_id, SmartRequest::from_reply(&r))?
                    } else {
                        let r: SmartForwardRequest =
                            decode_body(&body, version, false).map_err(bad_wbxml)?;
                        match (&r.mime, &r.forwardees) {
                            // 16.x forwards a meeting with Forwardees and a note, no MIME.
                            (None, Some(forwardees)) => forwardees_form(&r, forwardees)?,
                            _ => owned(&r.client_id, SmartRequest::from_forward(&r))?,
                        }
                    }
                }
            }
        } else {
            let params = &req.params;
            match smart {
                None => (None, body.to_vec(), params.save_in_sent, None, false),
                Some(kind) => {
                    let query = LegacyQuery {
                        item_id: params.item_id.as_deref(),
                        collection_id: params.collection_id.as_deref(),
                        long_id: params.long_id.as_deref(),
                        occurrence: params.occurrence.as_deref(),
                        save_in_sent: params.save_in_sent.then_some("T"),
                    };
                    let s = SmartRequest::from_legacy(kind, &body, &query).map_err(|e| {
                        SubmitError::Status(S::InvalidCombinationOfIds, e.to_string())
                    })?;
                    (
                        None,
                        body.to_vec(),
                        s.save_in_sent_items,
                        Some(s.source),
                        false,
                    )
                }
            }
        };
        if mime.is_empty() {
            return Err(SubmitError::Status(S::InvalidMime, "no message".into()));
        }
        let domain = self.inner.settings.mail_domain.clone();
        let relay_configured = self.relay_config().is_configured();
        let owner = p.address.clone();

        // Build the message (reading the original for a reply or forward).
        let built = self
            .read(p, &req.device_id, version, move |_, _, _, mb| {
                build_outgoing(
                    mb,
                    smart,
                    &mime,
                    source.as_ref(),
                    replace_mime,
                    save,
                    &domain,
                )
            })
            .await
            .map_err(SubmitError::Http)??;

        // The sender may only send as themselves.
        if let Some(from) = &built.outgoing.envelope.from
            && !from.eq_ignore_ascii_case(&owner)
        {
            return Err(SubmitError::Status(
                S::AccessDenied,
                format!("From {from} is not the account's address {owner}"),
            ));
        }
        let recipients = built.outgoing.envelope.recipients.clone();
        if recipients.is_empty() {
            return Err(SubmitError::Status(
                S::MessageHasNoRecipient,
                "no recipient".into(),
            ));
        }
        if let Some(bad) = recipients.iter().find(|r| !r.contains('@')) {
            return Err(SubmitError::Status(
                S::MessageRecipientUnresolved,
                format!("{bad} is not an address"),
            ));
        }
        if !relay_configured {
            for rcpt in &recipients {
                match self.local_account(rcpt).await {
                    Ok(Some(_)) => {}
                    Ok(None) => {
                        return Err(SubmitError::Status(
                            S::MailSubmissionFailed,
                            format!("{rcpt} is not local and no relay is configured"),
                        ));
                    }
                    Err(e) => return Err(SubmitError::Status(S::ServerErrorRetryLater, e)),
                }
            }
        }

        // Queue it, file the copy, mark the original: one transaction.
        let account = p.account;
        let committed = self
            .transact(p, &req.device_id, version, move |_, _, _, mb| {
                let now = mb.now();
                if let Some(id) = client_id.as_deref() {
                    match crate::mailout::claim_client_id(mb.connection(), account, id, now) {
                        Ok(true) => {}
                        Ok(false) => {
                            return Err((
                                S::MessagePreviouslySent,
                                format!("ClientId {id} was sent"),
                            ));
                        }
                        Err(e) => return Err((S::ServerErrorRetryLater, e.to_string())),
                    }
                }
                let retry = |e: String| (S::ServerErrorRetryLater, e);
                crate::mailout::enqueue(
                    mb.connection(),
                    account,
                    &owner,
                    &recipients,
                    &built.outgoing.message,
                    now,
                )
                .map_err(|e| retry(e.to_string()))?;
                if let Some(copy) = &built.sent_copy {
                    let initial = crate::store::mailbox::InitialMailState {
                        seen: true,
                        ..Default::default()
                    };
                    if let Err(e) = mb.add_mail(5, copy, initial) {
                        // No Sent Items folder is not a reason to refuse the message.
                        tracing::warn!(error = %e, "Sent Items copy not filed");
                    }
                }
                if let Some((folder, item, verb)) = &built.original
                    && let Err(e) = mb.set_last_verb(folder, item, *verb)
                {
                    tracing::warn!(error = %e, "LastVerbExecuted not set");
                }
                Ok(())
            })
            .await
            .map_err(SubmitError::Http)?;
        match committed {
            Ok(()) => {
                self.wake_outbound();
                Ok(())
            }
            Err((status, why)) => Err(SubmitError::Status(status, why)),
        }
    }

    async fn meeting_response(
        &self,
        p: Principal,
        req: EasRequest,
        body: Bytes,
    ) -> Result<Response<Body>, HttpFailure> {
        let version = req.protocol_version;
        let request: MeetingResponseRequest = decode_body(&body, version, false)?;
        let domain = self.inner.settings.mail_domain.clone();
        let name = p.display_name.clone();
        let account = p.account;
        let (response, queued) = self
            .transact(&p, &req.device_id, version, move |_, _, _, mb| {
                let ctx = meetings::ResponseContext {
                    version,
                    display_name: Some(name.as_str()).filter(|n| !n.is_empty()),
                    message_id_domain: &domain,
                };
                let mut results = Vec::new();
                let mut mail = Vec::new();
                for item in &request.request {
                    let (result, out) = meetings::respond(mb, item, &ctx);
                    results.push(result);
                    mail.extend(out);
                }
                // The replies are queued with the answers, so both commit or neither.
                let now = mb.now();
                let mut queued = 0usize;
                for m in &mail {
                    match crate::mailout::enqueue(
                        mb.connection(),
                        account,
                        &m.from,
                        &m.to,
                        &m.mime,
                        now,
                    ) {
                        Ok(_) => queued += 1,
                        Err(e) => tracing::warn!(error = %e, "meeting reply not queued"),
                    }
                }
                (MeetingResponseResponse { result: results }, queued)
            })
            .await?;
        if queued > 0 {
            self.wake_outbound();
        }
        respond(&response, version)
    }

    /// The local account an address names: (row id, canonical address).
    pub async fn local_account(&self, address: &str) -> Result<Option<(i64, String)>, String> {
        let login = address.to_string();
        self.with_directory(move |dir| -> Result<Option<(i64, String)>, String> {
            // Only `local@domain` is an address; `DOMAIN\user` is a login form.
            if !login.contains('@') {
                return Ok(None);
            }
            match dir.find_account(&login).map_err(|e| e.to_string())? {
                Some(id) => Ok(Some((
                    id.0,
                    dir.account(id).map_err(|e| e.to_string())?.address(),
                ))),
                None => Ok(None),
            }
        })
        .await
        .map_err(|_| "directory unavailable".to_string())?
    }

    async fn get_attachment(
        &self,
        p: Principal,
        req: EasRequest,
    ) -> Result<Response<Body>, HttpFailure> {
        if !p.visible.email {
            return Err(HttpFailure::Forbidden);
        }
        let version = req.protocol_version;
        let name = req
            .params
            .attachment_name
            .clone()
            .ok_or(HttpFailure::BadRequest(
                crate::http::RequestError::MissingParameter("AttachmentName"),
            ))?;
        let policy = self.domain_policy(&p.domain).await?;
        let result = self
            .read(&p, &req.device_id, version, move |_, _, _, mb| {
                item_operations::get_attachment(mb, &name, &policy)
            })
            .await?;
        match result {
            Ok((content_type, data)) => {
                let body = match data {
                    AttachmentData::Bytes(bytes) => Body::from(bytes),
                    AttachmentData::Stored { row, part } => self.stream_stored(row, part),
                };
                let mut resp = Response::new(body);
                if let Ok(v) = axum::http::HeaderValue::from_str(&content_type) {
                    resp.headers_mut()
                        .insert(axum::http::header::CONTENT_TYPE, v);
                }
                Ok(resp)
            }
            Err(e) => {
                tracing::debug!(error = %e, "GetAttachment failed");
                Err(match e.http_status() {
                    403 => HttpFailure::Forbidden,
                    503 => HttpFailure::ServiceUnavailable {
                        retry_after_secs: 30,
                    },
                    _ => HttpFailure::Internal,
                })
            }
        }
    }
}

/// Queue the out-of-office reply a delivered message is due, if any; whether one was.
/// Without a relay only senders of the account's own domain can be answered.
fn out_of_office(
    mb: &Mailbox<'_>,
    stored: &crate::store::mailbox::Stored,
    relay_configured: bool,
) -> Result<bool, String> {
    let row = mb
        .load_item_with(
            &stored.folder,
            &stored.item,
            crate::store::mailbox::Content::View,
        )
        .map_err(|e| e.to_string())?;
    let conn = mb.connection();
    let owner = mb.owner().to_string();
    let owner_domain = owner.rsplit('@').next().unwrap_or("").to_ascii_lowercase();
    let reply = crate::oof::auto_reply(
        conn,
        mb.account(),
        &owner,
        &row.content,
        |address| mb.knows_contact(address),
        mb.now(),
    )
    .map_err(|e| e.to_string())?;
    let Some((to, mime)) = reply else {
        return Ok(false);
    };
    if !relay_configured
        && !to
            .to_ascii_lowercase()
            .ends_with(&format!("@{owner_domain}"))
    {
        return Ok(false);
    }
    crate::mailout::enqueue(conn, mb.account(), &owner, &[to], &mime, mb.now())
        .map_err(|e| e.to_string())?;
    Ok(true)
}

/// Why a SendMail, SmartReply or SmartForward was not sent.
enum SubmitError {
    /// An HTTP-level failure (authentication, overload).
    Http(HttpFailure),
    /// A ComposeMail status, and why (for the log).
    Status(ComposeMailStatus, String),
}

/// A message ready to queue.
struct Built {
    outgoing: Outgoing,
    /// The Sent Items copy (with `Bcc:`), when asked for.
    sent_copy: Option<Vec<u8>>,
    /// The original of a reply or forward and the LastVerbExecuted to set on it.
    original: Option<(CollectionId, eas_sync_engine::ItemId, u32)>,
}

/// A compose request in one owned form: (client id, MIME, save a copy, source, replace
/// MIME).
type ComposeInput = (Option<String>, Vec<u8>, bool, Option<SourceRef>, bool);

/// The 16.x meeting forward without MIME (`Forwardees` and a `Body`) as the request the rest
/// of SmartForward handles: a minimal client message to the forwardees.
fn forwardees_form(
    r: &SmartForwardRequest,
    forwardees: &eas_codec::command::compose::Forwardees,
) -> Result<ComposeInput, SubmitError> {
    use ComposeMailStatus as S;
    // Header values from the device: no line breaks, no quotes that end the display name.
    let clean = |s: &str| s.replace(['\r', '\n', '"'], " ").trim().to_string();
    let to: Vec<String> = forwardees
        .forwardee
        .iter()
        .map(
            |f| match f.name.as_deref().map(clean).filter(|n| !n.is_empty()) {
                Some(name) => format!("\"{name}\" <{}>", clean(&f.email)),
                None => clean(&f.email),
            },
        )
        .collect();
    if to.is_empty() {
        return Err(SubmitError::Status(
            S::MessageHasNoRecipient,
            "no Forwardee".into(),
        ));
    }
    let note = r
        .body
        .as_ref()
        .and_then(|b| b.data.as_deref())
        .unwrap_or("")
        .replace("\r\n", "\n")
        .replace('\n', "\r\n");
    let mime = format!("To: {}\r\nSubject: \r\n\r\n{note}\r\n", to.join(", ")).into_bytes();
    let item_id = r
        .source
        .item_id
        .as_deref()
        .ok_or_else(|| SubmitError::Status(S::InvalidCombinationOfIds, "no ItemId".into()))?;
    let instance_id = match r.source.instance_id.as_deref() {
        Some(t) => Some(
            eas_model::datetime::parse(t, "InstanceId")
                .map_err(|e| SubmitError::Status(S::InvalidDateTime, e.to_string()))?,
        ),
        None => None,
    };
    Ok((
        Some(r.client_id.to_string()),
        mime,
        r.save_in_sent_items.is_some(),
        Some(SourceRef::Item {
            folder_id: r.source.folder_id.as_deref().map(str::to_string),
            item_id: item_id.to_string(),
            instance_id,
        }),
        false,
    ))
}

/// SmartForward of a calendar item (or, with `instance`, of one occurrence): the client's
/// text and recipients with the meeting as a `text/calendar; method=REQUEST` part, so the
/// recipients get an invitation they can answer.
fn meeting_forward(
    mb: &Mailbox<'_>,
    folder: &CollectionId,
    item: &eas_sync_engine::ItemId,
    instance: Option<DateTime<Utc>>,
    client: &[u8],
    save: bool,
    ctx: &SendContext<'_>,
) -> Result<Built, SubmitError> {
    use ComposeMailStatus as S;
    let row = mb
        .load_item(folder, item)
        .map_err(|e| SubmitError::Status(S::ItemNotFound, e.to_string()))?;
    let meeting = eas_model::calendar::Appointment::from_icalendar(
        &String::from_utf8_lossy(&row.content),
        Some(mb.owner()),
    )
    .map_err(|e| SubmitError::Status(S::ItemNotFound, e.to_string()))?;
    if instance.is_some() && meeting.recurrence.is_none() {
        return Err(SubmitError::Status(
            S::NoRecurrenceInCalendar,
            "an occurrence of a meeting that does not recur".into(),
        ));
    }
    let parsed = mail_parser::MessageParser::default()
        .parse(client)
        .ok_or_else(|| {
            SubmitError::Status(S::InvalidMime, "the client message has no header".into())
        })?;
    let addresses = |list: Option<&mail_parser::Address<'_>>| -> Vec<String> {
        list.map(|a| {
            a.iter()
                .filter_map(|m| m.address().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
    };
    let subject = parsed
        .subject()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| format!("Fw: {}", meeting.summary.as_deref().unwrap_or("")));
    let text = parsed
        .body_text(0)
        .map(|t| t.into_owned())
        .unwrap_or_default();
    let ical = eas_model::calendar::itip::forward_request(&meeting, instance, ctx.now);
    let mut builder = mail_builder::MessageBuilder::new()
        .from(mb.owner().to_string())
        .subject(subject)
        .date(ctx.now.timestamp());
    let to = addresses(parsed.to());
    let cc = addresses(parsed.cc());
    let bcc = addresses(parsed.bcc());
    if !to.is_empty() {
        builder = builder.to(to);
    }
    if !cc.is_empty() {
        builder = builder.cc(cc);
    }
    if !bcc.is_empty() {
        builder = builder.bcc(bcc);
    }
    let body = mail_builder::mime::MimePart::new(
        "multipart/alternative",
        vec![
            mail_builder::mime::MimePart::new("text/plain; charset=utf-8", text),
            mail_builder::mime::MimePart::new("text/calendar; charset=utf-8; method=REQUEST", ical),
        ],
    );
    let message = builder
        .body(body)
        .write_to_vec()
        .map_err(|e| SubmitError::Status(S::MessageReplyFailed, e.to_string()))?;
    let outgoing = eas_model::compose::send_mail(&message, ctx).map_err(|e| match e {
        eas_model::ModelError::NoRecipient => {
            SubmitError::Status(S::MessageHasNoRecipient, e.to_string())
        }
        e => SubmitError::Status(S::InvalidMime, e.to_string()),
    })?;
    let sent_copy = save.then(|| [outgoing.added_headers.as_slice(), &message].concat());
    Ok(Built {
        outgoing,
        sent_copy,
        original: None,
    })
}

/// Build the outgoing message: SendMail passes the client's MIME through; a reply or forward
/// reads the original (a folder item, or the item a mailbox Search result's `LongId` names;
/// status 150 when there is none).
fn build_outgoing(
    mb: &Mailbox<'_>,
    smart: Option<SmartKind>,
    mime: &[u8],
    source: Option<&SourceRef>,
    replace_mime: bool,
    save: bool,
    domain: &str,
) -> Result<Built, SubmitError> {
    use ComposeMailStatus as S;
    let ctx = SendContext {
        now: mb.now(),
        message_id_domain: domain,
    };
    let invalid_mime = |e: eas_model::ModelError| match e {
        eas_model::ModelError::NoRecipient => {
            SubmitError::Status(S::MessageHasNoRecipient, e.to_string())
        }
        e => SubmitError::Status(S::InvalidMime, e.to_string()),
    };
    let Some(kind) = smart else {
        let outgoing = eas_model::compose::send_mail(mime, &ctx).map_err(invalid_mime)?;
        let sent_copy = save.then(|| [outgoing.added_headers.as_slice(), mime].concat());
        return Ok(Built {
            outgoing,
            sent_copy,
            original: None,
        });
    };
    let not_found = |why: String| SubmitError::Status(S::ItemNotFound, why);
    let (folder, item) = match source {
        Some(SourceRef::Item {
            folder_id, item_id, ..
        }) => {
            let item = eas_sync_engine::ItemId(item_id.clone());
            let folder = match folder_id {
                Some(f) => CollectionId(f.clone()),
                None => match mb.locate(&item) {
                    Ok(Some(f)) => f,
                    Ok(None) => return Err(not_found(format!("no item {item_id}"))),
                    Err(e) => {
                        return Err(SubmitError::Status(S::ServerErrorRetryLater, e.to_string()));
                    }
                },
            };
            (folder, item)
        }
        // A mailbox Search result's LongId is "folder:item" (see `search`); the item is read
        // from this account's mailbox like any other, so a stale or foreign id is not found.
        Some(SourceRef::LongId(id)) => match id.split_once(':') {
            Some((f, i)) if !f.is_empty() && !i.is_empty() => (
                CollectionId(f.to_string()),
                eas_sync_engine::ItemId(i.to_string()),
            ),
            _ => return Err(not_found(format!("LongId {id} names no search result"))),
        },
        None => return Err(not_found("no source".into())),
    };
    if kind == SmartKind::Forward
        && mb
            .folder_class(&folder)
            .map_err(|e| not_found(e.to_string()))?
            == FolderClass::Calendar
    {
        let instance = match source {
            Some(SourceRef::Item { instance_id, .. }) => *instance_id,
            _ => None,
        };
        return meeting_forward(mb, &folder, &item, instance, mime, save, &ctx);
    }
    let row = mb
        .load_item(&folder, &item)
        .map_err(|e| not_found(e.to_string()))?;
    let request = SmartRequest {
        kind,
        mime,
        source: SourceRef::Item {
            folder_id: Some(folder.0.clone()),
            item_id: item.0.clone(),
            instance_id: None,
        },
        save_in_sent_items: save,
        options: eas_model::compose::SmartOptions {
            replace_mime,
            ..Default::default()
        },
    };
    let outgoing = request.build(&row.content, &ctx).map_err(invalid_mime)?;
    let sent_copy = save.then(|| {
        if outgoing.added_headers.is_empty() {
            // A built reply or forward: the transmitted message lost the Bcc field.
            crate::mailout::sent_copy_with_bcc(mime, &outgoing.message)
        } else {
            [outgoing.added_headers.as_slice(), mime].concat()
        }
    });
    // MS-ASEMAIL LastVerbExecuted: 1 reply to sender, 2 reply to all, 3 forward.
    let verb = match kind {
        SmartKind::Forward => 3,
        SmartKind::Reply if outgoing.envelope.recipients.len() > 1 => 2,
        SmartKind::Reply => 1,
    };
    Ok(Built {
        outgoing,
        sent_copy,
        original: Some((folder, item, verb)),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::accounts::DirectoryConfig;

    fn service(max_pending: usize) -> Service {
        let store = crate::store::Store::open_in_memory().unwrap();
        let dir = Directory::open_in_memory(DirectoryConfig::default()).unwrap();
        Service::new(
            dir,
            store.into_connection(),
            Arc::new(Hub::new()),
            ServiceSettings {
                max_pending_transactions: max_pending,
                ..ServiceSettings::default()
            },
        )
    }

    #[tokio::test]
    async fn an_overloaded_store_answers_503_with_retry_after() {
        let s = service(2);
        let a = s.admit_transaction().unwrap();
        let _b = s.admit_transaction().unwrap();
        assert_eq!(
            s.admit_transaction().unwrap_err(),
            HttpFailure::ServiceUnavailable {
                retry_after_secs: 5
            }
        );
        drop(a);
        assert!(
            s.admit_transaction().is_ok(),
            "a freed place is usable again"
        );
        // Work through the gate still runs while places remain.
        assert_eq!(s.with_store(|_| 7).await.unwrap(), 7);
    }

    #[test]
    fn cached_password_digests_depend_on_the_password() {
        let s = service(1);
        assert_eq!(s.digest("a"), s.digest("a"));
        assert_ne!(s.digest("a"), s.digest("b"));
    }
}
