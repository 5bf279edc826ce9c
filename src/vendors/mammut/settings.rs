//! The `vendors.mammut` section of the config file: its settings, their defaults
//! and what makes them unusable.

use serde::Deserialize;

/// Settings of fake Mammut (the `vendors.mammut` section).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct MammutSettings {
    /// Listening port (0: chosen by the OS).
    pub port: Option<u16>,
    /// Fault rules on this vendor's traffic (see the README's "Faults and time").
    pub faults: Vec<crate::fault::FaultRule>,
    /// The app selector of every path (`/app:mammut-1/...`).
    pub app: String,
    /// Whether the bot checks `X-Freshchat-Signature` (401 when it fails; what the
    /// real Mammut does is UNKNOWN).
    pub verify_signatures: bool,
    /// The Freshchat public key (PEM) to verify with; unset: fake Freshchat's.
    pub freshchat_public_key_pem: Option<String>,
    /// The Freshchat API the bot calls (`https://api.freshchat.com/v2`); unset:
    /// fake Freshchat's `/v2`. A bot's own `freshchat-api-url` property wins.
    pub freshchat_api_url: Option<String>,
    /// Knowledge for every site.
    pub knowledge: Vec<Knowledge>,
    /// Sites (Freshchat multi-site), each with its own knowledge, searched first.
    pub sites: Vec<Site>,
    /// What the bot posts when it meets a Thought Offer To Be Learned (empty:
    /// nothing).
    pub fallback_answer: String,
}

/// One entry of a knowledge base.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Knowledge {
    /// Phrases; the entry answers a message containing any of them (ignoring case).
    pub when: Vec<String>,
    /// The answer posted.
    pub answer: String,
}

/// A site the bot serves, picked by the message's `app_id`, `channel_id` and
/// `site_id`.
// Vendor quirk: how Freshchat's widget `siteId` reaches webhooks is UNKNOWN; fake
// Freshchat's default puts it in `data.message.site_id`, and a site can also be
// selected by what payloads surely carry: the account and the channel (topic).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Site {
    /// The site's name (recorded with answers and Issues).
    pub name: String,
    /// Only messages of this Freshchat account (APP ID), when set.
    #[serde(default)]
    pub app_id: Option<String>,
    /// Only messages in this channel (topic), when set.
    #[serde(default)]
    pub channel_id: Option<String>,
    /// Only messages from this Freshchat site (the web widget's `siteId`, carried as
    /// the message's `site_id`), when set; a bot with a `freshchat-site-ids`
    /// property only recognises the sites listed there.
    #[serde(default)]
    pub site_id: Option<String>,
    /// The site's knowledge.
    #[serde(default)]
    pub knowledge: Vec<Knowledge>,
}

impl Default for MammutSettings {
    fn default() -> Self {
        Self {
            port: None,
            faults: Vec::new(),
            app: "mammut-1".to_owned(),
            verify_signatures: true,
            freshchat_public_key_pem: None,
            freshchat_api_url: None,
            knowledge: vec![
                Knowledge {
                    when: vec!["opening hours".to_owned(), "open".to_owned()],
                    answer: "We are open Monday to Friday, 9:00 to 18:00.".to_owned(),
                },
                Knowledge {
                    when: vec!["hello".to_owned(), "hola".to_owned()],
                    answer: "Hello! I am the Mammut bot. How can I help?".to_owned(),
                },
            ],
            sites: Vec::new(),
            fallback_answer: "I do not know that yet; a person from our team will help you."
                .to_owned(),
        }
    }
}

impl MammutSettings {
    /// Problems that would make the fake unusable, each as one sentence.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.app.is_empty() || self.app.contains('/') {
            out.push("vendors.mammut.app: a path segment such as mammut-1".to_owned());
        }
        let entries = self
            .knowledge
            .iter()
            .chain(self.sites.iter().flat_map(|s| &s.knowledge));
        for k in entries {
            if k.when.iter().all(|w| w.trim().is_empty()) {
                out.push(format!(
                    "vendors.mammut: the knowledge entry answering `{}` has no `when` phrase",
                    k.answer
                ));
            }
        }
        if let Some(u) = &self.freshchat_api_url
            && !(u.starts_with("http://") || u.starts_with("https://"))
        {
            out.push(format!(
                "vendors.mammut.freshchat_api_url: `{u}` is not an http(s) URL"
            ));
        }
        out
    }
}

impl crate::settings::VendorSettings for MammutSettings {
    fn problems(&self) -> Vec<String> {
        Self::problems(self)
    }
    fn port(&self) -> Option<u16> {
        self.port
    }
    fn faults(&self) -> &[crate::fault::FaultRule] {
        &self.faults
    }
}
