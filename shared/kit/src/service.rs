//! What the platform needs from each service, so it can mount one alone (`liftoff serve`) or
//! all four on one port (`liftoff up`), and call its background work.

use std::sync::{Arc, Mutex};

use actix_web::web;
use futures_util::future::BoxFuture;
use liftoff_client::{Client, DeploymentApiClient, HistoryClient, RegistryClient, SchedulerClient};

use crate::auth::{Authority, TokenKind};
use crate::db::Db;

pub trait ServiceApp: Send + Sync + 'static {
    /// `deployment-api`, `scheduler`, `host-registry` or `history`.
    fn name(&self) -> &'static str;
    /// Mounts the service's API routes (not the operational ones) and its app data.
    fn configure(&self, cfg: &mut web::ServiceConfig);
    /// One round of idempotent background work; safe to run on several replicas at once.
    fn tick(&self) -> BoxFuture<'_, ()>;
    fn db(&self) -> &Db;
    /// The server is stopping: end long-running requests (long polls) now.
    fn shutdown(&self) {}
    /// Delivers what the service's outbox holds; run as soon as a call queued events
    /// ([`Db::outbox_written`]), besides the tick's own run. Services without an outbox keep
    /// the default, which does nothing.
    fn relay(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }
    /// The service's relay task, for as long as it runs: [`ServiceApp::relay`] each time a
    /// call queued events. Services with an outbox deliver each destination on its own
    /// ([`crate::outbox::relay_forever`]).
    fn relay_forever(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            loop {
                self.db().outbox_written().await;
                self.relay().await;
            }
        })
    }
    /// How often `tick` should run.
    fn tick_interval(&self) -> std::time::Duration {
        std::time::Duration::from_secs(1)
    }
}

/// The base URLs of the peer services and the credential this service calls them with.
#[derive(Clone)]
pub struct Peers {
    deployment_api: Client,
    scheduler: Client,
    registry: Client,
    history: Client,
    identity: Arc<Identity>,
    /// This service's outbox relays (their backoff state, per destination).
    relays: Arc<crate::outbox::Relays>,
}

struct Identity {
    authority: Authority,
    service: String,
    cached: Mutex<Option<(String, i64)>>,
}

#[derive(Debug, Clone)]
pub struct PeerUrls {
    pub deployment_api: String,
    pub scheduler: String,
    pub registry: String,
    pub history: String,
}

impl PeerUrls {
    /// Every peer at one address (`liftoff up`).
    pub fn all(url: &str) -> Self {
        Self {
            deployment_api: url.into(),
            scheduler: url.into(),
            registry: url.into(),
            history: url.into(),
        }
    }
}

impl Peers {
    pub fn new(urls: &PeerUrls, authority: Authority, service: &str) -> anyhow::Result<Self> {
        let mk = |u: &str| Client::new(u, None).map_err(|e| anyhow::anyhow!("{e}"));
        Ok(Self {
            deployment_api: mk(&urls.deployment_api)?,
            scheduler: mk(&urls.scheduler)?,
            registry: mk(&urls.registry)?,
            history: mk(&urls.history)?,
            identity: Arc::new(Identity {
                authority,
                service: service.to_string(),
                cached: Mutex::new(None),
            }),
            relays: Arc::new(crate::outbox::Relays::default()),
        })
    }

    /// A short-lived service credential, re-minted before it expires.
    fn token(&self) -> Option<String> {
        let now = chrono::Utc::now().timestamp();
        let mut cached = self.identity.cached.lock().ok()?;
        if let Some((t, exp)) = cached.as_ref()
            && *exp - now > 120
        {
            return Some(t.clone());
        }
        let (t, claims) = self
            .identity
            .authority
            .mint(
                TokenKind::Service,
                &self.identity.service,
                None,
                None,
                false,
                chrono::Duration::minutes(15),
            )
            .ok()?;
        *cached = Some((t.clone(), claims.exp));
        Some(t)
    }

    pub fn deployment_api(&self) -> DeploymentApiClient {
        DeploymentApiClient::new(self.deployment_api.with_token(self.token()))
    }
    pub fn scheduler(&self) -> SchedulerClient {
        SchedulerClient::new(self.scheduler.with_token(self.token()))
    }
    pub fn registry(&self) -> RegistryClient {
        RegistryClient::new(self.registry.with_token(self.token()))
    }
    pub fn history(&self) -> HistoryClient {
        HistoryClient::new(self.history.with_token(self.token()))
    }

    /// The outbox relays of the service these peers belong to.
    pub fn relays(&self) -> &crate::outbox::Relays {
        &self.relays
    }

    /// The name of the service these peers belong to.
    pub fn service_name(&self) -> &str {
        &self.identity.service
    }
}
