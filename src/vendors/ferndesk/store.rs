//! Fake Ferndesk's state: the audits it ran and what it ingested. No I/O.

use serde::Serialize;
use serde_json::Value;

use super::check::Report;

/// One pull of a custom support endpoint.
#[derive(Debug, Clone, Serialize)]
pub struct Audit {
    /// The check's report (verdict, findings, summary).
    #[serde(flatten)]
    pub report: Report,
    /// The conversations ingested by this audit.
    pub conversations: Vec<Value>,
}

/// Everything fake Ferndesk holds.
#[derive(Debug, Clone, Default)]
pub struct Store {
    /// Every audit, oldest first.
    pub audits: Vec<Audit>,
    /// Every conversation ingested so far, by id (a later audit replaces an
    /// earlier copy), in the order first seen.
    pub ingested: Vec<Value>,
}

impl Store {
    /// Keeps an audit and what it ingested.
    pub fn record(&mut self, report: Report) {
        for conv in &report.ingested {
            let id = conv.get("id").cloned();
            match self
                .ingested
                .iter_mut()
                .find(|c| id.is_some() && c.get("id").cloned() == id)
            {
                Some(old) => old.clone_from(conv),
                None => self.ingested.push(conv.clone()),
            }
        }
        let conversations = report.ingested.clone();
        self.audits.push(Audit {
            report,
            conversations,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vendors::ferndesk::check::{Fetch, IngestRule, check};

    #[test]
    fn later_audits_replace_conversations_by_id() {
        let body = |text: &str| {
            Fetch::Answered {
            status: 200,
            content_type: Some("application/json".to_owned()),
            www_authenticate: None,
            location: None,
            body: format!(r#"{{"conversations":[{{"id":"c1","lastMessageAt":"2024-01-01T00:00:00Z","messages":[{{"id":"m","role":"user","content":"{text}","createdAt":"2024-01-01T00:00:00Z"}}]}}]}}"#).into_bytes(),
        }
        };
        let mut s = Store::default();
        s.record(check("u", &body("one"), None, IngestRule::AllOrNothing));
        s.record(check("u", &body("two"), None, IngestRule::AllOrNothing));
        assert_eq!(s.audits.len(), 2);
        assert_eq!(s.ingested.len(), 1);
        assert_eq!(s.ingested[0]["messages"][0]["content"], "two");
    }
}
