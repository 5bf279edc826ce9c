//! The adapter's hands: it performs what the step engine asks for against one
//! scenario's fakes. Calls go over HTTP to the fakes' ports (as the SUT's would);
//! vendor actions run in process through the control routes; deliveries go out
//! through the fakes' outbound transport; watches wake on the journal's
//! notification, never on a timer.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use tower::ServiceExt as _;

use super::engine::explain::{body_value, header_map};
use super::engine::{
    Action, ActionCall, DeliverError, Delivery, Done, Engine, HttpCall, Look, Reply, StepError,
    View, Watch,
};
use crate::clock::ManualClock;
use crate::fuzz::{case, target};
use crate::journal::Filter;
use crate::server::{self, Harness, Running};

/// One scenario's fakes, as the adapter reaches them.
pub struct Fakes<'a> {
    /// The served fakes (their URLs).
    pub running: &'a Running,
    /// The harness behind them.
    pub harness: Arc<Harness>,
    /// The control routes, called in process.
    pub control: Router,
    /// The fakes' clock.
    pub clock: Arc<ManualClock>,
    /// The HTTP client of `call` steps.
    pub client: reqwest::Client,
    /// The scenario file's folder (relative paths in steps start there).
    pub dir: PathBuf,
}

impl Fakes<'_> {
    /// Performs `action`.
    pub async fn perform(&self, action: &Action) -> Result<Done, StepError> {
        match action {
            Action::Call(c) => self.call(c).await.map(Done::Reply),
            Action::Send(a) => self.send(a).await.map(Done::Reply),
            Action::Deliver(d) => self.deliver(d).await.map(Done::Delivered),
            Action::Sleep(d) => {
                tokio::time::sleep(*d).await;
                Ok(Done::Nothing)
            }
            Action::Advance(d) => {
                self.advance(*d);
                Ok(Done::Nothing)
            }
            Action::AddFault(rule) => server::faults_api::add_rule(&self.harness, (**rule).clone())
                .map(|_| Done::Nothing)
                .map_err(|e| StepError::RuleRefused(e.message().to_owned())),
            Action::ClearFaults(name) if name == "*" => {
                self.harness.faults.clear();
                Ok(Done::Nothing)
            }
            Action::ClearFaults(name) => Ok(Done::Removed(self.harness.faults.remove_named(name))),
        }
    }

    /// Moves the fakes' clock and runs what fell due.
    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
        self.harness.tick();
    }

    /// Shows `watch` the journal (or the vendor's state) now and after every change
    /// of the journal, until the engine decides.
    pub async fn watch(&self, engine: &mut Engine, watch: &Watch) -> Result<(), StepError> {
        let vendor = match watch.state_of() {
            Some(name) => Some(self.vendor(name)?),
            None => None,
        };
        let mut changes = self.harness.journal.subscribe();
        loop {
            let look = match &vendor {
                Some(v) => engine.look(watch, View::State(&v.state()), Instant::now()),
                None => {
                    let entries = self.harness.journal.entries(&Filter::default());
                    engine.look(watch, View::Journal(&entries), Instant::now())
                }
            };
            match look {
                Look::Passed => return Ok(()),
                Look::Failed(e) => return Err(e),
                Look::Waiting => {
                    crate::journal::changed_before(&mut changes, watch.deadline()).await;
                }
            }
        }
    }

    fn vendor(&self, name: &str) -> Result<Arc<dyn crate::vendors::Vendor>, StepError> {
        self.harness
            .vendor(name)
            .cloned()
            .ok_or_else(|| StepError::UnknownVendor(name.to_owned()))
    }

    async fn call(&self, c: &HttpCall) -> Result<Reply, StepError> {
        let vendor = self.vendor(&c.vendor)?;
        let url = format!("{}{}", self.running.url(vendor.name()), c.path);
        let method = reqwest::Method::from_bytes(c.method.as_bytes())
            .map_err(|_| StepError::NotAMethod(c.method.clone()))?;
        let mut req = self.client.request(method, &url);
        for (k, v) in &c.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        if c.seeded_auth
            && let Some(a) = vendor.seeded_authorization()
        {
            req = req.header("authorization", a);
        }
        if let Some(body) = &c.body {
            req = req.body(body.clone());
        }
        let res = req
            .send()
            .await
            .map_err(|e| StepError::CallFailed(e.to_string()))?;
        let status = res.status().as_u16();
        let headers = header_map(
            res.headers()
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_bytes())),
        );
        let bytes = res
            .bytes()
            .await
            .map_err(|e| StepError::ReplyUnreadable(e.to_string()))?;
        Ok(Reply {
            status,
            headers,
            body: body_value(&bytes),
        })
    }

    /// Runs a vendor's action in process: the control routes answer it as they
    /// would over HTTP.
    async fn send(&self, a: &ActionCall) -> Result<Reply, StepError> {
        let request = axum::http::Request::post(format!("/{}/actions/{}", a.vendor, a.action))
            .header("content-type", "application/json")
            .body(Body::from(a.args.to_string()))
            .map_err(|e| StepError::ActionFailed(e.to_string()))?;
        let res = self
            .control
            .clone()
            .oneshot(request)
            .await
            .map_err(|e| StepError::ActionFailed(e.to_string()))?;
        let status = res.status().as_u16();
        let headers = header_map(
            res.headers()
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_bytes())),
        );
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .map_err(|e| StepError::ActionFailed(e.to_string()))?;
        Ok(Reply {
            status,
            headers,
            body: body_value(&bytes),
        })
    }

    async fn deliver(&self, d: &Delivery) -> Result<crate::outbound::Outcome, StepError> {
        let file = d.private_key.as_ref().map(|path| self.dir.join(path));
        let keys = target::keys(d.target, d.secret.clone(), file.as_deref())
            .map_err(|e| DeliverError::Key(e.to_string()))?;
        let rendered = case::Rendered {
            body: d.body.clone(),
            signing: d.signing,
            mutation: String::new(),
            must_reject: false,
        };
        let now = self.harness.clock.now();
        let (req, _) =
            crate::fuzz::run::request(d.target, &keys, &d.url, &d.headers, &rendered, now);
        let h = &self.harness;
        let recorder = crate::outbound::Recorder {
            journal: h.journal.clone(),
            clock: h.clock.clone(),
            in_flight: h.in_flight().clone(),
            faults: h.faults.clone(),
        };
        let policy = &crate::outbound::NoRetry;
        let delivery = crate::outbound::deliver(
            &h.transport,
            &recorder,
            d.vendor(),
            "deliver",
            d.timeout,
            policy,
            |_| req.clone(),
        )
        .await;
        Ok(delivery
            .attempts
            .last()
            .cloned()
            .unwrap_or(crate::outbound::Outcome::TimedOut))
    }
}
