//! Fake Freshchat's account: its settings, state, signing key, and the queue
//! that signs and sends the webhook events the state produces, in order.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use time::OffsetDateTime;
use tokio::sync::watch;

use super::settings::PayloadFormat;
use super::store::{DeliveryRecord, Store};
use super::webhook::{self, Actor, SigningKey};
use super::{FreshchatSettings, MAMMUT_CHANNEL_PATH};
use crate::fake::VendorCtx;

/// One queued webhook delivery.
#[derive(Debug, Clone)]
struct Job {
    delivery: String,
    url: String,
    body: Bytes,
    signature: String,
}

#[derive(Debug, Default)]
struct Queue {
    jobs: VecDeque<Job>,
    running: bool,
}

/// Fake Freshchat: settings, state, signing key and the webhook queue.
pub struct Freshchat {
    pub(super) ctx: VendorCtx,
    pub(super) settings: FreshchatSettings,
    /// The configured key; `None`: the process's generated key.
    pub(super) key: Option<SigningKey>,
    pub(super) store: Mutex<Store>,
    queue: Mutex<Queue>,
    pending: watch::Sender<usize>,
    /// The request budget, when `rate_limit` is set.
    pub(super) budget: Mutex<Option<crate::ratelimit::Window>>,
}

impl Freshchat {
    /// Fake Freshchat in its seeded state, signing with `key` (`None`: the process's
    /// generated key).
    pub fn new(ctx: VendorCtx, key: Option<SigningKey>) -> Self {
        let settings = ctx.config.vendor::<super::FreshchatSettings>().clone();
        Self {
            store: Mutex::new(Store::seeded(&settings, ctx.config.seed)),
            queue: Mutex::new(Queue::default()),
            pending: watch::Sender::new(0),
            budget: Mutex::new(
                settings
                    .rate_limit
                    .as_ref()
                    .map(|r| crate::ratelimit::Window::new(r.limit, r.window_secs)),
            ),
            settings,
            key,
            ctx,
        }
    }

    /// The store, locked. Never held across an `.await`.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The settings in force.
    pub fn settings(&self) -> &FreshchatSettings {
        &self.settings
    }

    /// The signing key.
    pub fn key(&self) -> &SigningKey {
        self.key.as_ref().unwrap_or_else(|| SigningKey::shared())
    }

    /// The current time, from the run's clock.
    pub fn now(&self) -> OffsetDateTime {
        self.ctx.clock.now()
    }

    /// Who API changes are reported as.
    pub fn api_actor(&self) -> Actor {
        Actor {
            actor_type: "agent".to_owned(),
            actor_id: self.settings.api_actor_id.clone(),
        }
    }

    /// Where webhooks go now, if anywhere.
    pub fn webhook_url(&self) -> Option<String> {
        let store = self.store();
        if !store.webhook_enabled {
            return None;
        }
        store.webhook_url.clone().or_else(|| {
            self.ctx
                .peers
                .url("mammut")
                .map(|u| format!("{u}{MAMMUT_CHANNEL_PATH}"))
        })
    }

    /// Signs and queues the events the store produced since the last flush; the
    /// account's worker sends them in order.
    pub fn flush(self: &Arc<Self>) {
        let url = self.webhook_url();
        let jobs: Vec<Job> = {
            let mut store = self.store();
            let events = std::mem::take(&mut store.events);
            let Some(url) = url else {
                return;
            };
            events
                .into_iter()
                .filter(|e| self.settings.webhook.events.iter().any(|x| x == e.action))
                .map(|e| {
                    let payload = match self.settings.webhook.payload_format {
                        PayloadFormat::Current => e.payload,
                        PayloadFormat::Legacy2018 => super::legacy::convert(&e.payload),
                    };
                    let body = Bytes::from(payload.to_string());
                    let delivery = store.uuid();
                    store.deliveries.push(DeliveryRecord {
                        delivery: delivery.clone(),
                        action: e.action,
                        url: url.clone(),
                        status: "queued",
                        attempts: 0,
                    });
                    Job {
                        signature: self.key().sign(&body),
                        delivery,
                        url: url.clone(),
                        body,
                    }
                })
                .collect()
        };
        if jobs.is_empty() {
            return;
        }
        self.pending.send_modify(|n| *n += jobs.len());
        let start = {
            let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
            q.jobs.extend(jobs);
            !std::mem::replace(&mut q.running, true)
        };
        if start {
            tokio::spawn(self.clone().work());
        }
    }

    async fn work(self: Arc<Self>) {
        loop {
            let job = {
                let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
                match q.jobs.pop_front() {
                    Some(j) => j,
                    None => {
                        q.running = false;
                        return;
                    }
                }
            };
            self.send(job).await;
            self.pending.send_modify(|n| *n = n.saturating_sub(1));
        }
    }

    async fn send(&self, job: Job) {
        let s = &self.settings.webhook;
        let policy = webhook::FreshchatRetry::from_settings(s);
        let timeout = Duration::from_millis(s.timeout_ms);
        let delivery = self
            .ctx
            .sender
            .deliver("freshchat", &job.delivery, timeout, &policy, |n| {
                webhook::request(&job.url, &job.body, &job.signature, &s.payload_version, n)
            })
            .await;
        let mut store = self.store();
        if let Some(r) = store
            .deliveries
            .iter_mut()
            .find(|r| r.delivery == job.delivery)
        {
            r.status = if delivery.delivered() {
                "delivered"
            } else {
                "failed"
            };
            r.attempts = delivery.attempts.len();
        }
    }

    /// Waits (at most `limit`) until every queued webhook has been sent.
    pub async fn idle(&self, limit: Duration) -> bool {
        let mut rx = self.pending.subscribe();
        tokio::time::timeout(limit, rx.wait_for(|n| *n == 0))
            .await
            .is_ok_and(|r| r.is_ok())
    }
}
